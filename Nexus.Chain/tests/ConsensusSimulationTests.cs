using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

/// <summary>An in-process network of Tendermint validators on one fake clock, with seeded delays, drops and partitions.</summary>
internal sealed class Simulation : IDisposable
{
    private readonly Random _rng;
    private readonly List<ITimer> _inFlight = new();

    public Simulation(int validators, int seed, double dropRate = 0, int minDelayMs = 1, int maxDelayMs = 20, TendermintOptions? options = null)
    {
        _rng = new Random(seed);
        DropRate = dropRate;
        MinDelay = minDelayMs;
        MaxDelay = maxDelayMs;
        Genesis = TestChain.Genesis(validators);
        Time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(Genesis.TimeUnixMs));
        for (int i = 0; i < validators; i++)
        {
            int index = i;
            var app = new ChainApplication(Genesis);
            var key = TestChain.Key(i);
            var engine = new TendermintEngine(app, key, options ?? new TendermintOptions(), Time);
            app.Broadcaster = m => Send(index, m);
            app.Sender = (peer, m) => Send(index, m, (int)peer);
            engine.MessageRejected += (_, reason) => Rejections.Add((index, reason));
            Nodes.Add((app, engine));
            Decided.Add(new Dictionary<ulong, Hash256>());
            app.BlockCommitted += (b, _) => Decided[index][b.Height] = b.Hash;
        }
    }

    public Genesis Genesis { get; }

    public FakeTimeProvider Time { get; }

    public List<(ChainApplication App, TendermintEngine Engine)> Nodes { get; } = new();

    public List<Dictionary<ulong, Hash256>> Decided { get; } = new();

    public List<(int Node, string Reason)> Rejections { get; } = new();

    /// <summary>Called before each delivery: sender, receiver, message.</summary>
    public Action<int, int, ConsensusMessage>? Delivering { get; set; }

    /// <summary>Messages delivered, by receiving node and kind.</summary>
    public Dictionary<(int To, ConsensusMessageKind Kind), int> Delivered { get; } = new();

    public HashSet<int> Down { get; } = new();

    /// <summary>Partition groups: messages cross only between nodes of the same group (null = connected).</summary>
    public int[]? Groups { get; set; }

    public double DropRate { get; set; }

    public int MinDelay { get; set; }

    public int MaxDelay { get; set; }

    /// <summary>Rewrites (or multiplies) what a node sends, for Byzantine behaviour.</summary>
    public Func<int, ConsensusMessage, IEnumerable<ConsensusMessage>>? Tamper { get; set; }

    public void Start()
    {
        foreach (var (_, engine) in Nodes) engine.Start();
    }

    public ulong Height(int node) => Nodes[node].App.State.Height;

    public void Run(TimeSpan duration)
    {
        for (int ms = 0; ms < duration.TotalMilliseconds; ms++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }
    }

    public bool RunUntil(Func<bool> condition, TimeSpan limit)
    {
        for (int ms = 0; ms < limit.TotalMilliseconds; ms++)
        {
            if (condition()) return true;
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        return condition();
    }

    // To every other node, or only to `only` (a point-to-point send through ChainApplication.Sender).
    private void Send(int from, ConsensusMessage message, int only = -1)
    {
        var messages = Tamper is null ? [message] : Tamper(from, message);
        foreach (var m in messages)
        {
            byte[] wire = m.Encode();
            for (int to = 0; to < Nodes.Count; to++)
            {
                if (to == from || (only >= 0 && to != only) || Down.Contains(from) || Down.Contains(to)) continue;
                if (Groups is not null && Groups[from] != Groups[to]) continue;
                if (_rng.NextDouble() < DropRate) continue;
                int target = to;
                ITimer? timer = null;
                timer = Time.CreateTimer(_ =>
                {
                    timer!.Dispose();
                    if (Down.Contains(target) || !ConsensusMessage.TryDecode(wire, out var decoded, out string? _)) return;
                    Delivered[(target, decoded!.Kind)] = Delivered.GetValueOrDefault((target, decoded.Kind)) + 1;
                    Delivering?.Invoke(from, target, decoded);
                    Nodes[target].Engine.Receive(decoded!, from);
                }, null, TimeSpan.FromMilliseconds(_rng.Next(MinDelay, MaxDelay + 1)), Timeout.InfiniteTimeSpan);
                _inFlight.Add(timer);
            }
        }
    }

    /// <summary>No two nodes finalized different blocks at the same height.</summary>
    public void AssertSafety()
    {
        var byHeight = new Dictionary<ulong, Hash256>();
        foreach (var decided in Decided)
        {
            foreach (var (h, hash) in decided)
            {
                if (byHeight.TryGetValue(h, out var other)) Assert.Equal(other, hash);
                else byHeight[h] = hash;
            }
        }
    }

    public void Dispose()
    {
        foreach (var (_, engine) in Nodes) engine.Dispose();
        foreach (var t in _inFlight) t.Dispose();
    }
}

