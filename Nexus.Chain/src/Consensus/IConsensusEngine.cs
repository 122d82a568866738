using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>
/// A consensus engine: decides the block at each height and reports it through
/// <see cref="IConsensusHost.Commit"/>. <see cref="TendermintEngine"/> (BFT proof of authority) is the
/// first; proof-of-stake and proof-of-work engines implement the same interface.
/// </summary>
public interface IConsensusEngine : IDisposable
{
    /// <summary>The height being decided.</summary>
    ulong Height { get; }

    /// <summary>The current round at <see cref="Height"/>.</summary>
    int Round { get; }

    /// <summary>Starts deciding <see cref="IConsensusHost.State"/>.Height + 1.</summary>
    void Start();

    /// <summary>Handles a message from a peer (any thread). Invalid messages are dropped and reported through <see cref="MessageRejected"/>.</summary>
    /// <param name="message">The decoded message.</param>
    /// <param name="peer">Opaque id of the sending peer (for <see cref="MessageRejected"/>), or null.</param>
    void Receive(ConsensusMessage message, object? peer = null);

    /// <summary>Raised when a received message is invalid (bad signature, invalid block, ...): peer and reason.</summary>
    event Action<object?, string>? MessageRejected;
}

/// <summary>What a consensus engine needs from the node it runs in.</summary>
public interface IConsensusHost
{
    /// <summary>The committed state (its height is the engine's height − 1).</summary>
    ChainState State { get; }

    /// <summary>Builds a block for <see cref="State"/>.Height + 1 (mempool transactions, pending evidence, the last commit).</summary>
    /// <param name="proposer">This validator's key.</param>
    /// <param name="timeUnixMs">Block time, Unix ms.</param>
    /// <returns>The block and its execution result.</returns>
    (Block Block, ExecutionResult Result) CreateBlock(Ed25519PublicKey proposer, long timeUnixMs);

    /// <summary>Validates and executes a candidate for the next height (results may be cached by block hash).</summary>
    /// <param name="block">The candidate.</param>
    /// <returns>The result.</returns>
    ExecutionResult Validate(Block block);

    /// <summary>Makes a decided block final: persist it with its commit and advance <see cref="State"/>.</summary>
    /// <param name="block">The block.</param>
    /// <param name="commit">Its +2/3 precommits.</param>
    /// <param name="result">Its execution result.</param>
    void Commit(Block block, Commit commit, ExecutionResult result);

    /// <summary>Reads a finalized block and its commit (to answer sync requests).</summary>
    /// <param name="height">Height.</param>
    /// <returns>The pair, or null if not stored.</returns>
    (Block Block, Commit Commit)? GetDecided(ulong height);

    /// <summary>Sends a message to all peers; must not block or call back into the engine.</summary>
    /// <param name="message">The message.</param>
    void Broadcast(ConsensusMessage message);

    /// <summary>
    /// Sends a message to one peer: the opaque id the engine was given with a message from it
    /// (<see cref="IConsensusEngine.Receive"/>); null, or a host without point-to-point sends,
    /// broadcasts instead. A peer no longer connected is skipped. Must not block or call back into the engine.
    /// </summary>
    /// <param name="peer">The peer id, or null.</param>
    /// <param name="message">The message.</param>
    void Send(object? peer, ConsensusMessage message);

    /// <summary>Reports double-sign evidence to include in a later block.</summary>
    /// <param name="evidence">The evidence.</param>
    void ReportEvidence(DuplicateVoteEvidence evidence);
}
