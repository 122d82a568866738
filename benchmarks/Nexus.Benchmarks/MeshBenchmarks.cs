using System.Buffers;
using BenchmarkDotNet.Attributes;
using Nexus.Crypto;
using Nexus.Mesh;

namespace Nexus.Benchmarks;

/// <summary>Reticulum packet codec and announce validation.</summary>
[MemoryDiagnoser]
public class MeshCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _writer = new(1024);
    private byte[] _packet = null!;
    private byte[] _announce = null!;
    private PacketHeader _header;
    private byte[] _data = null!;
    private NodeIdentity _identity = null!;

    [GlobalSetup]
    public void Setup()
    {
        _identity = NodeIdentity.Import(Enumerable.Range(1, 64).Select(i => (byte)i).ToArray());
        _data = new byte[400];
        _header = new PacketHeader(PacketType.Data, DestinationType.Single, new Hash128(new byte[16]), PacketContext.None, 3, new Hash128(Enumerable.Repeat((byte)7, 16).ToArray()));
        _packet = PacketWriter.ToArray(_header, _data);
        var app = NexusExtension.ToArray(CompactPathCost.ForOrigin(5, 20, 1e6), new NexusTlv(1, "node-1"u8.ToArray()));
        _announce = AnnounceBuilder.Build(_identity, "nexus.node", new byte[10], [], app);
    }

    [GlobalCleanup]
    public void Cleanup() => _identity.Dispose();

    /// <summary>Parse a 435-byte HEADER_2 packet (zero-copy view).</summary>
    [Benchmark]
    public int Packet_parse() => Packet.TryParse(_packet, out var p) ? p.Data.Length + p.Header.Hops : 0;

    /// <summary>Serialize a 435-byte HEADER_2 packet into an IBufferWriter.</summary>
    [Benchmark]
    public int Packet_serialize()
    {
        _writer.ResetWrittenCount();
        return PacketWriter.Write(_writer, _header, _data);
    }

    /// <summary>Packet hash (SHA-256 of the hashable part).</summary>
    [Benchmark]
    public Hash256 Packet_hash() => Packet.Parse(_packet).GetHash();

    /// <summary>Full RNS announce validation: parse, destination-hash check, Ed25519 verify.</summary>
    [Benchmark]
    public AnnounceValidationResult Announce_validate() => Announce.Validate(_announce);
}

/// <summary>The relay fast path: receive a HEADER_2 packet addressed to us, look up the route, rewrite the header, hand it to the outgoing interface.</summary>
[MemoryDiagnoser]
public class MeshRelayBenchmarks
{
    private NodeIdentity _identity = null!;
    private MeshTransport _transport = null!;
    private SinkInterface _in = null!;
    private byte[] _packet = null!;

