using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>
/// BFT proof of authority: the Tendermint algorithm (Buchman, Kwon, Milosevic, "The latest gossip on
/// BFT consensus", 2018, Algorithm 1) over a <see cref="ValidatorSet"/>. Each height runs rounds of
/// propose → prevote → precommit; a block is final once +2/3 of the voting power precommit it in one
/// round (no forks while less than 1/3 is faulty). Locking (lockedValue/lockedRound) and the valid
/// value rules (validValue/validRound, POL round in proposals) are as in the paper; timeouts run on
/// the <see cref="TimeProvider"/>; f+1 messages from a higher round make a node skip to it.
/// Conflicting votes by one validator become <see cref="DuplicateVoteEvidence"/>. For liveness over
/// lossy links the engine re-sends its own messages every <see cref="TendermintOptions.RebroadcastInterval"/>,
/// answers messages from lagging peers with the decided block and commit, and asks for blocks it is missing.
/// All inputs are serialized on one lock; host callbacks run under it.
/// </summary>
public sealed class TendermintEngine : IConsensusEngine
{
    private static readonly Meter Meter = new("Nexus.Chain");
    private static readonly Counter<long> Commits = Meter.CreateCounter<long>("nexus.chain.consensus.commits");
    private static readonly Counter<long> RoundsSkipped = Meter.CreateCounter<long>("nexus.chain.consensus.round_changes");

    private readonly object _gate = new();
    private readonly IConsensusHost _host;
    private readonly Ed25519PrivateKey? _key;
    private readonly TimeProvider _time;
    private readonly TendermintOptions _options;
    private readonly ILogger _logger;
    private readonly List<ITimer> _timers = new();
    private readonly List<ConsensusMessage> _future = new();
    // When each (peer, first height) sync answer went out: a repeated request is answered at most every
    // RebroadcastInterval / 4 (entries older than RebroadcastInterval are pruned at each new height).
    private readonly Dictionary<(object? Peer, ulong Height, uint Count), long> _syncServedAt = new();
    // Per-peer byte budget for sync answers (token bucket, SyncServeBytesPerSecond); pruned with _syncServedAt.
    private readonly Dictionary<object, (double Tokens, long At)> _syncBudget = new();
    private static readonly object NoPeer = new();
    private ITimer? _rebroadcast;
    private readonly System.Collections.Concurrent.ConcurrentQueue<(ulong Height, int Round, Step Step)> _pendingTimeouts = new();
    private int _rebroadcastDue;
    private bool _disposed;

    // Per-height state (reset by NewHeight).
    private ValidatorSet _validators = null!;
    private string _chainId = "";
    private ulong _height;
    private int _round;
    private Step _step;
    private Block? _lockedValue;
    private int _lockedRound = -1;
    private Block? _validValue;
    private int _validRound = -1;
    private readonly Dictionary<int, (Proposal Proposal, Block Block)> _proposals = new();
    private readonly Dictionary<(int Round, VoteType Type), VoteSet> _votes = new();
    private readonly Dictionary<Hash256, ExecutionResult> _validated = new();
    private readonly Dictionary<int, Dictionary<Ed25519PublicKey, ulong>> _roundSenders = new();
    private readonly HashSet<(int Round, int Rule)> _fired = new();
    private readonly List<ConsensusMessage> _own = new();
    private ulong _maxSeenHeight;
    private long _lastSyncRequest = long.MinValue;
    private object? _syncPeer;          // a peer that showed a later height: where sync requests go
    private ulong _syncRequestedEnd;    // the last request asked for heights below this
    private ulong _syncRequestedAtHeight; // _height when the last request went out
    private long _syncProgressAt = long.MinValue; // when a finalized block last arrived (applied or buffered)
    // Finalized blocks that arrived ahead of this height (answers reordered on the way, or from several peers
    // after a broadcast request), applied in order as the height reaches them; bounded by SyncBufferLimit
    // blocks and 2 × MaxSyncResponseBytes.
    private readonly Dictionary<ulong, (ConsensusMessage Message, object? Peer, long Bytes, ValidatorSet CheckedAgainst)> _syncBuffer = new();
    private long _syncBufferBytes;
    private long _heightStartedAt;

