using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;
using Nexus.Mesh.Gossip;
using Xunit.Abstractions;

namespace Nexus.Economics.Tests;

/// <summary>
/// Settlements gossiped by Nexus.Mesh's <see cref="GossipEngine"/> through <see cref="SettlementGossipTopic"/>:
/// channels run over the in-memory channel network, the ledgers meet only through the engines.
/// </summary>
public class SettlementGossipTopicTests(ITestOutputHelper output)
{
    private static readonly ChannelTerms Terms = new(WinProbability.FromOdds(100), 5);

    /// <summary>N economics nodes (no settlement gossip of their own) with one topic and one engine each, on a fake clock.</summary>
    private sealed class GossipMesh : IDisposable
    {
        public GossipMesh(int count, int seedBase)
        {
            Sim = new Simulation(count, seedBase: seedBase, gossip: false);
            Topics = new SettlementGossipTopic[count];
            Engines = new GossipEngine[count];
            for (int i = 0; i < count; i++)
            {
                Topics[i] = new SettlementGossipTopic(Sim[i].Validator);
                Sim[i].UseGossip(Topics[i]);
                Engines[i] = new GossipEngine(new GossipOptions(), Sim.Time);
                Engines[i].AddTopic(Topics[i]);
            }
        }

        public Simulation Sim { get; }

        public SettlementGossipTopic[] Topics { get; }

        public GossipEngine[] Engines { get; }

        public List<(int, int)> Edges { get; } = [];

        public void Connect(int a, int b)
        {
            if (a == b || Edges.Contains((a, b)) || Edges.Contains((b, a)))
            {
                return;
            }

            Edges.Add((a, b));
            Engines[a].AddNeighbour(Sim.Hashes[b], 10_000_000);
            Engines[b].AddNeighbour(Sim.Hashes[a], 10_000_000);
        }

        /// <summary>Moves every message queued now one hop (what arrives may queue replies or pushes for the next hop).</summary>
        public int Hop()
        {
            var batch = new List<(int To, Hash128 From, byte[] Message)>();
            foreach (var (a, b) in Edges)
            {
                while (Engines[a].TryDequeue(Sim.Hashes[b], out var m))
                {
                    batch.Add((b, Sim.Hashes[a], m!));
                }

                while (Engines[b].TryDequeue(Sim.Hashes[a], out var m))
                {
                    batch.Add((a, Sim.Hashes[b], m!));
                }
            }

            foreach (var (to, from, message) in batch)
            {
                Engines[to].Receive(from, message);
            }

            return batch.Count;
        }

        /// <summary>One gossip round: the clock moves 60 s, every engine runs its round, then messages move two hops (summaries out, deltas back, pushes one hop on).</summary>
        public void Round()
        {
            Sim.Time.Advance(TimeSpan.FromSeconds(60));
            foreach (var engine in Engines)
            {
                engine.RunRound();
            }

            Hop();
            Hop();
        }

        public bool Converged()
        {
            var reference = Digest(Sim[0].Ledger);
            return Sim.Nodes.All(n => Digest(n.Ledger) == reference);
        }

        public int RoundsUntilConverged(int limit)
        {
            for (int round = 1; round <= limit; round++)
            {
                Round();
                if (Converged())
                {
                    return round;
                }
            }

            return -1;
        }

        public void Dispose()
        {
            foreach (var engine in Engines)
            {
                engine.Dispose();
            }

            Sim.Dispose();
        }
    }

