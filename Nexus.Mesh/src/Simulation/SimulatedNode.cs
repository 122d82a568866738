using Nexus.Crypto;
using Nexus.Mesh.Congestion;
using Nexus.Mesh.Gossip;

namespace Nexus.Mesh.Simulation;

/// <summary>A node of a <see cref="NetworkSimulator"/>: an identity, a gossip engine with the announce topic, and one outbound port (scheduler + transmitter) per neighbour.</summary>
public sealed class SimulatedNode
{
    private readonly NetworkSimulator _sim;
    private readonly NodeIdentity _identity;

    internal SimulatedNode(NetworkSimulator sim, string name, NodeIdentity identity, double costMicroNxsPerByte, GossipOptions gossip)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(costMicroNxsPerByte);
        _sim = sim;
        _identity = identity;
        Name = name;
        CostMicroNxsPerByte = costMicroNxsPerByte;
        Id = Destination.CreateSingle(IdentityPublicKey.FromIdentity(identity), NetworkSimulator.DestinationName).Hash;
        Engine = new GossipEngine(gossip, sim.Clock);
        Announces = new AnnounceGossipTopic(sim.Clock, HopCostToward, ValidateAnnounce, refreshInterval: null);
        Engine.AddTopic(Announces);
        Engine.OutboundReady += id => Ports[id].Kick();
    }

    /// <summary>The node's name.</summary>
    public string Name { get; }

    /// <summary>The node's destination hash (<see cref="NetworkSimulator.DestinationName"/> under its identity); also its neighbour id.</summary>
    public Hash128 Id { get; }

    /// <summary>The base relay cost in μNXS per byte.</summary>
    public double CostMicroNxsPerByte { get; }

    /// <summary>The node's gossip engine.</summary>
    public GossipEngine Engine { get; }

    /// <summary>The announce topic (the node's view of paths).</summary>
    public AnnounceGossipTopic Announces { get; }

    /// <summary>Announces rejected by signature validation.</summary>
    public int RejectedAnnounces { get; private set; }

    internal Dictionary<Hash128, SimulatedPort> Ports { get; } = [];

    /// <summary>The outbound scheduler toward a neighbour.</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <returns>Its scheduler.</returns>
    /// <exception cref="KeyNotFoundException">Not a neighbour.</exception>
    public LinkScheduler SchedulerTo(SimulatedNode neighbour)
    {
        ArgumentNullException.ThrowIfNull(neighbour);
        return Ports[neighbour.Id].Scheduler;
    }

    /// <summary>This node's cost of forwarding toward a neighbour: base cost × the congestion multiplier of its queue to that neighbour, the link's latency and rate.</summary>
    /// <param name="neighbour">The neighbour's id.</param>
    /// <returns>The hop cost.</returns>
    public HopCost HopCostToward(Hash128 neighbour)
    {
        var port = Ports[neighbour];
        return new HopCost(CostMicroNxsPerByte * port.Scheduler.CostMultiplier, port.Link.Profile.LatencyMs, port.Link.Profile.BitsPerSecond);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    internal void Attach(SimulatedLink link, SimulatedNode neighbour, LinkSchedulerOptions options)
    {
        var scheduler = new LinkScheduler(options, _sim.Clock);
        var csma = new CsmaCa(new CsmaCaOptions { BitsPerSecond = link.Profile.BitsPerSecond, HalfDuplex = link.Profile.HalfDuplex, Airtime = link.Profile.Airtime }, _sim.Clock, _sim.Random);
        var port = new SimulatedPort(_sim, this, neighbour, link, scheduler, csma);
        scheduler.PacketDropped += (packet, _) => _sim.Dropped(packet.Priority);
        scheduler.CongestionSignalled += signal =>
        {
            // One hop upstream: every other neighbour may be feeding this queue.
            foreach (var (id, other) in Ports)
            {
                if (id != neighbour.Id)
                {
                    other.SendSignal(signal);
                }
            }
        };
        Ports.Add(neighbour.Id, port);
        Engine.AddNeighbour(neighbour.Id, link.Profile.BitsPerSecond, sharedChannel: link.Profile.HalfDuplex);
    }

    internal void Boot() => Announces.Originate(Id, SignAnnounce, CompactPathCost.ForOrigin(0, 0, 1e9), Engine);

    // random_hash = 5 seeded random bytes ‖ the simulation clock's unix seconds (5 bytes BE), as RNS builds it.
    private byte[] SignAnnounce()
    {
        Span<byte> random = stackalloc byte[10];
        _sim.Random.NextBytes(random[..5]);
        ulong seconds = (ulong)_sim.Clock.GetUtcNow().ToUnixTimeSeconds();
        for (int i = 9; i >= 5; i--, seconds >>= 8)
        {
            random[i] = (byte)seconds;
        }

        return AnnounceBuilder.Build(_identity, NetworkSimulator.DestinationName, random, ReadOnlySpan<byte>.Empty, ReadOnlySpan<byte>.Empty);
    }

    private bool ValidateAnnounce(Hash128 destination, ReadOnlyMemory<byte> announce)
    {
        bool ok = Packet.TryParse(announce.Span, out var packet) && Announce.TryParse(packet, out var parsed)
            && parsed.DestinationHash == destination && parsed.Validate() == AnnounceValidationResult.Valid;
        if (!ok)
        {
            RejectedAnnounces++;
        }

        return ok;
    }
}

