using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;

namespace Nexus.Mesh.Congestion;

/// <summary>Counts kept per priority class by a <see cref="LinkScheduler"/>.</summary>
/// <param name="Enqueued">Packets accepted into the queue.</param>
/// <param name="Sent">Packets handed to the link.</param>
/// <param name="SentBytes">Bytes handed to the link.</param>
/// <param name="Dropped">Packets dropped (deadline or queue full).</param>
public readonly record struct PriorityStatistics(long Enqueued, long Sent, long SentBytes, long Dropped);

/// <summary>
/// The outbound user-traffic scheduler of one link (spec 01-mesh §7):
/// <list type="bullet">
/// <item>four priority queues P0–P3, served strictly in priority order, round-robin across upstream
/// neighbours within a level; P0/P1/P2 packets older than 500 ms / 5 s / 30 s are dropped;</item>
/// <item>starvation prevention: while P3 has packets, every byte served from P0–P2 earns P3 a credit
/// of share/(1 − share) bytes (deficit round robin, share = 10 %), and P3 is served as soon as its
/// credit covers its head packet, so P3 receives at least 10 % of user bytes and is never starved;
/// P3 owns a reserve of share × capacity bytes of the queue (at least one 500-byte MTU): a full queue
/// evicts P3 packets for higher classes only above it, and a P3 packet arriving at a full queue while
/// P3 holds less evicts the newest packet of the lowest higher class, so a flood of P0–P2 can neither
/// empty P3 nor keep it out;</item>
/// <item>buffer fairness: at a full queue the neighbour holding the most packets of the arriving
/// class per unit of weight loses its newest packet (longest-queue drop), so one upstream's burst
/// cannot take every free slot;</item>
/// <item>per-neighbour token buckets: the user rate (0.90 × the measured rate, an EMA of transmit
/// throughput with a 60 s half-life) is split among neighbours with queued packets by
/// <see cref="IFairShareWeighting"/> weight; a neighbour over its share stays queued, never dropped;</item>
/// <item>backpressure: when the queue passes 50 % of its capacity a <see cref="CongestionSignal"/> is
/// raised through <see cref="CongestionSignalled"/> (again each time the severity rises), and
/// <see cref="CostMultiplier"/> gives the quadratic <see cref="DynamicCost"/> for route cost.</item>
/// </list>
/// Single-threaded by design: call it from the link's send loop. All time comes from the <see cref="TimeProvider"/>.
/// </summary>
public sealed class LinkScheduler
{
    private static readonly Meter s_meter = new("Nexus.Mesh");
    private static readonly Counter<long> s_dropped = s_meter.CreateCounter<long>("nexus.mesh.scheduler.dropped", "{packet}", "User packets dropped by link schedulers.");
    private static readonly Counter<long> s_sent = s_meter.CreateCounter<long>("nexus.mesh.scheduler.sent", "By", "User bytes handed to links by schedulers.");

    private static readonly Action<ILogger, int, TrafficPriority, DropReason, Exception?> s_logDrop =
        LoggerMessage.Define<int, TrafficPriority, DropReason>(LogLevel.Debug, new EventId(4101, "SchedulerDrop"), "Dropped a {Length}-byte {Priority} packet: {Reason}");

    private readonly LinkSchedulerOptions _options;
    private readonly TimeProvider _time;
    private readonly IFairShareWeighting? _weighting;
    private readonly ILogger _logger;
    private readonly Level[] _levels = [new(), new(), new(), new()];
    private readonly Dictionary<Hash128, NeighbourState> _neighbours = [];
    private readonly long[] _deadlineTicks = new long[4];
    private readonly long[] _enqueued = new long[4];
    private readonly long[] _sent = new long[4];
    private readonly long[] _sentBytes = new long[4];
    private readonly long[] _dropped = new long[4];
    private readonly long _capacity;
    private double _measuredBytesPerSecond;
    private long _lastSampleTimestamp;
    private long _queuedBytes;
    private double _bulkCredit;
    private bool _sharesDirty = true;
    private CongestionSeverity? _lastSeverity;
    private CongestionSeverity? _throttle;
    private long _throttleUntil;

