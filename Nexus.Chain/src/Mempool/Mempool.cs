using System.Diagnostics.Metrics;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>Why a transaction was or was not admitted to the <see cref="Mempool"/>.</summary>
public enum AdmissionStatus : byte
{
    /// <summary>Admitted.</summary>
    Accepted,

    /// <summary>Admitted, replacing a pending transaction with the same sender and nonce and a lower fee.</summary>
    Replaced,

    /// <summary>Already pending.</summary>
    Duplicate,

    /// <summary>The Ed25519 signature does not verify.</summary>
    BadSignature,

    /// <summary>Signed for another chain.</summary>
    WrongChain,

    /// <summary>Nonce below the account's nonce (already used).</summary>
    NonceTooLow,

    /// <summary>Nonce more than <see cref="MempoolOptions.MaxNonceGap"/> ahead of the account's nonce.</summary>
    NonceTooHigh,

    /// <summary>The balance does not cover this and the sender's earlier pending transactions.</summary>
    InsufficientBalance,

    /// <summary>Fee below the chain minimum, or not higher than the transaction it would replace.</summary>
    FeeTooLow,

    /// <summary>Encoded size above <see cref="MempoolOptions.MaxTransactionBytes"/>.</summary>
    TooLarge,

    /// <summary>The sender already has <see cref="MempoolOptions.MaxPerSender"/> pending transactions.</summary>
    SenderLimit,

    /// <summary>The pool is full and the fee does not beat the cheapest pending transaction.</summary>
    PoolFull,
}

/// <summary>Mempool limits.</summary>
public sealed class MempoolOptions
{
    /// <summary>Most pending transactions in total; default 200,000.</summary>
    public int MaxTransactions { get; set; } = 200_000;

    /// <summary>Most pending transactions per sender; default 256.</summary>
    public int MaxPerSender { get; set; } = 256;

    /// <summary>Largest admitted transaction, bytes; default 65,536.</summary>
    public int MaxTransactionBytes { get; set; } = ChainLimits.MaxTransactionBytes;

    /// <summary>How far ahead of the account nonce a transaction may be; default 256.</summary>
    public ulong MaxNonceGap { get; set; } = 256;
}

/// <summary>
/// Pending transactions, checked against the latest committed <see cref="ChainState"/>: signature,
/// chain id, nonce window, balance (covering the sender's earlier pending transactions), minimum fee
/// and size. A transaction with the same sender and nonce replaces a pending one only with a strictly
/// higher fee. When full, the cheapest transaction (and the same sender's later ones, which can no
/// longer run) is evicted for a better-paying one. <see cref="AddRange(IReadOnlyList{Transaction})"/> verifies signatures in
/// parallel across cores. Thread-safe.
/// </summary>
public sealed class Mempool
{
    private static readonly Meter Meter = new("Nexus.Chain");
    private static readonly Counter<long> Admitted = Meter.CreateCounter<long>("nexus.chain.mempool.admitted");
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("nexus.chain.mempool.rejected");

    private readonly object _gate = new();
    private readonly MempoolOptions _options;
    private readonly Dictionary<Ed25519PublicKey, SortedDictionary<ulong, Transaction>> _bySender = new();
    private readonly Dictionary<Hash256, Transaction> _byHash = new();
    private readonly SortedSet<Transaction> _byFee = new(FeeOrder.Instance);

    // Received transactions waiting for admission (queued behind signature checks): found by Lookup like pooled
    // ones, so a copy from another peer is not decoded and queued again, and a proposal carrying one reuses the
    // same object — its signature is then checked once, by whichever of admission and block validation comes first.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Hash256, Transaction> _incoming = new();
    private ChainState _state;

    /// <summary>Creates an empty pool over the committed state.</summary>
    /// <param name="state">The latest committed state.</param>
    /// <param name="options">Limits; defaults when null.</param>
    public Mempool(ChainState state, MempoolOptions? options = null)
    {
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _options = options ?? new MempoolOptions();
    }

    /// <summary>Raised (outside the pool's lock) for every admitted transaction.</summary>
    public event Action<Transaction>? TransactionAdded;

