namespace Nexus.Chain.Tests;

/// <summary><see cref="ChainApplication.WaitForHeightAsync"/> and <see cref="ChainApplication.Committed"/>: commit notification without polling.</summary>
public sealed class CommitNotificationTests
{
    private static CommittedBlock CommitNext(ChainApplication app, long time)
    {
        var (block, result) = app.CreateBlock(TestChain.Key(0).PublicKey, time);
        var commit = TestChain.CommitFor(block, 0, 1, 2);
        app.Commit(block, commit, result);
        return new CommittedBlock(block, commit, result.Receipts);
    }

    [Fact]
    public async Task Waiters_complete_exactly_when_their_height_commits_and_the_event_carries_block_commit_and_receipts()
    {
        var app = new ChainApplication(TestChain.Genesis());
        var seen = new List<CommittedBlock>();
        app.Committed += seen.Add;

        Assert.True(app.WaitForHeightAsync(0).AsTask().IsCompletedSuccessfully);
        var two = app.WaitForHeightAsync(2).AsTask();
        var one = app.WaitForHeightAsync(1).AsTask();
        Assert.False(one.IsCompleted);

        Assert.Equal(AdmissionStatus.Accepted, Admit(app));
        var first = CommitNext(app, 1_800_000_001_000);
        await one.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(two.IsCompleted);
        var second = CommitNext(app, 1_800_000_002_000);
        await two.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([1UL, 2UL], seen.Select(c => c.Height));
        Assert.Equal(first.Block.Hash, seen[0].Block.Hash);
        Assert.Equal(first.Commit.Hash, seen[0].Commit.Hash);
        var receipt = Assert.Single(seen[0].Receipts);
        Assert.Equal(first.Block.Transactions[0].Hash, receipt.TransactionHash);
        Assert.Empty(seen[1].Receipts);
        Assert.Equal(second.Block.Hash, seen[1].Block.Hash);
        Assert.True(app.WaitForHeightAsync(2).AsTask().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_cancelled_wait_ends_with_OperationCanceledException_and_does_not_fire_later()
    {
        var app = new ChainApplication(TestChain.Genesis());
        using var cts = new CancellationTokenSource();
        var wait = app.WaitForHeightAsync(1, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.True(app.WaitForHeightAsync(5, cts.Token).AsTask().IsCanceled);

        CommitNext(app, 1_800_000_001_000);
        Assert.True(wait.IsCanceled);
        Assert.True(app.WaitForHeightAsync(1, cts.Token).AsTask().IsCompletedSuccessfully);
    }

    private static AdmissionStatus Admit(ChainApplication app) =>
        app.Mempool.Add(TestChain.Transfer(1, 2, 0, 10));
}
