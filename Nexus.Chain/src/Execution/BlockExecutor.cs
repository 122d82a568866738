using System.Globalization;
using Google.Protobuf;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>The result of executing a block: the new state and receipts, or why the block is invalid.</summary>
public sealed class ExecutionResult
{
    internal ExecutionResult(ChainState? state, IReadOnlyList<Receipt> receipts, string? error, IReadOnlyDictionary<Ed25519PublicKey, Account>? changed = null, byte[]? encodedReceipts = null)
    {
        State = state;
        Receipts = receipts;
        Error = error;
        ChangedAccounts = changed ?? new Dictionary<Ed25519PublicKey, Account>();
        EncodedReceipts = encodedReceipts;
    }

    /// <summary>The canonical ReceiptListProto encoding of <see cref="Receipts"/> (made once with the receipts root, reused for storage), or null.</summary>
    internal byte[]? EncodedReceipts { get; }

    /// <summary>Accounts the block wrote (post-state values), for storage.</summary>
    internal IReadOnlyDictionary<Ed25519PublicKey, Account> ChangedAccounts { get; }

    /// <summary>True if the block is valid.</summary>
    public bool IsValid => Error is null;

    /// <summary>The post-state (null when invalid).</summary>
    public ChainState? State { get; }

    /// <summary>One receipt per transaction, block order (empty when invalid).</summary>
    public IReadOnlyList<Receipt> Receipts { get; }

    /// <summary>Why the block was rejected, or null.</summary>
    public string? Error { get; }

    internal static ExecutionResult Invalid(string error) => new(null, Array.Empty<Receipt>(), error);
}

/// <summary>
/// Block execution and validation: a pure function of (state, block). Rules per transaction, in
/// block order: chain id matches; signature valid; nonce equals the account nonce; fee ≥ MinFee;
/// amount + fee ≤ balance. A transfer moves amount to the recipient; a validator update (authority
/// only, amount 0) changes the next validator set. Fees go to the proposer after all transactions.
/// Evidence (applied first) removes the offender from the next set and burns SlashPercent of its
/// balance. Any invalid transaction or evidence makes the whole block invalid.
/// </summary>
public static class BlockExecutor
{
    private static readonly MessageParser<ValidatorUpdateProto> UpdateParser = Canonical.Strict(ValidatorUpdateProto.Parser);

    /// <summary>
    /// Validates <paramref name="block"/> as the next block on <paramref name="state"/> (header links,
    /// last commit, roots, every transaction and evidence item; signatures checked in parallel) and
    /// executes it.
    /// </summary>
    /// <param name="state">The parent state.</param>
    /// <param name="block">The candidate block.</param>
    /// <returns>The post-state and receipts, or the rejection reason.</returns>
    public static ExecutionResult Execute(ChainState state, Block block)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(block);
        var h = block.Header;
        if (h.ChainId != state.ChainId) return ExecutionResult.Invalid("wrong chain id");
        if (h.Height != state.Height + 1) return ExecutionResult.Invalid($"wrong height {h.Height}, expected {state.Height + 1}");
        if (h.ParentHash != state.LastBlockHash) return ExecutionResult.Invalid("wrong parent hash");
        if (h.TimeUnixMs <= state.LastBlockTimeUnixMs) return ExecutionResult.Invalid("block time not after parent");
        if (h.ValidatorSetHash != state.Validators.Hash) return ExecutionResult.Invalid("wrong validator set hash");
        if (!state.Validators.Contains(h.Proposer)) return ExecutionResult.Invalid("proposer is not a validator");
        if (block.Transactions.Count > ChainLimits.MaxBlockTransactions || block.Evidence.Count > ChainLimits.MaxBlockEvidence
            || block.Encode().Length > ChainLimits.MaxBlockBytes)
        {
            return ExecutionResult.Invalid("oversized block");
        }

