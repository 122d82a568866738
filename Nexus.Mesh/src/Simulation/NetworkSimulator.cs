using System.Globalization;
using System.Text;
using Nexus.Crypto;
using Nexus.Mesh.Congestion;
using Nexus.Mesh.Gossip;

namespace Nexus.Mesh.Simulation;

/// <summary>
/// A deterministic in-process mesh simulator: nodes with real identities, signed Reticulum announces
/// propagated by <see cref="GossipEngine"/> and <see cref="AnnounceGossipTopic"/>, user traffic through
/// per-link <see cref="LinkScheduler"/>s, half-duplex links with <see cref="CsmaCa"/>, all on one
/// <see cref="SimulationClock"/> and one seeded <see cref="Random"/> — the same seed and calls give
/// the same run. Every frame is counted per link (gossip and user bytes, per round window), so
/// budgets can be checked from the outside.
/// <para>
/// Usage: <see cref="AddNode"/>, <see cref="Connect"/>, <see cref="Start"/>, then
/// <see cref="Run"/>/<see cref="RunUntil"/>, <see cref="Send"/> or <see cref="AddFlow"/>, and
/// <see cref="FormatLinkTable"/>/<see cref="FormatFlowTable"/> for results. Not thread-safe.
/// </para>
/// </summary>
public sealed class NetworkSimulator
{
    /// <summary>The destination name every simulated node announces: "nexus.sim".</summary>
    public const string DestinationName = "nexus.sim";

    private readonly List<SimulatedNode> _nodes = [];
    private readonly List<SimulatedLink> _links = [];
    private readonly Dictionary<Hash128, SimulatedNode> _byId = [];
    private readonly FlowStatistics[] _flows = [new(), new(), new(), new()];
    private readonly GossipOptions _gossip;
    private readonly LinkSchedulerOptions _scheduler;

    /// <summary>Creates a simulator.</summary>
    /// <param name="seed">The seed of every random choice (identities, round offsets, backoffs, losses).</param>
    /// <param name="gossip">Gossip settings for every node (default: the spec's).</param>
    /// <param name="scheduler">Scheduler settings template (the nominal rate is set per link).</param>
    public NetworkSimulator(int seed, GossipOptions? gossip = null, LinkSchedulerOptions? scheduler = null)
    {
        Random = new Random(seed);
        _gossip = gossip ?? new GossipOptions();
        _scheduler = scheduler ?? new LinkSchedulerOptions();
    }

    /// <summary>The virtual clock.</summary>
    public SimulationClock Clock { get; } = new();

    /// <summary>The seeded random source.</summary>
    public Random Random { get; }

    /// <summary>The nodes, in the order added.</summary>
    public IReadOnlyList<SimulatedNode> Nodes => _nodes;

    /// <summary>The links, in the order added.</summary>
    public IReadOnlyList<SimulatedLink> Links => _links;

    /// <summary>The gossip round interval.</summary>
    public TimeSpan RoundInterval => _gossip.RoundInterval;

    /// <summary>Adds a node with a fresh identity drawn from the seeded random source.</summary>
    /// <param name="name">A name for reports.</param>
    /// <param name="costMicroNxsPerByte">The node's base relay cost in μNXS per byte (≥ 0).</param>
    /// <returns>The node.</returns>
    public SimulatedNode AddNode(string name, double costMicroNxsPerByte = 1)
    {
        var key = new byte[NodeIdentity.PrivateKeySizeInBytes];
        Random.NextBytes(key);
        var node = new SimulatedNode(this, name, NodeIdentity.Import(key), costMicroNxsPerByte, _gossip);
        _nodes.Add(node);
        _byId.Add(node.Id, node);
        return node;
    }

    /// <summary>Connects two nodes with a link.</summary>
    /// <param name="a">One end.</param>
    /// <param name="b">The other end.</param>
    /// <param name="profile">The link's physics.</param>
    /// <returns>The link.</returns>
    /// <exception cref="ArgumentException">The nodes are the same or already connected.</exception>
    public SimulatedLink Connect(SimulatedNode a, SimulatedNode b, SimulatedLinkProfile profile)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(profile);
        if (a == b || a.Ports.ContainsKey(b.Id))
        {
            throw new ArgumentException("The nodes are the same or already connected.", nameof(b));
        }

