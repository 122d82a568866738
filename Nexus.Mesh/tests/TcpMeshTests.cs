using System.Net;
using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;

namespace Nexus.Mesh.Tests;

public class TcpMeshTests
{
    [Fact]
    public async Task Five_node_scenario_passes_over_real_tcp_on_loopback()
    {
        // Same topology as the in-memory simulation; every link is a TCP server on one node and a client on the other.
        // Transport timers run on a fake clock advanced by the test while real sockets carry the bytes.
        using var sim = new Sim();
        foreach (var (name, cost, seed) in new[] { ("A", 0.0, 1), ("B", 50.0, 2), ("C", 1.0, 3), ("D", 1.0, 4), ("E", 1.0, 5) })
        {
            sim.Add(name, cost, seed);
        }

        var disposables = new List<IAsyncDisposable>();
        var byLink = new Dictionary<string, List<MeshInterface>>();
        async Task Link(string server, string client, int latencyMs)
        {
            var srv = new TcpServerInterface($"{server}<{client}", new IPEndPoint(IPAddress.Loopback, 0));
            var key = server + client;
            byLink[key] = [];
            srv.InterfaceSpawned += i =>
            {
                i.LatencyOverrideMs = latencyMs;
                lock (byLink)
                {
                    byLink[key].Add(i);
                }
            };
            sim.Nodes[server].Transport.AddInterface(srv);
            await srv.StartAsync();
            var cli = new TcpClientInterface($"{client}>{server}", "127.0.0.1", srv.LocalEndPoint.Port, sim.Time) { LatencyOverrideMs = latencyMs };
            sim.Nodes[client].Transport.AddInterface(cli);
            await cli.StartAsync();
            byLink[key].Add(cli);
            disposables.Add(cli);
            disposables.Add(srv);
        }

        try
        {
            await Link("A", "B", 5);
            await Link("B", "D", 5);
            await Link("A", "C", 400); // the slow but cheap side
            await Link("C", "D", 5);
            await Link("D", "E", 5);
            await Until(sim, () => byLink.Values.All(l => l.Count == 2 && l.All(i => i.IsOnline)));
            sim.AnnounceAll();
            await Until(sim, sim.Converged);

            var a = sim.Nodes["A"].Transport;
            var e = sim.Nodes["E"];
            await Until(sim, () => a.Routes.GetPaths(e.Destination.Hash).Count == 2 && a.Routes.GetPaths(e.Destination.Hash).All(p => p.Cost > 1.5));
            Assert.Equal(sim.Nodes["C"].Transport.TransportId, a.Routes.Select(e.Destination.Hash, PathPolicy.Cheapest)!.NextHop);
            Assert.Equal(sim.Nodes["B"].Transport.TransportId, a.Routes.Select(e.Destination.Hash, PathPolicy.Fastest)!.NextHop);

            Assert.True(a.Send(e.Destination.Hash, "over tcp"u8, PathPolicy.Cheapest));
            await Until(sim, () => e.Inbox.Count == 1);
            Assert.Equal(1, sim.Nodes["C"].Transport.Forwarded);

            // Remove B: its sockets close; A re-routes to C within three beacon rounds of fake time.
            foreach (var i in byLink["AB"].Concat(byLink["BD"]).Where(i => i is TcpClientInterface))
            {
                await i.DisposeAsync();
            }

            foreach (var i in byLink["AB"].Concat(byLink["BD"]))
            {
                sim.Nodes["A"].Transport.RemoveInterface(i);
                sim.Nodes["D"].Transport.RemoveInterface(i);
            }

            await Until(sim, () => a.Routes.Select(e.Destination.Hash, PathPolicy.Fastest)?.NextHop == sim.Nodes["C"].Transport.TransportId);
            Assert.True(a.Send(e.Destination.Hash, "after"u8, PathPolicy.Fastest));
            await Until(sim, () => e.Inbox.Count == 2);
        }
        finally
        {
            foreach (var d in disposables)
            {
                await d.DisposeAsync();
            }
        }
    }

    private static async Task Until(Sim sim, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the TCP mesh did not reach the expected state");
            sim.Time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Delay(2);
        }
    }
}
