namespace Nexus.Mesh.Gossip;

/// <summary>What happened to a gossip neighbour (see <see cref="MeshGossipService.NeighbourChanged"/>).</summary>
public enum GossipNeighbourChangeKind
{
    /// <summary>A direct neighbour was heard for the first time (its signed beacon): it is now gossiped with.</summary>
    Added = 0,

    /// <summary>Failure detection changed its status: <see cref="NeighbourStatus.Down"/> after 3 silent rounds, <see cref="NeighbourStatus.Up"/> when it is heard again.</summary>
    StatusChanged,

    /// <summary>Gossip to it moved to another interface (a faster one, or a new one after a reconnection).</summary>
    InterfaceChanged,

    /// <summary>It was evicted after 10 silent rounds (status <see cref="NeighbourStatus.Evicted"/>) and forgotten; a later beacon adds it again.</summary>
    Removed,
}

/// <summary>A change of one of a <see cref="MeshGossipService"/>'s direct neighbours.</summary>
public sealed class GossipNeighbourChangedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="change">What happened.</param>
    /// <param name="neighbour">The neighbour as it is right after the change.</param>
    /// <exception cref="ArgumentNullException"><paramref name="neighbour"/> is null.</exception>
    public GossipNeighbourChangedEventArgs(GossipNeighbourChangeKind change, GossipNeighbourInfo neighbour)
    {
        ArgumentNullException.ThrowIfNull(neighbour);
        Change = change;
        Neighbour = neighbour;
    }

    /// <summary>What happened.</summary>
    public GossipNeighbourChangeKind Change { get; }

    /// <summary>The neighbour right after the change (id, interface, status, gossip bytes sent to it).</summary>
    public GossipNeighbourInfo Neighbour { get; }
}