    /// <summary>Creates a scheduler.</summary>
    /// <param name="options">Settings (validated and copied).</param>
    /// <param name="time">The clock.</param>
    /// <param name="weighting">Optional payment-weighted share hook.</param>
    /// <param name="logger">Optional logger (default: none).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public LinkScheduler(LinkSchedulerOptions options, TimeProvider time, IFairShareWeighting? weighting = null, ILogger<LinkScheduler>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _options = options;
        _time = time;
        _weighting = weighting;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _capacity = options.EffectiveQueueCapacity;
        _measuredBytesPerSecond = options.NominalBitsPerSecond / 8;
        _lastSampleTimestamp = time.GetTimestamp();
        _deadlineTicks[0] = ToTimestampTicks(options.RealTimeDeadline);
        _deadlineTicks[1] = ToTimestampTicks(options.InteractiveDeadline);
        _deadlineTicks[2] = ToTimestampTicks(options.StandardDeadline);
        _deadlineTicks[3] = long.MaxValue;
    }

    /// <summary>Raised when the queue passes 50 % of its capacity and whenever the severity rises after that; send the signal one hop upstream.</summary>
    public event Action<CongestionSignal>? CongestionSignalled;

    /// <summary>Raised for every packet dropped, with the reason.</summary>
    public event Action<ScheduledPacket, DropReason>? PacketDropped;

    /// <summary>Queue capacity in bytes.</summary>
    public long CapacityBytes => _capacity;

    /// <summary>Bytes queued now.</summary>
    public long QueuedBytes => _queuedBytes;

    /// <summary>Queued bytes / capacity, in [0, 1].</summary>
    public double Fill => Math.Min(1.0, (double)_queuedBytes / _capacity);

    /// <summary>The route-cost multiplier for this link now: <see cref="DynamicCost.Multiplier"/> of the queue depth.</summary>
    public double CostMultiplier => DynamicCost.Multiplier(_queuedBytes, _capacity);

    /// <summary>The measured link rate in bytes per second (EMA of transmit throughput, 60 s half-life by default).</summary>
    public double MeasuredBytesPerSecond => _measuredBytesPerSecond;

    /// <summary>The rate shared among neighbours: <see cref="LinkSchedulerOptions.UserShare"/> × the measured rate, in bytes per second, cut by an active congestion signal from downstream (<see cref="ApplySignal"/>).</summary>
    public double UserBytesPerSecond => _measuredBytesPerSecond * _options.UserShare * ActiveThrottle() switch
    {
        CongestionSeverity.Moderate => 0.75,
        CongestionSeverity.Severe or CongestionSeverity.Saturated => 0.5,
        _ => 1.0,
    };

    /// <summary>The severity of the downstream congestion signal in force, or null.</summary>
    public CongestionSeverity? Throttle => ActiveThrottle();

    /// <summary>
    /// Obeys a CongestionSignal received from the neighbour this link leads to (spec 01-mesh §7), for
    /// its <see cref="CongestionSignal.EstimatedDrainMs"/> (at least 1 s): Moderate cuts the user rate
    /// by 25 %; Severe by 50 % (the router should also move P2/P3 to other paths, which the raised
    /// route cost does); Saturated stops P2/P3, halves the rate left for P1 and lets P0 through. A
    /// later signal replaces an earlier one.
    /// </summary>
    /// <param name="signal">The signal.</param>
    public void ApplySignal(CongestionSignal signal)
    {
        _throttle = signal.Severity;
        _throttleUntil = _time.GetTimestamp() + (long)(Math.Max(1000, (int)signal.EstimatedDrainMs) / 1000.0 * _time.TimestampFrequency);
        _sharesDirty = true;
    }

    private CongestionSeverity? ActiveThrottle()
    {
        if (_throttle is not null && _time.GetTimestamp() >= _throttleUntil)
        {
            _throttle = null;
            _sharesDirty = true;
        }

        return _throttle;
    }

    /// <summary>Packets queued now, over all priorities.</summary>
    public int Count { get; private set; }

    /// <summary>The counts for one priority class.</summary>
    /// <param name="priority">The class.</param>
    /// <returns>Its statistics since creation.</returns>
    public PriorityStatistics GetStatistics(TrafficPriority priority)
    {
        int p = (int)priority;
        return new PriorityStatistics(_enqueued[p], _sent[p], _sentBytes[p], _dropped[p]);
    }

    /// <summary>The current fair-share rate of <paramref name="neighbour"/> in bytes per second (0 when it has nothing queued).</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <returns>Its bucket's refill rate.</returns>
    public double ShareOf(Hash128 neighbour)
    {
        RecomputeShares();
        return _neighbours.TryGetValue(neighbour, out var state) && state.Queued > 0 ? state.Bucket.RateBytesPerSecond : 0;
    }

    /// <summary>Queues a packet. When the queue would overflow, packets of lower priority than
    /// <paramref name="packet"/> are dropped from the tail of the lowest non-empty class first (P3
    /// only above its reserve of <see cref="LinkSchedulerOptions.BulkMinimumShare"/> × capacity bytes,
    /// at least one MTU; a P3 packet that fits within that reserve evicts the newest P2, else P1, else P0
    /// packet); then, within the packet's own class, the neighbour holding the most packets per unit of
    /// <see cref="IFairShareWeighting"/> weight gives up its newest packet when it holds more than the
    /// arriving neighbour would (longest-queue drop); when that is not enough the new packet itself is dropped.</summary>
    /// <param name="packet">The packet (at most the queue capacity in bytes).</param>
    /// <returns>True when queued; false when dropped (<see cref="PacketDropped"/> is raised with <see cref="DropReason.QueueFull"/>).</returns>
    public bool Enqueue(ScheduledPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        int p = (int)packet.Priority;
        if ((uint)p > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(packet), packet.Priority, "Unknown priority.");
        }

        while (_queuedBytes + packet.Length > _capacity)
        {
            if (!DropLowestBelow(p) && !(p == 3 && _levels[3].Bytes + packet.Length <= BulkReserveBytes && DropForBulkReserve()) && !DropLongestInLevel(packet))
            {
                Drop(packet, DropReason.QueueFull);
                return false;
            }
        }

        packet.EnqueuedTimestamp = _time.GetTimestamp();
        if (!_neighbours.TryGetValue(packet.Neighbour, out var state))
        {
            state = new NeighbourState(new TokenBucket(0, MeshConstants.Mtu, _time));
            _neighbours.Add(packet.Neighbour, state);
        }

        if (state.Queued++ == 0)
        {
            _sharesDirty = true;
        }

        _levels[p].Enqueue(packet);
        _queuedBytes += packet.Length;
        _enqueued[p]++;
        Count++;
        UpdateCongestion();
        return true;
    }

    /// <summary>
    /// Takes the next packet to transmit: P3 when its credit covers its head packet, else the first
    /// eligible packet in P0, P1, P2, P3 order (round-robin over neighbours whose bucket holds enough
    /// tokens). Packets past their deadline are dropped on the way.
    /// </summary>
    /// <param name="packet">The packet, or null.</param>
    /// <returns>False when nothing is queued or every queued neighbour is over its share (see <see cref="TimeUntilEligible"/>).</returns>
    public bool TryDequeue(out ScheduledPacket? packet)
    {
        packet = null;
        if (Count == 0)
        {
            return false;
        }

        long now = _time.GetTimestamp();
        RecomputeShares();
        int levels = ActiveThrottle() == CongestionSeverity.Saturated ? 2 : 4; // Saturated: P0 and P1 only
        var bulk = _levels[3];
        if (levels == 4 && bulk.Count > 0 && _bulkCredit > 0 && bulk.TryTake(this, now, creditLimit: _bulkCredit, out packet))
        {
            _bulkCredit = Math.Max(0, _bulkCredit - packet!.Length);
            Sent(packet);
            return true;
        }

        for (int p = 0; p < levels; p++)
        {
            if (_levels[p].Count > 0 && _levels[p].TryTake(this, now, creditLimit: double.MaxValue, out packet))
            {
                if (p < 3 && bulk.Count > 0)
                {
                    double share = _options.BulkMinimumShare;
                    _bulkCredit = Math.Min(_bulkCredit + (packet!.Length * share / (1 - share)), 4.0 * MeshConstants.Mtu);
                }

                Sent(packet!);
                return true;
            }
        }

        return false;
    }

    /// <summary>How long until some queued packet's neighbour has tokens for it.</summary>
    /// <returns><see cref="TimeSpan.Zero"/> when a packet can be taken now; <see cref="TimeSpan.MaxValue"/> when the queue is empty.</returns>
    public TimeSpan TimeUntilEligible()
    {
        if (Count == 0)
        {
            return TimeSpan.MaxValue;
        }

        RecomputeShares();
        var best = TimeSpan.MaxValue;
        int levels = 4;
        if (ActiveThrottle() == CongestionSeverity.Saturated)
        {
            levels = 2;
            best = _time.GetElapsedTime(_time.GetTimestamp(), _throttleUntil); // P2/P3 resume when the signal lapses
        }

        for (int p = 0; p < levels; p++)
        {
            foreach (var (neighbour, queue) in _levels[p].Queues)
            {
                if (queue.Count > 0)
                {
                    var wait = _neighbours[neighbour].Bucket.TimeUntilAvailable(queue.Peek().Length);
                    if (wait < best)
                    {
                        best = wait;
                    }
                }
            }
        }

        return best;
    }

    /// <summary>Records a completed transmission, updating the measured rate (EMA with the configured half-life, weighted by elapsed time).</summary>
    /// <param name="bytes">Bytes sent (&gt; 0).</param>
    /// <param name="duration">Time from the start of channel access to the end of the transmission (&gt; 0).</param>
    public void RecordTransmission(int bytes, TimeSpan duration)
    {
        if (bytes <= 0 || duration <= TimeSpan.Zero)
        {
            return;
        }

        long now = _time.GetTimestamp();
        double elapsed = Math.Max(duration.TotalSeconds, _time.GetElapsedTime(_lastSampleTimestamp, now).TotalSeconds);
        _lastSampleTimestamp = now;
        double alpha = 1 - Math.Pow(2, -elapsed / _options.RateHalfLife.TotalSeconds);
        double sample = bytes / duration.TotalSeconds;
        _measuredBytesPerSecond += alpha * (sample - _measuredBytesPerSecond);
        _sharesDirty = true;
    }

    /// <summary>Resets the measured rate to a new nominal rate (the spec's rule on a transport change).</summary>
    /// <param name="bitsPerSecond">The new link's nominal rate in bit/s (&gt; 0).</param>
    public void ResetRate(double bitsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bitsPerSecond);
        _measuredBytesPerSecond = bitsPerSecond / 8;
        _lastSampleTimestamp = _time.GetTimestamp();
        _sharesDirty = true;
    }

    private long ToTimestampTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private void Sent(ScheduledPacket packet)
    {
        int p = (int)packet.Priority;
        _sent[p]++;
        _sentBytes[p] += packet.Length;
        s_sent.Add(packet.Length);
        Removed(packet);
    }

    private void Removed(ScheduledPacket packet)
    {
        _queuedBytes -= packet.Length;
        Count--;
        var state = _neighbours[packet.Neighbour];
        if (--state.Queued == 0)
        {
            _sharesDirty = true;
        }

        if (_levels[3].Count == 0)
        {
            _bulkCredit = 0;
        }

        UpdateCongestion();
    }

    private void Drop(ScheduledPacket packet, DropReason reason)
    {
        _dropped[(int)packet.Priority]++;
        s_dropped.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
        s_logDrop(_logger, packet.Length, packet.Priority, reason, null);

        PacketDropped?.Invoke(packet, reason);
    }

    private bool DropLowestBelow(int priority)
    {
        for (int p = 3; p > priority; p--)
        {
            if (p == 3 && _levels[3].Bytes <= BulkReserveBytes)
            {
                continue; // P3 keeps its reserve, or higher classes arriving at a full queue would starve it
            }

            if (TryDropNewest(p))
            {
                return true;
            }
        }

        return false;
    }

    // A P3 packet arriving at a full queue while P3 holds less than its reserve takes the place of the
    // newest packet of the lowest non-empty higher class (P2, then P1, then P0).
    private bool DropForBulkReserve()
    {
        for (int p = 2; p >= 0; p--)
        {
            if (TryDropNewest(p))
            {
                return true;
            }
        }

        return false;
    }

    private bool TryDropNewest(int priority)
    {
        var victim = _levels[priority].RemoveNewest(this);
        if (victim is null)
        {
            return false;
        }

        Removed(victim);
        Drop(victim, DropReason.QueueFull);
        return true;
    }

    // A full queue and nothing of lower priority to drop: the neighbour holding the most of this
    // class (per weight) gives up its newest packet, so a heavy sender cannot crowd a light one out.
    private bool DropLongestInLevel(ScheduledPacket arriving)
    {
        var victim = _levels[(int)arriving.Priority].RemoveNewest(this, arriving.Neighbour);
        if (victim is null)
        {
            return false;
        }

        Removed(victim);
        Drop(victim, DropReason.QueueFull);
        return true;
    }

    // Bytes of P3 that arrivals of higher classes may not evict: the bulk share of the queue, at least one MTU.
    private long BulkReserveBytes => Math.Max(MeshConstants.Mtu, (long)(_options.BulkMinimumShare * _capacity));

    private void UpdateCongestion()
    {
        var severity = CongestionSignal.SeverityForFill(Fill);
        if (severity is null)
        {
            _lastSeverity = null;
            return;
        }

        if (_lastSeverity is null || severity > _lastSeverity)
        {
            _lastSeverity = severity;
            CongestionSignalled?.Invoke(CurrentSignal()!.Value);
        }
    }

    /// <summary>The signal the queue's fill calls for now (severity by fill, drain time of the bytes above 50 % at the user rate), or null below 50 %.</summary>
    internal CongestionSignal? CurrentSignal()
    {
        if (CongestionSignal.SeverityForFill(Fill) is not { } severity)
        {
            return null;
        }

        double excess = _queuedBytes - (DynamicCost.Threshold * _capacity);
        double drainMs = Math.Max(0, excess) / Math.Max(UserBytesPerSecond, 1e-9) * 1000;
        return new CongestionSignal(severity, CongestionScope.ThisLink, (ushort)Math.Min(ushort.MaxValue, Math.Ceiling(drainMs)));
    }

    private void RecomputeShares()
    {
        ActiveThrottle();
        if (!_sharesDirty)
        {
            return;
        }

        _sharesDirty = false;
        double total = 0;
        foreach (var (neighbour, state) in _neighbours)
        {
            if (state.Queued > 0)
            {
                state.Weight = WeightOf(neighbour);
                total += state.Weight;
            }
        }

        double rate = UserBytesPerSecond;
        foreach (var state in _neighbours.Values)
        {
            if (state.Queued > 0)
            {
                double share = rate * state.Weight / total;
                state.Bucket.SetRate(share, Math.Max(MeshConstants.Mtu, (long)(share * _options.BucketWindowSeconds)));
            }
        }
    }

    internal double WeightOf(Hash128 neighbour)
    {
        double w = _weighting?.GetWeight(neighbour) ?? 1.0;
        return w > 0 && double.IsFinite(w) ? w : 1.0;
    }

    private bool Expired(ScheduledPacket packet, long now) =>
        _deadlineTicks[(int)packet.Priority] != long.MaxValue && now - packet.EnqueuedTimestamp > _deadlineTicks[(int)packet.Priority];

    private sealed class NeighbourState(TokenBucket bucket)
    {
        public TokenBucket Bucket { get; } = bucket;

        public int Queued { get; set; }

        public double Weight { get; set; } = 1;
    }

    /// <summary>One priority class: a FIFO per neighbour, served round-robin.</summary>
    private sealed class Level
    {
        private readonly List<Hash128> _order = [];
        private readonly Dictionary<Hash128, PacketDeque> _queues = [];
        private int _cursor;

        public int Count { get; private set; }

        public long Bytes { get; private set; }

        public Dictionary<Hash128, PacketDeque> Queues => _queues;

        public void Enqueue(ScheduledPacket packet)
        {
            if (!_queues.TryGetValue(packet.Neighbour, out var queue))
            {
                queue = new PacketDeque();
                _queues.Add(packet.Neighbour, queue);
                _order.Add(packet.Neighbour);
            }

            queue.Enqueue(packet);
            Count++;
            Bytes += packet.Length;
        }

        public bool TryTake(LinkScheduler owner, long now, double creditLimit, out ScheduledPacket? packet)
        {
            int toVisit = _order.Count;
            int index = _cursor;
            while (toVisit-- > 0 && _order.Count > 0)
            {
                index %= _order.Count;
                var neighbour = _order[index];
                var queue = _queues[neighbour];
                while (queue.Count > 0 && owner.Expired(queue.Peek(), now))
                {
                    var expired = queue.Dequeue();
                    Count--;
                    Bytes -= expired.Length;
                    owner.Removed(expired);
                    owner.Drop(expired, DropReason.DeadlineExpired);
                }

                if (queue.Count == 0)
                {
                    RemoveAt(index);
                    continue;
                }

                var head = queue.Peek();
                if (head.Length <= creditLimit && owner._neighbours[neighbour].Bucket.TryConsume(head.Length))
                {
                    packet = queue.Dequeue();
                    Count--;
                    Bytes -= packet.Length;
                    if (queue.Count == 0)
                    {
                        RemoveAt(index);
                        _cursor = _order.Count == 0 ? 0 : index % _order.Count;
                    }
                    else
                    {
                        _cursor = (index + 1) % _order.Count;
                    }

                    return true;
                }

                index++;
            }

            packet = null;
            return false;
        }

        public ScheduledPacket? RemoveNewest(LinkScheduler owner, Hash128? arriving = null)
        {
            // The newest packet of the neighbour with the most packets queued in this class per unit
            // of fair-share weight; for an `arriving` packet of this class, only when that neighbour
            // holds more than the arriving neighbour would after admission (longest-queue drop).
            PacketDeque? longest = null;
            Hash128 key = default;
            double most = 0;
            foreach (var neighbour in _order)
            {
                var queue = _queues[neighbour];
                double load = queue.Count / owner.WeightOf(neighbour);
                if (longest is null || load > most)
                {
                    longest = queue;
                    key = neighbour;
                    most = load;
                }
            }

            if (longest is null || longest.Count == 0)
            {
                return null;
            }

            if (arriving is { } incoming)
            {
                int own = _queues.TryGetValue(incoming, out var mine) ? mine.Count : 0;
                if (key == incoming || most <= (own + 1) / owner.WeightOf(incoming))
                {
                    return null;
                }
            }

            var last = longest.RemoveLast();
            Count--;
            Bytes -= last.Length;
            if (longest.Count == 0)
            {
                RemoveAt(_order.IndexOf(key));
            }

            return last;
        }

        private void RemoveAt(int index)
        {
            var neighbour = _order[index];
            _order.RemoveAt(index);
            _queues.Remove(neighbour);
            if (_cursor > index)
            {
                _cursor--;
            }

            if (_cursor >= _order.Count)
            {
                _cursor = 0;
            }
        }
    }
}
