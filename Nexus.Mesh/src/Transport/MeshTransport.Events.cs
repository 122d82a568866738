using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>Change events for hosts: raised outside the transport's lock, in the order the changes happened.</summary>
public sealed partial class MeshTransport
{
    private readonly Dictionary<Hash128, ReportedPath> _reportedPaths = [];
    private readonly SerialEventQueue _events;

    /// <summary>
    /// Raised when a destination's best path (the one <see cref="GetBestRoutes"/> returns under the
    /// options' <see cref="MeshTransportOptions.DefaultPolicy"/>) is added, replaced or changes its
    /// hop count, cost or stale flag, or is removed (<see cref="PathChangeKind"/>): after an inbound
    /// announce, path-cost update or beacon, the once-a-second maintenance (expiry, dead neighbours),
    /// <see cref="RemoveInterface"/>, or a gossip round of <see cref="Gossip.MeshGossipService"/>. A
    /// refresh that changes none of these (same path, new expiry) raises nothing.
    /// <para>
    /// Raised after the transport's lock is released, never under it, so a handler may call back into
    /// the transport (<see cref="GetBestRoutes"/>, <see cref="Send"/>): usually on the thread that made
    /// the change (an interface's receive thread, or the <see cref="TimeProvider"/>'s timer thread),
    /// but when another thread is already raising this transport's events the change is handed to that
    /// thread and raised right after. Events are raised one at a time in the order the changes
    /// happened, never concurrently, and a change caused by a handler is raised after that handler
    /// returns. A handler that throws is logged at warning level and skipped: the other handlers, the
    /// later events and packet processing go on. Keep handlers short: the thread raising them is
    /// receiving packets.
    /// </para>
    /// </summary>
    public event EventHandler<PathChangedEventArgs>? PathChanged;

    /// <summary>The queue this transport and its gossip service raise their events through.</summary>
    internal SerialEventQueue Events => _events;

    /// <summary>
    /// Raises the queued events of this transport and its gossip service, unless this thread still holds
    /// the transport's lock (the outermost holder raises them when it lets go). Call after every
    /// locked operation that can change a path or a neighbour.
    /// </summary>
    internal void RaiseQueuedEvents()
    {
        if (_events.HasPending && !Monitor.IsEntered(_gate))
        {
            _events.RaisePending();
        }
    }

    // Under _gate, at the end of every operation that touched the routing table: compares each touched
    // destination's best path with the last one reported and queues a PathChanged for a difference.
    private void QueuePathChanges()
    {
        var touched = Routes.Touched;
        if (touched.Count == 0)
        {
            return;
        }

        foreach (var destination in touched)
        {
            var best = Routes.Select(destination, Options.DefaultPolicy);
            PathChangeKind change;
            if (best is null)
            {
                if (!_reportedPaths.Remove(destination))
                {
                    continue;
                }

                change = PathChangeKind.Removed;
            }
            else
            {
                var now = new ReportedPath(best.NextHop, best.Interface, best.Hops, best.PathCost, best.IsStale);
                if (!_reportedPaths.TryGetValue(destination, out var before))
                {
                    change = PathChangeKind.Added;
                }
                else if (before != now)
                {
                    change = PathChangeKind.Updated;
                }
                else
                {
                    continue;
                }

                _reportedPaths[destination] = now;
            }

            if (PathChanged is { } handlers)
            {
                _events.Enqueue(nameof(PathChanged), handlers, this, new PathChangedEventArgs(destination, change, best));
            }
        }

        touched.Clear();
    }

    private readonly record struct ReportedPath(Hash128 NextHop, MeshInterface Interface, byte Hops, CompactPathCost PathCost, bool IsStale);
}
