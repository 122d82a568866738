using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;

namespace Nexus.Economics.Tests;

/// <summary>N economics nodes on one <see cref="InMemoryEconomicsNetwork"/> and one fake clock; every node knows every key.</summary>
internal sealed class Simulation : IDisposable
{
    public Simulation(int count, ulong epochBalance = 1_000_000, int seedBase = 0)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        Keys = [.. Enumerable.Range(0, count).Select(i => Fixtures.Key(seedBase + i + 1))];
        Hashes = [.. Enumerable.Range(0, count).Select(i => Fixtures.NodeHash(seedBase + i + 1))];
        EpochBalances = Hashes.ToDictionary(h => h, _ => epochBalance);
        Nodes = new EconomicsNode[count];
        ChannelStores = [.. Enumerable.Range(0, count).Select(_ => (IChannelStore)new InMemoryChannelStore())];
        LedgerStores = [.. Enumerable.Range(0, count).Select(_ => (ILedgerStore)new InMemoryLedgerStore())];
        for (int i = 0; i < count; i++)
        {
            Start(i);
        }
    }

    public FakeTimeProvider Time { get; }

    public InMemoryEconomicsNetwork Network { get; } = new();

    public Ed25519PrivateKey[] Keys { get; }

    public Hash128[] Hashes { get; }

    public Dictionary<Hash128, ulong> EpochBalances { get; }

    public EconomicsNode[] Nodes { get; }

    public IChannelStore[] ChannelStores { get; }

    public ILedgerStore[] LedgerStores { get; }

    public EconomicsOptions Options { get; } = new();

    public EconomicsNode this[int i] => Nodes[i];

    /// <summary>(Re)creates node i over its stores and attaches it to the network.</summary>
    public EconomicsNode Start(int i)
    {
        var cache = new ChannelKeyCache();
        for (int j = 0; j < Keys.Length; j++)
        {
            cache.Learn(Hashes[j], Keys[j].PublicKey);
        }

        Nodes[i] = new EconomicsNode(Keys[i], Hashes[i], Network.CreateTransport(Hashes[i]), Network.CreateGossip(Hashes[i]), Options,
            ChannelStores[i], LedgerStores[i], cache, EpochBalances, Time);
        Network.Attach(Nodes[i]);
        return Nodes[i];
    }

    public ValueTask<int> Pump() => Network.RunChannelMessagesAsync();

    /// <summary>Opens a channel i → j with deposits and runs the handshake.</summary>
    public async Task<PaymentChannel> Open(int i, int j, ulong depositI, ulong depositJ, ChannelTerms terms)
    {
        var channel = await Nodes[i].OpenChannelAsync(Hashes[j], depositI, depositJ, terms);
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

        foreach (var key in Keys)
        {
            key.Dispose();
        }
    }
}