    private static string Digest(CrdtLedger ledger) =>
        $"{ledger.Count}|" + string.Join(",", ledger.GetBalances().OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));

    private static async Task SettlePair(GossipMesh mesh, int i, int j, ulong amount)
    {
        var channel = await mesh.Sim.Open(i, j, 10_000, 10_000, Terms);
        await mesh.Sim[i].PayAsync(channel.Id, amount);
        await mesh.Sim.Pump();
        await mesh.Sim[j].SettleAsync(channel.Id);
        await mesh.Sim.Pump();
    }

    private static GossipItem ItemOf(SettlementRecord record) => new(record.ComputeHash().ToArray(), 0, record.ToArray());

    [Fact]
    public async Task Three_nodes_settle_pairwise_and_every_ledger_converges_duplicates_change_nothing_forgeries_are_dropped_everywhere()
    {
        using var mesh = new GossipMesh(3, seedBase: 3000);
        mesh.Connect(0, 1);
        mesh.Connect(1, 2); // a line: 0 hears 2 only through 1
        await SettlePair(mesh, 0, 1, 300);
        await SettlePair(mesh, 1, 2, 500);
        await SettlePair(mesh, 2, 0, 700);
        Assert.False(mesh.Converged());

        int rounds = mesh.RoundsUntilConverged(10);
        output.WriteLine($"3 nodes (line) over GossipEngine: converged after {rounds} round(s)");
        Assert.InRange(rounds, 1, 2);
        Assert.All(mesh.Sim.Nodes, n => Assert.Equal(3, n.Ledger.Count));
        var h = mesh.Sim.Hashes;
        Assert.Equal(1_000_000 - 300 + 700, mesh.Sim[1].GetBalance(h[0]));
        Assert.Equal(1_000_000 + 300 - 500, mesh.Sim[2].GetBalance(h[1]));
        Assert.Equal(1_000_000 + 500 - 700, mesh.Sim[0].GetBalance(h[2]));

        // Nothing left to move: another round sends summaries, and no delta comes back.
        mesh.Sim.Time.Advance(TimeSpan.FromSeconds(60));
        foreach (var engine in mesh.Engines)
        {
            engine.RunRound();
        }

        mesh.Hop();
        Assert.Equal(0, mesh.Hop());

        // A duplicate changes nothing.
        var record = mesh.Sim[0].Ledger.GetRecords()[0];
        var before = Digest(mesh.Sim[1].Ledger);
        Assert.Equal(GossipMergeResult.Stale, mesh.Topics[1].Merge(h[0], ItemOf(record)));
        Assert.Equal(before, Digest(mesh.Sim[1].Ledger));

        // A forged settlement (bad signature), delivered to every node in a delta from a neighbour, is dropped by each and travels nowhere.
        var forged = Fixtures.Settlement((mesh.Sim.Keys[0], h[0]), (mesh.Sim.Keys[2], h[2]), 50_000, 9, channelNonce: 1).ToArray();
        forged[100] ^= 0x10;
        SettlementRecord.TryRead(forged, out var forgedRecord);
        var forgedItem = new GossipItem(forgedRecord.ComputeHash().ToArray(), 0, forged);
        var delta = GossipMessage.WriteDeltas(SettlementGossipTopic.DefaultId, [forgedItem]).Single();
        Assert.True(mesh.Engines[0].Receive(h[1], delta));
        Assert.True(mesh.Engines[1].Receive(h[0], delta));
        Assert.True(mesh.Engines[2].Receive(h[1], delta));
        Assert.Equal(0, mesh.Hop()); // nothing pushed on
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1, mesh.Topics[i].Rejected["BadSignature"]);
            Assert.Equal(3, mesh.Sim[i].Ledger.Count);
            Assert.False(mesh.Sim[i].Ledger.Contains(forgedRecord.ComputeHash()));
        }

        Assert.True(mesh.Converged());
    }

    [Theory]
    [InlineData(16, 1)]
    [InlineData(64, 2)]
    public async Task Ledgers_of_many_nodes_converge_within_logarithmic_rounds(int count, int seed)
    {
        using var mesh = new GossipMesh(count, seedBase: 4000 + seed * 100);
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            mesh.Connect(i, (i + 1) % count); // a ring plus random chords: diameter grows like log N
            mesh.Connect(i, random.Next(count));
        }

        for (int i = 0; i < count; i++)
        {
            await SettlePair(mesh, i, (i + 1) % count, (ulong)random.Next(1, 5_000));
        }

        int rounds = mesh.RoundsUntilConverged(64);
        double bound = 2 * Math.Ceiling(Math.Log2(count));
        output.WriteLine($"{count} nodes, {mesh.Edges.Count} links, {count} settlements over GossipEngine: converged after {rounds} round(s) (bound 2·⌈log2 N⌉ = {bound})");
        Assert.InRange(rounds, 1, bound);
        Assert.All(mesh.Sim.Nodes, n => Assert.Equal(count, n.Ledger.Count));
    }

    [Fact]
    public async Task Own_settlements_are_pushed_at_once_when_the_host_flushes_on_request()
    {
        using var mesh = new GossipMesh(3, seedBase: 5000);
        mesh.Connect(0, 1);
        mesh.Connect(1, 2);
        int requests = 0;
        mesh.Topics[1].PublishRequested += () => requests++;
        await SettlePair(mesh, 0, 1, 42);
        Assert.Equal(1, requests);
        Assert.Equal(1, mesh.Topics[0].FlushPublishes(mesh.Engines[0])); // both parties accepted the record
        Assert.Equal(1, mesh.Topics[1].FlushPublishes(mesh.Engines[1]));
        Assert.Equal(0, mesh.Topics[1].FlushPublishes(mesh.Engines[1])); // once
        Assert.Equal(0, mesh.Sim[2].Ledger.Count);
        mesh.Sim.Time.Advance(TimeSpan.FromSeconds(1)); // budget tokens for one delta
        mesh.Hop(); // no round ran: the push alone carries it
        Assert.Equal(1, mesh.Sim[2].Ledger.Count);
        Assert.Equal(mesh.Sim[0].GetBalance(mesh.Sim.Hashes[0]), mesh.Sim[2].GetBalance(mesh.Sim.Hashes[0]));
    }

    [Fact]
    public void Items_that_are_not_settlements_are_rejected_and_counted()
    {
        var keys = new ChannelKeyCache();
        var a = Fixtures.Party(1, keys);
        var b = Fixtures.Party(2, keys);
        var topic = new SettlementGossipTopic(new SettlementValidator(new CrdtLedger(), keys));
        var record = Fixtures.Settlement(a, b, 0, 1);
        var hash = record.ComputeHash().ToArray();
        var from = Fixtures.NodeHash(3);
        Assert.Equal(GossipMergeResult.Rejected, topic.Merge(from, new GossipItem(hash.AsMemory(0, 16), 0, record.ToArray())));
        Assert.Equal(GossipMergeResult.Rejected, topic.Merge(from, new GossipItem(hash, 1, record.ToArray())));
        Assert.Equal(GossipMergeResult.Rejected, topic.Merge(from, new GossipItem(hash, 0, record.ToArray().AsMemory(0, 100))));
        var otherHash = (byte[])hash.Clone();
        otherHash[0] ^= 1;
        Assert.Equal(GossipMergeResult.Rejected, topic.Merge(from, new GossipItem(otherHash, 0, record.ToArray())));
        var stranger = Fixtures.Settlement(a, (Fixtures.Key(9), Fixtures.NodeHash(9)), 0, 1); // party 9's key is unknown
        Assert.Equal(GossipMergeResult.Rejected, topic.Merge(from, ItemOf(stranger)));
        Assert.Equal(3, topic.Rejected["malformed"]);
        Assert.Equal(1, topic.Rejected["wrong_key"]);
        Assert.Equal(1, topic.Rejected["UnknownParty"]);
        Assert.Equal(0, topic.Ledger.Count);

        Assert.Equal(GossipMergeResult.Accepted, topic.Merge(from, ItemOf(record)));
        Assert.Equal(GossipMergeResult.Stale, topic.Merge(from, ItemOf(record)));
        Assert.True(topic.TryGetOffer(from, hash, out var offer) && offer.Value.Span.SequenceEqual(record.ToArray()));
        Assert.False(topic.TryGetOffer(from, otherHash, out _));
    }

    [Fact]
    public void Offers_are_bounded_per_round_and_rotate_over_the_whole_set()
    {
        var keys = new ChannelKeyCache();
        var parties = Enumerable.Range(1, 11).Select(i => Fixtures.Party(i, keys)).ToArray();
        var validator = new SettlementValidator(new CrdtLedger(epochBalances: parties.ToDictionary(p => p.Hash, _ => 1_000UL)), keys);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(SettlementStatus.Accepted, validator.Submit(Fixtures.Settlement(parties[i], parties[i + 1], 1, 1)));
        }

        var topic = new SettlementGossipTopic(validator, maxOffersPerRound: 4);
        var clock = new FakeTimeProvider();
        using var engine = new GossipEngine(new GossipOptions(), clock);
        var neighbour = Fixtures.NodeHash(50);
        var held = new List<GossipItem>();
        topic.CollectHeld(neighbour, held);
        Assert.Equal(10, held.Count);
        var seen = new HashSet<string>();
        for (uint round = 1; round <= 3; round++)
        {
            var offers = new List<GossipItem>();
            topic.CollectOffers(neighbour, offers);
            Assert.Equal(4, offers.Count);
            seen.UnionWith(offers.Select(o => Convert.ToHexString(o.Key.Span)));
            topic.OnRound(round, engine);
        }

        Assert.Equal(10, seen.Count); // 3 rounds × 4 ≥ 10: every member offered
    }
}
