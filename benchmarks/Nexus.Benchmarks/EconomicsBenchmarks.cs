using BenchmarkDotNet.Attributes;
using Nexus.Crypto;
using Nexus.Economics;

namespace Nexus.Benchmarks;

/// <summary>Settlement validation (2 Ed25519 verifications + BLAKE3 + GSet + balances) into a fresh ledger.</summary>
[MemoryDiagnoser]
public class SettlementValidationBenchmarks
{
    private const int Batch = 1_000;
    private readonly ChannelKeyCache _keys = new();
    private readonly List<SettlementRecord> _records = [];
    private Dictionary<Hash128, ulong> _base = [];

    [GlobalSetup]
    public void Setup()
    {
        var parties = Enumerable.Range(1, 40).Select(i =>
        {
            var seed = new byte[32];
            seed[0] = (byte)i;
            var key = Ed25519PrivateKey.Import(seed);
            var hashBytes = new byte[16];
            new Random(i).NextBytes(hashBytes);
            var hash = new Hash128(hashBytes);
            _keys.Learn(hash, key.PublicKey);
            return (Key: key, Hash: hash);
        }).ToArray();
        _base = parties.ToDictionary(p => p.Hash, _ => 1_000_000_000UL);
        var random = new Random(1);
        for (int n = 0; n < Batch; n++)
        {
            var x = parties[random.Next(parties.Length)];
            var y = parties[random.Next(parties.Length)];
            if (x.Hash == y.Hash)
            {
                n--;
                continue;
            }

            var (a, b) = x.Hash.CompareTo(y.Hash) < 0 ? (x, y) : (y, x);
            var nonce = BitConverter.GetBytes((long)n).Concat(new byte[8]).ToArray();
            var id = ChannelId.Derive(a.Hash.AsSpan(), b.Hash.AsSpan(), nonce);
            _records.Add(new SettlementRecord(id, a.Hash, b.Hash, random.Next(-10_000, 10_000), (ulong)random.Next(1, 100))
                .Sign(ChannelParty.A, a.Key).Sign(ChannelParty.B, b.Key));
        }
    }

    /// <summary>One by one on one core (the gossip receive path).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int Validate_one_by_one()
    {
        var validator = new SettlementValidator(new CrdtLedger(epochBalances: _base), _keys);
        int accepted = 0;
        foreach (var record in _records)
        {
            accepted += validator.Submit(record) == SettlementStatus.Accepted ? 1 : 0;
        }

        return accepted;
    }

    /// <summary>The ledger's share alone: GSet insert, max-register per channel, balance check (no signatures).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int Ledger_apply_without_signatures()
    {
        var ledger = new CrdtLedger(epochBalances: _base);
        int accepted = 0;
        foreach (var record in _records)
        {
            accepted += ledger.TryAdd(record, record.ComputeHash()) == SettlementStatus.Accepted ? 1 : 0;
        }

        return accepted;
    }

    /// <summary>A batch of 1,000 with signature checks in parallel on every core.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int Validate_batch_parallel()
    {
        var validator = new SettlementValidator(new CrdtLedger(epochBalances: _base), _keys);
        return validator.SubmitBatch(_records).Count(s => s == SettlementStatus.Accepted);
    }
}

/// <summary>Dual-signed channel updates between in-process nodes (sign, verify, store, sign, verify, store).</summary>
[MemoryDiagnoser]
public class ChannelUpdateBenchmarks
{
    private const int Updates = 200;
    private Pair[] _pairs = [];

