using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;

namespace Nexus.Mesh.Tests;

/// <summary>A deterministic multi-node mesh on a fake clock.</summary>
internal sealed class Sim : IDisposable
{
    public FakeTimeProvider Time { get; } = new();

    public Dictionary<string, Node> Nodes { get; } = [];

    public sealed record Node(string Name, NodeIdentity Identity, MeshTransport Transport, Destination Destination, List<byte[]> Inbox);

    public Node Add(string name, double relayCost, int seed, Congestion.IFairShareWeighting? weighting = null)
    {
        var identity = NodeIdentity.Generate();
        var transport = new MeshTransport(identity, new MeshTransportOptions { RelayCostMicroNxsPerByte = relayCost, Seed = seed, FairShareWeighting = weighting }, Time);
        var destination = transport.RegisterDestination(identity, "nexus.node", CompactPathCost.ForOrigin(1, 1, 1e6));
        var inbox = new List<byte[]>();
        transport.DataReceived = (_, data, _) => inbox.Add(data.ToArray());
        var node = new Node(name, identity, transport, destination, inbox);
        Nodes[name] = node;
        return node;
    }

    public (InMemoryInterface, InMemoryInterface) Link(string a, string b, int latencyMs = 5)
    {
        var (x, y) = InMemoryInterface.CreatePair($"{a}-{b}", $"{b}-{a}", Time, TimeSpan.FromMilliseconds(latencyMs));
        Nodes[a].Transport.AddInterface(x);
        Nodes[b].Transport.AddInterface(y);
        return (x, y);
    }

    /// <summary>Attaches one end of a new in-memory pair (1 ms) to <paramref name="transport"/>; the other end is left free for the test.</summary>
    public (InMemoryInterface Attached, InMemoryInterface Far) Wire(MeshTransport transport, string name)
    {
        var (attached, far) = InMemoryInterface.CreatePair(name, name + "'", Time, TimeSpan.FromMilliseconds(1));
        transport.AddInterface(attached);
        return (attached, far);
    }

    public (SimulatedLoRaInterface, SimulatedLoRaInterface) LoRa(string a, string b)
    {
        var channel = new SimulatedLoRaChannel(Time, new LoRaModulation(7, 125_000, 5), seed: 7);
        var x = new SimulatedLoRaInterface($"{a}~{b}", channel);
        var y = new SimulatedLoRaInterface($"{b}~{a}", channel);
        Nodes[a].Transport.AddInterface(x);
        Nodes[b].Transport.AddInterface(y);
        return (x, y);
    }

    public void AnnounceAll()
    {
        foreach (var node in Nodes.Values)
        {
            node.Transport.Announce(node.Destination.Hash);
            Time.Advance(TimeSpan.FromSeconds(3));
        }
    }