    [GlobalSetup]
    public void Setup()
    {
        _identity = NodeIdentity.Generate();
        _transport = new MeshTransport(_identity);
        _in = new SinkInterface("in");
        var @out = new SinkInterface("out");
        _transport.AddInterface(_in);
        _transport.AddInterface(@out);
        using var far = NodeIdentity.Generate();
        // Teach the route: an announce for the destination relayed by a next-hop transport node on "out".
        var announce = AnnounceBuilder.Build(far, "bench.dest", new byte[10], [], NexusExtension.ToArray(CompactPathCost.ForOrigin(1, 5, 1e6)));
        var parsed = Packet.Parse(announce);
        var relayed = PacketWriter.ToArray(parsed.Header.WithTransport(new Hash128(Enumerable.Repeat((byte)9, 16).ToArray())).WithHops(1), parsed.Data);
        _transport.ProcessInbound(@out, relayed);
        var destination = parsed.Header.DestinationHash;
        _packet = PacketWriter.ToArray(new PacketHeader(PacketType.Data, DestinationType.Single, destination, PacketContext.None, 1, _transport.TransportId), new byte[400]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _transport.Dispose();
        _identity.Dispose();
    }

    /// <summary>One relayed 435-byte packet.</summary>
    [Benchmark]
    public long Relay_fast_path()
    {
        _transport.ProcessInbound(_in, _packet);
        return _transport.Forwarded;
    }

    private sealed class SinkInterface(string name) : MeshInterface(name, 10_000_000)
    {
        public override bool IsOnline => true;

        protected override bool TrySendCore(ReadOnlySpan<byte> frame) => true;
    }
}

/// <summary>NEXUS link session: seal + open of a 484-byte packet.</summary>
[MemoryDiagnoser]
public class MeshLinkBenchmarks
{
    private readonly byte[] _plain = new byte[484 - LinkSession.OverheadInBytes];
    private readonly byte[] _sealed = new byte[484];
    private readonly byte[] _opened = new byte[484];
    private readonly byte[] _aad = new byte[16];
    private LinkSession _initiator = null!;
    private LinkSession _responder = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var a = NodeIdentity.Generate();
        using var b = NodeIdentity.Generate();
        using var hi = LinkHandshake.CreateInitiator(a, "bench"u8);
        using var hr = LinkHandshake.CreateResponder(b, "bench"u8);
        var init = new byte[LinkHandshake.InitiationSizeInBytes];
        hi.WriteInitiation(init);
        var response = new byte[LinkHandshake.ResponseSizeInBytes];
        hr.ReadInitiation(init, response, out _);
        var confirmation = new byte[LinkHandshake.ConfirmationSizeInBytes];
        hi.ReadResponse(response, confirmation, out var si);
        hr.ReadConfirmation(confirmation, out var sr);
        _initiator = si!;
        _responder = sr!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _initiator.Dispose();
        _responder.Dispose();
    }

    /// <summary>Seal on one side, open on the other (the replay window accepts each new counter).</summary>
    [Benchmark]
    public int Link_seal_open_484B()
    {
        var n = _initiator.Seal(_plain, _aad, _sealed);
        _responder.TryOpen(_sealed.AsSpan(0, n), _aad, _opened, out var written);
        return written;
    }
}

/// <summary>
/// Announce ingestion through <see cref="MeshTransport.ProcessInbound"/>: 1,024 distinct signed announces
/// (64 identities × 16 emissions) into a fresh transport, from one interface on one thread, or from two
/// interfaces on two threads (signatures are verified before the transport lock).
/// </summary>
[MemoryDiagnoser]
public class MeshAnnounceIngestBenchmarks
{
    private const int Count = 1_024;
    private readonly byte[][] _announces = new byte[Count][];

    [GlobalSetup]
    public void Setup()
    {
        var app = NexusExtension.ToArray(CompactPathCost.ForOrigin(5, 20, 1e6));
        for (int i = 0; i < 64; i++)
        {
            using var identity = NodeIdentity.Generate();
            for (int j = 0; j < 16; j++)
            {
                var random = new byte[10];
                random[0] = (byte)j;
                _announces[(i * 16) + j] = AnnounceBuilder.Build(identity, "bench.ingest", random, [], app);
            }
        }
    }

    /// <summary>Distinct announces from one interface (per announce).</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public long Ingest_one_interface()
    {
        using var identity = NodeIdentity.Generate();
        using var transport = new MeshTransport(identity);
        var source = new SinkInterface("in");
        transport.AddInterface(source);
        foreach (var announce in _announces)
        {
            transport.ProcessInbound(source, announce);
        }

        return transport.Routes.DestinationCount;
    }

    /// <summary>Distinct announces split over two interfaces received on two threads (per announce).</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public long Ingest_two_interfaces_in_parallel()
    {
        using var identity = NodeIdentity.Generate();
        using var transport = new MeshTransport(identity);
        var sources = new[] { new SinkInterface("in0"), new SinkInterface("in1") };
        transport.AddInterface(sources[0]);
        transport.AddInterface(sources[1]);
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, half =>
        {
            for (int i = half; i < Count; i += 2)
            {
                transport.ProcessInbound(sources[half], _announces[i]);
            }
        });
        return transport.Routes.DestinationCount;
    }

    private sealed class SinkInterface(string name) : MeshInterface(name, 10_000_000)
    {
        public override bool IsOnline => true;

        protected override bool TrySendCore(ReadOnlySpan<byte> frame) => true;
    }
}
