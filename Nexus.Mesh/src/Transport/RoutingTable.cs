using System.Buffers.Binary;
using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>
/// The bounded routing table: up to <see cref="MaxPathsPerDestination"/> paths for each of up to
/// <see cref="MaxDestinations"/> destinations. Eviction rule when full (spec 01-mesh §5): the
/// least recently updated stale path first, then the active path with the lowest reliability
/// (oldest first among equals). Not thread-safe: the owning <see cref="MeshTransport"/> serialises access.
/// </summary>
public sealed class RoutingTable
{
    private readonly Dictionary<Hash128, List<RoutingEntry>> _routes = [];

    /// <summary>Creates a table.</summary>
    /// <param name="maxDestinations">Largest number of destinations kept (≥ 1).</param>
    /// <param name="maxPathsPerDestination">Largest number of paths per destination (≥ 1).</param>
    public RoutingTable(int maxDestinations = 4096, int maxPathsPerDestination = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDestinations);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPathsPerDestination);
        MaxDestinations = maxDestinations;
        MaxPathsPerDestination = maxPathsPerDestination;
    }

    /// <summary>Largest number of destinations.</summary>
    public int MaxDestinations { get; }

    /// <summary>Largest number of paths per destination.</summary>
    public int MaxPathsPerDestination { get; }

    /// <summary>Number of destinations with at least one path.</summary>
    public int DestinationCount => _routes.Count;

    /// <summary>Number of paths over all destinations.</summary>
    public int PathCount
    {
        get
        {
            var n = 0;
            foreach (var list in _routes.Values)
            {
                n += list.Count;
            }

            return n;
        }
    }

    /// <summary>Paths evicted to respect the bounds.</summary>
    public long Evictions { get; private set; }

    /// <summary>All known destinations.</summary>
    public IEnumerable<Hash128> Destinations => _routes.Keys;

    /// <summary>The known paths to a destination (empty when none).</summary>
    /// <param name="destination">The destination hash.</param>
    /// <returns>The paths, best not first.</returns>
    public IReadOnlyList<RoutingEntry> GetPaths(Hash128 destination) => _routes.TryGetValue(destination, out var list) ? list : [];

    /// <summary>Whether any path (active or stale) to the destination is known.</summary>
    /// <param name="destination">The destination hash.</param>
    /// <returns>Whether a path exists.</returns>
    public bool Contains(Hash128 destination) => _routes.ContainsKey(destination);

    /// <summary>
    /// The best path under <paramref name="policy"/>: active paths only unless none is active, then
    /// stale ones; minimum score as <see cref="PathPolicy"/> defines; ties go to the lower next-hop hash.
    /// </summary>
    /// <param name="destination">The destination hash.</param>
    /// <param name="policy">The scoring policy.</param>
    /// <returns>The chosen path, or <see langword="null"/> when none is known.</returns>
    public RoutingEntry? Select(Hash128 destination, PathPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!_routes.TryGetValue(destination, out var list) || list.Count == 0)
        {
            return null;
        }

        if (list.Count == 1)
        {
            return list[0];
        }

        var anyActive = false;
        foreach (var e in list)
        {
            anyActive |= !e.IsStale;
        }

        double maxRing = 0, maxCost = 0, maxLatency = 0, maxUnrel = 0;
        Span<double> ring = stackalloc double[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            var e = list[i];
            if (e.IsStale && anyActive)
            {
                continue;
            }

            ring[i] = e.IsDirect ? 0 : RingDistance(e.NextHop, destination);
            maxRing = Math.Max(maxRing, ring[i]);
            maxCost = Math.Max(maxCost, e.Cost);
            maxLatency = Math.Max(maxLatency, e.LatencyMs);
            maxUnrel = Math.Max(maxUnrel, 255 - e.Reliability);
        }

        RoutingEntry? best = null;
        var bestScore = double.MaxValue;
        for (var i = 0; i < list.Count; i++)
        {
            var e = list[i];
            if (e.IsStale && anyActive)
            {
                continue;
            }

            var score = (policy.RingWeight * Norm(ring[i], maxRing)) + (policy.CostWeight * Norm(e.Cost, maxCost))
                + (policy.LatencyWeight * Norm(e.LatencyMs, maxLatency)) + (policy.ReliabilityWeight * Norm(255 - e.Reliability, maxUnrel));
            if (best is null || score < bestScore - 1e-12 || (Math.Abs(score - bestScore) <= 1e-12 && e.NextHop < best.NextHop))
            {
                best = e;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>
    /// Ring distance on the 128-bit address space (spec 01-mesh §4): min(|a − b|, 2^128 − |a − b|),
    /// hashes read as unsigned big-endian integers (decision D4), returned as a double.
    /// </summary>
    /// <param name="a">First hash.</param>
    /// <param name="b">Second hash.</param>
    /// <returns>The distance.</returns>
    public static double RingDistance(Hash128 a, Hash128 b)
    {
        var x = BinaryPrimitives.ReadUInt128BigEndian(a.AsSpan());
        var y = BinaryPrimitives.ReadUInt128BigEndian(b.AsSpan());
        var d = x > y ? x - y : y - x;
        var wrap = UInt128.MaxValue - d + 1;
        return (double)(d < wrap ? d : wrap);
    }

    /// <summary>Destinations whose paths were added, removed or changed since the owner last drained this set (it reports them as path changes).</summary>
    internal HashSet<Hash128> Touched { get; } = [];

    /// <summary>Records that a path's reported properties (hops, cost, stale flag, reliability) changed.</summary>
    internal void Touch(Hash128 destination) => Touched.Add(destination);

    /// <summary>Gets or creates the path to <paramref name="destination"/> via (<paramref name="nextHop"/>, <paramref name="iface"/>), evicting by the table's rule when a bound is reached.</summary>
    internal RoutingEntry Upsert(Hash128 destination, Hash128 nextHop, MeshInterface iface)
    {
        Touched.Add(destination);
        if (!_routes.TryGetValue(destination, out var list))
        {
            if (_routes.Count >= MaxDestinations)
            {
                EvictOneDestinationPath();
            }

            list = new List<RoutingEntry>(2);
            _routes[destination] = list;
        }

        foreach (var e in list)
        {
            if (e.NextHop == nextHop && e.Interface == iface)
            {
                return e;
            }
        }

        if (list.Count >= MaxPathsPerDestination)
        {
            list.Remove(Victim(list));
            Evictions++;
        }

        var entry = new RoutingEntry(destination, nextHop, iface);
        list.Add(entry);
        return entry;
    }

    /// <summary>Removes one path.</summary>
    internal void Remove(RoutingEntry entry)
    {
        if (!_routes.TryGetValue(entry.Destination, out var list) || !list.Remove(entry))
        {
            return;
        }

        Touched.Add(entry.Destination);
        if (list.Count == 0)
        {
            _routes.Remove(entry.Destination);
        }
    }

    /// <summary>Every path, as a snapshot.</summary>
    internal List<RoutingEntry> Snapshot()
    {
        var all = new List<RoutingEntry>();
        foreach (var list in _routes.Values)
        {
            all.AddRange(list);
        }

        return all;
    }

    private static double Norm(double value, double max) => max > 0 ? value / max : 0;

    private static RoutingEntry Victim(List<RoutingEntry> list)
    {
        RoutingEntry? victim = null;
        foreach (var e in list)
        {
            if (victim is null || Worse(e, victim))
            {
                victim = e;
            }
        }

        return victim!;
    }

    // True when a should be evicted before b: stale before active; among stale the least recently
    // updated; among active the lowest reliability, then the least recently updated.
    private static bool Worse(RoutingEntry a, RoutingEntry b)
    {
        if (a.IsStale != b.IsStale)
        {
            return a.IsStale;
        }

        if (!a.IsStale && a.Reliability != b.Reliability)
        {
            return a.Reliability < b.Reliability;
        }

        return a.LastUpdated < b.LastUpdated;
    }

    private void EvictOneDestinationPath()
    {
        RoutingEntry? victim = null;
        foreach (var list in _routes.Values)
        {
            foreach (var e in list)
            {
                if (victim is null || Worse(e, victim))
                {
                    victim = e;
                }
            }
        }

        if (victim is not null)
        {
            _routes.Remove(victim.Destination);
            Touched.Add(victim.Destination);
            Evictions++;
        }
    }
}
