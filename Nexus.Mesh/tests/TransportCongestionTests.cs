using System.Buffers.Binary;
using CsCheck;
using Nexus.Crypto;
using Nexus.Mesh.Congestion;

namespace Nexus.Mesh.Tests;

/// <summary>Congestion control on real <see cref="MeshTransport"/> instances (docs/protocol/mesh-transport.md, "Outbound scheduling").</summary>
public class TransportCongestionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // SF7 / 500 kHz / 4:5: ≈ 21.9 kbit/s, a 400-byte packet is ≈ 0.17 s on air.
    private static readonly LoRaModulation FastLoRa = new(7, 500_000, 5);

    private sealed record Delivery(TrafficPriority Priority, int Length, TimeSpan Latency);

    private sealed class Overload : IDisposable
    {
        public Overload(double dutyCycle = 1.0, TimeSpan? window = null, int seed = 7)
        {
            Sim = new Sim();
            A = Sim.Add("A", 1, 1);
            B = Sim.Add("B", 1, 2);
            var channel = new SimulatedLoRaChannel(Sim.Time, FastLoRa, seed: seed);
            RadioA = new SimulatedLoRaInterface("A~B", channel, dutyCycle) { DutyCycleWindow = window ?? TimeSpan.FromHours(1) };
            RadioB = new SimulatedLoRaInterface("B~A", channel, dutyCycle) { DutyCycleWindow = window ?? TimeSpan.FromHours(1) };
            A.Transport.AddInterface(RadioA);
            B.Transport.AddInterface(RadioB);
            Sim.AnnounceAll();
            Sim.Run(TimeSpan.FromSeconds(5));
            B.Transport.DataReceived = (_, data, _) =>
            {
                var sent = BinaryPrimitives.ReadInt64LittleEndian(data[1..]);
                Received.Add(new Delivery((TrafficPriority)data[0], data.Length, Sim.Time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(sent)));
            };
        }

        public Sim Sim { get; }

        public Sim.Node A { get; }

        public Sim.Node B { get; }

        public SimulatedLoRaInterface RadioA { get; }

        public SimulatedLoRaInterface RadioB { get; }

        public List<Delivery> Received { get; } = [];

        public Dictionary<TrafficPriority, (int Packets, long Bytes)> Offered { get; } = [];

        public bool Send(TrafficPriority priority, int length)
        {
            var data = new byte[length];
            data[0] = (byte)priority;
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(1), Sim.Time.GetUtcNow().ToUnixTimeMilliseconds());
            var (packets, bytes) = Offered.GetValueOrDefault(priority);
            Offered[priority] = (packets + 1, bytes + length);
            return A.Transport.Send(B.Destination.Hash, data, priority: priority);
        }

        // 100 ms in 1 ms ticks: a fake clock fires a timer at the end of the Advance call, so fine ticks keep latencies exact to 1 ms.
        public void Step()
        {
            for (int i = 0; i < 100; i++)
            {
                Sim.Time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        public long ReceivedBytes(TrafficPriority priority) => Received.Where(r => r.Priority == priority).Sum(r => (long)r.Length);

        public void Dispose() => Sim.Dispose();
    }

    [Fact]
    public void Under_overload_of_a_LoRa_hop_P0_stays_under_500_ms_and_P3_keeps_ten_percent()
    {
        using var o = new Overload();
        Assert.NotNull(o.A.Transport.SchedulerOf(o.RadioA));
        double capacityBytesPerSecond = o.RadioA.CapacityBitsPerSecond / 8;
        var start = o.Sim.Time.GetUtcNow();
        long radioBytesBefore = o.RadioA.BytesSent;

        // 60 s: P2 and P3 each offered ≈ 3 × the link's capacity, plus a 32-byte P0 packet every 500 ms.
        for (int step = 0; step < 600; step++)
        {
            if (step % 5 == 0)
            {
                o.Send(TrafficPriority.RealTime, 32);
            }

            for (int i = 0; i < 2; i++)
            {
                o.Send(TrafficPriority.Standard, 400);
                o.Send(TrafficPriority.Bulk, 400);
            }

            o.Step();
        }

        var elapsed = o.Sim.Time.GetUtcNow() - start;
        for (int i = 0; i < 10; i++)
        {
            o.Step(); // the last P0 packets land
        }

        var p0 = o.Received.Where(r => r.Priority == TrafficPriority.RealTime).ToList();
        Assert.Equal(o.Offered[TrafficPriority.RealTime].Packets, p0.Count);
        var worst = p0.Max(r => r.Latency);
        Assert.True(worst < TimeSpan.FromMilliseconds(500), $"worst P0 latency {worst.TotalMilliseconds} ms");

        long p2 = o.ReceivedBytes(TrafficPriority.Standard), p3 = o.ReceivedBytes(TrafficPriority.Bulk), p0Bytes = o.ReceivedBytes(TrafficPriority.RealTime);
        double bulkShare = (double)p3 / (p0Bytes + p2 + p3);
        long carried = o.RadioA.BytesSent - radioBytesBefore;
        output.WriteLine($"P0 {p0.Count} packets, worst latency {worst.TotalMilliseconds} ms; P3 share {bulkShare:P1}; P3 delivered {p3} of {o.Offered[TrafficPriority.Bulk].Bytes} B offered; radio {carried} B in {elapsed.TotalSeconds} s (capacity {capacityBytesPerSecond:F0} B/s)");
        // Deficit round robin: P3 is at most one packet short of 10 % at any moment.
        Assert.True((double)(p3 + 400) / (p0Bytes + p2 + p3) >= 0.10, $"P3 got {bulkShare:P1} of user bytes");
        Assert.True(bulkShare >= 0.09, $"P3 got {bulkShare:P1} of user bytes");
        Assert.True(p3 < o.Offered[TrafficPriority.Bulk].Bytes / 2, "P3 is throttled");
        var stats = o.A.Transport.SchedulerOf(o.RadioA)!.GetStatistics(TrafficPriority.Bulk);
        Assert.True(stats.Dropped > 0);
        Assert.True(o.A.Transport.Drops.GetValueOrDefault("scheduler_queue_full") > 0);

        // The radio never carried more than its capacity (one packet of slack for the frame on air).
        Assert.True(carried <= (capacityBytesPerSecond * (elapsed.TotalSeconds + 1)) + MeshConstants.Mtu, $"{carried} B in {elapsed.TotalSeconds} s at {capacityBytesPerSecond} B/s");
        Assert.True(carried >= capacityBytesPerSecond * elapsed.TotalSeconds * 0.7, $"the link stays busy: {carried} B");
    }

    [Fact]
    public void A_duty_cycled_radio_is_paced_below_its_limit_and_never_refuses_a_frame()
    {
        var window = TimeSpan.FromSeconds(20);
        using var o = new Overload(dutyCycle: 0.2, window: window);
        long rejectionsBefore = o.RadioA.DutyCycleRejections;
        var worstAirtime = TimeSpan.Zero;
        for (int step = 0; step < 600; step++)
        {
            if (step % 5 == 0)
            {
                o.Send(TrafficPriority.RealTime, 32);
            }

            o.Send(TrafficPriority.Bulk, 400);
            o.Step();
            var used = o.RadioA.AirtimeInWindow;
            worstAirtime = used > worstAirtime ? used : worstAirtime;
        }

        for (int i = 0; i < 10; i++)
        {
            o.Step(); // P0 still queued meets its deadline or lands
        }

        output.WriteLine($"worst airtime in window {worstAirtime.TotalSeconds} s of {(window * 0.2).TotalSeconds} s; P0 delivered {o.Received.Count(r => r.Priority == TrafficPriority.RealTime)} of {o.Offered[TrafficPriority.RealTime].Packets}");
        Assert.Equal(rejectionsBefore, o.RadioA.DutyCycleRejections);
        Assert.True(worstAirtime <= window * 0.2, $"airtime {worstAirtime} in a {window} window");
        Assert.True(worstAirtime >= window * 0.2 * 0.7, $"the budget is used: {worstAirtime}");
        Assert.True(o.ReceivedBytes(TrafficPriority.Bulk) > 0);

        // The sliding duty window can close the radio to every class for a while; P0 that cannot go
        // within its 500 ms deadline is tail-dropped and counted, never delivered late.
        var p0 = o.Received.Where(r => r.Priority == TrafficPriority.RealTime).ToList();
        Assert.All(p0, r => Assert.True(r.Latency < TimeSpan.FromMilliseconds(500), $"{r.Latency}"));
        var dropped = o.A.Transport.SchedulerOf(o.RadioA)!.GetStatistics(TrafficPriority.RealTime).Dropped;
        Assert.Equal(o.Offered[TrafficPriority.RealTime].Packets, p0.Count + dropped);
    }

    [Fact]
    public void The_congested_node_signals_its_upstream_neighbour_which_throttles_and_raises_the_hop_cost()
    {
        // A —(100 kbit/s memory link, scheduled)— B —(LoRa SF7/125 kHz ≈ 5.5 kbit/s)— C
        using var sim = new Sim();
        var a = sim.Add("A", 1, 1);
        var b = sim.Add("B", 1, 2);
        var c = sim.Add("C", 1, 3);
        var (ab, ba) = InMemoryInterface.CreatePair("A-B", "B-A", sim.Time, TimeSpan.FromMilliseconds(5), bitrateBitsPerSecond: 100_000);
        a.Transport.AddInterface(ab);
        b.Transport.AddInterface(ba);
        var (bc, _) = sim.LoRa("B", "C");
        sim.AnnounceAll();
        sim.Run(TimeSpan.FromSeconds(20));
        Assert.True(a.Transport.Routes.Contains(c.Destination.Hash));
        var upstream = a.Transport.SchedulerOf(ab)!;
        Assert.Null(upstream.Throttle);
        double rateBefore = upstream.UserBytesPerSecond;
        Assert.Equal(0, a.Transport.CongestionSignalsReceived);
        Assert.Equal(1.0, DynamicCost.Multiplier((long)(a.Transport.CongestionFill(ab, b.Transport.TransportId) * 1000), 1000));

        // A originates bulk toward C far above the LoRa hop's rate; B's radio queue fills.
        for (int i = 0; i < 30; i++)
        {
            a.Transport.Send(c.Destination.Hash, new byte[400], priority: TrafficPriority.Bulk);
            sim.Time.Advance(TimeSpan.FromMilliseconds(20));
        }

        Assert.True(b.Transport.SchedulerOf(bc)!.Fill >= 0.5);
        Assert.True(b.Transport.CongestionSignalsSent >= 1);
        Assert.True(a.Transport.CongestionSignalsReceived >= 1);
        Assert.NotNull(upstream.Throttle);
        Assert.True(upstream.UserBytesPerSecond <= rateBefore * 0.75 + 1e-9, $"{upstream.UserBytesPerSecond} vs {rateBefore}");
        Assert.True(DynamicCost.Multiplier((long)(a.Transport.CongestionFill(ab, b.Transport.TransportId) * 1000), 1000) >= 1.25);
        Assert.Equal(0, c.Transport.CongestionSignalsReceived); // one hop, upstream only

        // Sustained overload (≈ 3 × the LoRa rate for 15 s): B renews its signal as each one lapses, so A stays throttled.
        long sentBefore = b.Transport.CongestionSignalsSent;
        for (int i = 0; i < 75; i++)
        {
            a.Transport.Send(c.Destination.Hash, new byte[400], priority: TrafficPriority.Bulk);
            sim.Time.Advance(TimeSpan.FromMilliseconds(200));
        }

        Assert.True(b.Transport.CongestionSignalsSent > sentBefore, "renewed while congested");
        Assert.NotNull(upstream.Throttle);

        // The load stops; B's queue drains, no more signals, A's throttle lapses.
        sim.Run(TimeSpan.FromSeconds(60));
        Assert.True(b.Transport.SchedulerOf(bc)!.Fill < 0.5);
        Assert.Null(upstream.Throttle);
        Assert.Equal(rateBefore, upstream.UserBytesPerSecond, 1e-6 * rateBefore);
    }

    [Theory]
    [InlineData(1.0, 0.5)]
    [InlineData(3.0, 0.75)]
    public void A_relay_shares_a_congested_LoRa_hop_between_upstream_neighbours_by_weight(double weightOfHeavy, double expectedHeavyShare)
    {
        // Heavy —┐
        //        B —(LoRa SF7/500 kHz)— C      Heavy offers twice Light's load, both far above the hop's rate.
        // Light —┘
        using var sim = new Sim();
        var heavy = sim.Add("Heavy", 1, 1);
        var light = sim.Add("Light", 1, 2);
        var weights = new Weights();
        var b = sim.Add("B", 1, 3, weights);
        var c = sim.Add("C", 1, 4);
        weights.Heavy = heavy.Transport.TransportId;
        weights.HeavyWeight = weightOfHeavy;
        sim.Link("Heavy", "B");
        sim.Link("Light", "B");
        var channel = new SimulatedLoRaChannel(sim.Time, FastLoRa, seed: 3);
        var bc = new SimulatedLoRaInterface("B~C", channel);
        b.Transport.AddInterface(bc);
        c.Transport.AddInterface(new SimulatedLoRaInterface("C~B", channel));
        sim.AnnounceAll();
        sim.Run(TimeSpan.FromSeconds(20));
        var bytesFrom = new long[2];
        c.Transport.DataReceived = (_, data, _) => bytesFrom[data[0]] += data.Length;

        for (int step = 0; step < 600; step++)
        {
            for (int i = 0; i < 4; i++)
            {
                heavy.Transport.Send(c.Destination.Hash, Payload(0), priority: TrafficPriority.Standard);
            }

            for (int i = 0; i < 2; i++)
            {
                light.Transport.Send(c.Destination.Hash, Payload(1), priority: TrafficPriority.Standard);
            }

            for (int i = 0; i < 10; i++)
            {
                sim.Time.Advance(TimeSpan.FromMilliseconds(10));
            }
        }

        double heavyShare = (double)bytesFrom[0] / (bytesFrom[0] + bytesFrom[1]);
        output.WriteLine($"weight {weightOfHeavy}: heavy {bytesFrom[0]} B, light {bytesFrom[1]} B, heavy share {heavyShare:P1}");
        Assert.InRange(heavyShare, expectedHeavyShare - 0.06, expectedHeavyShare + 0.06);
        Assert.True(b.Transport.Drops.GetValueOrDefault("scheduler_queue_full") + b.Transport.Drops.GetValueOrDefault("scheduler_deadline") > 0);

        static byte[] Payload(byte sender)
        {
            var data = new byte[465]; // full packets: the LoRa hop then runs at the buckets' rate, so weights decide
            data[0] = sender;
            return data;
        }
    }

    private sealed class Weights : IFairShareWeighting
    {
        public Hash128 Heavy { get; set; }

        public double HeavyWeight { get; set; } = 1;

        public double GetWeight(Hash128 neighbour) => neighbour == Heavy ? HeavyWeight : 1;
    }

    [Fact]
    public void Forged_or_replayed_congestion_signals_are_dropped()
    {
        using var sim = new Sim();
        var a = sim.Add("A", 1, 1);
        var b = sim.Add("B", 1, 2);
        var (ab, _) = sim.Link("A", "B");
        sim.Run(TimeSpan.FromSeconds(1)); // beacons: A knows B's key on A-B

        using var stranger = NodeIdentity.Generate();
        a.Transport.ProcessInbound(ab, SignalFrom(stranger, 1, CongestionSeverity.Severe, sign: true));
        Assert.Equal(1, a.Transport.Drops["unknown_congestion_sender"]);
        a.Transport.ProcessInbound(ab, SignalFrom(b.Identity, 1, CongestionSeverity.Severe, sign: false));
        Assert.Equal(1, a.Transport.Drops["bad_congestion_signature"]);
        var genuine = SignalFrom(b.Identity, 1, CongestionSeverity.Severe);
        a.Transport.ProcessInbound(ab, genuine.AsSpan(0, genuine.Length - 1));
        Assert.Equal(1, a.Transport.Drops["malformed_congestion_signal"]);
        Assert.Equal(0, a.Transport.CongestionSignalsReceived);

        a.Transport.ProcessInbound(ab, genuine);
        Assert.Equal(1, a.Transport.CongestionSignalsReceived);
        Assert.True(a.Transport.CongestionFill(ab, b.Transport.TransportId) >= 0.75);
        a.Transport.ProcessInbound(ab, genuine);
        Assert.Equal(1, a.Transport.Drops["replayed_congestion_signal"]);
        Assert.Equal(1, a.Transport.CongestionSignalsReceived);

        // The signal lapses after its drain estimate (3 s): the hop's cost falls back.
        sim.Run(TimeSpan.FromSeconds(4));
        Assert.Equal(0, a.Transport.CongestionFill(ab, b.Transport.TransportId));
    }

    [Fact]
    public void A_congestion_signal_from_the_next_hop_reroutes_traffic_at_the_next_gossip_round()
    {
        // S —A— D is cheaper (1 + 1) than S —B— D (1 + 2) until A signals that it is saturated.
        using var mesh = new GossipMesh();
        var (s, a, b, d) = mesh.AddDiamondNodes();
        var (sa, _) = mesh.Link(s, a);
        mesh.Link(s, b);
        mesh.Link(a, d);
        mesh.Link(b, d);
        mesh.Start();
        mesh.Run(2 * mesh.RoundInterval);
        Assert.True(mesh.Converged());
        Assert.Equal(a.Transport.TransportId, s.Transport.Routes.Select(d.Destination.Hash, PathPolicy.Default)!.NextHop);

        // Just before round 3, A's signal (the bytes A's transport would send) arrives: saturated for 65 s.
        mesh.Run((3 * mesh.RoundInterval) - TimeSpan.FromSeconds(2) - mesh.Elapsed);
        var stamp = (ulong)mesh.Time.GetUtcNow().ToUnixTimeMilliseconds();
        s.Transport.ProcessInbound(sa, SignalFrom(a.Identity, stamp, CongestionSeverity.Saturated, drainMs: 65_000));
        Assert.Equal(1, s.Transport.CongestionSignalsReceived);
        mesh.Run(TimeSpan.FromSeconds(3));
        var during = s.Transport.Routes.Select(d.Destination.Hash, PathPolicy.Default)!;
        Assert.Equal(b.Transport.TransportId, during.NextHop);

        // The signal lapses; the round after that moves traffic back to A.
        mesh.Run(2 * mesh.RoundInterval);
        Assert.Equal(a.Transport.TransportId, s.Transport.Routes.Select(d.Destination.Hash, PathPolicy.Default)!.NextHop);
    }

    // A congestion-signal packet as MeshTransport sends it (docs/protocol/gossip-and-congestion.md).
    private static byte[] SignalFrom(NodeIdentity sender, ulong stamp, CongestionSeverity severity, bool sign = true, ushort drainMs = 3_000)
    {
        var data = new byte[MeshTransport.CongestionSignalDataSize];
        new Hash128(sender.Hash).WriteTo(data);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(16), stamp);
        new CongestionSignal(severity, CongestionScope.ThisLink, drainMs).WriteTo(data.AsSpan(24));
        if (sign)
        {
            sender.SigningKey.Sign([.. "nexus.congestion"u8, .. data.AsSpan(0, 27)], data.AsSpan(27));
        }

        return PacketWriter.ToArray(new PacketHeader(PacketType.Data, DestinationType.Plain, DestinationHash.ComputePlain(MeshTransport.CongestionName), PacketContext.NexusCongestion), data);
    }

    [Fact]
    public void Property_P3_is_never_starved_on_the_real_path()
    {
        // Any mix of higher-priority overload: while P3 is backlogged it gets ≥ 10 % of the bytes the radio carries (less one packet).
        Gen.Select(Gen.Int[1, 4], Gen.Int[0, 3], Gen.Int[40, 450], Gen.Int[1, 1000])
            .Sample(
                (perStep, highest, size, seed) =>
                {
                    using var o = new Overload(seed: seed);
                    var scheduler = o.A.Transport.SchedulerOf(o.RadioA)!;
                    var before = new long[4];
                    for (int p = 0; p < 4; p++)
                    {
                        before[p] = scheduler.GetStatistics((TrafficPriority)p).SentBytes;
                    }

                    for (int step = 0; step < 150; step++)
                    {
                        for (int i = 0; i < perStep; i++)
                        {
                            o.Send((TrafficPriority)Math.Min(highest, 2), size);
                        }

                        o.Send(TrafficPriority.Bulk, 400);
                        o.Step();
                    }

                    long total = 0;
                    for (int p = 0; p < 4; p++)
                    {
                        total += scheduler.GetStatistics((TrafficPriority)p).SentBytes - before[p];
                    }

                    long bulk = scheduler.GetStatistics(TrafficPriority.Bulk).SentBytes - before[3];
                    return bulk > 0 && bulk + MeshConstants.Mtu >= 0.10 * total;
                },
                iter: 12);
    }
}