    /// <summary>Number of pending transactions.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byHash.Count;
            }
        }
    }

    /// <summary>Looks up a pending transaction.</summary>
    /// <param name="hash">Transaction hash.</param>
    /// <param name="transaction">The transaction or null.</param>
    /// <returns>True if pending.</returns>
    public bool TryGet(in Hash256 hash, out Transaction? transaction)
    {
        lock (_gate)
        {
            return _byHash.TryGetValue(hash, out transaction);
        }
    }

    /// <summary>Looks up many pending transactions under one lock acquisition.</summary>
    /// <param name="hashes">Transaction hashes.</param>
    /// <returns>The pending transaction for each hash, or null.</returns>
    internal Transaction?[] Lookup(ReadOnlySpan<Hash256> hashes)
    {
        var found = new Transaction?[hashes.Length];
        lock (_gate)
        {
            if (_byHash.Count == 0 && _incoming.IsEmpty)
            {
                return found;
            }

            for (int i = 0; i < hashes.Length; i++)
            {
                if (!_byHash.TryGetValue(hashes[i], out found[i]))
                {
                    _incoming.TryGetValue(hashes[i], out found[i]);
                }
            }
        }

        return found;
    }

    /// <summary>Checks and admits one transaction (its signature is verified on this thread).</summary>
    /// <param name="transaction">The transaction.</param>
    /// <returns>The admission outcome.</returns>
    public AdmissionStatus Add(Transaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var status = transaction.Size > _options.MaxTransactionBytes ? AdmissionStatus.TooLarge
            : !transaction.VerifySignature() ? AdmissionStatus.BadSignature
            : Admit(transaction);
        Record(status, transaction);
        return status;
    }

    /// <summary>
    /// Checks and admits many transactions. The checks that need no signature come first and settle a
    /// transaction without verifying it: too large, wrong chain, already pending (same hash: a gossip
    /// duplicate), nonce already used (e.g. gossip arriving after the block that included it). The
    /// signatures of the rest are verified in parallel across cores, then each is admitted in order.
    /// </summary>
    /// <param name="transactions">The transactions, admitted in this order.</param>
    /// <returns>One outcome per transaction.</returns>
    public AdmissionStatus[] AddRange(IReadOnlyList<Transaction> transactions) => AddRange(transactions, parallel: true);

    /// <summary>
    /// Checks the signatures that a later <see cref="AddRange(IReadOnlyList{Transaction}, bool)"/> of
    /// <paramref name="transactions"/> would check, caching each result on its transaction, and skips those the
    /// committed state has already passed (their nonce is used: admission refuses them as
    /// <see cref="AdmissionStatus.NonceTooLow"/> without a signature check). Lock-free; for verifier threads that run
    /// ahead of admission, so a queue that lags behind the chain does not spend CPU on committed transactions.
    /// </summary>
    internal void CheckSignatures(IReadOnlyList<Transaction> transactions)
    {
        var state = Volatile.Read(ref _state);
        foreach (var tx in transactions)
        {
            if (!tx.IsVerified && tx.Nonce >= state.Accounts.Get(tx.Sender).Nonce)
            {
                tx.VerifySignature();
            }
        }
    }

    /// <summary>
    /// Registers a received transaction that is queued for admission, so <see cref="Lookup"/> finds it; false if
    /// one with the same hash is already registered (a duplicate to drop). At most
    /// <see cref="MempoolOptions.MaxTransactions"/> are registered; beyond that this returns true without registering.
    /// </summary>
    internal bool TryRegisterIncoming(Transaction transaction) =>
        _incoming.Count >= _options.MaxTransactions || _incoming.TryAdd(transaction.Hash, transaction);

    /// <summary>Unregisters transactions passed to <see cref="TryRegisterIncoming"/> once admission has decided on them.</summary>
    internal void ReleaseIncoming(IReadOnlyList<Transaction> transactions)
    {
        foreach (var tx in transactions)
        {
            _incoming.TryRemove(KeyValuePair.Create(tx.Hash, tx));
        }
    }

    /// <summary>As <see cref="AddRange(IReadOnlyList{Transaction})"/>; <paramref name="parallel"/> false checks the signatures on the calling thread (for callers that are already one of several workers).</summary>
    internal AdmissionStatus[] AddRange(IReadOnlyList<Transaction> transactions, bool parallel)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var results = new AdmissionStatus[transactions.Count];
        var candidates = new List<Transaction>(transactions.Count);
        var positions = new List<int>(transactions.Count);
        lock (_gate)
        {
            for (int i = 0; i < results.Length; i++)
            {
                var tx = transactions[i];
                ArgumentNullException.ThrowIfNull(tx, nameof(transactions));
                if (tx.Size > _options.MaxTransactionBytes)
                {
                    results[i] = AdmissionStatus.TooLarge;
                }
                else if (tx.ChainId != _state.ChainId)
                {
                    results[i] = AdmissionStatus.WrongChain;
                }
                else if (_byHash.TryGetValue(tx.Hash, out var known))
                {
                    tx.AdoptVerification(known);
                    results[i] = AdmissionStatus.Duplicate;
                }
                else if (tx.Nonce < _state.Accounts.Get(tx.Sender).Nonce)
                {
                    results[i] = AdmissionStatus.NonceTooLow;
                }
                else
                {
                    candidates.Add(tx);
                    positions.Add(i);
                    continue;
                }

                Rejected.Add(1);
            }
        }

        if (parallel)
        {
            BlockExecutor.VerifySignatures(candidates);
        }
        else
        {
            foreach (var tx in candidates)
            {
                tx.VerifySignature();
            }
        }

        // One lock acquisition per 256 transactions (not per transaction: the gossip and consensus threads contend
        // for it; not per batch: a large batch would hold off the consensus thread's Select and Update); events are
        // raised after the lock is released.
        for (int start = 0; start < candidates.Count; start += 256)
        {
            lock (_gate)
            {
                for (int i = start; i < Math.Min(candidates.Count, start + 256); i++)
                {
                    var tx = candidates[i];
                    results[positions[i]] = tx.VerifySignature() ? Admit(tx) : AdmissionStatus.BadSignature;
                }
            }
        }

        for (int i = 0; i < candidates.Count; i++)
        {
            Record(results[positions[i]], candidates[i]);
        }

        return results;
    }

    /// <summary>
    /// Marks each transaction that the pool already holds (same hash) as verified when the pooled copy
    /// was, so a transaction gossiped by several peers, or decoded again from a proposed block, has its
    /// Ed25519 signature checked once per node.
    /// </summary>
    /// <param name="transactions">Freshly decoded transactions.</param>
    internal void AdoptVerifications(IReadOnlyList<Transaction> transactions)
    {
        lock (_gate)
        {
            if (_byHash.Count == 0)
            {
                return;
            }

            for (int i = 0; i < transactions.Count; i++)
            {
                var tx = transactions[i];
                if (_byHash.TryGetValue(tx.Hash, out var known))
                {
                    tx.AdoptVerification(known);
                }
            }
        }
    }

    private void Record(AdmissionStatus status, Transaction tx)
    {
        if (status is AdmissionStatus.Accepted or AdmissionStatus.Replaced)
        {
            Admitted.Add(1);
            TransactionAdded?.Invoke(tx);
        }
        else
        {
            Rejected.Add(1);
        }
    }

    private AdmissionStatus Admit(Transaction tx)
    {
        lock (_gate)
        {
            if (tx.ChainId != _state.ChainId) return AdmissionStatus.WrongChain;
            if (_byHash.ContainsKey(tx.Hash)) return AdmissionStatus.Duplicate;
            if (tx.Fee < _state.Parameters.MinFee || tx.TotalCost is null) return AdmissionStatus.FeeTooLow;
            var account = _state.Accounts.Get(tx.Sender);
            if (tx.Nonce < account.Nonce) return AdmissionStatus.NonceTooLow;
            if (tx.Nonce - account.Nonce > _options.MaxNonceGap) return AdmissionStatus.NonceTooHigh;

            _bySender.TryGetValue(tx.Sender, out var pending);
            Transaction? replaced = null;
            if (pending is not null && pending.TryGetValue(tx.Nonce, out replaced) && tx.Fee <= replaced.Fee) return AdmissionStatus.FeeTooLow;
            if (replaced is null && pending is not null && pending.Count >= _options.MaxPerSender) return AdmissionStatus.SenderLimit;

            UInt128 needed = tx.TotalCost.Value;
            if (pending is not null)
            {
                foreach (var (nonce, other) in pending)
                {
                    if (nonce >= tx.Nonce) break;
                    needed += other.TotalCost!.Value;
                }
            }

            if (needed > account.Balance) return AdmissionStatus.InsufficientBalance;

            if (replaced is null && _byHash.Count >= _options.MaxTransactions)
            {
                var cheapest = _byFee.Min!;
                if (cheapest.Fee >= tx.Fee) return AdmissionStatus.PoolFull;
                RemoveFrom(cheapest.Sender, cheapest.Nonce);
                _bySender.TryGetValue(tx.Sender, out pending);
            }

            if (replaced is not null)
            {
                _byHash.Remove(replaced.Hash);
                _byFee.Remove(replaced);
            }

            if (pending is null)
            {
                pending = new SortedDictionary<ulong, Transaction>();
                _bySender[tx.Sender] = pending;
            }

            pending[tx.Nonce] = tx;
            _byHash[tx.Hash] = tx;
            _byFee.Add(tx);
            return replaced is null ? AdmissionStatus.Accepted : AdmissionStatus.Replaced;
        }
    }

    /// <summary>Removes the sender's transactions from <paramref name="fromNonce"/> upward (they cannot run without it).</summary>
    private void RemoveFrom(in Ed25519PublicKey sender, ulong fromNonce)
    {
        if (!_bySender.TryGetValue(sender, out var pending)) return;
        foreach (var nonce in pending.Keys.Where(n => n >= fromNonce).ToArray())
        {
            var tx = pending[nonce];
            pending.Remove(nonce);
            _byHash.Remove(tx.Hash);
            _byFee.Remove(tx);
        }

        if (pending.Count == 0) _bySender.Remove(sender);
    }

    /// <summary>
    /// Picks executable transactions for a block: per sender only a gap-free run starting at the
    /// account nonce, merged across senders by highest fee first (a sender's transactions stay in nonce order).
    /// </summary>
    /// <param name="max">Most transactions to return.</param>
    /// <returns>Transactions in proposal order.</returns>
    public IReadOnlyList<Transaction> Select(int max)
    {
        lock (_gate)
        {
            var result = new List<Transaction>(Math.Min(max, _byHash.Count));
            var heads = new PriorityQueue<IEnumerator<KeyValuePair<ulong, Transaction>>, (ulong NegFee, Hash256 Hash)>();
            foreach (var (sender, pending) in _bySender)
            {
                var e = pending.GetEnumerator();
                if (e.MoveNext() && e.Current.Key == _state.Accounts.Get(sender).Nonce)
                {
                    heads.Enqueue(e, (ulong.MaxValue - e.Current.Value.Fee, e.Current.Value.Hash));
                }
            }

            while (result.Count < max && heads.TryDequeue(out var e, out _))
            {
                var tx = e.Current.Value;
                result.Add(tx);
                if (e.MoveNext() && e.Current.Key == tx.Nonce + 1)
                {
                    heads.Enqueue(e, (ulong.MaxValue - e.Current.Value.Fee, e.Current.Value.Hash));
                }
            }

            return result;
        }
    }

    /// <summary>
    /// Moves the pool to a newly committed state: drops transactions whose nonce is used and those a
    /// sender can no longer pay for.
    /// </summary>
    /// <param name="state">The new committed state.</param>
    public void Update(ChainState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_gate)
        {
            _state = state;

            // One pass per sender, no LINQ: drop what the block included (nonce below the account's) and,
            // from the first nonce the balance no longer covers, everything after it.
            var remove = new List<ulong>();
            List<Ed25519PublicKey>? emptied = null;
            foreach (var (sender, pending) in _bySender)
            {
                var account = state.Accounts.Get(sender);
                UInt128 needed = 0;
                bool cut = false;
                remove.Clear();
                foreach (var (nonce, tx) in pending)
                {
                    if (nonce < account.Nonce)
                    {
                        remove.Add(nonce);
                        continue;
                    }

                    if (!cut)
                    {
                        needed += tx.TotalCost!.Value;
                        cut = needed > account.Balance;
                    }

                    if (cut)
                    {
                        remove.Add(nonce);
                    }
                }

                foreach (var nonce in remove)
                {
                    var tx = pending[nonce];
                    pending.Remove(nonce);
                    _byHash.Remove(tx.Hash);
                    _byFee.Remove(tx);
                }

                if (pending.Count == 0)
                {
                    (emptied ??= []).Add(sender);
                }
            }

            if (emptied is not null)
            {
                foreach (var sender in emptied)
                {
                    _bySender.Remove(sender);
                }
            }
        }
    }

    private sealed class FeeOrder : IComparer<Transaction>
    {
        public static readonly FeeOrder Instance = new();

        public int Compare(Transaction? x, Transaction? y)
        {
            int c = x!.Fee.CompareTo(y!.Fee);
            return c != 0 ? c : x.Hash.CompareTo(y.Hash);
        }
    }
}