        var link = new SimulatedLink(a, b, profile, _gossip.RoundInterval);
        _links.Add(link);
        a.Attach(link, b, Options(profile));
        b.Attach(link, a, Options(profile));
        return link;
    }

    /// <summary>Boots every node: each originates its announce and publishes it at once, and its gossip rounds start at a random offset within the first interval.</summary>
    public void Start()
    {
        foreach (var node in _nodes)
        {
            node.Boot();
            var offset = TimeSpan.FromTicks((long)(Random.NextDouble() * _gossip.RoundInterval.Ticks));
            Clock.Schedule(offset, node.Engine.Start);
        }
    }

    /// <summary>Runs the simulation for <paramref name="duration"/> of virtual time.</summary>
    /// <param name="duration">How long.</param>
    public void Run(TimeSpan duration) => Clock.Advance(duration);

    /// <summary>Runs in <paramref name="step"/> increments until <paramref name="condition"/> holds or <paramref name="limit"/> has passed.</summary>
    /// <param name="condition">Checked after each step.</param>
    /// <param name="step">The check interval.</param>
    /// <param name="limit">The most virtual time to run.</param>
    /// <returns>The virtual time from the call until the condition held, or null when it never did.</returns>
    public TimeSpan? RunUntil(Func<bool> condition, TimeSpan step, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var start = Clock.Elapsed;
        while (Clock.Elapsed - start < limit)
        {
            if (condition())
            {
                return Clock.Elapsed - start;
            }

            Clock.Advance(step);
        }

        return condition() ? Clock.Elapsed - start : null;
    }

    /// <summary>Sends one user packet from <paramref name="from"/> to <paramref name="to"/> along the current best paths.</summary>
    /// <param name="from">The source node.</param>
    /// <param name="to">The destination node.</param>
    /// <param name="bytes">Packet size in bytes (1–500).</param>
    /// <param name="priority">Its priority class.</param>
    /// <returns>False when the source has no path (counted as a drop).</returns>
    public bool Send(SimulatedNode from, SimulatedNode to, int bytes, TrafficPriority priority)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, MeshConstants.Mtu);
        _flows[(int)priority].Sent++;
        return Forward(from, new UserPacket(to.Id, bytes, priority, Clock.GetTimestamp()), Hash128.Zero);
    }

    /// <summary>Schedules a constant-rate flow: one packet every <paramref name="interval"/> from <paramref name="start"/> (time from now) for <paramref name="duration"/>.</summary>
    /// <param name="from">Source.</param>
    /// <param name="to">Destination.</param>
    /// <param name="bytes">Packet size.</param>
    /// <param name="priority">Priority class.</param>
    /// <param name="interval">Time between packets (&gt; 0).</param>
    /// <param name="start">Delay before the first packet.</param>
    /// <param name="duration">How long the flow lasts.</param>
    public void AddFlow(SimulatedNode from, SimulatedNode to, int bytes, TrafficPriority priority, TimeSpan interval, TimeSpan start, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var end = Clock.Elapsed + start + duration;
        void Tick()
        {
            if (Clock.Elapsed >= end)
            {
                return;
            }

            Send(from, to, bytes, priority);
            Clock.Schedule(interval, Tick);
        }

        Clock.Schedule(start, Tick);
    }

    /// <summary>Delivery statistics of one priority class.</summary>
    /// <param name="priority">The class.</param>
    /// <returns>Its statistics.</returns>
    public FlowStatistics FlowsOf(TrafficPriority priority) => _flows[(int)priority];

    /// <summary>The least path cost from <paramref name="from"/> to <paramref name="to"/> in μNXS per byte (Dijkstra over each node's current hop cost), or +∞ when unreachable.</summary>
    /// <param name="from">Source.</param>
    /// <param name="to">Destination.</param>
    /// <returns>The cost.</returns>
    public double OptimalCost(SimulatedNode from, SimulatedNode to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var dist = new Dictionary<SimulatedNode, double> { [to] = 0 };
        var queue = new PriorityQueue<SimulatedNode, double>();
        queue.Enqueue(to, 0);
        while (queue.TryDequeue(out var node, out var d))
        {
            if (d > dist[node])
            {
                continue;
            }

            foreach (var (neighbourId, _) in node.Ports)
            {
                var neighbour = _byId[neighbourId];
                double nd = d + neighbour.HopCostToward(node.Id).CostMicroNxsPerByte;
                if (!dist.TryGetValue(neighbour, out var old) || nd < old)
                {
                    dist[neighbour] = nd;
                    queue.Enqueue(neighbour, nd);
                }
            }
        }

        return dist.GetValueOrDefault(from, double.PositiveInfinity);
    }

    /// <summary>
    /// Whether routing has converged: every node has a fresh path to every other node, following
    /// next hops reaches the destination without a loop, and every path's cost is within
    /// <paramref name="tolerance"/> per hop of <see cref="OptimalCost"/> (the log encoding rounds by
    /// up to ±2.2 % per hop).
    /// </summary>
    /// <param name="tolerance">Allowed relative excess per hop (default 0.03).</param>
    /// <returns>True when converged.</returns>
    public bool RoutingConverged(double tolerance = 0.03)
    {
        foreach (var node in _nodes)
        {
            foreach (var target in _nodes)
            {
                if (node == target)
                {
                    continue;
                }

                if (!node.Announces.TryGetRoute(target.Id, out var route) || route!.IsStale)
                {
                    return false;
                }

                var current = node;
                int hops = 0;
                while (current != target)
                {
                    if (++hops > _nodes.Count || !current.Announces.TryGetRoute(target.Id, out var step) || step!.IsStale)
                    {
                        return false;
                    }

                    current = _byId[step.NextHop];
                }

                double optimal = OptimalCost(node, target);
                if (route.Cost.CostMicroNxsPerByte > (optimal * (1 + (tolerance * hops))) + 0.05)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The per-link byte accounting as a text table: kind, rate, gossip, congestion-signal and user bytes, gossip share of capacity over the run and in the worst round window.</summary>
    /// <returns>The table (one header row, one row per link).</returns>
    public string FormatLinkTable()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("| link | kind | bit/s | gossip B | signal B | user B | gossip % of capacity | worst round % |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var link in _links)
        {
            sb.AppendLine(inv, $"| {link.A.Name}–{link.B.Name} | {link.Profile.Kind} | {link.Profile.BitsPerSecond:0} | {link.GossipBytes} | {link.SignalBytes} | {link.UserBytes} | {link.GossipShare(Clock.Elapsed) * 100:0.00} | {link.WorstRoundGossipShare(Clock.Elapsed) * 100:0.00} |");
        }

        return sb.ToString();
    }

    /// <summary>User-traffic results per priority as a text table.</summary>
    /// <returns>The table.</returns>
    public string FormatFlowTable()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("| priority | sent | delivered | dropped | p50 ms | p99 ms | max ms |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        for (int p = 0; p < 4; p++)
        {
            var f = _flows[p];
            sb.AppendLine(inv, $"| P{p} {(TrafficPriority)p} | {f.Sent} | {f.Delivered} | {f.Dropped} | {f.LatencyPercentileMs(0.5):0.0} | {f.LatencyPercentileMs(0.99):0.0} | {f.LatencyPercentileMs(1):0.0} |");
        }

        return sb.ToString();
    }

    internal SimulatedNode NodeById(Hash128 id) => _byId[id];

    internal bool Forward(SimulatedNode at, UserPacket packet, Hash128 upstream)
    {
        if (!at.Announces.TryGetRoute(packet.Destination, out var route))
        {
            _flows[(int)packet.Priority].Dropped++;
            return false;
        }

        var port = at.Ports[route!.NextHop];
        if (!port.Scheduler.Enqueue(new ScheduledPacket(new byte[packet.Bytes], packet.Priority, upstream, packet)))
        {
            return false; // counted by the scheduler's drop event
        }

        port.Kick();
        return true;
    }

    internal void Delivered(SimulatedNode at, UserPacket packet, Hash128 from)
    {
        if (at.Id == packet.Destination)
        {
            _flows[(int)packet.Priority].Record(Clock.GetElapsedTime(packet.Created).TotalMilliseconds);
        }
        else
        {
            Forward(at, packet, from);
        }
    }

    internal void Dropped(TrafficPriority priority) => _flows[(int)priority].Dropped++;

    private LinkSchedulerOptions Options(SimulatedLinkProfile profile) => new()
    {
        NominalBitsPerSecond = profile.BitsPerSecond,
        UserShare = _scheduler.UserShare,
        QueueCapacityBytes = _scheduler.QueueCapacityBytes,
        BucketWindowSeconds = _scheduler.BucketWindowSeconds,
        RateHalfLife = _scheduler.RateHalfLife,
        BulkMinimumShare = _scheduler.BulkMinimumShare,
        RealTimeDeadline = _scheduler.RealTimeDeadline,
        InteractiveDeadline = _scheduler.InteractiveDeadline,
        StandardDeadline = _scheduler.StandardDeadline,
    };

    internal sealed record UserPacket(Hash128 Destination, int Bytes, TrafficPriority Priority, long Created);
}

/// <summary>Delivery statistics of one priority class in a <see cref="NetworkSimulator"/>.</summary>
public sealed class FlowStatistics
{
    private readonly List<double> _latencies = [];

    /// <summary>Packets offered by sources.</summary>
    public long Sent { get; internal set; }

    /// <summary>Packets that reached their destination.</summary>
    public long Delivered => _latencies.Count;

    /// <summary>Packets dropped anywhere (no path, deadline, full queue, busy channel, loss).</summary>
    public long Dropped { get; internal set; }

    /// <summary>A latency percentile in milliseconds (0 when nothing was delivered).</summary>
    /// <param name="quantile">In [0, 1]; 1 is the maximum.</param>
    /// <returns>The latency.</returns>
    public double LatencyPercentileMs(double quantile)
    {
        if (_latencies.Count == 0)
        {
            return 0;
        }

        var sorted = _latencies.ToArray();
        Array.Sort(sorted);
        int index = (int)Math.Clamp(Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index];
    }

    internal void Record(double latencyMs) => _latencies.Add(latencyMs);
}