    public void Run(TimeSpan duration)
    {
        var end = Time.GetUtcNow() + duration;
        while (Time.GetUtcNow() < end)
        {
            Time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    public bool Converged() => Nodes.Values.All(n => Nodes.Values.All(m => m == n || n.Transport.Routes.Contains(m.Destination.Hash)));

    public void Dispose()
    {
        foreach (var n in Nodes.Values)
        {
            n.Transport.Dispose();
            n.Identity.Dispose();
        }
    }
}

public class TransportTests
{
    // A —(memory, B expensive)— B —— D —— E
    // A —(LoRa, C cheap but slow)— C —— D
    private static Sim FiveNodes(out (SimulatedLoRaInterface, SimulatedLoRaInterface) lora, out List<(InMemoryInterface, InMemoryInterface)> links)
    {
        var sim = new Sim();
        sim.Add("A", 0, 1);
        sim.Add("B", 50, 2);
        sim.Add("C", 1, 3);
        sim.Add("D", 1, 4);
        sim.Add("E", 1, 5);
        links = [sim.Link("A", "B"), sim.Link("B", "D"), sim.Link("C", "D"), sim.Link("D", "E")];
        lora = sim.LoRa("A", "C");
        return sim;
    }

    [Fact]
    public void Five_node_mesh_converges_within_three_rounds()
    {
        using var sim = FiveNodes(out _, out _);
        sim.AnnounceAll();
        sim.Run(TimeSpan.FromMinutes(3));
        Assert.True(sim.Converged());
        Assert.Equal(2, sim.Nodes["A"].Transport.Routes.GetPaths(sim.Nodes["E"].Destination.Hash).Count); // via B and via C
        var a = sim.Nodes["A"].Transport;
        var e = sim.Nodes["E"].Destination.Hash;
        Assert.Equal(2, a.Routes.GetPaths(e).Count); // via B and via C
        Assert.All(a.Routes.GetPaths(e), p => Assert.Equal(3, p.Hops)); // E→D→B|C→A
    }

    [Fact]
    public void Traffic_follows_the_cost_optimal_path_for_each_policy()
    {
        using var sim = FiveNodes(out _, out _);
        sim.AnnounceAll();
        sim.Run(TimeSpan.FromMinutes(3));
        var a = sim.Nodes["A"].Transport;
        var b = sim.Nodes["B"];
        var c = sim.Nodes["C"];
        var e = sim.Nodes["E"];
        var paths = a.Routes.GetPaths(e.Destination.Hash);
        var viaB = paths.Single(p => p.NextHop == b.Transport.TransportId);
        var viaC = paths.Single(p => p.NextHop == c.Transport.TransportId);
        Assert.True(viaB.Cost > viaC.Cost, $"{viaB} vs {viaC}");          // B charges 50 μNXS/B
        Assert.True(viaC.LatencyMs > viaB.LatencyMs, $"{viaB} vs {viaC}"); // the LoRa hop is slow
        Assert.Equal(2, viaB.PathCost.HopCount); // relays D and B

        Assert.Equal(c.Transport.TransportId, a.Routes.Select(e.Destination.Hash, PathPolicy.Cheapest)!.NextHop);
        Assert.Equal(b.Transport.TransportId, a.Routes.Select(e.Destination.Hash, PathPolicy.Fastest)!.NextHop);

        Assert.True(a.Send(e.Destination.Hash, "cheap"u8, PathPolicy.Cheapest));
        sim.Run(TimeSpan.FromSeconds(5));
        Assert.Equal("cheap"u8.ToArray(), e.Inbox.Single());
        Assert.Equal(1, c.Transport.Forwarded);
        Assert.Equal(0, b.Transport.Forwarded);

        Assert.True(a.Send(e.Destination.Hash, "fast"u8, PathPolicy.Fastest));
        sim.Run(TimeSpan.FromSeconds(5));
        Assert.Equal("fast"u8.ToArray(), e.Inbox[1]);
        Assert.Equal(1, b.Transport.Forwarded);

        // And back: E reaches A over whichever path E's default policy prefers.
        Assert.True(e.Transport.Send(sim.Nodes["A"].Destination.Hash, "reply"u8));
        sim.Run(TimeSpan.FromSeconds(5));
        Assert.Equal("reply"u8.ToArray(), sim.Nodes["A"].Inbox.Single());
    }

    [Fact]
    public void Removing_a_node_reroutes_within_three_simulated_minutes()
    {
        using var sim = FiveNodes(out _, out var links);
        sim.AnnounceAll();
        sim.Run(TimeSpan.FromMinutes(3));
        var a = sim.Nodes["A"].Transport;
        var e = sim.Nodes["E"];
        Assert.Equal(sim.Nodes["B"].Transport.TransportId, a.Routes.Select(e.Destination.Hash, PathPolicy.Fastest)!.NextHop);
        sim.Run(TimeSpan.FromSeconds(17)); // remove B mid-round, not right after a beacon
        links[0].Item1.SetOnline(false); // A-B
        links[1].Item1.SetOnline(false); // B-D
        sim.Run(TimeSpan.FromMinutes(3));
        Assert.Equal(sim.Nodes["C"].Transport.TransportId, a.Routes.Select(e.Destination.Hash, PathPolicy.Fastest)!.NextHop);
        Assert.True(a.Send(e.Destination.Hash, "after"u8, PathPolicy.Fastest));
        sim.Run(TimeSpan.FromSeconds(5));
        Assert.Equal("after"u8.ToArray(), e.Inbox.Single());
    }

    [Fact]
    public void Unknown_destination_triggers_a_path_request_answered_from_the_table()
    {
        using var sim = new Sim();
        sim.Add("A", 0, 1);
        sim.Add("B", 0, 2);
        sim.Add("C", 0, 3);
        sim.Link("A", "B");
        sim.Nodes["C"].Transport.Announce(sim.Nodes["C"].Destination.Hash); // nobody hears it yet
        sim.Link("B", "C");
        sim.Nodes["C"].Transport.Announce(sim.Nodes["C"].Destination.Hash);
        sim.Run(TimeSpan.FromSeconds(30));
        var a = sim.Nodes["A"].Transport;
        var target = sim.Nodes["C"].Destination.Hash;
        Assert.True(sim.Nodes["B"].Transport.Routes.Contains(target));
        // A joined after C's announce passed (A-B link existed, but B rebroadcast before... force a fresh table at A):
        foreach (var p in a.Routes.GetPaths(target).ToArray())
        {
            a.RemoveInterface(p.Interface);
            a.AddInterface(p.Interface);
        }

        Assert.False(a.Routes.Contains(target));
        Assert.False(a.Send(target, "x"u8));
        sim.Run(TimeSpan.FromSeconds(5));
        Assert.True(a.Routes.Contains(target));
        Assert.True(a.Send(target, "x"u8));
        sim.Run(TimeSpan.FromSeconds(5));
        Assert.Single(sim.Nodes["C"].Inbox);
    }

    [Fact]
    public void Invalid_and_duplicate_announces_are_dropped_and_counted_and_hop_limit_holds()
    {
        using var sim = new Sim();
        sim.Add("A", 0, 1);
        var a = sim.Nodes["A"].Transport;
        var (x, _) = sim.Wire(a, "x");
        var vectors = TestVectors.Json("reticulum/announces.json").RootElement.GetProperty("vectors");
        foreach (var v in vectors.EnumerateArray())
        {
            a.ProcessInbound(x, v.GetProperty("raw_hex").Hex());
        }

        Assert.Equal(2, a.Drops["invalid_announce"]);
        Assert.Equal(1, a.Drops["malformed_announce"]);
        Assert.True(a.Routes.DestinationCount >= 10);

        var (z, w) = sim.Wire(a, "z");
        var heard = new List<Hash128>();
        w.PacketReceived = (_, packet) =>
        {
            if (Packet.TryParse(packet, out var p) && p.Header.PacketType == PacketType.Announce)
            {
                heard.Add(p.Header.DestinationHash);
            }
        };
        using var id = NodeIdentity.Generate();
        var raw = AnnounceBuilder.Build(id, "far.away", AnnounceBuilder.NewRandomHash(sim.Time), [], []);
        raw[1] = 127; // arrives with hops 128 after increment
        var limited = Packet.Parse(raw).Header.DestinationHash;
        a.ProcessInbound(x, raw);
        sim.Run(TimeSpan.FromSeconds(10));
        Assert.True(a.Routes.Contains(limited));
        Assert.DoesNotContain(limited, heard); // learned, but not rebroadcast beyond the hop limit

        // Control: the same kind of announce within the hop limit is rebroadcast on the other interface.
        using var near = NodeIdentity.Generate();
        var fresh = AnnounceBuilder.Build(near, "far.away", AnnounceBuilder.NewRandomHash(sim.Time), [], []);
        fresh[1] = 4;
        a.ProcessInbound(x, fresh);
        sim.Run(TimeSpan.FromSeconds(10));
        Assert.Contains(Packet.Parse(fresh).Header.DestinationHash, heard);
    }

    [Fact]
    public void Disposing_with_rebroadcasts_pending_cancels_them()
    {
        using var sim = new Sim();
        var identity = NodeIdentity.Generate();
        var transport = new MeshTransport(identity, new MeshTransportOptions(), sim.Time);
        var (x, _) = sim.Wire(transport, "x");
        var (z, w) = sim.Wire(transport, "z");
        var announcesHeard = 0;
        w.PacketReceived = (_, packet) => announcesHeard += Packet.TryParse(packet, out var p) && p.Header.PacketType == PacketType.Announce ? 1 : 0;
        using var far = NodeIdentity.Generate();
        transport.ProcessInbound(x, AnnounceBuilder.Build(far, "far.away", AnnounceBuilder.NewRandomHash(sim.Time), [], []));
        transport.Dispose();
        identity.Dispose(); // the owner may release the identity right after the transport
        sim.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, announcesHeard);
    }

    [Fact]
    public void Copies_of_a_validated_announce_skip_the_signature_check_but_a_reinterpreted_copy_is_checked()
    {
        using var sim = new Sim();
        sim.Add("A", 0, 1);
        var a = sim.Nodes["A"].Transport;
        var (x, _) = sim.Wire(a, "x");
        var (z, _) = sim.Wire(a, "z");
        using var far = NodeIdentity.Generate();
        var raw = AnnounceBuilder.Build(far, "far.away", AnnounceBuilder.NewRandomHash(sim.Time), new byte[32], new byte[40]);
        var parsed = Packet.Parse(raw);
        a.ProcessInbound(x, raw);
        Assert.Equal(1, a.AnnounceSignatureChecks);
        Assert.True(a.Routes.Contains(parsed.Header.DestinationHash));

        // The same announce relayed by another transport node (HEADER_2, more hops) on another interface: same packet hash.
        var relayed = PacketWriter.ToArray(parsed.Header.WithTransport(new Hash128(Enumerable.Repeat((byte)5, 16).ToArray())).WithHops(3), parsed.Data);
        a.ProcessInbound(z, relayed);
        Assert.Equal(1, a.AnnounceSignatureChecks);

        // The same bytes with the context flag flipped: the packet hash is unchanged, but the body is read
        // with(out) a ratchet, so the signed data differs: it must be verified again, and fails.
        var flipped = (byte[])raw.Clone();
        flipped[0] ^= 0x20;
        var invalidBefore = a.Drops.GetValueOrDefault("invalid_announce");
        a.ProcessInbound(z, flipped);
        Assert.Equal(2, a.AnnounceSignatureChecks);
        Assert.Equal(invalidBefore + 1, a.Drops.GetValueOrDefault("invalid_announce"));

        // A tampered copy (one app-data byte changed) has another packet hash and is rejected.
        var tampered = (byte[])raw.Clone();
        tampered[^1] ^= 1;
        a.ProcessInbound(z, tampered);
        Assert.Equal(3, a.AnnounceSignatureChecks);
        Assert.Equal(invalidBefore + 2, a.Drops.GetValueOrDefault("invalid_announce"));
    }

    [Fact]
    public void Routing_table_is_bounded_and_evicts_stale_then_least_reliable()
    {
        var time = new FakeTimeProvider();
        var table = new RoutingTable(maxDestinations: 3, maxPathsPerDestination: 2);
        var (i, _) = InMemoryInterface.CreatePair("i", "j", time, TimeSpan.FromMilliseconds(1));
        static Hash128 H(byte b) { var a = new byte[16]; a[15] = b; return new Hash128(a); }
        var e1 = table.Upsert(H(1), H(10), i);
        e1.Reliability = 200;
        var e2 = table.Upsert(H(2), H(10), i);
        e2.Reliability = 50;
        var e3 = table.Upsert(H(3), H(10), i);
        e3.Reliability = 100;
        table.Upsert(H(4), H(10), i);
        Assert.Equal(3, table.DestinationCount);
        Assert.False(table.Contains(H(2))); // lowest reliability went first
        e1.IsStale = true;
        table.Upsert(H(5), H(10), i);
        Assert.False(table.Contains(H(1))); // stale goes before active
        table.Upsert(H(3), H(11), i);
        table.Upsert(H(3), H(12), i);
        Assert.Equal(2, table.GetPaths(H(3)).Count);
        Assert.Equal(3, table.Evictions);
    }

    [Fact]
    public void Path_policies_score_exactly_as_the_spec_defines()
    {
        Assert.Equal((0.1, 0.8, 0.1, 0.0), (PathPolicy.Cheapest.RingWeight, PathPolicy.Cheapest.CostWeight, PathPolicy.Cheapest.LatencyWeight, PathPolicy.Cheapest.ReliabilityWeight));
        Assert.Equal((0.1, 0.1, 0.8, 0.0), (PathPolicy.Fastest.RingWeight, PathPolicy.Fastest.CostWeight, PathPolicy.Fastest.LatencyWeight, PathPolicy.Fastest.ReliabilityWeight));
        var balanced = PathPolicy.Balanced(2, 1, 0);
        Assert.Equal(0.6, balanced.CostWeight, 9);
        Assert.Equal(0.3, balanced.LatencyWeight, 9);
        Assert.Throws<ArgumentException>(() => PathPolicy.Balanced(0, 0, 0));
        var max = new byte[16];
        Array.Fill(max, (byte)0xFF);
        Assert.Equal(1.0, RoutingTable.RingDistance(new Hash128(max), Hash128.Zero)); // wraps around the ring
        var half = new byte[16];
        half[0] = 0x80;
        Assert.Equal(Math.Pow(2, 127), RoutingTable.RingDistance(new Hash128(half), Hash128.Zero));
    }
}