        if (state.Height == 0)
        {
            if (block.LastCommit is not null || h.LastCommitHash != Hash256.Zero) return ExecutionResult.Invalid("first block carries a last commit");
        }
        else
        {
            if (block.LastCommit is not { } commit) return ExecutionResult.Invalid("missing last commit");
            if (commit.Height != state.Height || commit.BlockHash != state.LastBlockHash) return ExecutionResult.Invalid("last commit is for another block");
            if (h.LastCommitHash != commit.Hash) return ExecutionResult.Invalid("wrong last commit hash");
            if (!commit.Verify(state.ChainId, state.LastValidators!, out var commitError)) return ExecutionResult.Invalid(commitError!);
        }

        if (h.TransactionsRoot != Block.ComputeTransactionsRoot(block.Transactions)) return ExecutionResult.Invalid("wrong transactions root");
        if (h.EvidenceRoot != Block.ComputeEvidenceRoot(block.Evidence)) return ExecutionResult.Invalid("wrong evidence root");

        int badSignature = VerifySignatures(block.Transactions);
        if (badSignature >= 0) return ExecutionResult.Invalid($"transaction {badSignature}: bad signature");

        var run = new Run(state, h.Proposer, block.Transactions.Count);
        for (int i = 0; i < block.Evidence.Count; i++)
        {
            var error = run.ApplyEvidence(block.Evidence[i]);
            if (error is not null) return ExecutionResult.Invalid($"evidence {i}: {error}");
        }

        for (int i = 0; i < block.Transactions.Count; i++)
        {
            var error = run.Apply(block.Transactions[i]);
            if (error is not null) return ExecutionResult.Invalid($"transaction {i} ({block.Transactions[i].Hash}): {error}");
        }

