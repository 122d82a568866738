using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>
/// The node side of consensus (<see cref="IConsensusHost"/>): the committed state, the
/// <see cref="Mempool"/>, pending evidence, block building and validation, and persistence in a
/// <see cref="BlockStore"/> (or in memory when none is given, for simulations). Thread-safe.
/// </summary>
public sealed class ChainApplication : IConsensusHost
{
    private readonly object _gate = new();
    private readonly BlockStore? _store;
    private readonly Dictionary<ulong, (Block Block, Commit Commit)> _memory = new();
    private readonly Dictionary<Hash256, DuplicateVoteEvidence> _evidence = new();
    private readonly int _maxBlockTransactions;
    private readonly List<HeightWaiter> _waiters = new();
    private readonly Queue<ChainState> _recent = new();
    private ChainState _state;
    private Commit? _lastCommit;

    /// <summary>Creates the application.</summary>
    /// <param name="genesis">The chain genesis (used when <paramref name="store"/> is null).</param>
    /// <param name="store">Durable storage, or null to keep blocks in memory. Not owned.</param>
    /// <param name="mempoolOptions">Mempool limits.</param>
    /// <param name="maxBlockTransactions">Most transactions a proposed block carries; default 20,000.</param>
    public ChainApplication(Genesis genesis, BlockStore? store = null, MempoolOptions? mempoolOptions = null, int maxBlockTransactions = 20_000)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        _store = store;
        _state = store?.State ?? genesis.CreateState();
        _lastCommit = store is not null && store.Height > 0 ? store.GetCommit(store.Height) : null;
        _maxBlockTransactions = maxBlockTransactions;
        Mempool = new Mempool(_state, mempoolOptions);
    }

    /// <summary>Pending transactions.</summary>
    public Mempool Mempool { get; }

    /// <summary>
    /// How many committed states before the current one stay queryable through <see cref="TryGetState"/> (for state
    /// proofs against a recent header, as a node serving light clients or bridges needs); default 0, only the current
    /// state. States share their unchanged subtrees, so each retained height holds about the accounts its block changed
    /// (≈ 17 tree nodes of ≈ 80 B each per changed account). Those nodes outlive the young GC generations: in the
    /// 4-validator devnet at 5,500 tx/s, 64 retained states per node raised CPU per transaction by 10–20 % and finality
    /// p50 from ≈ 85 ms to 0.6–1.3 s, so validators that serve no proofs should keep the default. The store holds only
    /// the latest state; older heights are never available.
    /// </summary>
    public int RetainedStates { get; init; }

    /// <summary>
    /// The state after the block at <paramref name="height"/> (its header's state root is <see cref="ChainState.StateRoot"/>),
    /// if that is the current state or one of the <see cref="RetainedStates"/> before it that this process committed.
    /// </summary>
    /// <param name="height">Block height (0 is genesis, retained only until <see cref="RetainedStates"/> blocks are committed on top of it in this process).</param>
    /// <param name="state">The state, or null.</param>
    /// <returns>False if the height is in the future or no longer retained.</returns>
    public bool TryGetState(ulong height, out ChainState? state)
    {
        lock (_gate)
        {
            if (height == _state.Height)
            {
                state = _state;
                return true;
            }

            foreach (var s in _recent)
            {
                if (s.Height == height)
                {
                    state = s;
                    return true;
                }
            }
        }

        state = null;
        return false;
    }

    /// <summary>Where consensus messages go (set by the network layer or a simulation).</summary>
    public Action<ConsensusMessage>? Broadcaster { get; set; }

    /// <summary>
    /// Where a consensus message for one peer goes (set by the network layer or a simulation): the peer id
    /// the engine was given with that peer's messages. When null, <see cref="Send"/> broadcasts.
    /// </summary>
    public Action<object, ConsensusMessage>? Sender { get; set; }

    /// <summary>Raised after each committed block with its receipts.</summary>
    public event Action<Block, IReadOnlyList<Receipt>>? BlockCommitted;

    /// <summary>
    /// Raised after each committed block (persisted when there is a store, and <see cref="State"/>
    /// advanced to it) with its commit and receipts, on the thread that committed it (the consensus
    /// engine's); handlers must not block. Raised once per height, in height order.
    /// </summary>
    public event Action<CommittedBlock>? Committed;

    /// <summary>
    /// Completes when the committed height (<see cref="State"/>.Height) reaches <paramref name="height"/>:
    /// at once if it already has, otherwise right after the commit of that height (continuations run
    /// asynchronously, never on the consensus thread). No polling.
    /// </summary>
    /// <param name="height">The height to wait for.</param>
    /// <param name="cancellationToken">Ends the wait early.</param>
    /// <returns>A task that completes when the height is committed.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first (thrown by the returned task).</exception>
    public ValueTask WaitForHeightAsync(ulong height, CancellationToken cancellationToken = default)
    {
        HeightWaiter waiter;
        lock (_gate)
        {
            if (_state.Height >= height)
            {
                return ValueTask.CompletedTask;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled(cancellationToken);
            }

            waiter = new HeightWaiter(height);
            _waiters.Add(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var (app, w) = ((ChainApplication, HeightWaiter))state!;
                lock (app._gate)
                {
                    app._waiters.Remove(w);
                }

                w.TrySetCanceled(token);
            }, (this, waiter));
        }

        return new ValueTask(waiter.Task);
    }

    /// <inheritdoc/>
    public ChainState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Evidence seen but not yet on chain.</summary>
    public IReadOnlyCollection<DuplicateVoteEvidence> PendingEvidence
    {
        get
        {
            lock (_gate)
            {
                return _evidence.Values.ToArray();
            }
        }
    }

    /// <inheritdoc/>
    public (Block Block, ExecutionResult Result) CreateBlock(Ed25519PublicKey proposer, long timeUnixMs)
    {
        ChainState state;
        Commit? last;
        DuplicateVoteEvidence[] evidence;
        lock (_gate)
        {
            state = _state;
            last = _lastCommit;
            evidence = _evidence.Values.ToArray();
        }

        return BlockExecutor.Propose(state, Mempool.Select(_maxBlockTransactions), evidence, last, proposer, timeUnixMs, _maxBlockTransactions);
    }

    /// <inheritdoc/>
    public ExecutionResult Validate(Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        Mempool.AdoptVerifications(block.Transactions);
        return BlockExecutor.Execute(State, block);
    }

    /// <inheritdoc/>
    public void Commit(Block block, Commit commit, ExecutionResult result)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(result);
        lock (_gate)
        {
            if (_store is not null)
            {
                _store.Append(block, commit, result);
            }
            else
            {
                _memory[block.Height] = (block, commit);
            }

            if (RetainedStates > 0)
            {
                _recent.Enqueue(_state);
                while (_recent.Count > RetainedStates)
                {
                    _recent.Dequeue();
                }
            }

            _state = result.State!;
            _lastCommit = commit;
            foreach (var e in block.Evidence)
            {
                _evidence.Remove(e.Hash);
            }

            foreach (var e in _evidence.Values.Where(e => !_state.Validators.Contains(e.Offender)).ToArray())
            {
                _evidence.Remove(e.Hash);
            }
        }

        Mempool.Update(result.State!);
        BlockCommitted?.Invoke(block, result.Receipts);
        Committed?.Invoke(new CommittedBlock(block, commit, result.Receipts));
        ReleaseWaiters(block.Height);
    }

    private void ReleaseWaiters(ulong height)
    {
        List<HeightWaiter>? due = null;
        lock (_gate)
        {
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Height <= height)
                {
                    (due ??= []).Add(_waiters[i]);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (due is null)
        {
            return;
        }

        foreach (var w in due)
        {
            w.Registration.Dispose();
            w.TrySetResult();
        }
    }

    /// <inheritdoc/>
    public (Block Block, Commit Commit)? GetDecided(ulong height)
    {
        if (_store is not null)
        {
            return _store.GetBlock(height) is { } b && _store.GetCommit(height) is { } c ? (b, c) : null;
        }

        lock (_gate)
        {
            return _memory.TryGetValue(height, out var d) ? d : null;
        }
    }

    /// <inheritdoc/>
    public void Broadcast(ConsensusMessage message) => Broadcaster?.Invoke(message);

    /// <inheritdoc/>
    public void Send(object? peer, ConsensusMessage message)
    {
        if (peer is not null && Sender is { } send)
        {
            send(peer, message);
        }
        else
        {
            Broadcast(message);
        }
    }

    /// <inheritdoc/>
    public void ReportEvidence(DuplicateVoteEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        lock (_gate)
        {
            if (_state.Validators.Contains(evidence.Offender) && evidence.Verify(_state.ChainId))
            {
                _evidence.TryAdd(evidence.Hash, evidence);
            }
        }
    }

    /// <summary>One <see cref="WaitForHeightAsync"/> call; continuations never run on the committing thread.</summary>
    private sealed class HeightWaiter(ulong height) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public ulong Height { get; } = height;

        public CancellationTokenRegistration Registration { get; set; }
    }
}
