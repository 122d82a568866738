namespace Nexus.Economics;

/// <summary>Settings of a <see cref="LinkChannelTransport"/> (docs/protocol/channels.md, "Carriage over NEXUS links").</summary>
public sealed class LinkChannelTransportOptions
{
    /// <summary>
    /// How long a link may stay in its handshake before it is abandoned and opened again (a backstop:
    /// the link manager retransmits the initiation and closes the link itself after 3 × 15 s by default,
    /// which the transport notices at once). Default 60 s.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A link is presumed dead (the peer restarted or lost it) when this node has sent on it and heard
    /// nothing back on it for this long; it is then replaced by a fresh handshake. The channel protocol
    /// answers every request, so a live peer always replies well within it. Default 15 s.
    /// </summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Messages held per neighbour while its link is being (re)established; past it the oldest is dropped and counted (<c>outbound_full</c>). Default 64.</summary>
    public int OutboundQueueCapacity { get; set; } = 64;

    /// <summary>Inbound messages waiting for delivery to the <see cref="EconomicsNode"/>; past it new ones are dropped and counted (<c>inbound_full</c>). Default 1,024.</summary>
    public int InboundQueueCapacity { get; set; } = 1_024;

    /// <summary>Neighbour identities remembered for opening links (<see cref="LinkChannelTransport.LearnIdentity"/>); past it the oldest without a link is forgotten. Default 4,096.</summary>
    public int MaxIdentities { get; set; } = 4_096;

    /// <summary>How often the maintenance timer expires handshakes and retries queued messages. Default 1 s.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandshakeTimeout, TimeSpan.Zero, nameof(HandshakeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StaleAfter, TimeSpan.Zero, nameof(StaleAfter));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaintenanceInterval, TimeSpan.Zero, nameof(MaintenanceInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(OutboundQueueCapacity, 1, nameof(OutboundQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(InboundQueueCapacity, 1, nameof(InboundQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxIdentities, 1, nameof(MaxIdentities));
    }
}
