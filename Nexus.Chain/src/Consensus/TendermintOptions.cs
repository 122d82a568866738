namespace Nexus.Chain;

/// <summary>Tendermint timeouts (all on the engine's <see cref="TimeProvider"/>). Round r waits base + r × delta.</summary>
public sealed class TendermintOptions
{
    /// <summary>Propose timeout at round 0; default 1,000 ms.</summary>
    public TimeSpan ProposeTimeout { get; set; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>Propose timeout increase per round; default 500 ms.</summary>
    public TimeSpan ProposeTimeoutDelta { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Prevote timeout (after +2/3 prevotes for anything) at round 0; default 500 ms.</summary>
    public TimeSpan PrevoteTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Prevote timeout increase per round; default 250 ms.</summary>
    public TimeSpan PrevoteTimeoutDelta { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Precommit timeout (after +2/3 precommits for anything) at round 0; default 500 ms.</summary>
    public TimeSpan PrecommitTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Precommit timeout increase per round; default 250 ms.</summary>
    public TimeSpan PrecommitTimeoutDelta { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Pause after a commit before round 0 of the next height (Tendermint timeout_commit); default 100 ms.</summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often own votes and the own proposal are re-sent (repairs drops and partitions); default 1,000 ms.</summary>
    public TimeSpan RebroadcastInterval { get; set; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>How far a proposal's block time may run ahead of the local clock; default 10 s.</summary>
    public TimeSpan MaxClockDrift { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages for the next height kept until it starts; default 10,000.</summary>
    public int MaxBufferedMessages { get; set; } = 10_000;

    /// <summary>
    /// Catch-up batch: the most finalized blocks asked for in one sync request, and the most one request is
    /// answered with; default 32, at least 1. A lagging node asks one peer that is ahead for the next batch
    /// once half of the previous one has been applied, so blocks keep arriving while it executes.
    /// </summary>
    public int SyncBatchBlocks { get; set; } = 32;

    /// <summary>
    /// The most block and commit bytes one sync request is answered with (the answer ends after the block
    /// that reaches it; at least one block is sent); default 8 MiB.
    /// </summary>
    public int MaxSyncResponseBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Sync answers to one peer are paced by a byte budget refilled at this rate (bytes per second; it holds
    /// at most 2 × <see cref="MaxSyncResponseBytes"/>, and an answer may overdraw it by its last block), so a
    /// peer cannot turn a stream of small requests into unbounded upload. A request arriving while the budget
    /// is overdrawn is not answered (the requester asks again after a rebroadcast interval); default 32 MiB/s.
    /// </summary>
    public long SyncServeBytesPerSecond { get; set; } = 32L * 1024 * 1024;
}
