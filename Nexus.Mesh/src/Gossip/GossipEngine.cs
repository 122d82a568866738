using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;

namespace Nexus.Mesh.Gossip;

/// <summary>
/// The gossip protocol of one node (spec 01-mesh §5–§6, decision D9). Every round (60 s by
/// default) it sends each neighbour, per topic, Bloom summaries of what it holds as that neighbour
/// would offer it; a neighbour answers a summary with deltas — the items whose digest
/// (<c>key ‖ version</c>) is not in the filter — and merges the deltas it receives under each
/// topic's CRDT rule. Filters are sized for the target false-positive rate (1 %) with the optimal k
/// and salted with the round number, so a false positive does not repeat.
/// <para>
/// Budget: every message is charged (plus the packet header) to its topic's tier in the link's
/// <see cref="GossipLinkBudget"/>; messages wait in a per-neighbour queue until their tier has tokens,
/// so gossip never takes more than the tier shares (≤ 10 %) of a link. Large topics are split into
/// slices (FNV-1a-64(key) mod n) of at most one message's filter; constrained links (&lt; 10 kbit/s)
/// get filters of at most 256 bytes, one slice per topic per round (rotating), and tiers 3–4 only
/// on request (<see cref="Pull"/>).
/// </para>
/// <para>
/// Failure detection: a neighbour silent for 3 rounds is <see cref="NeighbourStatus.Down"/>, for 10
/// rounds <see cref="NeighbourStatus.Evicted"/>; topics implementing
/// <see cref="IGossipNeighbourObserver"/> are told.
/// </para>
/// The engine is pull-driven on the sending side: the link's transmitter calls
/// <see cref="TryDequeue"/> (or waits <see cref="TimeUntilSendable"/>) and hands inbound messages
/// to <see cref="Receive"/>. Not thread-safe: drive it from one thread or event loop.
/// </summary>
public sealed class GossipEngine : IGossipPublisher, IDisposable
{
    private static readonly Meter s_meter = new("Nexus.Mesh");
    private static readonly Counter<long> s_sentBytes = s_meter.CreateCounter<long>("nexus.mesh.gossip.sent", "By", "Gossip bytes handed to links (with packet headers).");
    private static readonly Counter<long> s_malformed = s_meter.CreateCounter<long>("nexus.mesh.gossip.malformed", "{message}", "Gossip messages dropped as malformed.");
    private static readonly Counter<long> s_oversize = s_meter.CreateCounter<long>("nexus.mesh.gossip.oversize", "{item}", "Gossip items not sent because they do not fit one message of GossipOptions.MaxMessageBytes.");
    private static readonly Action<ILogger, string, Exception?> s_logMalformed =
        LoggerMessage.Define<string>(LogLevel.Debug, new EventId(4201, "GossipMalformed"), "Dropped a malformed gossip message from {Neighbour}");
    private static readonly Action<ILogger, string, NeighbourStatus, Exception?> s_logStatus =
        LoggerMessage.Define<string, NeighbourStatus>(LogLevel.Information, new EventId(4202, "GossipNeighbourStatus"), "Neighbour {Neighbour} is now {Status}");

    private readonly GossipOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<byte, IGossipTopic> _topics = [];
    private readonly List<IGossipTopic> _topicOrder = [];
    private readonly Dictionary<Hash128, Neighbour> _neighbours = [];
    private readonly List<Hash128> _neighbourOrder = [];
    private readonly List<GossipItem> _scratch = [];
    private readonly double _bitsPerEntry;
    private ITimer? _timer;