public class ConsensusSimulationTests
{
    [Fact]
    public void Four_validators_finalize_blocks_with_transactions()
    {
        using var sim = new Simulation(4, seed: 1);
        sim.Start();
        var tx = TestChain.Transfer(5, 6, 0, 77);
        Assert.Equal(AdmissionStatus.Accepted, sim.Nodes[2].App.Mempool.Add(tx));
        Assert.True(sim.RunUntil(() => Enumerable.Range(0, 4).All(i => sim.Height(i) >= 10), TimeSpan.FromSeconds(60)));
        sim.AssertSafety();
        // The transaction was included once a node holding it proposed, and every node agrees on the result.
        Assert.True(sim.RunUntil(() => sim.Nodes.All(n => n.App.State.Accounts.Get(TestChain.Key(6).PublicKey).Balance == 1_000_077), TimeSpan.FromSeconds(30)));
        Assert.Empty(sim.Rejections);
    }

    [Fact]
    public void One_validator_down_the_chain_continues_two_down_it_halts_and_resumes_when_one_returns()
    {
        using var sim = new Simulation(4, seed: 2);
        sim.Down.Add(3);
        sim.Start();
        Assert.True(sim.RunUntil(() => sim.Height(0) >= 5, TimeSpan.FromSeconds(60)));
        sim.Down.Add(2);
        sim.Run(TimeSpan.FromSeconds(2)); // let in-flight rounds settle
        ulong halted = sim.Height(0);
        sim.Run(TimeSpan.FromSeconds(30));
        Assert.True(sim.Height(0) <= halted + 1);
        Assert.Equal(sim.Height(0), sim.Height(1));
        ulong stuck = sim.Height(0);
        sim.Run(TimeSpan.FromSeconds(30));
        Assert.Equal(stuck, sim.Height(0));
        sim.Down.Remove(3); // node 3 was down from the start and must catch up first
        Assert.True(sim.RunUntil(() => sim.Height(0) >= stuck + 5 && sim.Height(3) >= stuck + 5, TimeSpan.FromSeconds(120)));
        sim.AssertSafety();
    }

    [Fact]
    public void A_node_that_missed_200_heights_catches_up_in_batches_from_one_peer()
    {
        using var sim = new Simulation(4, seed: 5);
        sim.Down.Add(3);
        sim.Start();
        Assert.True(sim.RunUntil(() => sim.Height(0) >= 200, TimeSpan.FromSeconds(300)), $"height {sim.Height(0)}");
        int decided = 0, requests = 0;
        long firstRequest = 0;
        sim.Delivering = (from, to, m) =>
        {
            if (to == 3 && m.Kind == ConsensusMessageKind.Decided) decided++;
            if (from == 3 && m.Kind == ConsensusMessageKind.SyncRequest && requests++ == 0) firstRequest = sim.Time.GetTimestamp();
        };

        sim.Down.Remove(3); // it hears the others at once, or after a propose timeout when it is the round's proposer
        Assert.True(sim.RunUntil(() => sim.Height(3) >= 200, TimeSpan.FromSeconds(60)), $"node 3 at {sim.Height(3)}, node 0 at {sim.Height(0)}");
        var took = sim.Time.GetElapsedTime(firstRequest);

        // Each block crosses once (one peer answers; a whole-network broadcast would bring it three times),
        // in batches of 32 asked for ahead of need (one request per block would be 200 round trips).
        Assert.InRange(decided, 200, 240);
        Assert.InRange(requests, 7, 20);
        // Up to 20 ms per message: 200 heights at one round trip per block would take ≥ 2 s of simulated time;
        // in pipelined batches of 32 they take a fraction of a second from the first request.
        Assert.True(took < TimeSpan.FromMilliseconds(500), $"caught up in {took.TotalMilliseconds} ms after the first request");
        Assert.True(sim.RunUntil(() => sim.Height(3) >= sim.Height(0) && sim.Height(0) >= 205, TimeSpan.FromSeconds(30)));
        sim.AssertSafety();
    }