    private enum Step
    {
        NewHeight,
        Propose,
        Prevote,
        Precommit,
    }

    /// <summary>Creates an engine.</summary>
    /// <param name="host">The node: state, block building, validation, commit, broadcast.</param>
    /// <param name="validatorKey">This node's validator key, or null for a non-voting full node. Not owned.</param>
    /// <param name="options">Timeouts; defaults when null.</param>
    /// <param name="timeProvider">Clock for timeouts and block times; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Logger; default none.</param>
    public TendermintEngine(IConsensusHost host, Ed25519PrivateKey? validatorKey, TendermintOptions? options = null, TimeProvider? timeProvider = null, ILogger<TendermintEngine>? logger = null)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _key = validatorKey;
        _options = options ?? new TendermintOptions();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public event Action<object?, string>? MessageRejected;

    /// <summary>Raised (under the engine lock) after each commit: the block and its commit.</summary>
    public event Action<Block, Commit>? Committed;

    /// <inheritdoc/>
    /// <remarks>Read without the engine lock (never waits for a height being executed).</remarks>
    public ulong Height => Volatile.Read(ref _height);

    /// <inheritdoc/>
    /// <remarks>Read without the engine lock.</remarks>
    public int Round => Volatile.Read(ref _round);

    /// <inheritdoc/>
    public void Start()
    {
        lock (_gate)
        {
            NewHeight(TimeSpan.Zero);
            _rebroadcast = _time.CreateTimer(_ => OnRebroadcastTimer(), null, _options.RebroadcastInterval, _options.RebroadcastInterval);
        }

        RunPending();
    }

    /// <inheritdoc/>
    public void Receive(ConsensusMessage message, object? peer = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            string? error = Handle(message, peer);
            if (error is not null)
            {
                Log.Dropped(_logger, message.Kind, peer, error);
                MessageRejected?.Invoke(peer, error);
            }

            RunPendingLocked();
        }