    /// <summary>Creates an engine.</summary>
    /// <param name="options">Settings (validated).</param>
    /// <param name="time">The clock; rounds run on its timers after <see cref="Start"/>.</param>
    /// <param name="logger">Optional logger.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public GossipEngine(GossipOptions options, TimeProvider time, ILogger<GossipEngine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _options = options;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _bitsPerEntry = -Math.Log(options.FalsePositiveRate) / (Math.Log(2) * Math.Log(2));
    }

    /// <summary>Raised when a message is queued for a neighbour whose queue was empty (wake its transmitter).</summary>
    public event Action<Hash128>? OutboundReady;

    /// <summary>Raised when failure detection changes a neighbour's status.</summary>
    public event Action<Hash128, NeighbourStatus>? NeighbourStatusChanged;

    /// <summary>The current round number (0 before the first round).</summary>
    public uint Round { get; private set; }

    /// <summary>The settings.</summary>
    public GossipOptions Options => _options;

    /// <summary>Registers a topic.</summary>
    /// <param name="topic">The topic; its <see cref="IGossipTopic.Id"/> must be unused.</param>
    /// <exception cref="ArgumentException">The id is taken.</exception>
    public void AddTopic(IGossipTopic topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (!_topics.TryAdd(topic.Id, topic))
        {
            throw new ArgumentException($"Topic id {topic.Id} is already registered.", nameof(topic));
        }

        _topicOrder.Add(topic);
    }

    /// <summary>Adds a neighbour reachable over a link of <paramref name="bitsPerSecond"/>.</summary>
    /// <param name="neighbour">The neighbour's identity hash.</param>
    /// <param name="bitsPerSecond">The link's nominal rate in bit/s (&gt; 0), which sizes its budget.</param>
    /// <param name="sharedChannel">True for a half-duplex channel both ends transmit on (LoRa): each end budgets on half the rate, so the two together stay within the shares of the channel.</param>
    /// <exception cref="ArgumentException">The neighbour is already known.</exception>
    public void AddNeighbour(Hash128 neighbour, double bitsPerSecond, bool sharedChannel = false)
    {
        double budgetRate = sharedChannel ? bitsPerSecond / 2 : bitsPerSecond;
        var state = new Neighbour(new GossipLinkBudget(budgetRate, _options.Budget, _time, constrained: bitsPerSecond < _options.Budget.ConstrainedBelowBitsPerSecond), _time.GetTimestamp());
        if (!_neighbours.TryAdd(neighbour, state))
        {
            throw new ArgumentException("The neighbour is already known.", nameof(neighbour));
        }

        _neighbourOrder.Add(neighbour);
    }

    /// <summary>
    /// Re-sizes a neighbour's budget for a changed link: its rate, or the number of stations sharing
    /// a half-duplex channel. With <paramref name="stationsOnChannel"/> = s stations on a shared
    /// channel each end budgets on rate / (s·(s − 1)) per neighbour, so all s stations gossiping to
    /// each other stay within the shares of the channel (s = 2 is <see cref="AddNeighbour"/>'s half rate).
    /// The queue and failure state are kept; the new budget starts empty.
    /// </summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <param name="bitsPerSecond">The link's nominal rate in bit/s (&gt; 0).</param>
    /// <param name="sharedChannel">Whether the channel is half-duplex and shared.</param>
    /// <param name="stationsOnChannel">Stations on the shared channel, this one included (≥ 2; ignored when not shared).</param>
    /// <exception cref="KeyNotFoundException">Unknown neighbour.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stationsOnChannel"/> &lt; 2.</exception>
    public void SetNeighbourLink(Hash128 neighbour, double bitsPerSecond, bool sharedChannel, int stationsOnChannel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stationsOnChannel, 2);
        var state = _neighbours[neighbour];
        double budgetRate = sharedChannel ? bitsPerSecond / (stationsOnChannel * (stationsOnChannel - 1.0)) : bitsPerSecond;
        state.Budget = new GossipLinkBudget(budgetRate, _options.Budget, _time, constrained: bitsPerSecond < _options.Budget.ConstrainedBelowBitsPerSecond);
    }

    /// <summary>Forgets a neighbour and its queue.</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <returns>False when it was unknown.</returns>
    public bool RemoveNeighbour(Hash128 neighbour)
    {
        if (!_neighbours.Remove(neighbour))
        {
            return false;
        }

        _neighbourOrder.Remove(neighbour);
        return true;
    }

    /// <summary>The budget of a neighbour's link.</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <returns>The budget.</returns>
    /// <exception cref="KeyNotFoundException">Unknown neighbour.</exception>
    public GossipLinkBudget BudgetOf(Hash128 neighbour) => _neighbours[neighbour].Budget;

    /// <summary>The failure-detection status of a neighbour.</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <returns>Its status.</returns>
    /// <exception cref="KeyNotFoundException">Unknown neighbour.</exception>
    public NeighbourStatus StatusOf(Hash128 neighbour) => _neighbours[neighbour].Status;

    /// <summary>Messages queued for a neighbour.</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <returns>The count (0 for an unknown neighbour).</returns>
    public int QueuedFor(Hash128 neighbour) => _neighbours.TryGetValue(neighbour, out var n) ? n.Queue.Count : 0;

    /// <summary>Gossip bytes (with packet headers) handed out for a neighbour, per tier.</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <param name="tier">The tier.</param>
    /// <returns>Bytes since the neighbour was added.</returns>
    public long SentBytes(Hash128 neighbour, GossipTier tier) => _neighbours.TryGetValue(neighbour, out var n) ? n.SentBytes[(int)tier - 1] : 0;

    /// <summary>Runs <see cref="RunRound"/> every <see cref="GossipOptions.RoundInterval"/> on the clock's timer, the first after one interval.</summary>
    public void Start()
    {
        _timer ??= _time.CreateTimer(_ => RunRound(), null, _options.RoundInterval, _options.RoundInterval);
    }

    /// <summary>Stops the round timer.</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
    }

    /// <summary>
    /// Runs one round: failure detection, topics' periodic work, then summaries of every pushed topic
    /// to every neighbour (replacing summaries from the previous round still queued).
    /// </summary>
    public void RunRound()
    {
        Round++;
        long now = _time.GetTimestamp();
        foreach (var id in _neighbourOrder)
        {
            DetectFailure(id, _neighbours[id], now);
        }

        foreach (var topic in _topicOrder)
        {
            (topic as IGossipRoundObserver)?.OnRound(Round, this);
        }

        foreach (var id in _neighbourOrder)
        {
            var neighbour = _neighbours[id];
            foreach (var topic in _topicOrder)
            {
                if (!neighbour.Budget.IsPullOnly(topic.Tier))
                {
                    QueueSummaries(id, neighbour, topic, isPull: false);
                }
            }
        }
    }

    /// <summary>Asks a neighbour for the items of a topic this node lacks (the only way tiers 3–4 move on constrained links).</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <param name="topicId">The topic.</param>
    /// <exception cref="KeyNotFoundException">Unknown neighbour or topic.</exception>
    public void Pull(Hash128 neighbour, byte topicId) => QueueSummaries(neighbour, _neighbours[neighbour], _topics[topicId], isPull: true);

    /// <inheritdoc/>
    public void Publish(IGossipTopic topic, ReadOnlySpan<byte> key, Hash128? except = null)
    {
        ArgumentNullException.ThrowIfNull(topic);
        foreach (var id in _neighbourOrder)
        {
            var neighbour = _neighbours[id];
            if ((except is { } skip && skip == id) || neighbour.Budget.IsPullOnly(topic.Tier) || neighbour.Status != NeighbourStatus.Up)
            {
                continue;
            }

            if (topic.TryGetOffer(id, key, out var item) && Fits(item))
            {
                foreach (var message in GossipMessage.WriteDeltas(topic.Id, [item], _options.MaxMessageBytes))
                {
                    Enqueue(id, neighbour, new Outbound(topic.Tier, topic.Id, GossipMessageKind.Delta, message));
                }
            }
        }
    }

    /// <summary>Handles a message from a neighbour. Malformed messages and unknown topics are counted and dropped; this never throws for peer input.</summary>
    /// <param name="from">The neighbour it arrived from (authenticated by the link).</param>
    /// <param name="message">The message bytes.</param>
    /// <returns>False when the message was dropped (unknown neighbour, malformed, unknown topic).</returns>
    public bool Receive(Hash128 from, ReadOnlySpan<byte> message)
    {
        if (!_neighbours.TryGetValue(from, out var neighbour))
        {
            return false;
        }

        if (!GossipMessage.TryPeek(message, out var kind, out var topicId) || !_topics.TryGetValue(topicId, out var topic))
        {
            return Malformed(from);
        }

        neighbour.LastHeard = _time.GetTimestamp();
        if (neighbour.Status != NeighbourStatus.Up)
        {
            SetStatus(from, neighbour, NeighbourStatus.Up);
        }

        if (kind == GossipMessageKind.Summary)
        {
            if (!GossipMessage.TryReadSummary(message, out var summary))
            {
                return Malformed(from);
            }

            if (neighbour.Budget.IsPullOnly(topic.Tier) && !summary!.IsPull)
            {
                return true;
            }

            AnswerSummary(from, neighbour, topic, summary!);
            return true;
        }

        if (!GossipMessage.TryReadDelta(message, out _, out var items))
        {
            return Malformed(from);
        }

        foreach (var item in items!)
        {
            if (topic.Merge(from, item) == GossipMergeResult.Accepted && topic.PushOnAccept)
            {
                Publish(topic, item.Key.Span, except: from);
            }
        }

        return true;
    }

    /// <summary>Takes the next message for a neighbour whose tier budget allows it now: tier 1 first, FIFO within a tier.</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <param name="message">The message (the data of one packet), or null.</param>
    /// <returns>False when nothing is queued or every queued tier is out of tokens.</returns>
    public bool TryDequeue(Hash128 neighbour, out byte[]? message)
    {
        message = null;
        if (!_neighbours.TryGetValue(neighbour, out var state) || state.Queue.Count == 0)
        {
            return false;
        }

        for (var tier = GossipTier.Critical; tier <= GossipTier.Social; tier++)
        {
            var node = state.Queue.First;
            while (node is not null && node.Value.Tier != tier)
            {
                node = node.Next;
            }

            if (node is null)
            {
                continue;
            }

            int cost = node.Value.Bytes.Length + _options.PacketOverheadBytes;
            if (state.Budget.TryConsume(tier, cost))
            {
                state.Queue.Remove(node);
                state.SentBytes[(int)tier - 1] += cost;
                s_sentBytes.Add(cost);
                message = node.Value.Bytes;
                return true;
            }
        }

        return false;
    }

    /// <summary>How long until <see cref="TryDequeue"/> can return a message for the neighbour.</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <returns>Zero when one can be taken now; <see cref="TimeSpan.MaxValue"/> when nothing is queued.</returns>
    public TimeSpan TimeUntilSendable(Hash128 neighbour)
    {
        if (!_neighbours.TryGetValue(neighbour, out var state) || state.Queue.Count == 0)
        {
            return TimeSpan.MaxValue;
        }

        var best = TimeSpan.MaxValue;
        Span<bool> seen = stackalloc bool[4];
        foreach (var outbound in state.Queue)
        {
            int t = (int)outbound.Tier - 1;
            if (!seen[t])
            {
                seen[t] = true;
                var wait = state.Budget.TimeUntilAvailable(outbound.Tier, outbound.Bytes.Length + _options.PacketOverheadBytes);
                if (wait < best)
                {
                    best = wait;
                }
            }
        }

        return best;
    }

    private bool Fits(in GossipItem item)
    {
        if (GossipMessage.DeltaHeaderSize + item.EncodedSize <= _options.MaxMessageBytes)
        {
            return true;
        }

        s_oversize.Add(1);
        return false;
    }

    private bool Malformed(Hash128 from)
    {
        s_malformed.Add(1);
        s_logMalformed(_logger, from.ToString(), null);
        return false;
    }

    private void DetectFailure(Hash128 id, Neighbour neighbour, long now)
    {
        double silentRounds = _time.GetElapsedTime(neighbour.LastHeard, now) / _options.RoundInterval;
        var status = silentRounds >= _options.EvictAfterRounds ? NeighbourStatus.Evicted
            : silentRounds >= _options.DownAfterRounds ? NeighbourStatus.Down
            : NeighbourStatus.Up;
        if (status != neighbour.Status && status != NeighbourStatus.Up)
        {
            SetStatus(id, neighbour, status);
        }
    }

    private void SetStatus(Hash128 id, Neighbour neighbour, NeighbourStatus status)
    {
        neighbour.Status = status;
        s_logStatus(_logger, id.ToString(), status, null);
        foreach (var topic in _topicOrder)
        {
            (topic as IGossipNeighbourObserver)?.OnNeighbourStatus(id, status);
        }

        NeighbourStatusChanged?.Invoke(id, status);
    }

    private void QueueSummaries(Hash128 id, Neighbour neighbour, IGossipTopic topic, bool isPull)
    {
        _scratch.Clear();
        topic.CollectHeld(id, _scratch);
        int maxBits = Math.Min(neighbour.Budget.MaxFilterBytes, _options.MaxMessageBytes - GossipMessage.SummaryHeaderSize - 7 - 4) * 8 / 64 * 64;
        int perSlice = Math.Max(1, (int)(maxBits / _bitsPerEntry));
        int slices = Math.Clamp((_scratch.Count + perSlice - 1) / perSlice, 1, ushort.MaxValue);
        int first = 0, last = slices - 1;
        if (neighbour.Budget.IsConstrained)
        {
            first = last = (int)(Round % (uint)slices);
        }

        neighbour.RemoveQueued(topic.Id, GossipMessageKind.Summary);
        Span<byte> salt = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(salt, Round);
        Span<byte> digest = stackalloc byte[GossipItem.MaxKeyLength + 8];

        // One pass assigns every item to its slice; each slice's filter is then built from its own items.
        int span = last - first + 1;
        var counts = new int[span];
        var sliceOf = new int[_scratch.Count];
        for (int i = 0; i < _scratch.Count; i++)
        {
            int slice = slices == 1 ? 0 : GossipMessage.SliceOf(_scratch[i].Key.Span, slices);
            sliceOf[i] = slice;
            if (slice >= first && slice <= last)
            {
                counts[slice - first]++;
            }
        }

        var filters = new BloomFilter[span];
        for (int j = 0; j < span; j++)
        {
            int n = Math.Max(1, counts[j]);
            int m = Math.Min(BloomFilter.OptimalBitCount(n, _options.FalsePositiveRate), maxBits);
            filters[j] = new BloomFilter(m, BloomFilter.OptimalHashCount(m, n), salt);
        }

        for (int i = 0; i < _scratch.Count; i++)
        {
            int slice = sliceOf[i];
            if (slice >= first && slice <= last)
            {
                filters[slice - first].Add(digest[.._scratch[i].WriteDigest(digest)]);
            }
        }

        for (int j = 0; j < span; j++)
        {
            var bytes = GossipMessage.WriteSummary(new GossipSummary(topic.Id, Round, (ushort)(first + j), (ushort)slices, isPull, filters[j]));
            Enqueue(id, neighbour, new Outbound(topic.Tier, topic.Id, GossipMessageKind.Summary, bytes));
        }
    }

    private void AnswerSummary(Hash128 id, Neighbour neighbour, IGossipTopic topic, GossipSummary summary)
    {
        _scratch.Clear();
        topic.CollectOffers(id, _scratch);
        var missing = new List<GossipItem>();
        Span<byte> digest = stackalloc byte[GossipItem.MaxKeyLength + 8];
        foreach (var item in _scratch)
        {
            if ((summary.SliceCount == 1 || GossipMessage.SliceOf(item.Key.Span, summary.SliceCount) == summary.SliceIndex)
                && !summary.Filter.MayContain(digest[..item.WriteDigest(digest)]) && Fits(item))
            {
                missing.Add(item);
            }
        }

        if (summary.SliceCount == 1)
        {
            neighbour.RemoveQueued(topic.Id, GossipMessageKind.Delta);
        }

        foreach (var message in GossipMessage.WriteDeltas(topic.Id, missing, _options.MaxMessageBytes))
        {
            Enqueue(id, neighbour, new Outbound(topic.Tier, topic.Id, GossipMessageKind.Delta, message));
        }
    }

    private void Enqueue(Hash128 id, Neighbour neighbour, Outbound outbound)
    {
        bool wasEmpty = neighbour.Queue.Count == 0;
        neighbour.Queue.AddLast(outbound);
        if (neighbour.Queue.Count > _options.MaxQueuedMessages)
        {
            neighbour.DropOldest(GossipTier.Social, GossipTier.Services);
        }

        while (neighbour.Queue.Count > _options.HardMaxQueuedMessages)
        {
            neighbour.DropOldest(GossipTier.Social, GossipTier.Critical);
        }

        if (wasEmpty && neighbour.Queue.Count > 0)
        {
            OutboundReady?.Invoke(id);
        }
    }

    private readonly record struct Outbound(GossipTier Tier, byte TopicId, GossipMessageKind Kind, byte[] Bytes);

    private sealed class Neighbour(GossipLinkBudget budget, long lastHeard)
    {
        public GossipLinkBudget Budget { get; set; } = budget;

        public LinkedList<Outbound> Queue { get; } = new();

        public long[] SentBytes { get; } = new long[4];

        public long LastHeard { get; set; } = lastHeard;

        public NeighbourStatus Status { get; set; }

        public void RemoveQueued(byte topicId, GossipMessageKind kind)
        {
            var node = Queue.First;
            while (node is not null)
            {
                var next = node.Next;
                if (node.Value.TopicId == topicId && node.Value.Kind == kind)
                {
                    Queue.Remove(node);
                }

                node = next;
            }
        }

        /// <summary>Drops the oldest message of the highest-numbered tier from <paramref name="from"/> down to <paramref name="to"/>.</summary>
        public void DropOldest(GossipTier from, GossipTier to)
        {
            for (var tier = from; tier >= to; tier--)
            {
                for (var node = Queue.First; node is not null; node = node.Next)
                {
                    if (node.Value.Tier == tier)
                    {
                        Queue.Remove(node);
                        return;
                    }
                }
            }
        }
    }
}
