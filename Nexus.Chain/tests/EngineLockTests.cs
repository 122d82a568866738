using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

// Timer callbacks of the engine run on thread-pool threads. If they waited for the engine lock while a
// consensus thread held it (executing a block, whose signature checks run in parallel on the same pool), every
// rebroadcast period would park one more pool thread, and the block's parallel work could starve behind them: the
// 4-validator devnet hung that way at 0 % CPU. They must queue their work and return.
public class EngineLockTests
{
    [Fact]
    public async Task Timers_never_wait_for_a_busy_engine_and_their_work_runs_when_it_is_free()
    {
        var genesis = TestChain.Genesis(4);
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(genesis.TimeUnixMs));
        var host = new BlockingHost(new ChainApplication(genesis));
        var proposerIndex = Enumerable.Range(0, 4).Single(i => TestChain.Key(i).PublicKey == new ChainApplication(genesis).State.Validators.GetProposer(1, 0));
        int self = (proposerIndex + 1) % 4;
        using var engine = new TendermintEngine(host, TestChain.Key(self), new TendermintOptions(), time);
        engine.Start();
        time.Advance(TimeSpan.FromMilliseconds(1)); // round 0 of height 1 starts: waiting for the proposal

        var (block, _) = new ChainApplication(genesis).CreateBlock(TestChain.Key(proposerIndex).PublicKey, genesis.TimeUnixMs + 1);
        var proposal = Proposal.Create(TestChain.Key(proposerIndex), genesis.ChainId, 1, 0, -1, block.Hash);
        var receiving = Task.Run(() => engine.Receive(ConsensusMessage.ForProposal(proposal, block), "proposer"));
        Assert.True(host.Validating.Wait(TimeSpan.FromSeconds(20)), "the proposal reached Validate");

        try
        {
            // The engine is busy (inside Validate, under its lock). Timers fire: the propose timeout and five rebroadcasts.
            var firing = Task.Run(() => time.Advance(TimeSpan.FromSeconds(5)));
            await firing.WaitAsync(TimeSpan.FromSeconds(20)); // returns although the engine is still busy
            Assert.False(receiving.IsCompleted);
            Assert.Equal(0, host.PrevotesSent);
        }
        finally
        {
            host.Release.Set(); // also when the assertions fail, so the engine can be disposed
        }

        await receiving.WaitAsync(TimeSpan.FromSeconds(20));
        // Its prevote for the block, then the queued rebroadcast re-sent it once (five periods coalesce into one),
        // and the queued propose timeout found the round past its propose step and did nothing.
        Assert.Equal(2, host.PrevotesSent);
        Assert.Equal(1UL, engine.Height);
        Assert.Equal(0, engine.Round);
    }

    private sealed class BlockingHost(ChainApplication app) : IConsensusHost
    {
        private int _prevotes;

        public ManualResetEventSlim Validating { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public int PrevotesSent => Volatile.Read(ref _prevotes);

        public ChainState State => app.State;

        public (Block Block, ExecutionResult Result) CreateBlock(Ed25519PublicKey proposer, long timeUnixMs) => app.CreateBlock(proposer, timeUnixMs);

        public ExecutionResult Validate(Block block)
        {
            Validating.Set();
            Release.Wait();
            return app.Validate(block);
        }

        public void Commit(Block block, Commit commit, ExecutionResult result) => app.Commit(block, commit, result);

        public (Block Block, Commit Commit)? GetDecided(ulong height) => app.GetDecided(height);

        public void Broadcast(ConsensusMessage message)
        {
            if (message.Kind == ConsensusMessageKind.Vote && message.Vote!.Type == VoteType.Prevote)
            {
                Interlocked.Increment(ref _prevotes);
            }
        }

        public void Send(object? peer, ConsensusMessage message) => Broadcast(message);

        public void ReportEvidence(DuplicateVoteEvidence evidence) => app.ReportEvidence(evidence);
    }
}
