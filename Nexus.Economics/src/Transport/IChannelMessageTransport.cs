using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>
/// Sends channel protocol messages (<see cref="ChannelMessage"/> wire forms) to a direct neighbour.
/// Nexus.Mesh implements it over an authenticated NEXUS link (decision D3); inbound messages are
/// handed to <see cref="EconomicsNode.ReceiveAsync"/> together with the link's authenticated peer.
/// Delivery may fail or reorder: the protocol resends pending proposals (<see cref="EconomicsNode.ResumeAsync"/>)
/// and every handler is idempotent.
/// </summary>
public interface IChannelMessageTransport
{
    /// <summary>Queues one message for a neighbour.</summary>
    /// <param name="peer">The neighbour's 16-byte hash.</param>
    /// <param name="message">The message bytes (at most <see cref="ChannelMessage.MaxSizeInBytes"/>); the transport may keep a reference until sent.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the message is handed to the link.</returns>
    ValueTask SendAsync(Hash128 peer, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default);
}

/// <summary>
/// Publishes accepted settlements on the mesh's settlement gossip topic (spec 02-economics section 3:
/// "valid settlements gossip"). Nexus.Mesh implements it over a gossip topic; records received from
/// the topic go to <see cref="EconomicsNode.ReceiveSettlementAsync"/>, which validates them and, when new and
/// valid, publishes them onward.
/// </summary>
public interface ISettlementGossip
{
    /// <summary>Publishes one settlement record.</summary>
    /// <param name="record">The 192-byte record.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>Completes when queued for gossip.</returns>
    ValueTask PublishAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken = default);
}
