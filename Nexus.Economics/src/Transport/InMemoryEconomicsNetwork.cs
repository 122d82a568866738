using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>
/// A deterministic in-process network for <see cref="EconomicsNode"/>s: channel messages and
/// settlement gossip are queued in FIFO order and delivered only when the caller pumps
/// (<see cref="RunChannelMessagesAsync"/>, <see cref="GossipRoundAsync"/>), so multi-node scenarios
/// (lotteries, settlements, disputes, crashes) replay exactly. Gossip is flooding over the links
/// given to <see cref="Link"/>: one <see cref="GossipRoundAsync"/> moves every queued record one hop.
/// Not thread-safe: drive it from one test or simulation task.
/// </summary>
public sealed class InMemoryEconomicsNetwork
{
    private readonly Dictionary<Hash128, EconomicsNode> _nodes = [];
    private readonly Dictionary<Hash128, HashSet<Hash128>> _links = [];
    private readonly Queue<(Hash128 From, Hash128 To, byte[] Message)> _messages = new();
    private readonly Queue<(Hash128 From, Hash128 To, byte[] Record)> _gossip = new();

    /// <summary>
    /// Decides whether a channel message is delivered: (from, to, bytes) → false drops it. Use it to
    /// lose messages or to stop at a crash point. Default: deliver everything.
    /// </summary>
    public Func<Hash128, Hash128, ReadOnlyMemory<byte>, bool>? Filter { get; set; }

    /// <summary>Channel messages delivered so far.</summary>
    public long DeliveredMessages { get; private set; }

    /// <summary>Channel messages waiting.</summary>
    public int PendingMessages => _messages.Count;

    /// <summary>Gossip records waiting for the next round.</summary>
    public int PendingGossip => _gossip.Count;

    /// <summary>A transport that queues messages sent by <paramref name="node"/>.</summary>
    /// <param name="node">The sending node's hash.</param>
    /// <returns>The transport.</returns>
    public IChannelMessageTransport CreateTransport(Hash128 node) => new Endpoint(this, node);

    /// <summary>A gossip publisher that floods records from <paramref name="node"/> to its linked neighbours.</summary>
    /// <param name="node">The publishing node's hash.</param>
    /// <returns>The gossip endpoint.</returns>
    public ISettlementGossip CreateGossip(Hash128 node) => new Endpoint(this, node);

    /// <summary>Registers (or replaces, after a restart) the node that receives messages for its hash.</summary>
    /// <param name="node">The node.</param>
    /// <exception cref="ArgumentNullException"><paramref name="node"/> is null.</exception>
    public void Attach(EconomicsNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        _nodes[node.LocalHash] = node;
    }

    /// <summary>Unregisters a node (a crash): messages to it are dropped until it is attached again.</summary>
    /// <param name="node">The node's hash.</param>
    public void Detach(Hash128 node) => _nodes.Remove(node);

    /// <summary>Makes two nodes gossip neighbours (both directions).</summary>
    /// <param name="a">One node.</param>
    /// <param name="b">The other.</param>
    public void Link(Hash128 a, Hash128 b)
    {
        Neighbours(a).Add(b);
        Neighbours(b).Add(a);
    }

    /// <summary>Delivers channel messages in FIFO order, including replies, until none is left.</summary>
    /// <param name="cancellationToken">Cancels delivery.</param>
    /// <returns>How many were delivered.</returns>
    public async ValueTask<int> RunChannelMessagesAsync(CancellationToken cancellationToken = default)
    {
        int delivered = 0;
        while (_messages.TryDequeue(out var m))
        {
            if (Filter is { } filter && !filter(m.From, m.To, m.Message))
            {
                continue;
            }

            if (_nodes.TryGetValue(m.To, out var node))
            {
                delivered++;
                DeliveredMessages++;
                await node.ReceiveAsync(m.From, m.Message, cancellationToken).ConfigureAwait(false);
            }
        }

        return delivered;
    }

    /// <summary>One gossip round: delivers every record queued before the round (one hop each).</summary>
    /// <param name="cancellationToken">Cancels delivery.</param>
    /// <returns>How many records were delivered.</returns>
    public async ValueTask<int> GossipRoundAsync(CancellationToken cancellationToken = default)
    {
        int count = _gossip.Count;
        for (int i = 0; i < count; i++)
        {
            var (_, to, record) = _gossip.Dequeue();
            if (_nodes.TryGetValue(to, out var node))
            {
                await node.ReceiveSettlementAsync(record, cancellationToken).ConfigureAwait(false);
            }
        }

        return count;
    }

    private HashSet<Hash128> Neighbours(Hash128 node)
    {
        if (!_links.TryGetValue(node, out var set))
        {
            set = [];
            _links[node] = set;
        }

        return set;
    }

    private sealed class Endpoint(InMemoryEconomicsNetwork network, Hash128 self) : IChannelMessageTransport, ISettlementGossip
    {
        public ValueTask SendAsync(Hash128 peer, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
        {
            network._messages.Enqueue((self, peer, message.ToArray()));
            return ValueTask.CompletedTask;
        }

        public ValueTask PublishAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken = default)
        {
            if (network._links.TryGetValue(self, out var neighbours))
            {
                foreach (var n in neighbours)
                {
                    network._gossip.Enqueue((self, n, record.ToArray()));
                }
            }

            return ValueTask.CompletedTask;
        }
    }
}
