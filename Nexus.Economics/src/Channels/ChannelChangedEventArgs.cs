using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>What happened to a payment channel (see <see cref="EconomicsNode.ChannelChanged"/>).</summary>
public enum ChannelChangeKind
{
    /// <summary>This node proposed the channel (<see cref="EconomicsNode.OpenChannelAsync"/>): status <see cref="ChannelStatus.Opening"/>, sequence 0 signed by this side only.</summary>
    Opening = 0,

    /// <summary>Both sides signed sequence 0: status <see cref="ChannelStatus.Open"/> (the peer's OpenAccept arrived, or this node accepted the peer's OpenRequest).</summary>
    Opened,

    /// <summary>A new dual-signed state became the latest (a payment, a lottery win, new terms, or a higher state submitted in a dispute).</summary>
    Updated,

    /// <summary>A dual-signed settlement of the channel was stored (<see cref="PaymentChannel.LastSettlement"/>); the channel stays open.</summary>
    Settled,

    /// <summary>A unilateral close started (this node abandoned the channel or the peer submitted a state): status <see cref="ChannelStatus.Closing"/> until the dispute window ends.</summary>
    Closing,

    /// <summary>The dispute window ended (<see cref="EconomicsNode.TickAsync"/>): status <see cref="ChannelStatus.Closed"/>, the latest state is final.</summary>
    Closed,
}

/// <summary>A change of one of an <see cref="EconomicsNode"/>'s payment channels, with the channel's values right after it (a <see cref="PaymentChannel"/> keeps changing; these do not).</summary>
public sealed class ChannelChangedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="change">What happened.</param>
    /// <param name="peer">The neighbour's 16-byte hash.</param>
    /// <param name="status">The channel's status after the change.</param>
    /// <param name="localSide">This node's side in the channel.</param>
    /// <param name="latest">The latest state after the change (dual-signed unless <paramref name="status"/> is <see cref="ChannelStatus.Opening"/>).</param>
    /// <param name="lastSettlement">The last dual-signed settlement, or null.</param>
    public ChannelChangedEventArgs(ChannelChangeKind change, Hash128 peer, ChannelStatus status, ChannelParty localSide, ChannelState latest, SettlementRecord? lastSettlement)
    {
        Change = change;
        Peer = peer;
        Status = status;
        LocalSide = localSide;
        Latest = latest;
        LastSettlement = lastSettlement;
    }

    /// <summary>What happened.</summary>
    public ChannelChangeKind Change { get; }

    /// <summary>The channel id (of <see cref="Latest"/>).</summary>
    public ChannelId Channel => Latest.Channel;

    /// <summary>The neighbour's 16-byte hash.</summary>
    public Hash128 Peer { get; }

    /// <summary>The channel's status after the change.</summary>
    public ChannelStatus Status { get; }

    /// <summary>This node's side.</summary>
    public ChannelParty LocalSide { get; }

    /// <summary>The latest state after the change.</summary>
    public ChannelState Latest { get; }

    /// <summary>The latest state's sequence.</summary>
    public ulong Sequence => Latest.Sequence;

    /// <summary>This node's balance in <see cref="Latest"/>, μNXS.</summary>
    public ulong LocalBalance => Latest.BalanceOf(LocalSide);

    /// <summary>The peer's balance in <see cref="Latest"/>, μNXS.</summary>
    public ulong PeerBalance => Latest.BalanceOf(LocalSide == ChannelParty.A ? ChannelParty.B : ChannelParty.A);

    /// <summary>The channel's last dual-signed settlement after the change, or null.</summary>
    public SettlementRecord? LastSettlement { get; }
}
