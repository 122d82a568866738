using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;
using Nexus.Mesh.Gossip;

namespace Nexus.Mesh.Tests;

/// <summary><see cref="MeshTransport.PathChanged"/> and <see cref="MeshGossipService.NeighbourChanged"/> on a fake clock.</summary>
public sealed class ChangeEventTests
{
    private sealed record PathEvent(PathChangedEventArgs Args, bool UnderLock, bool VisibleInBestRoutes);

    // Records every PathChanged of a transport, with whether the handler ran under the transport's
    // lock and whether GetBestRoutes (a call back into the transport) already showed the change.
    private static List<PathEvent> RecordPaths(MeshTransport transport)
    {
        var events = new List<PathEvent>();
        transport.PathChanged += (sender, e) =>
        {
            Assert.Same(transport, sender);
            bool visible = transport.GetBestRoutes().Any(r => r.Destination == e.Destination) == (e.Change != PathChangeKind.Removed);
            events.Add(new PathEvent(e, Monitor.IsEntered(transport.Gate), visible));
        };
        return events;
    }

    // Steps of 100 ms: a timer started by a callback fires within the same run.
    private static void Run(FakeTimeProvider time, TimeSpan duration)
    {
        for (var end = time.GetUtcNow() + duration; time.GetUtcNow() < end;)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public void Path_added_relay_cost_updated_stale_and_removed_raise_PathChanged_outside_the_lock()
    {
        var time = new FakeTimeProvider();
        var options = new MeshTransportOptions { AnnounceInterval = TimeSpan.FromMinutes(2), RelayCostMicroNxsPerByte = 3 };
        using var idA = NodeIdentity.Generate();
        using var idB = NodeIdentity.Generate();
        using var idC = NodeIdentity.Generate();
        using var a = new MeshTransport(idA, options, time);
        using var b = new MeshTransport(idB, options, time);
        using var c = new MeshTransport(idC, options, time);
        var destination = a.RegisterDestination(idA, "nexus.node", CompactPathCost.ForOrigin(1, 1, 1e6)).Hash;
        var (ab, ba) = InMemoryInterface.CreatePair("a-b", "b-a", time, TimeSpan.FromMilliseconds(5));
        var (bc, cb) = InMemoryInterface.CreatePair("b-c", "c-b", time, TimeSpan.FromMilliseconds(5));
        a.AddInterface(ab);
        b.AddInterface(ba);
        b.AddInterface(bc);
        c.AddInterface(cb);
        var atB = RecordPaths(b);
        var atC = RecordPaths(c);

        a.Announce(destination);
        Run(time, TimeSpan.FromSeconds(3)); // B rebroadcasts within the 500 ms jitter, with its path-cost update

        var added = Assert.Single(atB).Args;
        Assert.Equal((destination, PathChangeKind.Added, a.TransportId, ba, (byte)1, false),
            (added.Destination, added.Change, added.NextHop, added.Interface, added.Hops, added.IsStale));
        Assert.Equal(CompactPathCost.ForOrigin(1, 1, 1e6), added.PathCost);

        // C learns the 2-hop path from B's rebroadcast (the origin's cost), then B's signed cost update replaces the cost.
        Assert.Equal([PathChangeKind.Added, PathChangeKind.Updated], atC.Select(e => e.Args.Change));
        Assert.All(atC, e => Assert.Equal((destination, b.TransportId, cb, (byte)2), (e.Args.Destination, e.Args.NextHop, e.Args.Interface, e.Args.Hops)));
        Assert.Equal(CompactPathCost.ForOrigin(1, 1, 1e6), atC[0].Args.PathCost);
        Assert.Equal(c.Routes.Select(destination, PathPolicy.Default)!.PathCost, atC[1].Args.PathCost);
        Assert.NotEqual(atC[0].Args.PathCost, atC[1].Args.PathCost);

        // A new emission of the same announce over the same path changes nothing a host sees: no event.
        Run(time, options.AnnounceRateLimit);
        a.Announce(destination);
        Run(time, TimeSpan.FromSeconds(3));
        Assert.Single(atB);

        // No more announces: 3 intervals after the last one the path is stale, one interval later it is gone.
        Run(time, 3 * options.AnnounceInterval);
        var stale = atB[^1].Args;
        Assert.Equal((PathChangeKind.Updated, true, a.TransportId), (stale.Change, stale.IsStale, stale.NextHop));
        Run(time, options.AnnounceInterval + TimeSpan.FromSeconds(10)); // C heard B's retransmission up to 7 s later
        var removed = atB[^1].Args;
        Assert.Equal((destination, PathChangeKind.Removed, null, default(Hash128), (byte)0), (removed.Destination, removed.Change, removed.Interface, removed.NextHop, removed.Hops));
        Assert.Equal(3, atB.Count);
        Assert.Equal(PathChangeKind.Removed, atC[^1].Args.Change);

        Assert.All(atB.Concat(atC), e => Assert.False(e.UnderLock));
        Assert.All(atB.Concat(atC), e => Assert.True(e.VisibleInBestRoutes));
    }

    [Fact]
    public void Removing_the_interface_of_a_path_raises_Removed_once_per_destination()
    {
        using var sim = new Sim();
        var a = sim.Add("A", 1, 1);
        var b = sim.Add("B", 1, 2);
        sim.Add("C", 1, 3);
        sim.Link("A", "B");
        var (_, cb) = sim.Link("B", "C");
        sim.AnnounceAll();
        sim.Run(TimeSpan.FromSeconds(10));
        var c = sim.Nodes["C"].Transport;
        Assert.True(c.Routes.Contains(a.Destination.Hash) && c.Routes.Contains(b.Destination.Hash));
        var events = RecordPaths(c);

        c.RemoveInterface(cb);

        Assert.Equal(
            new[] { a.Destination.Hash, b.Destination.Hash }.Order(),
            events.Where(e => e.Args.Change == PathChangeKind.Removed).Select(e => e.Args.Destination).Order());
        Assert.Equal(2, events.Count);
        Assert.Empty(c.GetBestRoutes());
    }

    [Fact]
    public void A_throwing_PathChanged_handler_is_logged_and_neither_other_handlers_nor_forwarding_stop()
    {
        var time = new FakeTimeProvider();
        var logs = new FakeLogCollector();
        using var idA = NodeIdentity.Generate();
        using var idB = NodeIdentity.Generate();
        using var a = new MeshTransport(idA, null, time);
        using var b = new MeshTransport(idB, null, time, new FakeLogger<MeshTransport>(logs));
        var first = a.RegisterDestination(idA, "nexus.first").Hash;
        var second = a.RegisterDestination(idA, "nexus.second").Hash;
        var received = new List<byte[]>();
        a.DataReceived = (_, data, _) => received.Add(data.ToArray());
        var (ab, ba) = InMemoryInterface.CreatePair("a-b", "b-a", time, TimeSpan.FromMilliseconds(5));
        a.AddInterface(ab);
        b.AddInterface(ba);
        int thrown = 0;
        b.PathChanged += (_, _) =>
        {
            thrown++;
            throw new InvalidOperationException("subscriber bug");
        };
        var seen = RecordPaths(b);

        a.Announce(first);
        Run(time, TimeSpan.FromSeconds(1));
        a.Announce(second);
        Run(time, TimeSpan.FromSeconds(1));

        Assert.Equal(2, thrown);
        Assert.Equal([first, second], seen.Select(e => e.Args.Destination));
        var warnings = logs.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.IsType<InvalidOperationException>(w.Exception));
        Assert.All(warnings, w => Assert.Contains(nameof(MeshTransport.PathChanged), w.Message, StringComparison.Ordinal));
        Assert.True(b.Send(first, "after the throw"u8));
        Run(time, TimeSpan.FromSeconds(1));
        Assert.Equal("after the throw"u8.ToArray(), Assert.Single(received));
    }