/// <summary>A link between two simulated nodes, with byte accounting.</summary>
public sealed class SimulatedLink
{
    private readonly TimeSpan _window;
    private readonly Dictionary<long, long> _gossipPerWindow = [];

    internal SimulatedLink(SimulatedNode a, SimulatedNode b, SimulatedLinkProfile profile, TimeSpan window)
    {
        A = a;
        B = b;
        Profile = profile;
        _window = window;
    }

    /// <summary>One end.</summary>
    public SimulatedNode A { get; }

    /// <summary>The other end.</summary>
    public SimulatedNode B { get; }

    /// <summary>The physics.</summary>
    public SimulatedLinkProfile Profile { get; }

    /// <summary>Gossip bytes sent over the link in both directions, packet headers included.</summary>
    public long GossipBytes { get; private set; }

    /// <summary>User bytes sent over the link in both directions.</summary>
    public long UserBytes { get; private set; }

    /// <summary>CongestionSignal bytes (3 + 19-byte packet header each) sent over the link in both directions.</summary>
    public long SignalBytes { get; private set; }

    /// <summary>Frames lost to the loss rate.</summary>
    public long LostFrames { get; internal set; }

    /// <summary>Whether the link is cut (frames are not delivered); set it to simulate a failure.</summary>
    public bool IsDown { get; set; }

    internal long BusyUntil { get; set; }

    /// <summary>
    /// Gossip bytes over the run as a share of what the link can carry in that time. On a
    /// half-duplex link the capacity is shared by both directions (bit rate × time); on a
    /// full-duplex link each direction has the full rate and the larger direction counts.
    /// </summary>
    /// <param name="elapsed">The run time.</param>
    /// <returns>The share in [0, 1].</returns>
    public double GossipShare(TimeSpan elapsed) =>
        elapsed <= TimeSpan.Zero ? 0 : GossipBytes * 8.0 / (Profile.BitsPerSecond * elapsed.TotalSeconds * (Profile.HalfDuplex ? 1 : 2));

    /// <summary>The largest gossip share of capacity in any complete round window (aligned to multiples of the round interval).</summary>
    /// <param name="elapsed">The run time (the window containing it is incomplete and ignored).</param>
    /// <returns>The share in [0, 1].</returns>
    public double WorstRoundGossipShare(TimeSpan elapsed)
    {
        long complete = elapsed.Ticks / _window.Ticks;
        double worst = 0;
        foreach (var (window, bytes) in _gossipPerWindow)
        {
            if (window < complete)
            {
                worst = Math.Max(worst, bytes * 8.0 / (Profile.BitsPerSecond * _window.TotalSeconds * (Profile.HalfDuplex ? 1 : 2)));
            }
        }

        return worst;
    }

    internal enum Traffic
    {
        Gossip,
        User,
        Signal,
    }

    internal void Count(Traffic traffic, int bytes, TimeSpan now)
    {
        if (traffic == Traffic.Signal)
        {
            SignalBytes += bytes;
        }
        else if (traffic == Traffic.Gossip)
        {
            GossipBytes += bytes;
            long window = now.Ticks / _window.Ticks;
            _gossipPerWindow[window] = _gossipPerWindow.GetValueOrDefault(window) + bytes;
        }
        else
        {
            UserBytes += bytes;
        }
    }
}
