using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Nexus.Crypto;
using Nexus.Mesh.Congestion;
using Nexus.Mesh.Gossip;
using Nexus.Mesh.Simulation;

namespace Nexus.Benchmarks;

/// <summary>Gossip summary build and answer (delta computation) over 10 000 items, and delta merge.</summary>
[MemoryDiagnoser]
public class GossipBenchmarks
{
    private const int Items = 10_000;
    private static readonly Hash128 NodeA = Id(1);
    private static readonly Hash128 NodeB = Id(2);
    private readonly List<byte[]> _summaries = [];
    private GossipEngine _a = null!;
    private GossipEngine _b = null!;
    private GossipItem[] _fresh = null!;
    private GossipStore _merge = null!;
    private ulong _version;

    private static Hash128 Id(byte b)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes[0] = b;
        return new Hash128(bytes);
    }

    private static GossipItem Item(int key, ulong version)
    {
        var k = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(k, key);
        return new GossipItem(k, version, new byte[32]);
    }

    [GlobalSetup]
    public void Setup()
    {
        var clock = new SimulationClock();
        _a = new GossipEngine(new GossipOptions(), clock);
        _b = new GossipEngine(new GossipOptions(), clock);
        var sa = new GossipStore(2, "s", GossipTier.Economic);
        var sb = new GossipStore(2, "s", GossipTier.Economic);
        _a.AddTopic(sa);
        _b.AddTopic(sb);
        _a.AddNeighbour(NodeB, 100_000_000);
        _b.AddNeighbour(NodeA, 100_000_000);
        for (int i = 0; i < Items; i++)
        {
            sa.Set(Item(i, 1));
            sb.Set(Item(i, i % 10 == 0 ? 2ul : 1ul)); // A lacks 10 % (older versions)
        }

        _a.RunRound();
        clock.Advance(TimeSpan.FromHours(1));
        while (_a.TryDequeue(NodeB, out var message))
        {
            _summaries.Add(message!);
        }

        _fresh = Enumerable.Range(0, 1000).Select(i => Item(i, 0)).ToArray();
        _merge = new GossipStore(3, "m", GossipTier.Economic);
    }

    /// <summary>Builds the round's summaries of 10 000 items (digests, slices, salted Bloom filters, encoding).</summary>
    [Benchmark]
    public void BuildSummaries10k() => _a.RunRound();

    /// <summary>Answers a neighbour's summaries of 10 000 items: finds the ~1 000 it lacks and encodes the deltas.</summary>
    [Benchmark]
    public void AnswerSummaries10k()
    {
        foreach (var summary in _summaries)
        {
            _b.Receive(NodeA, summary);
        }
    }

    /// <summary>Merges 1 000 delta items into a store (each a newer version).</summary>
    [Benchmark(OperationsPerInvoke = 1000)]
    public void MergeDeltaItem()
    {
        _version++;
        foreach (var item in _fresh)
        {
            _merge.Merge(NodeA, new GossipItem(item.Key, _version, item.Value));
        }
    }
}

/// <summary>Link scheduler throughput: enqueue and dequeue of mixed-priority packets from 8 neighbours.</summary>
public class SchedulerBenchmarks
{
    private const int Packets = 10_000;
    private ScheduledPacket[] _packets = null!;
    private LinkScheduler _scheduler = null!;
    private SimulationClock _clock = null!;

    [GlobalSetup]
    public void Setup()
    {
        _clock = new SimulationClock();
        _scheduler = new LinkScheduler(new LinkSchedulerOptions { NominalBitsPerSecond = 10_000_000_000, QueueCapacityBytes = 100_000_000 }, _clock);
        var rng = new Random(1);
        _packets = new ScheduledPacket[Packets];
        Span<byte> id = stackalloc byte[16];
        for (int i = 0; i < Packets; i++)
        {
            id[0] = (byte)rng.Next(8);
            _packets[i] = new ScheduledPacket(new byte[100 + rng.Next(380)], (TrafficPriority)rng.Next(4), new Hash128(id));
        }
    }

    /// <summary>One packet through the scheduler (enqueue, then dequeue in scheduling order); packets/s = 1 / mean.</summary>
    [Benchmark(OperationsPerInvoke = Packets)]
    public int EnqueueDequeue()
    {
        _clock.Advance(TimeSpan.FromSeconds(1)); // refill the buckets: every packet drains each invoke
        foreach (var packet in _packets)
        {
            _scheduler.Enqueue(packet);
        }

        int n = 0;
        while (_scheduler.TryDequeue(out _))
        {
            n++;
        }

        return n;
    }
}