    [GlobalSetup]
    public void Setup() => _pairs = [new Pair(1), new Pair(2)];

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var pair in _pairs)
        {
            pair.Dispose();
        }
    }

    /// <summary>One channel: one payment = UpdateRequest + UpdateAccept: 2 signatures, 2 verifications, 2 stored snapshots.</summary>
    [Benchmark(OperationsPerInvoke = Updates)]
    public Task<int> Payment_update_round_trip() => _pairs[0].Run(Updates);

    /// <summary>Two independent channels (two node pairs) updating at once, one per core.</summary>
    [Benchmark(OperationsPerInvoke = 2 * Updates)]
    public async Task<int> Payment_updates_two_channels_in_parallel()
    {
        var runs = await Task.WhenAll(Task.Run(() => _pairs[0].Run(Updates)), Task.Run(() => _pairs[1].Run(Updates)));
        return runs[0] + runs[1];
    }

    private sealed class Pair : IDisposable
    {
        private readonly InMemoryEconomicsNetwork _network = new();
        private readonly EconomicsNode _payer;
        private readonly EconomicsNode _payee;
        private readonly Ed25519PrivateKey _payerKey;
        private readonly Ed25519PrivateKey _payeeKey;
        private readonly ChannelId _channel;

        public Pair(byte seed)
        {
            _payerKey = Ed25519PrivateKey.Import(Enumerable.Repeat(seed, 32).ToArray());
            _payeeKey = Ed25519PrivateKey.Import(Enumerable.Repeat((byte)(seed + 100), 32).ToArray());
            var payerHash = new Hash128(Enumerable.Repeat(seed, 16).ToArray());
            var payeeHash = new Hash128(Enumerable.Repeat((byte)(seed + 100), 16).ToArray());
            var keys = new ChannelKeyCache();
            keys.Learn(payerHash, _payerKey.PublicKey);
            keys.Learn(payeeHash, _payeeKey.PublicKey);
            _payer = new EconomicsNode(_payerKey, payerHash, _network.CreateTransport(payerHash), _network.CreateGossip(payerHash), keys: keys);
            _payee = new EconomicsNode(_payeeKey, payeeHash, _network.CreateTransport(payeeHash), _network.CreateGossip(payeeHash), keys: keys);
            _network.Attach(_payer);
            _network.Attach(_payee);
            var channel = _payer.OpenChannelAsync(payeeHash, ulong.MaxValue / 2, 0, new ChannelTerms(WinProbability.FromOdds(100), 5)).AsTask().GetAwaiter().GetResult();
            _network.RunChannelMessagesAsync().AsTask().GetAwaiter().GetResult();
            _channel = channel.Id;
        }

        public async Task<int> Run(int updates)
        {
            int delivered = 0;
            for (int i = 0; i < updates; i++)
            {
                await _payer.PayAsync(_channel, 1);
                delivered += await _network.RunChannelMessagesAsync();
            }

            return delivered;
        }

        public void Dispose()
        {
            _payer.Dispose();
            _payee.Dispose();
            _payerKey.Dispose();
            _payeeKey.Dispose();
        }
    }
}