        RunPending();
    }

    // Timer callbacks run on thread-pool threads and never wait for the engine lock: a pool thread blocked
    // behind a consensus thread that is itself waiting on the pool (parallel signature checks of a block) is a
    // deadlock, and a periodic timer adds a blocked thread every period. They queue their work and run it only
    // if the lock is free; whoever holds the lock runs queued work before releasing it and checks again after.
    private void OnTimer(ulong height, int round, Step step)
    {
        _pendingTimeouts.Enqueue((height, round, step));
        RunPending();
    }

    private void OnRebroadcastTimer()
    {
        Volatile.Write(ref _rebroadcastDue, 1);
        RunPending();
    }

    private void RunPending()
    {
        while ((!_pendingTimeouts.IsEmpty || Volatile.Read(ref _rebroadcastDue) != 0) && Monitor.TryEnter(_gate))
        {
            try
            {
                RunPendingLocked();
            }
            finally
            {
                Monitor.Exit(_gate);
            }
        }
    }

    private void RunPendingLocked()
    {
        if (_disposed)
        {
            _pendingTimeouts.Clear();
            return;
        }

        while (_pendingTimeouts.TryDequeue(out var timeout))
        {
            OnTimeout(timeout.Height, timeout.Round, timeout.Step);
        }

        if (Interlocked.Exchange(ref _rebroadcastDue, 0) != 0)
        {
            Rebroadcast();
        }

        // Whatever advanced the height (a message, a timeout) may have reached a kept finalized block.
        ApplyBufferedDecided();
    }

    /// <summary>Stops all timers.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _rebroadcast?.Dispose();
            foreach (var t in _timers) t.Dispose();
            _timers.Clear();
        }
    }

    // ---- message handling -------------------------------------------------------------------

    private string? Handle(ConsensusMessage m, object? peer)
    {
        if (m.Kind == ConsensusMessageKind.SyncRequest)
        {
            ServeSync(m.RequestedHeight, m.RequestedCount, peer);
            return null;
        }

        ulong h = m.Height;
        if (m.Kind == ConsensusMessageKind.Decided)
        {
            if (h > _height)
            {
                // Ahead of a gap (a batch's answers reordered on the way, or several peers answering): kept for
                // when this node gets there if its commit checks out; it then also shows the sender has decided h.
                if (BufferDecided(m, peer))
                {
                    NoteAhead(h + 1, peer);
                }

                return null;
            }

            if (h < _height)
            {
                return null;
            }

            string? decidedError = HandleDecided(m.Block!, m.Commit!);
            if (decidedError is null)
            {
                _syncProgressAt = _time.GetTimestamp();
            }

            return decidedError;
        }

        if (h < _height)
        {
            // A lagging peer: help it catch up. A message from just the previous height is normal (the last
            // precommits arrive after +2/3 decided it, a slower peer is still executing it), so the decided
            // block (a full block to every peer) goes out for it only once this height has run for a
            // rebroadcast interval, when that peer is evidently stuck; older heights are answered at once.
            if (h + 1 < _height || _time.GetElapsedTime(_heightStartedAt) >= _options.RebroadcastInterval)
            {
                ServeSync(h, 1, peer);
            }

            return null;
        }

        if (h > _height)
        {
            NoteAhead(h, peer);
            if (h == _height + 1 && _future.Count < _options.MaxBufferedMessages)
            {
                _future.Add(m);
            }

            // One height ahead is usually peers that decided a moment earlier (this node decides too when the
            // precommits arrive): the rebroadcast timer asks for sync if it is still behind then. Further
            // ahead, ask now.
            if (h > _height + 1)
            {
                RequestSync();
            }

            return null;
        }

        string? error = m.Kind == ConsensusMessageKind.Proposal ? AddProposal(m.Proposal!, m.Block!) : AddVote(m.Vote!);
        if (error is null)
        {
            Process();
        }

        return error;
    }

    private string? AddProposal(Proposal p, Block block)
    {
        if (p.Round < 0 || p.BlockHash != block.Hash || block.Height != _height)
        {
            return "proposal does not match its block";
        }

        if (p.Proposer != _validators.GetProposer(_height, p.Round) || !p.Verify(_chainId))
        {
            return "proposal not signed by the round's proposer";
        }

        if (block.Header.Proposer != p.Proposer && p.PolRound < 0)
        {
            return "block proposer differs from the proposal signer";
        }

        if (_proposals.TryGetValue(p.Round, out var existing))
        {
            return existing.Proposal.BlockHash == p.BlockHash ? null : "second proposal for the round";
        }

        _proposals[p.Round] = (p, block);
        NoteSender(p.Round, p.Proposer);
        return null;
    }

    private string? AddVote(Vote vote)
    {
        if (!_validators.TryGetPower(vote.Validator, out ulong power))
        {
            return "vote from a non-validator";
        }

        var key = (vote.Round, vote.Type);
        if (!_votes.TryGetValue(key, out var set))
        {
            set = new VoteSet(_validators);
            _votes[key] = set;
        }

        if (set.TryGet(vote.Validator, out var existing))
        {
            if (existing!.BlockHash == vote.BlockHash)
            {
                return null; // duplicate (rebroadcast)
            }

            if (!vote.Verify(_chainId))
            {
                return "bad vote signature";
            }

            Log.DoubleVote(_logger, vote.Validator.ToString(), vote.Height, vote.Round);
            _host.ReportEvidence(new DuplicateVoteEvidence(existing, vote));
            return null;
        }

        if (!vote.Verify(_chainId))
        {
            return "bad vote signature";
        }

        set.Add(vote, power);
        NoteSender(vote.Round, vote.Validator);
        return null;
    }

    private void NoteSender(int round, Ed25519PublicKey validator)
    {
        if (!_roundSenders.TryGetValue(round, out var senders))
        {
            senders = new Dictionary<Ed25519PublicKey, ulong>();
            _roundSenders[round] = senders;
        }

        if (_validators.TryGetPower(validator, out ulong power))
        {
            senders[validator] = power;
        }
    }

    private string? HandleDecided(Block block, Commit commit, bool commitChecked = false)
    {
        if (commit.Height != _height || commit.BlockHash != block.Hash)
        {
            return "decided block and commit do not match";
        }

        if (!commitChecked && !commit.Verify(_chainId, _validators, out var error))
        {
            return error;
        }

        var result = Validate(block);
        if (!result.IsValid)
        {
            return "decided block is invalid: " + result.Error;
        }

        Decide(block, commit, result);
        return null;
    }

    // ---- the Tendermint rules -------------------------------------------------------------

    private void StartRound(int round)
    {
        _round = round;
        _step = Step.Propose;
        if (_key is not null && _validators.GetProposer(_height, round) == _key.PublicKey)
        {
            Block block;
            if (_validValue is not null)
            {
                block = _validValue;
            }
            else
            {
                var (created, result) = _host.CreateBlock(_key.PublicKey, _time.GetUtcNow().ToUnixTimeMilliseconds());
                block = created;
                _validated[block.Hash] = result;
            }

            var proposal = Proposal.Create(_key, _chainId, _height, round, _validValue is not null ? _validRound : -1, block.Hash);
            var message = ConsensusMessage.ForProposal(proposal, block);
            _own.Add(message);
            _host.Broadcast(message);
            AddProposal(proposal, block);
        }
        else
        {
            Schedule(Timeout(_options.ProposeTimeout, _options.ProposeTimeoutDelta, round), _height, round, Step.Propose);
        }

        Process();
    }

    private void Process()
    {
        bool changed = true;
        while (changed && _step != Step.NewHeight)
        {
            changed = ApplyRules();
        }
    }

    /// <summary>Applies the first rule that fires; returns true if the state changed.</summary>
    private bool ApplyRules()
    {
        ulong h = _height;
        int r = _round;

        // Line 49: a decision in any round.
        foreach (var (round, (proposal, block)) in _proposals)
        {
            if (_votes.TryGetValue((round, VoteType.Precommit), out var pc) && pc.HasQuorumFor(proposal.BlockHash))
            {
                var result = Validate(block);
                if (result.IsValid)
                {
                    Decide(block, pc.ToCommit(h, round, proposal.BlockHash), result);
                    return true;
                }
            }
        }

        // Line 55: f+1 of the power is in a later round.
        foreach (var (round, senders) in _roundSenders)
        {
            if (round > r && _validators.IsOneThird(Sum(senders)))
            {
                RoundsSkipped.Add(1);
                StartRound(round);
                return true;
            }
        }

        _proposals.TryGetValue(r, out var current);
        var prevotes = _votes.GetValueOrDefault((r, VoteType.Prevote));
        var precommits = _votes.GetValueOrDefault((r, VoteType.Precommit));

        if (_step == Step.Propose && current.Block is not null)
        {
            var p = current.Proposal;
            if (p.PolRound == -1)
            {
                // Line 22.
                bool ok = Validate(current.Block).IsValid && (_lockedRound == -1 || _lockedValue?.Hash == p.BlockHash);
                CastVote(VoteType.Prevote, ok ? p.BlockHash : null);
                _step = Step.Prevote;
                return true;
            }

            if (p.PolRound < r && _votes.TryGetValue((p.PolRound, VoteType.Prevote), out var pol) && pol.HasQuorumFor(p.BlockHash))
            {
                // Line 28.
                bool ok = Validate(current.Block).IsValid && (_lockedRound <= p.PolRound || _lockedValue?.Hash == p.BlockHash);
                CastVote(VoteType.Prevote, ok ? p.BlockHash : null);
                _step = Step.Prevote;
                return true;
            }
        }

        // Line 34.
        if (_step == Step.Prevote && prevotes is not null && prevotes.HasQuorumAny && _fired.Add((r, 34)))
        {
            Schedule(Timeout(_options.PrevoteTimeout, _options.PrevoteTimeoutDelta, r), h, r, Step.Prevote);
        }

        // Line 36.
        if (_step >= Step.Prevote && current.Block is not null && prevotes is not null && prevotes.HasQuorumFor(current.Proposal.BlockHash)
            && !_fired.Contains((r, 36)) && Validate(current.Block).IsValid)
        {
            _fired.Add((r, 36));
            if (_step == Step.Prevote)
            {
                _lockedValue = current.Block;
                _lockedRound = r;
                CastVote(VoteType.Precommit, current.Proposal.BlockHash);
                _step = Step.Precommit;
            }

            _validValue = current.Block;
            _validRound = r;
            return true;
        }

        // Line 44.
        if (_step == Step.Prevote && prevotes is not null && prevotes.HasQuorumForNil)
        {
            CastVote(VoteType.Precommit, null);
            _step = Step.Precommit;
            return true;
        }

        // Line 47.
        if (precommits is not null && precommits.HasQuorumAny && _fired.Add((r, 47)))
        {
            Schedule(Timeout(_options.PrecommitTimeout, _options.PrecommitTimeoutDelta, r), h, r, Step.Precommit);
        }

        return false;
    }

    // Under the engine lock (RunPendingLocked).
    private void OnTimeout(ulong height, int round, Step step)
    {
        if (_disposed || height != _height)
        {
            return;
        }

        if (step == Step.NewHeight && _step == Step.NewHeight)
        {
            StartRound(0);
            ReplayFuture();
            return;
        }

        if (round != _round)
        {
            return;
        }

        if (step == Step.Propose && _step == Step.Propose)
        {
            CastVote(VoteType.Prevote, null);
            _step = Step.Prevote;
        }
        else if (step == Step.Prevote && _step == Step.Prevote)
        {
            CastVote(VoteType.Precommit, null);
            _step = Step.Precommit;
        }
        else if (step == Step.Precommit)
        {
            StartRound(round + 1);
            return;
        }

        Process();
    }

    private void CastVote(VoteType type, Hash256? blockHash)
    {
        if (_key is null || !_validators.Contains(_key.PublicKey))
        {
            return;
        }

        var vote = Vote.Create(_key, _chainId, type, _height, _round, blockHash);
        var message = ConsensusMessage.ForVote(vote);
        _own.Add(message);
        _host.Broadcast(message);
        AddVote(vote);
    }

    private void Decide(Block block, Commit commit, ExecutionResult result)
    {
        _host.Commit(block, commit, result);
        Commits.Add(1);
        if (_logger.IsEnabled(LogLevel.Information)) Log.Committed(_logger, block.Height, block.Hash.ToString(), block.Transactions.Count);
        Committed?.Invoke(block, commit);
        NewHeight(_options.CommitTimeout);
        if (_maxSeenHeight > _height)
        {
            RequestSync(); // the next batch once half of this one is applied
        }
    }

    private void NewHeight(TimeSpan delay)
    {
        foreach (var t in _timers) t.Dispose();
        _timers.Clear();
        var state = _host.State;
        _chainId = state.ChainId;
        _validators = state.Validators;
        _height = state.Height + 1;
        _heightStartedAt = _time.GetTimestamp();
        _round = 0;
        _step = Step.NewHeight;
        _lockedValue = _validValue = null;
        _lockedRound = _validRound = -1;
        _proposals.Clear();
        _votes.Clear();
        _validated.Clear();
        _roundSenders.Clear();
        _fired.Clear();
        _own.Clear();
        PruneSyncState();
        Schedule(delay, _height, 0, Step.NewHeight);
    }

    // Drops sync bookkeeping that no longer matters (at each height and each rebroadcast tick, so it stays small
    // while the chain is halted too).
    private void PruneSyncState()
    {
        foreach (ulong old in _syncBuffer.Keys.Where(k => k < _height).ToArray())
        {
            _syncBufferBytes -= _syncBuffer[old].Bytes;
            _syncBuffer.Remove(old);
        }

        long now = _time.GetTimestamp();
        if (_syncServedAt.Count > 0)
        {
            foreach (var old in _syncServedAt.Where(e => _time.GetElapsedTime(e.Value, now) >= _options.RebroadcastInterval).Select(e => e.Key).ToArray()) _syncServedAt.Remove(old);
        }

        if (_syncBudget.Count > 0)
        {
            // An entry idle this long has refilled to the burst: dropping it changes nothing.
            foreach (var old in _syncBudget.Where(e => e.Value.Tokens + (_time.GetElapsedTime(e.Value.At, now).TotalSeconds * _options.SyncServeBytesPerSecond) >= SyncBudgetBurst).Select(e => e.Key).ToArray()) _syncBudget.Remove(old);
        }
    }

    private void ReplayFuture()
    {
        var buffered = _future.ToArray();
        _future.Clear();
        foreach (var m in buffered)
        {
            if (m.Height == _height)
            {
                if (Handle(m, null) is { } error)
                {
                    MessageRejected?.Invoke(null, error);
                }
            }
            else if (m.Height == _height + 1)
            {
                _future.Add(m);
            }
        }
    }

    private ExecutionResult Validate(Block block)
    {
        if (_validated.TryGetValue(block.Hash, out var cached))
        {
            return cached;
        }

        var result = block.Header.TimeUnixMs > _time.GetUtcNow().ToUnixTimeMilliseconds() + (long)_options.MaxClockDrift.TotalMilliseconds
            ? ExecutionResult.Invalid("block time too far in the future")
            : _host.Validate(block);
        _validated[block.Hash] = result;
        if (!result.IsValid)
        {
            MessageRejected?.Invoke(null, "invalid block: " + result.Error);
        }

        return result;
    }

    // Under the engine lock (RunPendingLocked).
    private void Rebroadcast()
    {
        if (_disposed)
        {
            return;
        }

        foreach (var m in _own)
        {
            if (m.Kind == ConsensusMessageKind.Proposal ? m.Proposal!.Round == _round : m.Vote!.Round >= _round - 1)
            {
                _host.Broadcast(m);
            }
        }

        if (_maxSeenHeight > _height)
        {
            RequestSync();
        }
    }

    // Keeps a finalized block for a later height whose commit is valid under the current validator set (a block
    // beyond a validator-set change fails here and is fetched in order later). Unverified junk could otherwise take
    // the slot of the real block and raise the height this node believes it must reach. False if not verified.
    private bool BufferDecided(ConsensusMessage m, object? peer)
    {
        ulong h = m.Height;
        var commit = m.Commit!;
        if (_validators is null)
        {
            return false; // not started yet
        }

        if (commit.Height != h || commit.BlockHash != m.Block!.Hash || !commit.Verify(_chainId, _validators, out _))
        {
            return false;
        }

        long bytes = m.Block.Encode().Length + commit.Encoded.Length;
        ulong limit = (ulong)SyncBufferLimit;
        if (h - _height <= limit && _syncBuffer.Count < (int)limit && !_syncBuffer.ContainsKey(h)
            && _syncBufferBytes + bytes <= 2L * _options.MaxSyncResponseBytes)
        {
            _syncBuffer[h] = (m, peer, bytes, _validators);
            _syncBufferBytes += bytes;
            _syncProgressAt = _time.GetTimestamp();
        }

        return true; // not kept when the buffer is full: asked for again once this node gets there
    }

    private ulong SyncBatch => (ulong)Math.Max(1, _options.SyncBatchBlocks);

    private int SyncBufferLimit => 2 * (int)SyncBatch;

    private double SyncBudgetBurst => 2.0 * _options.MaxSyncResponseBytes;

    // Applies buffered finalized blocks while the next one is there (each commit advances the height). A block that
    // fails is dropped and its height asked for again at once.
    private void ApplyBufferedDecided()
    {
        while (!_disposed && _syncBuffer.Remove(_height, out var next))
        {
            _syncBufferBytes -= next.Bytes;
            bool commitChecked = ReferenceEquals(next.CheckedAgainst, _validators); // its signatures were checked when kept
            if (HandleDecided(next.Message.Block!, next.Message.Commit!, commitChecked) is { } error)
            {
                Log.Dropped(_logger, next.Message.Kind, next.Peer, error);
                MessageRejected?.Invoke(next.Peer, error);
                _lastSyncRequest = long.MinValue;
                RequestSync();
                break;
            }

            _syncProgressAt = _time.GetTimestamp();
        }
    }

    // A peer is working on (or has decided below) height h: heights below h are finalized there. While a sync
    // request is outstanding its peer is kept, so a batch's answers come in order over one connection.
    private void NoteAhead(ulong h, object? peer)
    {
        _maxSeenHeight = Math.Max(_maxSeenHeight, h);
        if (peer is not null && (_syncPeer is null || !SyncInFlight(_time.GetTimestamp())))
        {
            _syncPeer = peer;
        }
    }

    // A request is outstanding while its answers keep coming: sent less than 0.9 RebroadcastInterval ago (so the
    // rebroadcast tick after it always finds it expired) and the last request or arriving block was less than
    // RebroadcastInterval / 4 ago. An answer that stopped short (byte cap, a peer with fewer blocks, a lost
    // message) thus ends it early and the gap is asked for again.
    private bool SyncInFlight(long now)
    {
        if (_lastSyncRequest == long.MinValue || _time.GetElapsedTime(_lastSyncRequest, now) >= _options.RebroadcastInterval * 0.9)
        {
            return false;
        }

        long last = Math.Max(_lastSyncRequest, _syncProgressAt);
        return _time.GetElapsedTime(last, now) < _options.RebroadcastInterval / 4;
    }

    // Asks for the finalized blocks between this height and the highest height seen, SyncBatchBlocks at a time,
    // from one peer that is ahead. Answers arrive in order; the next batch is asked for once half of the
    // outstanding one has been applied, so the connection stays busy while this node executes. A request that
    // brought nothing is repeated to every peer, and another peer that is ahead is picked for the next one.
    private void RequestSync()
    {
        long now = _time.GetTimestamp();
        ulong batch = SyncBatch;
        ulong start = _height;
        bool inFlight = SyncInFlight(now);
        if (inFlight)
        {
            if (_syncRequestedEnd > _height + (batch / 2))
            {
                return; // enough still on its way
            }

            start = Math.Max(_height, _syncRequestedEnd);
        }

        while (_syncBuffer.ContainsKey(start))
        {
            start++; // already here, waiting for the heights before it
        }

        if (_maxSeenHeight <= start)
        {
            return;
        }

        uint count = (uint)Math.Min(batch, _maxSeenHeight - start);
        var request = ConsensusMessage.ForSyncRequest(start, count);
        bool stalled = !inFlight && _lastSyncRequest != long.MinValue && _height <= _syncRequestedAtHeight;
        if (_syncPeer is null || stalled)
        {
            _host.Broadcast(request);
            _syncPeer = null; // the next peer seen ahead is asked next time
        }
        else
        {
            _host.Send(_syncPeer, request);
        }

        _lastSyncRequest = now;
        _syncRequestedEnd = start + count;
        _syncRequestedAtHeight = _height;
    }

    // Answers a sync request (or a lagging peer's message, count 1) with the finalized blocks from
    // `first` on, to that peer only: at most SyncBatchBlocks blocks and MaxSyncResponseBytes (at least one
    // block), stopping at the first height not stored. The same (peer, first height, count) is answered at most
    // every RebroadcastInterval / 4.
    private void ServeSync(ulong first, uint count, object? peer)
    {
        if (first == 0 || first >= _height)
        {
            return;
        }

        long now = _time.GetTimestamp();
        if (_syncServedAt.TryGetValue((peer, first, count), out long at) && _time.GetElapsedTime(at, now) < _options.RebroadcastInterval / 4)
        {
            return;
        }

        var budgetKey = peer ?? NoPeer;
        double tokens = SyncBudgetBurst;
        if (_syncBudget.TryGetValue(budgetKey, out var budget))
        {
            tokens = Math.Min(SyncBudgetBurst, budget.Tokens + (_time.GetElapsedTime(budget.At, now).TotalSeconds * _options.SyncServeBytesPerSecond));
        }

        if (tokens <= 0)
        {
            _syncBudget[budgetKey] = (tokens, now);
            return; // over budget: the requester asks again later
        }

        _syncServedAt[(peer, first, count)] = now;
        ulong end = Math.Min(_height, first + Math.Min(count, SyncBatch));
        long bytes = 0;
        for (ulong h = first; h < end && bytes < _options.MaxSyncResponseBytes; h++)
        {
            if (_host.GetDecided(h) is not { } decided)
            {
                break;
            }

            var message = ConsensusMessage.ForDecided(decided.Block, decided.Commit);
            _host.Send(peer, message);
            bytes += message.Encoded.Length;
        }

        _syncBudget[budgetKey] = (tokens - bytes, now);
    }

    private void Schedule(TimeSpan delay, ulong height, int round, Step step)
    {
        ITimer? timer = null;
        timer = _time.CreateTimer(_ => OnTimer(height, round, step), null, delay, Timeout_Infinite);
        _timers.Add(timer);
    }

    private static readonly TimeSpan Timeout_Infinite = System.Threading.Timeout.InfiniteTimeSpan;

    private static TimeSpan Timeout(TimeSpan baseline, TimeSpan delta, int round) => baseline + (delta * round);

    private static ulong Sum(Dictionary<Ed25519PublicKey, ulong> senders)
    {
        ulong total = 0;
        foreach (var p in senders.Values) total += p;
        return total;
    }

    /// <summary>Votes of one (height, round, type), tallied by voting power.</summary>
    private sealed class VoteSet(ValidatorSet validators)
    {
        private readonly Dictionary<Ed25519PublicKey, Vote> _byValidator = new();
        private readonly Dictionary<Hash256, ulong> _powerFor = new();
        private ulong _nilPower;
        private ulong _total;

        public bool HasQuorumAny => validators.IsQuorum(_total);

        public bool HasQuorumForNil => validators.IsQuorum(_nilPower);

        public bool TryGet(Ed25519PublicKey validator, out Vote? vote) => _byValidator.TryGetValue(validator, out vote);

        public void Add(Vote vote, ulong power)
        {
            _byValidator[vote.Validator] = vote;
            _total += power;
            if (vote.BlockHash is { } h)
            {
                _powerFor[h] = _powerFor.GetValueOrDefault(h) + power;
            }
            else
            {
                _nilPower += power;
            }
        }

        public bool HasQuorumFor(Hash256 hash) => validators.IsQuorum(_powerFor.GetValueOrDefault(hash));

        public Commit ToCommit(ulong height, int round, Hash256 hash) =>
            new(height, round, hash, _byValidator.Values.Where(v => v.BlockHash == hash)
                .OrderBy(v => v.Validator.ToString(), StringComparer.Ordinal)
                .Select(v => new CommitSignature(v.Validator, v.Signature)).ToArray());
    }
}
