using Microsoft.Extensions.DependencyInjection;
using Nexus.Crypto;
using Xunit.Abstractions;

namespace Nexus.Economics.Tests;

/// <summary>Settlement gossip between nodes: convergence of every node's ledger, duplicates and forgeries.</summary>
public class GossipTests(ITestOutputHelper output)
{
    private static readonly ChannelTerms Terms = new(WinProbability.FromOdds(100), 5);

    private static async Task<int> GossipUntilQuiet(Simulation sim)
    {
        int rounds = 0;
        while (sim.Network.PendingGossip > 0)
        {
            await sim.Network.GossipRoundAsync();
            rounds++;
        }

        return rounds;
    }

    private static void AssertConverged(Simulation sim)
    {
        var reference = sim[0].Ledger.GetBalances().OrderBy(kv => kv.Key).ToArray();
        foreach (var node in sim.Nodes)
        {
            Assert.Equal(reference, node.Ledger.GetBalances().OrderBy(kv => kv.Key).ToArray());
        }
    }

    [Fact]
    public async Task Three_nodes_settle_pairwise_and_every_ledger_converges_forgeries_and_duplicates_change_nothing()
    {
        using var sim = new Simulation(3, seedBase: 1000);
        sim.Network.Link(sim.Hashes[0], sim.Hashes[1]);
        sim.Network.Link(sim.Hashes[1], sim.Hashes[2]); // a line: node 0 hears node 2 only through node 1
        var pairs = new[] { (0, 1, 300UL), (1, 2, 500UL), (2, 0, 700UL) };
        foreach (var (i, j, amount) in pairs)
        {
            var channel = await sim.Open(i, j, 10_000, 10_000, Terms);
            await sim[i].PayAsync(channel.Id, amount);
            await sim.Pump();
            await sim[j].SettleAsync(channel.Id);
            await sim.Pump();
        }

        int rounds = await GossipUntilQuiet(sim);
        output.WriteLine($"3 nodes (line): converged after {rounds} gossip rounds");
        Assert.InRange(rounds, 1, 2); // the line's diameter
        AssertConverged(sim);
        Assert.All(sim.Nodes, n => Assert.Equal(3, n.Ledger.Count));
        Assert.Equal(1_000_000 - 300 + 700, sim[2].GetBalance(sim.Hashes[0]));
        Assert.Equal(1_000_000 + 300 - 500, sim[0].GetBalance(sim.Hashes[1]));
        Assert.Equal(1_000_000 + 500 - 700, sim[1].GetBalance(sim.Hashes[2]));

        // A duplicate changes nothing and is not gossiped again.
        var record = sim[0].Ledger.GetRecords()[0];
        var before = sim[1].Ledger.GetBalances();
        Assert.Equal(SettlementStatus.Duplicate, await sim[1].ReceiveSettlementAsync(record.ToArray()));
        Assert.Equal(before, sim[1].Ledger.GetBalances());
        Assert.Equal(0, sim.Network.PendingGossip);

        // A forged settlement (bad signature) is dropped by every node and never travels.
        var forged = Fixtures.Settlement((sim.Keys[0], sim.Hashes[0]), (sim.Keys[2], sim.Hashes[2]), 50_000, 9, channelNonce: 1).ToArray();
        forged[100] ^= 0x10;
        foreach (var node in sim.Nodes)
        {
            Assert.Equal(SettlementStatus.BadSignature, await node.ReceiveSettlementAsync(forged));
            Assert.True(node.Validator.Dropped >= 1);
        }

        Assert.Equal(0, sim.Network.PendingGossip);
        AssertConverged(sim);
    }

    [Theory]
    [InlineData(16, 1)]
    [InlineData(48, 2)]
    public async Task Ledgers_of_many_nodes_converge_within_logarithmic_rounds(int count, int seed)
    {
        using var sim = new Simulation(count, seedBase: 2000 + seed * 100);
        var random = new Random(seed);
        // A ring plus random chords: a small-world graph whose diameter grows like log N.
        for (int i = 0; i < count; i++)
        {
            sim.Network.Link(sim.Hashes[i], sim.Hashes[(i + 1) % count]);
            sim.Network.Link(sim.Hashes[i], sim.Hashes[random.Next(count)]);
        }

        sim.Network.Link(sim.Hashes[0], sim.Hashes[0]); // harmless self-link
        for (int i = 0; i < count; i++)
        {
            int j = (i + 1) % count;
            var channel = await sim.Open(i, j, 10_000, 10_000, Terms);
            await sim[i].PayAsync(channel.Id, (ulong)random.Next(1, 5_000));
            await sim.Pump();
            await sim[j].SettleAsync(channel.Id);
            await sim.Pump();
        }

        int rounds = await GossipUntilQuiet(sim);
        double bound = 2 * Math.Ceiling(Math.Log2(count));
        output.WriteLine($"{count} nodes: {count} settlements converged after {rounds} gossip rounds (bound 2·⌈log2 N⌉ = {bound})");
        Assert.InRange(rounds, 1, bound);
        AssertConverged(sim);
        Assert.All(sim.Nodes, n => Assert.Equal(count, n.Ledger.Count));
    }

    [Fact]
    public async Task AddNexusEconomics_builds_a_node_over_RocksDB_in_the_data_directory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "nexus-econ-di-" + Guid.NewGuid().ToString("n"));
        try
        {
            using var key = Fixtures.Key(77);
            var network = new InMemoryEconomicsNetwork();
            var hash = Fixtures.NodeHash(77);
            var services = new ServiceCollection();
            services.AddSingleton(network.CreateTransport(hash));
            services.AddSingleton(network.CreateGossip(hash));
            services.AddNexusEconomics(key, hash, o => { o.DataDirectory = directory; o.EpochLength = TimeSpan.FromMinutes(30); });
            await using (var provider = services.BuildServiceProvider())
            {
                var node = provider.GetRequiredService<EconomicsNode>();
                Assert.Equal(hash, node.LocalHash);
                Assert.Same(provider.GetRequiredService<ChannelKeyCache>(), node.Keys);
                Assert.True(node.Keys.TryGet(hash, out var own) && own == key.PublicKey);
                Assert.Equal(0, node.GetBalance(hash));
            }

            Assert.True(File.Exists(Path.Combine(directory, "CURRENT"))); // RocksDB created, then closed with the provider
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