/// <summary>
/// Dual-signed channel updates carried by <see cref="LinkChannelTransport"/> over a NEXUS link between two
/// mesh transports (in-memory interfaces, virtual clock): per update the payment request and the accept
/// each go through the mesh packet path and ChaCha20-Poly1305 sealing and opening, on top of the
/// signatures and stores of <see cref="ChannelUpdateBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class ChannelUpdateOverLinkBenchmarks
{
    private const int Updates = 200;
    private static readonly TimeSpan Hop = TimeSpan.FromMilliseconds(1);
    private readonly Nexus.Mesh.Simulation.SimulationClock _clock = new();
    private readonly List<IDisposable> _owned = [];
    private EconomicsNode _payer = null!;
    private LinkChannelTransport _payerLinks = null!;
    private LinkChannelTransport _payeeLinks = null!;
    private PaymentChannel _channel = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (payer, payerLinks, payerIdentity) = Node("payer");
        var (payee, payeeLinks, payeeIdentity) = Node("payee");
        var (a, b) = Nexus.Mesh.InMemoryInterface.CreatePair("payer-payee", "payee-payer", _clock, Hop, 1_000_000_000);
        _payer = payer;
        _payerLinks = payerLinks;
        _payeeLinks = payeeLinks;
        Transport(payerLinks).AddInterface(a);
        Transport(payeeLinks).AddInterface(b);
        a.StartAsync().AsTask().GetAwaiter().GetResult();
        b.StartAsync().AsTask().GetAwaiter().GetResult();
        payerLinks.Links.Announce();
        payeeLinks.Links.Announce();
        _clock.Advance(TimeSpan.FromSeconds(2));
        var payeeKey = Nexus.Mesh.IdentityPublicKey.FromIdentity(payeeIdentity);
        payerLinks.LearnIdentity(payeeKey);
        payer.Keys.Learn(payeeKey.Hash, payeeKey.SigningKey);
        _channel = payer.OpenChannelAsync(payeeKey.Hash, ulong.MaxValue / 2, 0, new ChannelTerms(WinProbability.FromOdds(100), 5)).AsTask().GetAwaiter().GetResult();
        for (int i = 0; i < 200 && _channel.Status != ChannelStatus.Open; i++)
        {
            Step().AsTask().GetAwaiter().GetResult();
        }

        if (_channel.Status != ChannelStatus.Open)
        {
            throw new InvalidOperationException("The channel did not open over the link.");
        }

        _ = payee;
        _ = payerIdentity;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }

    /// <summary>One payment over the link: UpdateRequest and UpdateAccept, each one link packet.</summary>
    [Benchmark(OperationsPerInvoke = Updates)]
    public async Task<int> Payment_update_round_trip_over_a_link()
    {
        int steps = 0;
        for (int i = 0; i < Updates; i++)
        {
            await _payer.PayAsync(_channel.Id, 1);
            while (_channel.HasPendingUpdate)
            {
                await Step();
                steps++;
            }
        }

        return steps;
    }

    private async ValueTask Step()
    {
        _clock.Advance(Hop);
        await _payeeLinks.DeliverPendingAsync();
        await _payerLinks.DeliverPendingAsync();
    }

    private readonly Dictionary<LinkChannelTransport, Nexus.Mesh.MeshTransport> _transports = [];

    private Nexus.Mesh.MeshTransport Transport(LinkChannelTransport links) => _transports[links];

    private (EconomicsNode Node, LinkChannelTransport Links, NodeIdentity Identity) Node(string name)
    {
        var identity = NodeIdentity.Generate();
        var mesh = new Nexus.Mesh.MeshTransport(identity, new Nexus.Mesh.MeshTransportOptions { Seed = name.Length }, _clock);
        var manager = new Nexus.Mesh.NexusLinkManager(mesh, identity, _clock);
        var hash = new Hash128(identity.Hash);
        var keys = new ChannelKeyCache();
        var links = new LinkChannelTransport(manager, hash, keys: keys, timeProvider: _clock);
        var node = new EconomicsNode(identity.SigningKey, hash, links, null, new EconomicsOptions { MaxResponderDepositMicroNxs = ulong.MaxValue }, keys: keys, timeProvider: _clock);
        links.Attach(node);
        _transports[links] = mesh;
        _owned.AddRange([identity, mesh, manager, links, node]);
        return (node, links, identity);
    }
}

/// <summary>The relay lottery: plays (ECVRF prove) and the payer's claim checks (ECVRF verify + win test).</summary>
[MemoryDiagnoser]
public class LotteryBenchmarks
{
    private const int Packets = 256;
    private readonly Hash256[] _packets = new Hash256[Packets];
    private readonly ChannelId _channel = ChannelId.Parse("00112233445566778899aabbccddeeff");
    private readonly WinProbability _p = WinProbability.FromOdds(100);
    private readonly List<WinClaim> _claims = [];
    private Ed25519PrivateKey _relay = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _relay = Ed25519PrivateKey.Import(Enumerable.Repeat((byte)9, 32).ToArray());
        var random = new Random(2);
        var bytes = new byte[32];
        for (int i = 0; i < Packets; i++)
        {
            random.NextBytes(bytes);
            _packets[i] = new Hash256(bytes);
        }

        var always = new WinProbability(ulong.MaxValue);
        for (int i = 0; i < 64; i++)
        {
            RelayLottery.TryWin(_relay, _packets[i], _channel, always, out var claim);
            _claims.Add(claim);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _relay.Dispose();

    /// <summary>One play on one core: ECVRF prove over packet_hash ‖ channel_id and the win test.</summary>
    [Benchmark]
    public bool Lottery_play() => RelayLottery.TryWin(_relay, _packets[_next++ & (Packets - 1)], _channel, _p, out _);

    /// <summary>256 plays spread over every core (a relay forwarding on several links).</summary>
    [Benchmark(OperationsPerInvoke = Packets)]
    public int Lottery_plays_parallel()
    {
        int wins = 0;
        Parallel.For(0, Packets, i =>
        {
            if (RelayLottery.TryWin(_relay, _packets[i], _channel, _p, out _))
            {
                Interlocked.Increment(ref wins);
            }
        });
        return wins;
    }

    /// <summary>The payer's check of one claim: ECVRF verify under the relay's key and the win test.</summary>
    [Benchmark]
    public WinClaimStatus Claim_check() => RelayLottery.CheckProof(_relay.PublicKey, _claims[_next++ & 63], new WinProbability(ulong.MaxValue));
}
