using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>What happened to a destination's best path (see <see cref="MeshTransport.PathChanged"/>).</summary>
public enum PathChangeKind
{
    /// <summary>The destination had no path and now has one (learned from an RNS announce or from the gossip announce topic).</summary>
    Added = 0,

    /// <summary>
    /// The destination's best path is another one (a new next hop or interface replaced it) or one of
    /// its reported properties changed: hop count, <see cref="CompactPathCost"/> (a relay's path-cost
    /// update, a new emission of the announce, a gossip round's congestion cost) or the stale flag
    /// (expired, or its next hop stopped beaconing; and back when it is heard again).
    /// </summary>
    Updated,

    /// <summary>The destination's last path was removed: expired one announce interval after going stale, its neighbour was evicted, its interface was removed, or the bounded table evicted it.</summary>
    Removed,
}

/// <summary>
/// A change of one destination's best path in a <see cref="MeshTransport"/>'s routing table, with a
/// copy of that path as it was right after the change (the fields of a <see cref="RoutingEntry"/>
/// keep changing under the transport's lock; these do not).
/// </summary>
public sealed class PathChangedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="destination">The 16-byte destination hash.</param>
    /// <param name="change">What happened.</param>
    /// <param name="path">The destination's best path after the change, or null when <paramref name="change"/> is <see cref="PathChangeKind.Removed"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null but the change is not a removal, set for a removal, or for another destination.</exception>
    public PathChangedEventArgs(Hash128 destination, PathChangeKind change, RoutingEntry? path)
    {
        if ((path is null) != (change == PathChangeKind.Removed) || (path is not null && path.Destination != destination))
        {
            throw new ArgumentException("A removal has no path; an addition or update has the destination's path.", nameof(path));
        }

        Destination = destination;
        Change = change;
        if (path is not null)
        {
            NextHop = path.NextHop;
            Interface = path.Interface;
            Hops = path.Hops;
            PathCost = path.PathCost;
            IsStale = path.IsStale;
        }
    }

    /// <summary>The 16-byte destination hash.</summary>
    public Hash128 Destination { get; }

    /// <summary>What happened.</summary>
    public PathChangeKind Change { get; }

    /// <summary>The best path's next hop (the relaying transport id, or the destination's identity hash when it is a direct neighbour); default when removed.</summary>
    public Hash128 NextHop { get; }

    /// <summary>The interface the best path leaves through; null when removed.</summary>
    public MeshInterface? Interface { get; }

    /// <summary>The best path's RNS hop count (1 = direct neighbour); 0 when removed.</summary>
    public byte Hops { get; }

    /// <summary>The best path's advertised cost (see <see cref="RoutingEntry.PathCost"/>); default when removed.</summary>
    public CompactPathCost PathCost { get; }

    /// <summary>Whether the best path is stale (usable only because nothing active remains); false when removed.</summary>
    public bool IsStale { get; }
}