    [Fact]
    public void Events_queued_by_a_handler_are_raised_after_it_returns_in_order()
    {
        var queue = new SerialEventQueue(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var log = new List<string>();
        EventHandler<string>? handlers = null;
        handlers += (_, e) =>
        {
            log.Add("start " + e);
            if (e == "1")
            {
                queue.Enqueue("Test", handlers, this, "2");
                queue.Enqueue("Test", handlers, this, "3");
                queue.RaisePending(); // already raising on this thread: left to the outer loop
            }

            log.Add("end " + e);
        };

        queue.Enqueue("Test", handlers, this, "1");
        queue.RaisePending();

        Assert.Equal(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"], log);
        queue.RaisePending();
        Assert.Equal(6, log.Count);
    }

    [Fact]
    public void Gossip_neighbours_added_down_evicted_and_back_raise_NeighbourChanged_outside_the_lock()
    {
        using var mesh = new GossipMesh();
        var (a, b, c, ab, _) = mesh.Line();
        var events = new List<(GossipNeighbourChangedEventArgs Args, bool UnderLock, int ListedNeighbours)>();
        a.Gossip.NeighbourChanged += (sender, e) =>
        {
            Assert.Same(a.Gossip, sender);
            events.Add((e, Monitor.IsEntered(a.Transport.Gate), a.Gossip.Neighbours().Count));
        };
        var paths = RecordPaths(a.Transport);

        mesh.Start();
        mesh.Run(TimeSpan.FromSeconds(5));
        Assert.True(mesh.Converged());
        var added = Assert.Single(events);
        Assert.Equal((GossipNeighbourChangeKind.Added, b.Transport.TransportId, ab, NeighbourStatus.Up, 1),
            (added.Args.Change, added.Args.Neighbour.Id, added.Args.Neighbour.Interface, added.Args.Neighbour.Status, added.ListedNeighbours));

        // Gossip-learned paths are reported too (installed from inside the gossip service, raised after it lets go).
        Assert.Contains(paths, e => e.Args.Destination == c.Destination.Hash && e.Args.Change == PathChangeKind.Added && e.Args.NextHop == b.Transport.TransportId);

        ab.SetOnline(false);
        mesh.Run(4 * mesh.RoundInterval);
        Assert.Equal((GossipNeighbourChangeKind.StatusChanged, NeighbourStatus.Down), (events[^1].Args.Change, events[^1].Args.Neighbour.Status));
        Assert.Contains(paths, e => e.Args.Destination == c.Destination.Hash && e.Args.IsStale);

        mesh.Run(8 * mesh.RoundInterval);
        Assert.Equal((GossipNeighbourChangeKind.Removed, NeighbourStatus.Evicted, 0), (events[^1].Args.Change, events[^1].Args.Neighbour.Status, events[^1].ListedNeighbours));
        Assert.Equal(PathChangeKind.Removed, paths.Last(e => e.Args.Destination == c.Destination.Hash).Args.Change);

        ab.SetOnline(true);
        mesh.Run(2 * mesh.RoundInterval);
        Assert.Equal(
            [GossipNeighbourChangeKind.Added, GossipNeighbourChangeKind.StatusChanged, GossipNeighbourChangeKind.Removed, GossipNeighbourChangeKind.Added],
            events.Select(e => e.Args.Change));
        Assert.All(events, e => Assert.False(e.UnderLock));
        Assert.All(paths, e => Assert.False(e.UnderLock));
    }

    [Fact]
    public void Gossip_moving_to_another_interface_raises_InterfaceChanged()
    {
        using var mesh = new GossipMesh();
        var a = mesh.Add("A", 1, 1);
        var b = mesh.Add("B", 1, 2);
        var (first, _) = mesh.Link(a, b);
        var (second, _) = mesh.Link(a, b);
        var events = new List<GossipNeighbourChangedEventArgs>();
        a.Gossip.NeighbourChanged += (_, e) => events.Add(e);
        mesh.Start();
        mesh.Run(TimeSpan.FromSeconds(5));

        first.SetOnline(false);
        mesh.Run(mesh.RoundInterval + TimeSpan.FromSeconds(5));

        Assert.Equal([GossipNeighbourChangeKind.Added, GossipNeighbourChangeKind.InterfaceChanged], events.Select(e => e.Change));
        Assert.Same(first, events[0].Neighbour.Interface);
        Assert.Same(second, events[1].Neighbour.Interface);
        Assert.Equal(NeighbourStatus.Up, events[1].Neighbour.Status);
    }
}