    [Fact]
    public void A_sync_request_is_answered_to_its_sender_only_within_the_batch_and_byte_caps()
    {
        using var sim = new Simulation(4, seed: 6, options: new TendermintOptions { SyncBatchBlocks = 8 });
        sim.Start();
        Assert.True(sim.RunUntil(() => sim.Height(0) >= 20, TimeSpan.FromSeconds(60)));
        sim.Down.UnionWith([0, 1, 2, 3]); // freeze the network; talk to node 0 directly
        var (app, engine) = sim.Nodes[0];
        var sent = new List<(object? Peer, ConsensusMessage Message)>();
        app.Sender = (peer, m) => sent.Add((peer, m));
        app.Broadcaster = m => sent.Add((null, m));

        engine.Receive(ConsensusMessage.ForSyncRequest(3, 1000), "lagging peer");
        Assert.Equal(8, sent.Count); // capped at SyncBatchBlocks
        Assert.All(sent, s => Assert.Equal("lagging peer", s.Peer));
        Assert.Equal(Enumerable.Range(3, 8).Select(h => (ulong)h), sent.Select(s => s.Message.Block!.Height));
        Assert.All(sent, s => Assert.Equal(ConsensusMessageKind.Decided, s.Message.Kind));

        sent.Clear();
        engine.Receive(ConsensusMessage.ForSyncRequest(3, 1000), "lagging peer");
        Assert.Empty(sent); // the same request again at once is not answered twice
        engine.Receive(ConsensusMessage.ForSyncRequest(3, 1000), "another peer");
        Assert.Equal(8, sent.Count);

        sent.Clear();
        ulong tip = app.State.Height;
        engine.Receive(ConsensusMessage.ForSyncRequest(tip - 1, 8), "lagging peer");
        Assert.Equal([tip - 1, tip], sent.Select(s => s.Message.Block!.Height)); // only what is finalized
        sent.Clear();
        engine.Receive(ConsensusMessage.ForSyncRequest(tip + 1, 8), "lagging peer");
        Assert.Empty(sent);
    }

    [Fact]
    public void A_sync_answer_stops_after_the_block_that_reaches_the_byte_cap()
    {
        using var sim = new Simulation(4, seed: 7, options: new TendermintOptions { MaxSyncResponseBytes = 1 });
        sim.Start();
        Assert.True(sim.RunUntil(() => sim.Height(0) >= 10, TimeSpan.FromSeconds(60)));
        sim.Down.UnionWith([0, 1, 2, 3]);
        var (app, engine) = sim.Nodes[0];
        var sent = new List<ConsensusMessage>();
        app.Sender = (_, m) => sent.Add(m);
        engine.Receive(ConsensusMessage.ForSyncRequest(2, 32), "peer");
        Assert.Equal(2UL, Assert.Single(sent).Block!.Height);
    }

    [Fact]
    public void Sync_answers_to_one_peer_are_paced_by_its_byte_budget()
    {
        using var sim = new Simulation(4, seed: 8, options: new TendermintOptions { SyncBatchBlocks = 4, MaxSyncResponseBytes = 1, SyncServeBytesPerSecond = 1000 });
        sim.Start();
        Assert.True(sim.RunUntil(() => sim.Height(0) >= 12, TimeSpan.FromSeconds(60)));
        sim.Down.UnionWith([0, 1, 2, 3]);
        var (app, engine) = sim.Nodes[0];
        var sent = new List<(object Peer, ulong Height)>();
        app.Sender = (peer, m) => sent.Add((peer, m.Block!.Height));

        // The budget starts at 2 × MaxSyncResponseBytes = 2 bytes: the first answer (one block) overdraws it, and
        // nothing more goes to that peer until it has refilled.
        for (ulong h = 1; h <= 6; h++) engine.Receive(ConsensusMessage.ForSyncRequest(h, 4), "greedy");
        Assert.Equal([1UL], sent.Where(s => s.Peer.Equals("greedy")).Select(s => s.Height));
        engine.Receive(ConsensusMessage.ForSyncRequest(1, 4), "other");
        Assert.Equal([1UL], sent.Where(s => s.Peer.Equals("other")).Select(s => s.Height)); // budgets are per peer

        int blockBytes = ConsensusMessage.ForDecided(app.GetDecided(1)!.Value.Block, app.GetDecided(1)!.Value.Commit).Encode().Length;
        sim.Time.Advance(TimeSpan.FromSeconds((blockBytes - 200) / 1000.0));
        engine.Receive(ConsensusMessage.ForSyncRequest(7, 4), "greedy");
        Assert.Equal([1UL], sent.Where(s => s.Peer.Equals("greedy")).Select(s => s.Height)); // not yet refilled
        sim.Time.Advance(TimeSpan.FromSeconds(0.3));
        engine.Receive(ConsensusMessage.ForSyncRequest(7, 4), "greedy");
        Assert.Equal([1UL, 7UL], sent.Where(s => s.Peer.Equals("greedy")).Select(s => s.Height));
    }

