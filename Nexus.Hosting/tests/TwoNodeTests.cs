using System.Net;
using System.Net.Sockets;

namespace Nexus.Hosting.Tests;

/// <summary>Two real nodes on loopback TCP: the second, started with the first as a peer, connects and both learn each other's destination.</summary>
public sealed class TwoNodeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("nx-two-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_node_started_with_a_peer_connects_and_each_routes_to_the_other()
    {
        int portA = FreePort(), portB = FreePort();
        var a = new NodeOptions
        {
            DataDirectory = Path.Combine(_dir.FullName, "a"),
            Interfaces = [new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpServer, Endpoint = new IPEndPoint(IPAddress.Loopback, portA) }],
        };
        var b = new NodeOptions
        {
            DataDirectory = Path.Combine(_dir.FullName, "b"),
            Interfaces =
            [
                new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpServer, Endpoint = new IPEndPoint(IPAddress.Loopback, portB) },
                new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpClient, Endpoint = new IPEndPoint(IPAddress.Loopback, portA) },
            ],
        };
        await using var nodeA = await NexusNode.StartAsync(a);
        await using var nodeB = await NexusNode.StartAsync(b);

        // Real sockets and the system clock: wait (bounded) for the announces to cross, re-checking on every path change.
        using (var routes = new ConditionWaiter(() => Knows(nodeA, nodeB) && Knows(nodeB, nodeA)))
        {
            foreach (var node in new[] { nodeA, nodeB })
            {
                routes.On<Nexus.Mesh.PathChangedEventArgs>(h => node.Mesh.PathChanged += h, h => node.Mesh.PathChanged -= h);
            }

            await routes.WaitAsync("routes to each other's destination", TimeSpan.FromSeconds(60));
        }

        var route = nodeA.GetStatus()["routes"]!.AsArray().Single(r => r!["destination"]!.GetValue<string>() == nodeB.Destination.Hash.ToString())!;
        Assert.Equal(1, route["hops"]!.GetValue<int>());
    }

    [Fact]
    public async Task Two_nodes_become_gossip_neighbours_and_carry_a_registered_topic()
    {
        int portA = FreePort();
        var a = new NodeOptions
        {
            DataDirectory = Path.Combine(_dir.FullName, "a"),
            Interfaces = [new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpServer, Endpoint = new IPEndPoint(IPAddress.Loopback, portA) }],
        };
        var b = new NodeOptions
        {
            DataDirectory = Path.Combine(_dir.FullName, "b"),
            Interfaces = [new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpClient, Endpoint = new IPEndPoint(IPAddress.Loopback, portA) }],
        };
        await using var nodeA = await NexusNode.StartAsync(a);
        await using var nodeB = await NexusNode.StartAsync(b);
        var storeA = new Nexus.Mesh.Gossip.GossipStore(42, "test", Nexus.Mesh.Gossip.GossipTier.Critical);
        var storeB = new Nexus.Mesh.Gossip.GossipStore(42, "test", Nexus.Mesh.Gossip.GossipTier.Critical);
        nodeA.Gossip.AddTopic(storeA);
        nodeB.Gossip.AddTopic(storeB);

        using (var neighbours = new ConditionWaiter(() => Counter(nodeA, "gossip_neighbours") == 1 && Counter(nodeB, "gossip_neighbours") == 1))
        {
            foreach (var node in new[] { nodeA, nodeB })
            {
                neighbours.On<Nexus.Mesh.Gossip.GossipNeighbourChangedEventArgs>(h => node.Gossip.NeighbourChanged += h, h => node.Gossip.NeighbourChanged -= h);
            }

            await neighbours.WaitAsync("one gossip neighbour at each node", TimeSpan.FromSeconds(60));
        }

        Assert.Equal(nodeB.Mesh.TransportId, nodeA.Gossip.Neighbours().Single().Id);
        byte[] key = [1, 2, 3];
        var arrived = new TaskCompletionSource<Nexus.Mesh.Gossip.GossipItem>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnAccepted(Nexus.Mesh.Gossip.GossipItem accepted)
        {
            if (accepted.Key.Span.SequenceEqual(key))
            {
                arrived.TrySetResult(accepted);
            }
        }

        storeB.ItemAccepted += OnAccepted; // before the publish: the item cannot arrive unseen
        storeA.Set(new Nexus.Mesh.Gossip.GossipItem(key, 7, "settlement"u8.ToArray()));
        nodeA.Gossip.Publish(storeA, key);
        var item = await arrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
        storeB.ItemAccepted -= OnAccepted;

        Assert.Equal("settlement"u8.ToArray(), item.Value.ToArray());
        Assert.Equal(7UL, item.Version);
        Assert.True(storeB.TryGet(key, out var stored));
        Assert.Equal(7UL, stored.Version);
    }

    private static long Counter(NexusNode node, string name) =>
        node.GetStatus()["counters"]![name]?.GetValue<long>() ?? -1;

    [Fact]
    public async Task A_port_in_use_is_a_one_line_start_error()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var options = new NodeOptions
        {
            DataDirectory = _dir.FullName,
            Interfaces = [new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpServer, Endpoint = new IPEndPoint(IPAddress.Loopback, port) }],
        };
        var e = await Assert.ThrowsAsync<NodeStartException>(() => NexusNode.StartAsync(options));
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);

        // Nothing is left running: the same data directory starts once the port is free.
        squatter.Stop();
        await using var node = await NexusNode.StartAsync(options);
    }

    private static bool Knows(NexusNode node, NexusNode other) =>
        node.GetStatus()["routes"]!.AsArray().Any(r => r!["destination"]!.GetValue<string>() == other.Destination.Hash.ToString());
}