        var next = run.Finish(h);
        if (h.StateRoot != next.StateRoot) return ExecutionResult.Invalid("wrong state root");
        var encodedReceipts = Receipt.EncodeList(run.Receipts, out var receiptsRoot);
        if (h.ReceiptsRoot != receiptsRoot) return ExecutionResult.Invalid("wrong receipts root");
        if (h.NextValidatorSetHash != next.Validators.Hash) return ExecutionResult.Invalid("wrong next validator set hash");
        return new ExecutionResult(next, run.Receipts, null, run.Changed, encodedReceipts);
    }

    /// <summary>
    /// Builds the next block as a proposer: applies <paramref name="candidates"/> in order, skipping
    /// any that is invalid at that point, up to <paramref name="maxTransactions"/> and the block size
    /// bound; includes the evidence items that are valid; fills in every root.
    /// </summary>
    /// <param name="state">The parent state.</param>
    /// <param name="candidates">Transactions in preferred order (e.g. <see cref="Mempool.Select"/>).</param>
    /// <param name="evidence">Pending evidence.</param>
    /// <param name="lastCommit">Commit of the parent block (null at height 1).</param>
    /// <param name="proposer">The proposing validator.</param>
    /// <param name="timeUnixMs">Block time, Unix ms; raised to parent time + 1 if not later.</param>
    /// <param name="maxTransactions">Transaction cap.</param>
    /// <returns>The block and its execution result.</returns>
    public static (Block Block, ExecutionResult Result) Propose(ChainState state, IEnumerable<Transaction> candidates, IEnumerable<DuplicateVoteEvidence> evidence, Commit? lastCommit, Ed25519PublicKey proposer, long timeUnixMs, int maxTransactions = ChainLimits.MaxBlockTransactions)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(evidence);
        int expected = candidates.TryGetNonEnumeratedCount(out int count) ? Math.Max(0, Math.Min(count, Math.Min(maxTransactions, ChainLimits.MaxBlockTransactions))) : 0;
        var run = new Run(state, proposer, expected);
        var includedEvidence = new List<DuplicateVoteEvidence>();
        foreach (var e in evidence)
        {
            if (includedEvidence.Count < ChainLimits.MaxBlockEvidence && run.ApplyEvidence(e) is null)
            {
                includedEvidence.Add(e);
            }
        }

        var included = new List<Transaction>(expected);
        long bytes = 4096 + (lastCommit?.Encoded.Length ?? 0) + includedEvidence.Sum(e => e.Encoded.Length + 8L);
        foreach (var tx in candidates)
        {
            if (included.Count >= Math.Min(maxTransactions, ChainLimits.MaxBlockTransactions) || bytes + tx.Size + 8 > ChainLimits.MaxBlockBytes)
            {
                break;
            }

            if (tx.VerifySignature() && run.Apply(tx) is null)
            {
                included.Add(tx);
                bytes += tx.Size + 8;
            }
        }

        var encodedReceipts = Receipt.EncodeList(run.Receipts, out var receiptsRoot);
        var partial = new BlockHeader
        {
            ChainId = state.ChainId,
            Height = state.Height + 1,
            TimeUnixMs = Math.Max(timeUnixMs, state.LastBlockTimeUnixMs + 1),
            ParentHash = state.LastBlockHash,
            Proposer = proposer,
            TransactionsRoot = Block.ComputeTransactionsRoot(included),
            StateRoot = Hash256.Zero,
            ValidatorSetHash = state.Validators.Hash,
            NextValidatorSetHash = Hash256.Zero,
            LastCommitHash = lastCommit?.Hash ?? Hash256.Zero,
            ReceiptsRoot = receiptsRoot,
            EvidenceRoot = Block.ComputeEvidenceRoot(includedEvidence),
        };
        var next = run.Finish(partial);
        var header = new BlockHeader
        {
            ChainId = partial.ChainId,
            Height = partial.Height,
            TimeUnixMs = partial.TimeUnixMs,
            ParentHash = partial.ParentHash,
            Proposer = proposer,
            TransactionsRoot = partial.TransactionsRoot,
            StateRoot = next.StateRoot,
            ValidatorSetHash = partial.ValidatorSetHash,
            NextValidatorSetHash = next.Validators.Hash,
            LastCommitHash = partial.LastCommitHash,
            ReceiptsRoot = partial.ReceiptsRoot,
            EvidenceRoot = partial.EvidenceRoot,
        };
        next = new ChainState(next.ChainId, next.Parameters, next.Height, header.Hash, header.TimeUnixMs, next.Accounts, next.Validators, next.LastValidators);
        return (new Block(header, included, includedEvidence, lastCommit), new ExecutionResult(next, run.Receipts, null, run.Changed, encodedReceipts));
    }

    /// <summary>Verifies every not-yet-verified signature in parallel across cores.</summary>
    /// <returns>Index of the first bad signature, or −1.</returns>
    internal static int VerifySignatures(IReadOnlyList<Transaction> transactions)
    {
        int bad = int.MaxValue;
        if (transactions.Count < 64)
        {
            for (int i = 0; i < transactions.Count; i++)
            {
                if (!transactions[i].VerifySignature()) return i;
            }

            return -1;
        }

        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, transactions.Count, 256), range =>
        {
            for (int i = range.Item1; i < range.Item2; i++)
            {
                if (!transactions[i].VerifySignature())
                {
                    InterlockedMin(ref bad, i);
                    return;
                }
            }
        });
        return bad == int.MaxValue ? -1 : bad;
    }

    private static void InterlockedMin(ref int target, int value)
    {
        int current;
        while (value < (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    /// <summary>Execution of one block over an overlay of changed accounts; the receipt list is sized once for the expected transaction count.</summary>
    private sealed class Run(ChainState state, Ed25519PublicKey proposer, int transactions)
    {
        private readonly Dictionary<Ed25519PublicKey, Account> _changed = new();
        private readonly HashSet<Ed25519PublicKey> _slashed = new();
        private ValidatorSet _nextValidators = state.Validators;
        private ulong _fees;

        public List<Receipt> Receipts { get; } = new(Math.Max(transactions, 0));

        public IReadOnlyDictionary<Ed25519PublicKey, Account> Changed => _changed;

        private Account Get(in Ed25519PublicKey key) => _changed.TryGetValue(key, out var a) ? a : state.Accounts.Get(key);

        public string? ApplyEvidence(DuplicateVoteEvidence evidence)
        {
            var vote = evidence.VoteA;
            ulong height = state.Height + 1;
            if (vote.Height > height || vote.Height + state.Parameters.MaxEvidenceAge < height) return "evidence height out of range";
            if (!state.Validators.Contains(evidence.Offender) || !_slashed.Add(evidence.Offender)) return "offender not in the validator set or already punished";
            if (!evidence.Verify(state.ChainId)) return "evidence does not prove a double vote";
            var account = Get(evidence.Offender);
            ulong burn = (ulong)((UInt128)account.Balance * state.Parameters.SlashPercent / 100);
            _changed[evidence.Offender] = account with { Balance = account.Balance - burn };
            _nextValidators = _nextValidators.WithPower(evidence.Offender, 0) ?? _nextValidators;
            return null;
        }

        public string? Apply(Transaction tx)
        {
            if (tx.ChainId != state.ChainId) return "wrong chain id";
            if (!tx.VerifySignature()) return "bad signature";
            var sender = Get(tx.Sender);
            if (tx.Nonce != sender.Nonce) return $"wrong nonce {tx.Nonce}, expected {sender.Nonce}";
            if (tx.Fee < state.Parameters.MinFee) return "fee below minimum";
            if (tx.TotalCost is not { } cost || cost > sender.Balance) return "insufficient balance (overspend)";
            if (_fees > ulong.MaxValue - tx.Fee) return "fee overflow";

            if (tx.Kind == TransactionKind.Transfer)
            {
                _changed[tx.Sender] = new Account(sender.Balance - cost, sender.Nonce + 1);
                var to = tx.Recipient!.Value;
                var recipient = Get(to);
                _changed[to] = recipient with { Balance = recipient.Balance + tx.Amount };
                _fees += tx.Fee;
                Receipts.Add(Receipt.ForTransfer(tx.Hash, tx.Fee, tx.Sender, to, tx.Amount));
                return null;
            }

            if (tx.Amount != 0 || tx.Recipient is not null) return "a validator update moves no funds and has no recipient";
            _changed[tx.Sender] = new Account(sender.Balance - tx.Fee, sender.Nonce + 1);
            var status = ReceiptStatus.Success;
            ChainEvent[] events = [];
            if (tx.Sender != state.Parameters.Authority)
            {
                status = ReceiptStatus.Unauthorized;
            }
            else if (!Canonical.TryParse(UpdateParser, tx.Payload.Span, 256, out var update, out _) || !Canonical.IsKey(update!.PublicKey)
                || _nextValidators.WithPower(new Ed25519PublicKey(update.PublicKey.Span), update.Power) is not { } updated)
            {
                status = ReceiptStatus.InvalidPayload;
            }
            else
            {
                _nextValidators = updated;
                events = [new ChainEvent("validator_update", [
                    KeyValuePair.Create("public_key", Convert.ToHexStringLower(update.PublicKey.Span)),
                    KeyValuePair.Create("power", update.Power.ToString(CultureInfo.InvariantCulture))])];
            }

            _fees += tx.Fee;
            Receipts.Add(new Receipt(tx.Hash, status, tx.Fee, events));
            return null;
        }

        public ChainState Finish(BlockHeader header)
        {
            if (_fees > 0)
            {
                var p = Get(proposer);
                _changed[proposer] = p with { Balance = p.Balance + _fees };
                _fees = 0;
            }

            var accounts = state.Accounts.With(_changed);
            return new ChainState(state.ChainId, state.Parameters, header.Height, header.Hash, header.TimeUnixMs, accounts, _nextValidators, state.Validators);
        }
    }

    /// <summary>Encodes a validator-update payload: ValidatorUpdateProto { public_key (32), power }.</summary>
    /// <param name="publicKey">Validator key.</param>
    /// <param name="power">New power; 0 removes.</param>
    /// <returns>The payload bytes for a <see cref="TransactionKind.ValidatorUpdate"/> transaction.</returns>
    public static byte[] EncodeValidatorUpdate(Ed25519PublicKey publicKey, ulong power) =>
        new ValidatorUpdateProto { PublicKey = Canonical.From(publicKey), Power = power }.ToByteArray();
}
