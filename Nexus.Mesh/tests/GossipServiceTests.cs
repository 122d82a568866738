using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;
using Nexus.Mesh.Gossip;
using Xunit.Abstractions;

namespace Nexus.Mesh.Tests;

/// <summary>Real <see cref="MeshTransport"/> nodes running <see cref="MeshGossipService"/> on a fake clock (no RNS announces are sent: every route comes from gossip).</summary>
internal sealed class GossipMesh : IDisposable
{
    public const int BeaconPacketBytes = 19 + 136;

    public static readonly LoRaModulation Sf7Bw125 = new(7, 125_000, 5);

    public FakeTimeProvider Time { get; } = new();

    public List<Node> Nodes { get; } = [];

    public List<(MeshInterface A, MeshInterface B)> Wired { get; } = [];

    public List<(SimulatedLoRaChannel Channel, List<SimulatedLoRaInterface> Radios)> Channels { get; } = [];

    public DateTimeOffset Started { get; private set; }

    public TimeSpan RoundInterval { get; } = TimeSpan.FromSeconds(60);

    public sealed record Node(string Name, NodeIdentity Identity, MeshTransport Transport, Destination Destination, MeshGossipService Gossip, List<byte[]> Inbox);

    /// <summary>The four nodes of the rerouting scenarios: relays A (cost 1) and B (cost 2) between S and D, so S–A–D is the cheaper path.</summary>
    public (Node S, Node A, Node B, Node D) AddDiamondNodes() => (Add("S", 1, 1), Add("A", 1, 2), Add("B", 2, 3), Add("D", 1, 4));

    public Node Add(string name, double relayCost, int seed)
    {
        var identity = NodeIdentity.Generate();
        var transport = new MeshTransport(identity, new MeshTransportOptions { RelayCostMicroNxsPerByte = relayCost, Seed = seed }, Time);
        var destination = transport.RegisterDestination(identity, "nexus.node", CompactPathCost.ForOrigin(0, 0, 1e9));
        var inbox = new List<byte[]>();
        transport.DataReceived = (_, data, _) => inbox.Add(data.ToArray());
        var gossip = new MeshGossipService(transport, identity, new GossipOptions { RoundInterval = RoundInterval }, Time);
        var node = new Node(name, identity, transport, destination, gossip, inbox);
        Nodes.Add(node);
        return node;
    }

    public Node this[string name] => Nodes.Single(n => n.Name == name);

    /// <summary>Three nodes in a line, A — B — C (relay cost 1 each, seeds 1–3); returns A's and B's ends of the A–B link.</summary>
    public (Node A, Node B, Node C, InMemoryInterface AtA, InMemoryInterface AtB) Line()
    {
        var (a, b, c) = (Add("A", 1, 1), Add("B", 1, 2), Add("C", 1, 3));
        var (atA, atB) = Link(a, b);
        Link(b, c);
        return (a, b, c, atA, atB);
    }

    public (InMemoryInterface, InMemoryInterface) Link(Node a, Node b, long bitrate = 10_000_000, int latencyMs = 5)
    {
        var (x, y) = InMemoryInterface.CreatePair($"{a.Name}-{b.Name}", $"{b.Name}-{a.Name}", Time, TimeSpan.FromMilliseconds(latencyMs), bitrate);
        a.Transport.AddInterface(x);
        b.Transport.AddInterface(y);
        Wired.Add((x, y));
        return (x, y);
    }

    public List<SimulatedLoRaInterface> LoRa(params Node[] stations)
    {
        var channel = new SimulatedLoRaChannel(Time, Sf7Bw125, seed: 7 + Channels.Count);
        var radios = new List<SimulatedLoRaInterface>();
        foreach (var node in stations)
        {
            var radio = new SimulatedLoRaInterface($"{node.Name}~{Channels.Count}", channel);
            node.Transport.AddInterface(radio);
            radios.Add(radio);
        }

        Channels.Add((channel, radios));
        return radios;
    }

    public void Start()
    {
        Started = Time.GetUtcNow();
        foreach (var node in Nodes)
        {
            node.Gossip.Originate(node.Destination.Hash);
            node.Gossip.Start();
        }
    }

