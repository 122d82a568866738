using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>
/// One known path to a destination (spec 01-mesh §4): reached through <see cref="Interface"/>
/// via <see cref="NextHop"/> (the relaying transport node's identity hash, or for a destination
/// heard directly the announcing identity's hash), with the path's cost, worst latency,
/// bottleneck bandwidth and relay count from its <see cref="PathCost"/>, the RNS hop count, a
/// locally measured reliability (0 = unknown … 255 = perfect) and an expiry. Times are on the
/// transport's <see cref="TimeProvider"/>.
/// </summary>
public sealed class RoutingEntry
{
    internal RoutingEntry(Hash128 destination, Hash128 nextHop, MeshInterface iface)
    {
        Destination = destination;
        NextHop = nextHop;
        Interface = iface;
    }

    /// <summary>The destination hash.</summary>
    public Hash128 Destination { get; }

    /// <summary>The next hop's identity hash (a transport id, or the destination's own identity when <see cref="IsDirect"/>).</summary>
    public Hash128 NextHop { get; }

    /// <summary>The interface the path leaves through.</summary>
    public MeshInterface Interface { get; }

    /// <summary>Whether the destination is one hop away (packets go out as HEADER_1).</summary>
    public bool IsDirect => Hops <= 1;

    /// <summary>RNS hop count of the path (1 = direct neighbour).</summary>
    public byte Hops { get; internal set; }

    /// <summary>The path cost as advertised to us (origin's signed cost, or the relay's update; see docs/protocol/path-cost.md).</summary>
    public CompactPathCost PathCost { get; internal set; }

    /// <summary>Decoded cumulative cost in μNXS per byte.</summary>
    public double Cost => PathCost.CostMicroNxsPerByte;

    /// <summary>Worst per-hop latency in milliseconds.</summary>
    public int LatencyMs => PathCost.WorstLatencyMs;

    /// <summary>Decoded bottleneck bandwidth in bit/s.</summary>
    public double BandwidthBitsPerSecond => PathCost.BandwidthBitsPerSecond;

    /// <summary>Local reliability estimate: 0 unknown … 255 perfect.</summary>
    public byte Reliability { get; internal set; }

    /// <summary>When the entry was last refreshed by an announce.</summary>
    public DateTimeOffset LastUpdated { get; internal set; }

    /// <summary>When the entry stops being active (last update + 3 × announce interval); stale after that, evicted one interval later.</summary>
    public DateTimeOffset Expires { get; internal set; }

    /// <summary>Whether the entry is stale (expired, or its next hop was detected down): usable only when nothing active remains.</summary>
    public bool IsStale { get; internal set; }

    /// <summary>The random hash of the announce that created or refreshed this entry.</summary>
    internal byte[] AnnounceRandomHash { get; set; } = [];

    /// <summary>The announce data (without header) to answer path requests from the table.</summary>
    internal byte[] AnnounceData { get; set; } = [];

    /// <summary>Whether the path was installed by the gossip service (announce topic) rather than learned from an RNS announce.</summary>
    internal bool FromGossip { get; set; }

    /// <summary>The announce header's context flag (ratchet present).</summary>
    internal bool AnnounceContextFlag { get; set; }

    /// <summary>A short description.</summary>
    public override string ToString() => $"{Destination} via {NextHop} on {Interface} hops={Hops} cost={Cost:0.###} lat={LatencyMs}ms{(IsStale ? " stale" : string.Empty)}";
}
