using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;

namespace Nexus.Economics.Tests;

/// <summary>N economics nodes on one <see cref="InMemoryEconomicsNetwork"/> and one fake clock; every node knows every key.</summary>
internal sealed class Simulation : IDisposable
{
    public Simulation(int count, ulong epochBalance = 1_000_000, int seedBase = 0, string? dataRoot = null, bool gossip = true, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null)
    {
        LoggerFactory = loggerFactory;
        Gossip = gossip;
        DataRoot = dataRoot;
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        Keys = [.. Enumerable.Range(0, count).Select(i => Fixtures.Key(seedBase + i + 1))];
        Hashes = [.. Enumerable.Range(0, count).Select(i => Fixtures.NodeHash(seedBase + i + 1))];
        EpochBalances = Hashes.ToDictionary(h => h, _ => epochBalance);
        Nodes = new EconomicsNode[count];
        ChannelStores = new IChannelStore[count];
        LedgerStores = new ILedgerStore[count];
        Generations = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (dataRoot is null)
            {
                ChannelStores[i] = new InMemoryChannelStore();
                LedgerStores[i] = new InMemoryLedgerStore();
            }
            else
            {
                var store = new RocksDbEconomicsStore(Path.Combine(dataRoot, $"node{i}", "gen0"));
                ChannelStores[i] = store;
                LedgerStores[i] = store;
            }
        }

        for (int i = 0; i < count; i++)
        {
            Start(i);
        }
    }

    public FakeTimeProvider Time { get; }

    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; }

    public InMemoryEconomicsNetwork Network { get; } = new();

    public Ed25519PrivateKey[] Keys { get; }

    public Hash128[] Hashes { get; }

    public Dictionary<Hash128, ulong> EpochBalances { get; }

    public EconomicsNode[] Nodes { get; }

    public IChannelStore[] ChannelStores { get; }

    public ILedgerStore[] LedgerStores { get; }

    public EconomicsOptions Options { get; } = new() { MaxResponderDepositMicroNxs = ulong.MaxValue };

    public string? DataRoot { get; }

    /// <summary>Whether nodes flood settlements over <see cref="Network"/> (false: the caller sets their gossip).</summary>
    public bool Gossip { get; }

    public int[] Generations { get; }

    /// <summary>
    /// Simulates a crash of node i: a RocksDB checkpoint of its database (what is durable at this moment;
    /// copying the live files one by one can race the database's background flushes, and a crash test
    /// failed once that way under load) while the old process state stays open and untouched (like a
    /// power cut), then a new node starts over the copy.
    /// </summary>
    public EconomicsNode CrashAndRestart(int i)
    {
        Network.Detach(Hashes[i]);
        Generations[i]++;
        var to = Path.Combine(DataRoot!, $"node{i}", $"gen{Generations[i]}");
        ((RocksDbEconomicsStore)ChannelStores[i]).SaveCheckpoint(to);

        Abandoned.Add(Nodes[i]);
        var store = new RocksDbEconomicsStore(to);
        ChannelStores[i] = store;
        LedgerStores[i] = store;
        return Start(i);
    }

    private List<EconomicsNode> Abandoned { get; } = [];

    public EconomicsNode this[int i] => Nodes[i];

    /// <summary>(Re)creates node i over its stores and attaches it to the network.</summary>
    public EconomicsNode Start(int i)
    {
        var cache = new ChannelKeyCache();
        for (int j = 0; j < Keys.Length; j++)
        {
            cache.Learn(Hashes[j], Keys[j].PublicKey);
        }

        Nodes[i] = new EconomicsNode(Keys[i], Hashes[i], Network.CreateTransport(Hashes[i]), Gossip ? Network.CreateGossip(Hashes[i]) : null, Options,
            ChannelStores[i], LedgerStores[i], cache, EpochBalances, Time, LoggerFactory);
        Network.Attach(Nodes[i]);
        return Nodes[i];
    }

    public ValueTask<int> Pump() => Network.RunChannelMessagesAsync();

    /// <summary>Opens a channel i → j with deposits and runs the handshake.</summary>
    public async Task<PaymentChannel> Open(int i, int j, ulong depositI, ulong depositJ, ChannelTerms terms)
    {
        // A deterministic nonce, so channel ids (and with them every lottery outcome) replay exactly.
        var nonce = Hash128.Truncate(Blake3.Hash([.. Hashes[i].ToArray(), .. Hashes[j].ToArray()]));
        var channel = await Nodes[i].OpenChannelAsync(Hashes[j], depositI, depositJ, terms, nonce);
        await Pump();
        Assert.Equal(ChannelStatus.Open, channel.Status);
        return channel;
    }

    public void Dispose()
    {
        foreach (var node in Nodes)
        {
            node?.Dispose();
        }

        foreach (var node in Abandoned)
        {
            node.Dispose();
        }

        foreach (var store in ChannelStores.Concat<object>(LedgerStores).OfType<IDisposable>().Distinct())
        {
            store.Dispose();
        }

        foreach (var key in Keys)
        {
            key.Dispose();
        }
    }
}
