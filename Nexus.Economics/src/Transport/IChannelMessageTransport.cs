using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>
/// Sends channel protocol messages (<see cref="ChannelMessage"/> wire forms) to a direct neighbour.
/// <see cref="LinkChannelTransport"/> implements it over authenticated NEXUS links (decision D3); inbound
/// messages are handed to <see cref="EconomicsNode.ReceiveAsync"/> together with the link's authenticated
/// peer. <see cref="InMemoryEconomicsNetwork"/> is the deterministic test double.
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
/// "valid settlements gossip"). <see cref="SettlementGossipTopic"/> implements it as a Nexus.Mesh gossip
/// topic whose merge validates received records into the ledger; <see cref="InMemoryEconomicsNetwork"/>
/// floods records to <see cref="EconomicsNode.ReceiveSettlementAsync"/> in tests.
/// </summary>
public interface ISettlementGossip
{
    /// <summary>Publishes one settlement record.</summary>
    /// <param name="record">The 192-byte record.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>Completes when queued for gossip.</returns>
    ValueTask PublishAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken = default);
}