    public TimeSpan Elapsed => Time.GetUtcNow() - Started;

    public double Rounds => Elapsed / RoundInterval;

    /// <summary>Every node's routing table holds an active path to every other node's destination.</summary>
    public bool Converged()
    {
        foreach (var n in Nodes)
        {
            foreach (var m in Nodes)
            {
                if (m != n && n.Transport.Routes.Select(m.Destination.Hash, PathPolicy.Default) is not { IsStale: false })
                {
                    return false;
                }
            }
        }

        return true;
    }

    public void Run(TimeSpan duration)
    {
        var end = Time.GetUtcNow() + duration;
        while (Time.GetUtcNow() < end)
        {
            Time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Advances until <paramref name="done"/> holds (checked every second) or <paramref name="limit"/> passes; returns the time since <see cref="Start"/> or null.</summary>
    public TimeSpan? RunUntil(Func<bool> done, TimeSpan limit)
    {
        while (Elapsed < limit)
        {
            if (done())
            {
                return Elapsed;
            }

            for (int i = 0; i < 10; i++)
            {
                Time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }

        return done() ? Elapsed : null;
    }

    /// <summary>Gossip bytes an interface sent, derived from its own counters: all bytes minus the beacons (every non-gossip packet here is a 155-byte beacon).</summary>
    public static long GossipBytesFromCounters(Node owner, MeshInterface iface)
    {
        long gossipPackets = owner.Gossip.PacketsSentOn(iface);
        long beacons = iface.PacketsSent - gossipPackets;
        return iface.BytesSent - (beacons * BeaconPacketBytes);
    }

    public Node OwnerOf(MeshInterface iface) => Nodes.Single(n => n.Transport.InterfacesSnapshot().Contains(iface));

    /// <summary>Gossip share of every link: wired per direction (full duplex), LoRa over the whole shared channel.</summary>
    public List<(string Link, double Share)> GossipShares()
    {
        var shares = new List<(string, double)>();
        double seconds = Elapsed.TotalSeconds;
        foreach (var (a, b) in Wired)
        {
            foreach (var iface in new[] { a, b })
            {
                var owner = OwnerOf(iface);
                long bytes = GossipBytesFromCounters(owner, iface);
                Assert.Equal(owner.Gossip.BytesSentOn(iface), bytes);
                shares.Add((iface.Name, bytes * 8.0 / (iface.BitrateBitsPerSecond * seconds)));
            }
        }

        foreach (var (channel, radios) in Channels)
        {
            long bytes = 0;
            foreach (var radio in radios)
            {
                var owner = OwnerOf(radio);
                long fromCounters = GossipBytesFromCounters(owner, radio);
                Assert.Equal(owner.Gossip.BytesSentOn(radio), fromCounters);
                bytes += fromCounters;
            }

            shares.Add((string.Join("/", radios.Select(r => r.Name)), bytes * 8.0 / (channel.Modulation.BitrateBitsPerSecond * seconds)));
        }

        return shares;
    }

    public void Dispose()
    {
        foreach (var n in Nodes)
        {
            n.Gossip.Dispose();
            n.Transport.Dispose();
            n.Identity.Dispose();
        }
    }
}

public class GossipServiceTests(ITestOutputHelper output)
{
    [Fact]
    public void Gossip_paths_become_routing_entries_and_carry_data()
    {
        using var mesh = new GossipMesh();
        var a = mesh.Add("A", 1, 1);
        var b = mesh.Add("B", 2, 2);
        var c = mesh.Add("C", 3, 3);
        mesh.Link(a, b);
        mesh.Link(b, c);
        mesh.Start();
        mesh.Run(TimeSpan.FromSeconds(5));

        Assert.True(mesh.Converged());
        var route = a.Transport.Routes.Select(c.Destination.Hash, PathPolicy.Default)!;
        Assert.Equal(b.Transport.TransportId, route.NextHop);
        Assert.Equal("A-B", route.Interface.Name);
        Assert.Equal(2, route.Hops);                                 // C → B → A
        Assert.False(route.IsDirect);
        Assert.Equal(2 + 1, route.Cost, 0.1);                        // B's hop (2) + A's hop toward B (1), log-encoded
        Assert.Equal(5, route.LatencyMs);
        Assert.Equal(1e7, route.BandwidthBitsPerSecond, 1e6);
        Assert.True(route.Expires > mesh.Time.GetUtcNow() + TimeSpan.FromMinutes(89));
        Assert.Equal(1, a.Transport.Routes.Select(b.Destination.Hash, PathPolicy.Default)!.Hops);

        Assert.True(a.Transport.Send(c.Destination.Hash, "over gossip"u8));
        mesh.Run(TimeSpan.FromSeconds(1));
        Assert.Equal("over gossip"u8.ToArray(), Assert.Single(c.Inbox));
        Assert.Equal(1, b.Transport.Forwarded);
        Assert.All(mesh.Nodes, n => Assert.Empty(n.Gossip.Rejected));
    }

    [Fact]
    public void Tampered_and_replayed_gossip_packets_are_rejected()
    {
        using var mesh = new GossipMesh();
        var a = mesh.Add("A", 1, 1);
        var b = mesh.Add("B", 1, 2);
        var (_, toB) = mesh.Link(a, b);
        var captured = new List<byte[]>();
        var inner = toB.PacketReceived!;
        toB.PacketReceived = (s, p) =>
        {
            if (p.Length > 2 && p[2 + 16] == (byte)PacketContext.NexusGossip)
            {
                captured.Add(p.ToArray());
            }

            inner(s, p);
        };
        mesh.Start();
        mesh.Run(TimeSpan.FromSeconds(5));
        Assert.NotEmpty(captured);
        Assert.Empty(b.Gossip.Rejected);

        var replay = captured[0];
        b.Transport.ProcessInbound(toB, replay);
        Assert.Equal(1, b.Gossip.Rejected["replayed"]);

        var tampered = (byte[])captured[^1].Clone();
        tampered[19 + 16 + 8] ^= 1; // first byte of the gossip message
        b.Transport.ProcessInbound(toB, tampered);
        Assert.Equal(1, b.Gossip.Rejected["bad_signature"]);

        var stranger = (byte[])captured[^1].Clone();
        stranger[19] ^= 0xFF; // sender id nobody beaconed
        b.Transport.ProcessInbound(toB, stranger);
        Assert.Equal(1, b.Gossip.Rejected["unknown_sender"]);
    }

    [Fact]
    public void Mutated_gossip_packets_never_throw_and_never_change_routes()
    {
        using var mesh = new GossipMesh();
        var (a, b, c, _, toB) = mesh.Line();
        var captured = new List<byte[]>();
        var inner = toB.PacketReceived!;
        toB.PacketReceived = (s, p) =>
        {
            if (p.Length > 18 && p[18] == (byte)PacketContext.NexusGossip)
            {
                captured.Add(p.ToArray());
            }

            inner(s, p);
        };
        mesh.Start();
        mesh.Run(TimeSpan.FromSeconds(5));
        Assert.True(mesh.Converged());
        string Table() => string.Join("\n", b.Transport.Routes.Destinations.Order().SelectMany(d => b.Transport.Routes.GetPaths(d)).Select(e => e.ToString()));
        var before = Table();
        long accepted = 0;

        Gen.Select(Gen.Int[0, captured.Count - 1], Gen.Int[19, 499], Gen.Byte, Gen.Int[0, 2]).Sample((i, at, value, kind) =>
        {
            var packet = (byte[])captured[i].Clone();
            packet = kind switch
            {
                0 => packet[..Math.Min(packet.Length, at)],                    // truncated
                1 => [.. packet, value],                                      // extended
                _ => Mutate(packet, at % packet.Length, value),               // one byte changed
            };
            var rejectedBefore = b.Gossip.Rejected.Values.Sum();
            b.Transport.ProcessInbound(toB, packet); // must not throw
            accepted += b.Gossip.Rejected.Values.Sum() == rejectedBefore ? 1 : 0;
        });

        Assert.Equal(before, Table());
        output.WriteLine($"rejections: {string.Join(", ", b.Gossip.Rejected.Select(r => $"{r.Key}={r.Value}"))}; not counted (overheard, malformed packet or unchanged byte): {accepted}");
        Assert.False(b.Gossip.Rejected.ContainsKey("engine"));

        static byte[] Mutate(byte[] packet, int at, byte value)
        {
            packet[at] = value == packet[at] ? (byte)~value : value;
            return packet;
        }
    }

    [Fact]
    public void Gossiped_announces_with_a_bad_signature_a_foreign_destination_or_a_relay_header_are_rejected()
    {
        using var mesh = new GossipMesh();
        var a = mesh.Add("A", 1, 1);
        var b = mesh.Add("B", 1, 2);
        using var origin = NodeIdentity.Generate();
        var destination = Destination.CreateSingle(IdentityPublicKey.FromIdentity(origin), "nexus.node").Hash;
        var announce = AnnounceBuilder.Build(origin, "nexus.node", AnnounceBuilder.NewRandomHash(mesh.Time), [], []);
        ulong sequence = AnnounceGossipTopic.EmissionTime(announce);
        var cost = CompactPathCost.ForOrigin(0, 0, 1e6);

        GossipItem Item(Hash128 key, byte[] packet)
        {
            var value = new byte[CompactPathCost.SizeInBytes + packet.Length];
            cost.WriteTo(value);
            packet.CopyTo(value, CompactPathCost.SizeInBytes);
            return new GossipItem(key.ToArray(), (sequence << 24) | ((ulong)cost.CumulativeCost << 8) | cost.HopCount, value);
        }

        var badSignature = (byte[])announce.Clone();
        badSignature[19 + 84] ^= 1;                                               // first signature byte
        var relayed = PacketWriter.ToArray(Packet.Parse(announce).Header.WithTransport(b.Transport.TransportId), Packet.Parse(announce).Data);
        var from = a.Transport.TransportId;
        Assert.Equal(GossipMergeResult.Rejected, b.Gossip.Announces.Merge(from, Item(destination, badSignature)));
        Assert.Equal(GossipMergeResult.Rejected, b.Gossip.Announces.Merge(from, Item(a.Destination.Hash, announce)));    // key is not its destination
        Assert.Equal(GossipMergeResult.Rejected, b.Gossip.Announces.Merge(from, Item(destination, relayed)));          // HEADER_2 "echo" skips no check
        Assert.Equal(GossipMergeResult.Accepted, b.Gossip.Announces.Merge(from, Item(destination, announce)));
    }

    [Fact]
    public void A_relay_cannot_forge_a_fresher_announce_sequence()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        using var origin = NodeIdentity.Generate();
        var destination = Destination.CreateSingle(IdentityPublicKey.FromIdentity(origin), "nexus.node").Hash;
        var announce = AnnounceBuilder.Build(origin, "nexus.node", AnnounceBuilder.NewRandomHash(time), [], []);
        ulong signed = AnnounceGossipTopic.EmissionTime(announce);
        Assert.Equal((ulong)time.GetUtcNow().ToUnixTimeSeconds(), signed);

        var topic = new AnnounceGossipTopic(time, _ => new HopCost(1, 5, 1e6));
        var relay = new Hash128(Enumerable.Repeat((byte)7, 16).ToArray());
        var cost = CompactPathCost.ForOrigin(1, 5, 1e6);

        static GossipItem Item(Hash128 destination, ulong sequence, CompactPathCost cost, byte[] announce)
        {
            var value = new byte[CompactPathCost.SizeInBytes + announce.Length];
            cost.WriteTo(value);
            announce.CopyTo(value, CompactPathCost.SizeInBytes);
            return new GossipItem(destination.ToArray(), (sequence << 24) | ((ulong)cost.CumulativeCost << 8) | cost.HopCount, value);
        }

        // The signed sequence is accepted.
        Assert.Equal(GossipMergeResult.Accepted, topic.Merge(relay, Item(destination, signed, cost, announce)));
        // A relay bumps the sequence on the same signed announce: rejected.
        Assert.Equal(GossipMergeResult.Rejected, topic.Merge(relay, Item(destination, signed + 1, cost, announce)));
        // ... or sends a cost-only item for a fresher sequence it holds no announce for: rejected.
        Assert.Equal(GossipMergeResult.Rejected, topic.Merge(relay, Item(destination, signed + 1800, cost, [])));
        Assert.True(topic.TryGetRoute(destination, out var route));
        Assert.Equal(signed, route!.Sequence);

        // The origin's next announce (signed later) is fresher and accepted.
        time.Advance(TimeSpan.FromMinutes(30));
        var next = AnnounceBuilder.Build(origin, "nexus.node", AnnounceBuilder.NewRandomHash(time), [], []);
        ulong nextSequence = AnnounceGossipTopic.EmissionTime(next);
        Assert.Equal(signed + 1800, nextSequence);
        Assert.Equal(GossipMergeResult.Accepted, topic.Merge(relay, Item(destination, nextSequence, cost with { CumulativeCost = 1 }, next)));
        Assert.True(topic.TryGetRoute(destination, out route));
        Assert.Equal(nextSequence, route!.Sequence);
    }

    [Fact]
    public void Down_neighbour_makes_its_routes_stale_and_eviction_removes_them()
    {
        using var mesh = new GossipMesh();
        var (a, _, c, ab, _) = mesh.Line();
        mesh.Start();
        mesh.Run(TimeSpan.FromSeconds(5));
        Assert.True(mesh.Converged());

        ab.SetOnline(false);
        mesh.Run(4 * mesh.RoundInterval);
        var route = Assert.Single(a.Transport.Routes.GetPaths(c.Destination.Hash));
        Assert.True(route.IsStale);
        Assert.Equal(NeighbourStatus.Down, a.Gossip.Neighbours().Single().Status);

        mesh.Run(8 * mesh.RoundInterval);
        Assert.Empty(a.Transport.Routes.GetPaths(c.Destination.Hash));
        Assert.Empty(a.Gossip.Neighbours());

        ab.SetOnline(true); // beacons bring B back, gossip re-learns the paths
        mesh.Run(2 * mesh.RoundInterval);
        Assert.True(mesh.Converged());
    }

    [Fact]
    public void Gossip_moves_to_another_interface_when_the_first_goes_offline()
    {
        using var mesh = new GossipMesh();
        var a = mesh.Add("A", 1, 1);
        var b = mesh.Add("B", 1, 2);
        var c = mesh.Add("C", 1, 3);
        var (first, _) = mesh.Link(a, b);
        var (second, _) = mesh.Link(a, b);
        mesh.Link(b, c);
        mesh.Start();
        mesh.Run(TimeSpan.FromSeconds(5));
        Assert.Same(first, a.Gossip.Neighbours().Single().Interface);
        Assert.Same(first, a.Transport.Routes.Select(c.Destination.Hash, PathPolicy.Default)!.Interface);

        first.SetOnline(false);
        mesh.Run(mesh.RoundInterval + TimeSpan.FromSeconds(5)); // B's next beacon arrives on the second link
        Assert.Same(second, a.Gossip.Neighbours().Single().Interface);
        var route = a.Transport.Routes.Select(c.Destination.Hash, PathPolicy.Default)!;
        Assert.Same(second, route.Interface);
        Assert.True(a.Transport.Send(c.Destination.Hash, "still here"u8));
        mesh.Run(TimeSpan.FromSeconds(1));
        Assert.Equal("still here"u8.ToArray(), Assert.Single(c.Inbox));
    }

    [Fact]
    public void Stations_sharing_one_radio_channel_split_its_gossip_budget()
    {
        using var mesh = new GossipMesh();
        var n = Enumerable.Range(0, 4).Select(i => mesh.Add($"R{i}", 1, i + 1)).ToArray();
        var radios = mesh.LoRa(n);
        mesh.Start();
        var converged = mesh.RunUntil(mesh.Converged, 10 * mesh.RoundInterval);
        Assert.NotNull(converged);
        output.WriteLine($"4 stations on one SF7/125 channel: converged after {converged!.Value.TotalSeconds:0} s");

        // Each of the 4 stations budgets rate / (4 · 3) toward each of its 3 neighbours.
        double rate = radios[0].BitrateBitsPerSecond;
        lock (n[0].Transport.Gate)
        {
            foreach (var peer in n[0].Gossip.Neighbours())
            {
                Assert.Equal(rate / 12, n[0].Gossip.Engine.BudgetOf(peer.Id).BitsPerSecond, 1e-6);
            }
        }

        mesh.Run(10 * mesh.RoundInterval - mesh.Elapsed);
        var (link, share) = Assert.Single(mesh.GossipShares());
        output.WriteLine($"{link}: gossip {share:P2} of the channel over {mesh.Rounds:0} rounds");
        Assert.True(share <= 0.10, $"{share:P2}");
    }

    /// <summary>Acceptance (a): 5-node mixed LoRa + wired mesh of real transports: every routing table has every destination within 3 rounds; gossip ≤ 10 % of every link, from the interfaces' byte counters.</summary>
    [Fact]
    public void Five_node_mixed_mesh_converges_within_3_rounds_within_budget()
    {
        using var mesh = new GossipMesh();
        var n = Enumerable.Range(0, 5).Select(i => mesh.Add(((char)('A' + i)).ToString(), 1 + i, i + 1)).ToArray();
        mesh.Link(n[0], n[1]);
        mesh.Link(n[3], n[4]);
        mesh.LoRa(n[1], n[2]);
        mesh.LoRa(n[2], n[3]);
        mesh.LoRa(n[0], n[4]);
        mesh.LoRa(n[0], n[2]);
        mesh.Start();
        var converged = mesh.RunUntil(mesh.Converged, 10 * mesh.RoundInterval);
        Assert.NotNull(converged);
        double rounds = converged!.Value / mesh.RoundInterval;
        output.WriteLine($"5-node mixed mesh: routing tables converged after {converged.Value.TotalSeconds:0} s = {rounds:0.00} rounds");
        Assert.True(rounds <= 3, $"took {rounds:0.00} rounds");

        mesh.Run(35 * mesh.RoundInterval - mesh.Elapsed); // past the 30-min refresh: routes stay
        Assert.True(mesh.Converged());
        foreach (var (link, share) in mesh.GossipShares())
        {
            output.WriteLine($"{link,-14} gossip {share:P2} of capacity over {mesh.Rounds:0} rounds");
            Assert.True(share <= 0.10, $"{link}: {share:P2}");
        }

        Assert.All(n, x => Assert.Empty(x.Gossip.Rejected));

        // Data follows the gossip routes between every pair.
        int sent = 0;
        foreach (var from in n)
        {
            foreach (var to in n.Where(x => x != from))
            {
                Assert.True(from.Transport.Send(to.Destination.Hash, System.Text.Encoding.UTF8.GetBytes($"{from.Name}>{to.Name}")));
                sent++;
                mesh.Run(TimeSpan.FromSeconds(2));
            }
        }

        mesh.Run(TimeSpan.FromSeconds(30));
        Assert.Equal(sent, n.Sum(x => x.Inbox.Count));
    }

    /// <summary>Acceptance (b): 50-node random mesh (seed 42, wired tree + wired and LoRa extra links) converges within 2·log2 N rounds; LoRa links stay within their gossip budget.</summary>
    [Fact]
    public void Fifty_node_random_mesh_converges_in_logarithmic_rounds()
    {
        const int count = 50;
        using var mesh = new GossipMesh();
        var rng = new Random(42);
        var n = Enumerable.Range(0, count).Select(i => mesh.Add($"N{i}", 1 + rng.Next(5), i + 1)).ToArray();
        var edges = new HashSet<(int, int)>();
        for (int i = 1; i < count; i++)
        {
            int j = rng.Next(i);
            edges.Add((j, i));
            mesh.Link(n[j], n[i]);
        }

        for (int added = 0; added < 35;)
        {
            int a = rng.Next(count), b = rng.Next(count);
            if (a == b || !edges.Add((Math.Min(a, b), Math.Max(a, b))))
            {
                continue;
            }

            if (added < 10)
            {
                mesh.LoRa(n[a], n[b]);
            }
            else
            {
                mesh.Link(n[a], n[b]);
            }

            added++;
        }

        mesh.Start();
        double bound = 2 * Math.Log2(count);
        var converged = mesh.RunUntil(mesh.Converged, TimeSpan.FromTicks((long)(2 * bound * mesh.RoundInterval.Ticks)));
        Assert.NotNull(converged);
        double rounds = converged!.Value / mesh.RoundInterval;
        output.WriteLine($"50-node mesh ({mesh.Wired.Count} wired, {mesh.Channels.Count} LoRa links): converged after {converged.Value.TotalSeconds:0} s = {rounds:0.00} rounds (bound 2·log2 N = {bound:0.00})");
        Assert.True(rounds <= bound, $"took {rounds:0.00} rounds");

        mesh.Run(12 * mesh.RoundInterval - mesh.Elapsed);
        var shares = mesh.GossipShares();
        foreach (var (link, share) in shares.Where(s => s.Link.Contains('~', StringComparison.Ordinal)))
        {
            output.WriteLine($"LoRa {link,-10} gossip {share:P2} of the channel over {mesh.Rounds:0} rounds");
        }

        output.WriteLine($"wired: largest gossip share {shares.Where(s => !s.Link.Contains('~', StringComparison.Ordinal)).Max(s => s.Share):P3}");
        Assert.All(shares, s => Assert.True(s.Share <= 0.10, $"{s.Link}: {s.Share:P2}"));
        Assert.True(mesh.Converged());
    }

    /// <summary>Acceptance (c): congestion on one link (a full LoRa transmit queue) raises its cost at the next round and data reroutes around it; it returns once the queue drains.</summary>
    [Fact]
    public void Congestion_on_a_link_raises_its_cost_and_traffic_reroutes()
    {
        using var mesh = new GossipMesh();
        var (s, a, b, d) = mesh.AddDiamondNodes();
        var radios = mesh.LoRa(s, a);
        mesh.Link(s, b);
        mesh.Link(a, d);
        mesh.Link(b, d);
        mesh.Start();
        mesh.Run(2 * mesh.RoundInterval);
        Assert.True(mesh.Converged());
        var before = s.Transport.Routes.Select(d.Destination.Hash, PathPolicy.Default)!;
        Assert.Equal(a.Transport.TransportId, before.NextHop);        // cheaper: 1 (S→A) + 1 (A→D)
        Assert.Equal(2, before.Cost, 0.1);

        // Fill S's radio queue with bulk data to A just before round 3.
        mesh.Run((3 * mesh.RoundInterval) - TimeSpan.FromSeconds(2) - mesh.Elapsed);
        var bulk = new byte[400];
        for (int i = 0; i < 40; i++)
        {
            s.Transport.Send(a.Destination.Hash, bulk);
        }

        // The radio is scheduled: the backlog sits in the transport's LinkScheduler, the radio holds one frame at a time.
        var scheduler = s.Transport.SchedulerOf(radios[0])!;
        Assert.True(scheduler.Fill > 0.9, $"fill {scheduler.Fill}");
        Assert.True(radios[0].QueueFill <= 1 / 32.0, $"radio fill {radios[0].QueueFill}");
        mesh.Run(TimeSpan.FromSeconds(3)); // round 3 runs with the queue still ~90 % full
        var during = s.Transport.Routes.Select(d.Destination.Hash, PathPolicy.Default)!;
        Assert.Equal(b.Transport.TransportId, during.NextHop);
        Assert.Equal(3, during.Cost, 0.15);                           // 2 (B) + 1 (S→B) beats 1 + 1 × (1 + fill²) + fill²

        long forwardedByA = a.Transport.Forwarded, forwardedByB = b.Transport.Forwarded;
        Assert.True(s.Transport.Send(d.Destination.Hash, "rerouted"u8));
        mesh.Run(TimeSpan.FromSeconds(1));
        Assert.Equal("rerouted"u8.ToArray(), Assert.Single(d.Inbox));
        Assert.Equal(forwardedByB + 1, b.Transport.Forwarded);
        Assert.Equal(forwardedByA, a.Transport.Forwarded);

        // The queue drains (about 30 s of airtime); the next round moves traffic back.
        mesh.Run(TimeSpan.FromSeconds(60));
        Assert.Equal(0, scheduler.Fill);
        Assert.Equal(0, radios[0].QueueFill);
        Assert.Equal(a.Transport.TransportId, s.Transport.Routes.Select(d.Destination.Hash, PathPolicy.Default)!.NextHop);
    }
}
