using Nexus.Mesh.Congestion;
using Nexus.Mesh.Simulation;
using Xunit.Abstractions;

namespace Nexus.Mesh.Tests;

public class SimulationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(60);

    [Fact]
    public void Same_seed_gives_the_same_run()
    {
        static string Run()
        {
            var sim = new NetworkSimulator(seed: 7);
            var a = sim.AddNode("A");
            var b = sim.AddNode("B");
            var c = sim.AddNode("C");
            sim.Connect(a, b, SimulatedLinkProfile.LoRaSf7Bw125 with { LossRate = 0.1 });
            sim.Connect(b, c, SimulatedLinkProfile.WiFi);
            sim.Start();
            sim.Run(TimeSpan.FromMinutes(5));
            return sim.FormatLinkTable();
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Simulation_clock_runs_timers_in_order()
    {
        var clock = new SimulationClock();
        var fired = new List<string>();
        using var periodic = clock.CreateTimer(_ => fired.Add($"t{clock.Elapsed.TotalSeconds}"), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        clock.Schedule(TimeSpan.FromSeconds(3), () => fired.Add("e3"));
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(["t2", "e3", "t4", "t6"], fired);
        periodic.Dispose();
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(4, fired.Count);
    }

    /// <summary>Acceptance: 5-node mixed LoRa + WiFi mesh converges within 3 rounds; gossip ≤ 10 % of every link.</summary>
    [Fact]
    public void Five_node_mixed_mesh_converges_within_3_rounds_within_budget()
    {
        var sim = new NetworkSimulator(seed: 1);
        var n = Enumerable.Range(0, 5).Select(i => sim.AddNode(((char)('A' + i)).ToString(), costMicroNxsPerByte: 1 + i)).ToArray();
        sim.Connect(n[0], n[1], SimulatedLinkProfile.WiFi);
        sim.Connect(n[3], n[4], SimulatedLinkProfile.WiFi);
        sim.Connect(n[1], n[2], SimulatedLinkProfile.LoRaSf7Bw125);
        sim.Connect(n[2], n[3], SimulatedLinkProfile.LoRaSf7Bw125);
        sim.Connect(n[0], n[4], SimulatedLinkProfile.LoRaSf7Bw125);
        sim.Connect(n[0], n[2], SimulatedLinkProfile.LoRaSf7Bw125);
        sim.Start();
        var converged = sim.RunUntil(() => sim.RoutingConverged(), TimeSpan.FromSeconds(1), 10 * Round);
        Assert.NotNull(converged);
        double rounds = converged!.Value / Round;
        output.WriteLine($"converged after {converged.Value.TotalSeconds:0} s = {rounds:0.00} rounds");
        Assert.True(rounds <= 3, $"took {rounds:0.00} rounds");

        sim.Run(40 * Round); // past the 30-min announce refresh: routes must not flap while it spreads
        Assert.True(sim.RoutingConverged());
        output.WriteLine(sim.FormatLinkTable());
        foreach (var link in sim.Links)
        {
            Assert.True(link.GossipShare(sim.Clock.Elapsed) <= 0.10, $"{link.A}–{link.B}: {link.GossipShare(sim.Clock.Elapsed):P2}");
            Assert.True(link.WorstRoundGossipShare(sim.Clock.Elapsed) <= 0.10, $"{link.A}–{link.B} worst round: {link.WorstRoundGossipShare(sim.Clock.Elapsed):P2}");
        }

        Assert.All(sim.Nodes, node => Assert.Equal(0, node.RejectedAnnounces));
    }

    /// <summary>Acceptance: 50-node random mesh converges in O(log N) rounds; summaries stay within budget on LoRa links.</summary>
    [Fact]
    public void Fifty_node_random_mesh_converges_in_logarithmic_rounds()
    {
        var sim = new NetworkSimulator(seed: 50);
        var rng = new Random(50);
        var nodes = Enumerable.Range(0, 50).Select(i => sim.AddNode($"N{i}", costMicroNxsPerByte: 1 + rng.Next(5))).ToArray();
        var edges = new HashSet<(int, int)>();
        void Link(int a, int b)
        {
            var key = (Math.Min(a, b), Math.Max(a, b));
            if (a != b && edges.Add(key))
            {
                sim.Connect(nodes[key.Item1], nodes[key.Item2], rng.NextDouble() < 0.5 ? SimulatedLinkProfile.LoRaSf7Bw500 : SimulatedLinkProfile.WiFi);
            }
        }

        for (int i = 1; i < nodes.Length; i++)
        {
            Link(i, rng.Next(i)); // a random spanning tree keeps the mesh connected
        }

        while (edges.Count < 100)
        {
            Link(rng.Next(nodes.Length), rng.Next(nodes.Length)); // average degree 4
        }

        sim.Start();
        var converged = sim.RunUntil(() => sim.RoutingConverged(), TimeSpan.FromSeconds(5), 30 * Round);
        Assert.NotNull(converged);
        double rounds = converged!.Value / Round;
        double log2N = Math.Log2(nodes.Length);
        output.WriteLine($"50 nodes, {edges.Count} links: converged after {rounds:0.00} rounds (log2 N = {log2N:0.00})");
        Assert.True(rounds <= 2 * log2N, $"took {rounds:0.00} rounds");

        sim.Run(10 * Round);
        output.WriteLine(sim.FormatLinkTable());
        foreach (var link in sim.Links)
        {
            Assert.True(link.GossipShare(sim.Clock.Elapsed) <= 0.10, $"{link.A}–{link.B}: {link.GossipShare(sim.Clock.Elapsed):P2}");
            if (link.Profile.Kind == "LoRa")
            {
                Assert.True(link.WorstRoundGossipShare(sim.Clock.Elapsed) <= 0.10, $"{link.A}–{link.B} worst round: {link.WorstRoundGossipShare(sim.Clock.Elapsed):P2}");
            }
        }
    }

    /// <summary>
    /// Acceptance: under overload P0 keeps latency below 500 ms while P3 is throttled, no link
    /// exceeds its gossip budget, and congestion on one link raises its cost so traffic reroutes.
    /// </summary>
    [Fact]
    public void Overload_keeps_P0_fast_throttles_P3_and_reroutes_around_congestion()
    {
        var sim = new NetworkSimulator(seed: 3);
        var s = sim.AddNode("S", 1);
        var a = sim.AddNode("A", 1);
        var b = sim.AddNode("B", 1.6);
        var d = sim.AddNode("D", 1);
        var link = new SimulatedLinkProfile("Serial", 250_000, HalfDuplex: false, LatencyMs: 5);
        sim.Connect(s, a, link);
        sim.Connect(s, b, link);
        var congested = sim.Connect(a, d, link);
        var alternative = sim.Connect(b, d, link);
        sim.Start();
        Assert.NotNull(sim.RunUntil(() => sim.RoutingConverged(), TimeSpan.FromSeconds(1), 5 * Round));
        Assert.True(s.Announces.TryGetRoute(d.Id, out var before));
        Assert.Equal(a.Id, before!.NextHop);
        double costBefore = a.HopCostToward(d.Id).CostMicroNxsPerByte;

        // Overload A→D with bulk at 3× the link rate, while S sends voice-like P0 and bulk P3 to D.
        sim.AddFlow(a, d, 480, TrafficPriority.Bulk, TimeSpan.FromMilliseconds(5), TimeSpan.Zero, 6 * Round);
        sim.AddFlow(s, d, 120, TrafficPriority.RealTime, TimeSpan.FromMilliseconds(40), TimeSpan.FromSeconds(1), 6 * Round);
        sim.AddFlow(s, d, 480, TrafficPriority.Bulk, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(1), 6 * Round);
        sim.Run(TimeSpan.FromSeconds(30));
        double costDuring = a.HopCostToward(d.Id).CostMicroNxsPerByte;
        Assert.True(costDuring >= 1.25 * costBefore, $"A→D cost {costBefore} → {costDuring}");

        long alternativeBefore = alternative.UserBytes;
        sim.Run(3 * Round);
        Assert.True(s.Announces.TryGetRoute(d.Id, out var after));
        Assert.Equal(b.Id, after!.NextHop);
        Assert.True(alternative.UserBytes - alternativeBefore > 100_000, "traffic moved to S–B–D");
        sim.Run(3 * Round);

        var p0 = sim.FlowsOf(TrafficPriority.RealTime);
        var p3 = sim.FlowsOf(TrafficPriority.Bulk);
        output.WriteLine(sim.FormatFlowTable());
        output.WriteLine(sim.FormatLinkTable());
        Assert.True(p0.LatencyPercentileMs(1) < 500, $"P0 max latency {p0.LatencyPercentileMs(1)} ms");
        Assert.True(p0.Delivered >= 0.99 * p0.Sent, $"P0 delivered {p0.Delivered} of {p0.Sent}");
        Assert.True(p3.Dropped > 0 && p3.Delivered < p3.Sent, "P3 throttled");
        Assert.True(a.SchedulerTo(d).GetStatistics(TrafficPriority.Bulk).Dropped > 0);
        foreach (var l in sim.Links)
        {
            Assert.True(l.GossipShare(sim.Clock.Elapsed) <= 0.10);
            Assert.True(l.WorstRoundGossipShare(sim.Clock.Elapsed) <= 0.10);
            Assert.True(l.UserBytes * 8.0 <= l.Profile.BitsPerSecond * 2 * sim.Clock.Elapsed.TotalSeconds, "no link carries more than its capacity");
        }

        var upstream = sim.Links.Single(l => l.A == s && l.B == a);
        Assert.True(upstream.SignalBytes > 0, "A signalled its congestion one hop upstream to S");
        Assert.Equal(0, alternative.SignalBytes);
        Assert.True(congested.UserBytes * 8.0 <= link.BitsPerSecond * sim.Clock.Elapsed.TotalSeconds);
    }

    [Fact]
    public void A_cut_link_is_detected_and_routes_move_to_the_surviving_path()
    {
        var sim = new NetworkSimulator(seed: 9);
        var s = sim.AddNode("S", 1);
        var a = sim.AddNode("A", 1);
        var b = sim.AddNode("B", 3);
        var d = sim.AddNode("D", 1);
        var cut = sim.Connect(s, a, SimulatedLinkProfile.WiFi);
        sim.Connect(s, b, SimulatedLinkProfile.WiFi);
        sim.Connect(a, d, SimulatedLinkProfile.WiFi);
        sim.Connect(b, d, SimulatedLinkProfile.WiFi);
        sim.Start();
        Assert.NotNull(sim.RunUntil(() => sim.RoutingConverged(), TimeSpan.FromSeconds(1), 5 * Round));
        Assert.True(s.Announces.TryGetRoute(d.Id, out var route));
        Assert.Equal(a.Id, route!.NextHop);

        cut.IsDown = true;
        sim.Run(4 * Round);
        Assert.Equal(Nexus.Mesh.Gossip.NeighbourStatus.Down, s.Engine.StatusOf(a.Id));
        Assert.True(s.Announces.TryGetRoute(d.Id, out route));
        Assert.Equal(b.Id, route!.NextHop);
        Assert.False(route.IsStale);
    }
}