    [Fact]
    public void A_partitioned_minority_never_finalizes_and_catches_up_after_healing()
    {
        using var sim = new Simulation(4, seed: 3);
        sim.Start();
        Assert.True(sim.RunUntil(() => sim.Height(3) >= 3, TimeSpan.FromSeconds(30)));
        sim.Groups = [0, 0, 0, 1];
        sim.Run(TimeSpan.FromSeconds(1));
        ulong minority = sim.Height(3);
        ulong majority = sim.Height(0);
        sim.Run(TimeSpan.FromSeconds(30));
        Assert.Equal(minority, sim.Height(3));
        Assert.True(sim.Height(0) > majority + 5);
        // 2-2 split: nobody finalizes.
        sim.Groups = [0, 0, 1, 1];
        sim.Run(TimeSpan.FromSeconds(2));
        ulong split = sim.Nodes.Max(n => n.App.State.Height);
        sim.Run(TimeSpan.FromSeconds(30));
        Assert.Equal(split, sim.Nodes.Max(n => n.App.State.Height));
        sim.Groups = null;
        Assert.True(sim.RunUntil(() => Enumerable.Range(0, 4).All(i => sim.Height(i) >= split + 3), TimeSpan.FromSeconds(120)));
        sim.AssertSafety();
    }

    [Fact]
    public void A_double_signer_is_caught_slashed_and_removed_from_the_set()
    {
        using var sim = new Simulation(4, seed: 4);
        var offender = TestChain.Key(3);
        sim.Tamper = (from, m) =>
        {
            if (from != 3 || m.Kind != ConsensusMessageKind.Vote || m.Vote!.Type != VoteType.Prevote) return [m];
            var conflicting = Vote.Create(offender, TestChain.ChainId, VoteType.Prevote, m.Vote.Height, m.Vote.Round, Blake3.Hash(m.Vote.Encode()));
            return [m, ConsensusMessage.ForVote(conflicting)];
        };
        sim.Start();
        Assert.True(sim.RunUntil(() => sim.Nodes.Take(3).All(n => !n.App.State.Validators.Contains(offender.PublicKey)), TimeSpan.FromSeconds(60)));
        var state = sim.Nodes[0].App.State;
        Assert.Equal(3, state.Validators.Count);
        Assert.Equal(500_000UL, state.Accounts.Get(offender.PublicKey).Balance);
        // The chain keeps finalizing with the three remaining validators.
        ulong h = sim.Height(0);
        Assert.True(sim.RunUntil(() => sim.Height(0) >= h + 5, TimeSpan.FromSeconds(60)));
        sim.AssertSafety();
    }

    [Fact]
    public void Validator_set_change_by_transaction_takes_effect_in_consensus()
    {
        using var sim = new Simulation(4, seed: 5);
        var genesis = sim.Genesis;
        sim.Start();
        // The authority (key 1000) has no funds in this genesis, so its update is refused at admission;
        // fund it first from account 4.
        sim.Nodes[0].App.Mempool.Add(TestChain.Transfer(4, 1000, 0, 1000));
        Assert.True(sim.RunUntil(() => sim.Nodes.All(n => n.App.State.Accounts.Get(TestChain.Key(1000).PublicKey).Balance == 1000), TimeSpan.FromSeconds(60)));
        var remove = Transaction.Create(TestChain.Key(1000), genesis.ChainId, 0, null, 0, 1, TransactionKind.ValidatorUpdate, BlockExecutor.EncodeValidatorUpdate(TestChain.Key(2).PublicKey, 0));
        foreach (var n in sim.Nodes) n.App.Mempool.Add(remove);
        Assert.True(sim.RunUntil(() => sim.Nodes.All(n => n.App.State.Validators.Count == 3), TimeSpan.FromSeconds(60)));
        // Node 2 is no longer needed: the three remaining validators finalize without it.
        sim.Down.Add(2);
        ulong h = sim.Height(0);
        Assert.True(sim.RunUntil(() => sim.Height(0) >= h + 5, TimeSpan.FromSeconds(60)));
        sim.AssertSafety();
    }

    [Fact]
    public void Safety_holds_under_random_delays_drops_and_partitions()
    {
        Gen.Select(Gen.Int[1, int.MaxValue], Gen.Double[0, 0.3], Gen.Int[1, 400]).Sample((seed, drop, maxDelay) =>
        {
            using var sim = new Simulation(4, seed, drop, 1, maxDelay);
            var rng = new Random(seed);
            sim.Start();
            for (int phase = 0; phase < 6; phase++)
            {
                sim.Groups = rng.Next(3) == 0 ? Enumerable.Range(0, 4).Select(_ => rng.Next(2)).ToArray() : null;
                sim.Run(TimeSpan.FromSeconds(2));
            }

            sim.AssertSafety();

            // Heal everything: liveness returns and safety still holds.
            sim.Groups = null;
            sim.DropRate = 0;
            ulong target = sim.Nodes.Max(n => n.App.State.Height) + 2;
            Assert.True(sim.RunUntil(() => Enumerable.Range(0, 4).All(i => sim.Height(i) >= target), TimeSpan.FromSeconds(120)));
            sim.AssertSafety();
        }, iter: 12, threads: 1);
    }
}
