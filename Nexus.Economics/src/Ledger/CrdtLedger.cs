using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>
/// The CRDT ledger of decision D7 (spec 02-economics section 4). The source of truth is a GSet of
/// validated <see cref="SettlementRecord"/>s keyed by settlement hash; merge is set union, so it is
/// commutative, associative and idempotent. Everything else is derived from the set:
/// <list type="bullet">
/// <item>per channel, the <em>effective</em> settlement is the one with the highest final_sequence
/// (equal sequences: the lower settlement hash), skipping excluded ones; amounts are cumulative per
/// channel, so this is a max-register per channel and no settlement is ever counted twice;</item>
/// <item>balance(node) = epoch base balance + Σ over effective settlements of the node's net amount;</item>
/// <item>overdraft exclusion, deterministic on the merged set: while some node's balance is negative,
/// take the overdrawn node with the lowest hash and exclude its outgoing effective settlement with
/// the highest settlement hash (its channel falls back to its next settlement).</item>
/// </list>
/// Hence any two ledgers holding the same set have the same balances, whatever the arrival order.
/// This class trusts its input: signatures are checked by <see cref="SettlementValidator"/> before
/// <see cref="TryAdd"/>. Thread-safe; events are raised outside the lock.
/// </summary>
public sealed class CrdtLedger
{
    private readonly Dictionary<Hash256, SettlementRecord> _set = [];
    private readonly List<Hash256> _order = [];
    private readonly Dictionary<ChannelId, ChannelSlot> _channels = [];
    private readonly Dictionary<Hash128, long> _base = [];
    private readonly Dictionary<Hash128, long> _balances = [];
    private readonly HashSet<Hash256> _excluded = [];
    private readonly ILedgerStore _store;
    private readonly Lock _gate = new();

    /// <summary>Creates a ledger and loads every settlement already in <paramref name="store"/>.</summary>
    /// <param name="store">Where accepted settlements are persisted; default an <see cref="InMemoryLedgerStore"/>.</param>
    /// <param name="epochBalances">
    /// Balances at the last epoch snapshot (spec section 6), μNXS; each at most 2^63 − 1. Settlements
    /// add to and subtract from these. Default: none (every node starts at 0).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">An epoch balance exceeds 2^63 − 1.</exception>
    public CrdtLedger(ILedgerStore? store = null, IReadOnlyDictionary<Hash128, ulong>? epochBalances = null)
    {
        _store = store ?? new InMemoryLedgerStore();
        if (epochBalances is not null)
        {
            foreach (var (node, balance) in epochBalances)
            {
                ArgumentOutOfRangeException.ThrowIfGreaterThan(balance, (ulong)long.MaxValue, nameof(epochBalances));
                _base[node] = (long)balance;
            }
        }

        foreach (var record in _store.LoadAll())
        {
            var hash = record.ComputeHash();
            if (_set.TryAdd(hash, record))
            {
                _order.Add(hash);
                Slot(record.Channel).Records.Add((hash, record));
            }
        }

        Recompute(null);
    }

    /// <summary>Raised after a settlement starts or stops counting towards balances.</summary>
    public event EventHandler<LedgerEventArgs>? Changed;

    /// <summary>Number of settlements in the GSet (including superseded and excluded ones).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _set.Count;
            }
        }
    }

    /// <summary>Whether a settlement hash is in the GSet.</summary>
    /// <param name="settlementHash">The 32-byte settlement hash.</param>
    /// <returns>True when present.</returns>
    public bool Contains(in Hash256 settlementHash)
    {
        lock (_gate)
        {
            return _set.ContainsKey(settlementHash);
        }
    }

    /// <summary>A node's derived balance: epoch base + net settled amounts, μNXS (never negative once settled).</summary>
    /// <param name="node">The node's 16-byte hash.</param>
    /// <returns>The balance; the epoch base (or 0) for a node with no settlements.</returns>
    public long GetBalance(in Hash128 node)
    {
        lock (_gate)
        {
            return _balances.TryGetValue(node, out long balance) ? balance : _base.GetValueOrDefault(node);
        }
    }

    /// <summary>A snapshot of every derived balance that settlements or the epoch base touch, μNXS.</summary>
    /// <returns>A new dictionary.</returns>
    public Dictionary<Hash128, long> GetBalances()
    {
        lock (_gate)
        {
            var copy = new Dictionary<Hash128, long>(_base);
            foreach (var (node, balance) in _balances)
            {
                copy[node] = balance;
            }

            return copy;
        }
    }

    /// <summary>The effective (counted) settlement of a channel.</summary>
    /// <param name="channel">The channel id.</param>
    /// <param name="record">The settlement, or default.</param>
    /// <returns>False when the channel has no counted settlement.</returns>
    public bool TryGetEffective(in ChannelId channel, out SettlementRecord record)
    {
        lock (_gate)
        {
            if (_channels.TryGetValue(channel, out var slot) && slot.Effective >= 0)
            {
                record = slot.Records[slot.Effective].Record;
                return true;
            }
        }

        record = default;
        return false;
    }

    /// <summary>Whether a settlement in the set is excluded by the overdraft rule.</summary>
    /// <param name="settlementHash">The settlement hash.</param>
    /// <returns>True when excluded.</returns>
    public bool IsExcluded(in Hash256 settlementHash)
    {
        lock (_gate)
        {
            return _excluded.Contains(settlementHash);
        }
    }

    /// <summary>A snapshot of the GSet (for anti-entropy sync and epoch proofs).</summary>
    /// <returns>Every record, in no particular order.</returns>
    public SettlementRecord[] GetRecords()
    {
        lock (_gate)
        {
            return [.. _set.Values];
        }
    }

    /// <summary>
    /// Copies GSet members in the order they entered this ledger. The order is append-only (a record
    /// keeps its index for the ledger's lifetime), so a reader can fetch only what is new since its
    /// last call, as the settlement gossip topic does.
    /// </summary>
    /// <param name="start">The first index to copy (0 = the oldest); at or past <see cref="Count"/> copies nothing.</param>
    /// <param name="destination">Receives (settlement hash, record) pairs.</param>
    /// <param name="max">At most this many are copied.</param>
    /// <returns>How many were copied.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> or <paramref name="max"/> is negative.</exception>
    public int CopyRecords(int start, List<(Hash256 Hash, SettlementRecord Record)> destination, int max = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        lock (_gate)
        {
            int end = (int)Math.Min(_order.Count, (long)start + max);
            for (int i = start; i < end; i++)
            {
                destination.Add((_order[i], _set[_order[i]]));
            }

            return Math.Max(0, end - start);
        }
    }

    /// <summary>
    /// Adds a settlement whose signatures were already verified. Persists it first, then applies it.
    /// </summary>
    /// <param name="record">The dual-signed record.</param>
    /// <param name="settlementHash">Its settlement hash (<see cref="SettlementRecord.ComputeHash"/>).</param>
    /// <returns>
    /// <see cref="SettlementStatus.Accepted"/> (counted), <see cref="SettlementStatus.Duplicate"/>,
    /// <see cref="SettlementStatus.Replayed"/> (final_sequence not above the channel's effective one) or
    /// <see cref="SettlementStatus.Overdrawn"/> (excluded by the overdraft rule).
    /// </returns>
    public SettlementStatus TryAdd(in SettlementRecord record, in Hash256 settlementHash)
    {
        List<LedgerEventArgs>? events = null;
        SettlementStatus status;
        lock (_gate)
        {
            if (_set.ContainsKey(settlementHash))
            {
                return SettlementStatus.Duplicate;
            }

            _store.Append(record);
            _set.Add(settlementHash, record);
            _order.Add(settlementHash);
            var slot = Slot(record.Channel);
            slot.Records.Add((settlementHash, record));
            int index = slot.Records.Count - 1;
            if (slot.Effective >= 0 && !Precedes(slot.Records[index], slot.Records[slot.Effective]))
            {
                return SettlementStatus.Replayed;
            }

            if (_excluded.Count == 0 && TryApplyIncrementally(slot, index))
            {
                events = Changed is null ? null : [new LedgerEventArgs(LedgerEventKind.Applied, record, settlementHash)];
                status = SettlementStatus.Accepted;
            }
            else
            {
                events = Changed is null ? null : [];
                Recompute(events);
                status = slot.Effective == index ? SettlementStatus.Accepted
                    : _excluded.Contains(settlementHash) ? SettlementStatus.Overdrawn
                    : SettlementStatus.Replayed;
            }
        }

        Raise(events);
        return status;
    }

    /// <summary>
    /// Merges another ledger's GSet into this one (set union; the other ledger's records are trusted
    /// as validated). Commutative, associative and idempotent; balances are recomputed once.
    /// </summary>
    /// <param name="other">The other ledger.</param>
    /// <returns>How many records were new here.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    public int Merge(CrdtLedger other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this))
        {
            return 0;
        }

        KeyValuePair<Hash256, SettlementRecord>[] incoming;
        lock (other._gate)
        {
            incoming = [.. other._set];
        }

        var events = new List<LedgerEventArgs>();
        int added = 0;
        lock (_gate)
        {
            foreach (var (hash, record) in incoming)
            {
                if (_set.TryAdd(hash, record))
                {
                    _order.Add(hash);
                    _store.Append(record);
                    Slot(record.Channel).Records.Add((hash, record));
                    added++;
                }
            }

            if (added > 0)
            {
                Recompute(events);
            }
        }

        Raise(events);
        return added;
    }

    private ChannelSlot Slot(in ChannelId channel)
    {
        if (!_channels.TryGetValue(channel, out var slot))
        {
            slot = new ChannelSlot();
            _channels.Add(channel, slot);
        }

        return slot;
    }

    // Higher final_sequence first; on equal sequences the lower settlement hash.
    private static bool Precedes((Hash256 Hash, SettlementRecord Record) x, (Hash256 Hash, SettlementRecord Record) y) =>
        x.Record.FinalSequence > y.Record.FinalSequence
        || (x.Record.FinalSequence == y.Record.FinalSequence && x.Hash.CompareTo(y.Hash) < 0);

    private long Balance(in Hash128 node) =>
        _balances.TryGetValue(node, out long balance) ? balance : _base.GetValueOrDefault(node);

    private bool TryApplyIncrementally(ChannelSlot slot, int index)
    {
        var record = slot.Records[index].Record;
        long oldNetB = slot.Effective >= 0 ? slot.Records[slot.Effective].Record.AmountAToB : 0;
        long deltaB = checked(record.AmountAToB - oldNetB);
        long a = checked(Balance(record.PartyA) - deltaB);
        long b = checked(Balance(record.PartyB) + deltaB);
        if (a < 0 || b < 0)
        {
            return false;
        }

        _balances[record.PartyA] = a;
        _balances[record.PartyB] = b;
        slot.Effective = index;
        return true;
    }

    // The deterministic fixpoint of D7 over the whole set; records Applied/Excluded differences in events.
    private void Recompute(List<LedgerEventArgs>? events)
    {
        var before = new Dictionary<ChannelId, int>(_channels.Count);
        foreach (var (id, slot) in _channels)
        {
            before[id] = slot.Effective;
        }

        var previouslyExcluded = new HashSet<Hash256>(_excluded);
        _excluded.Clear();
        while (true)
        {
            _balances.Clear();
            foreach (var slot in _channels.Values)
            {
                slot.Effective = -1;
                for (int i = 0; i < slot.Records.Count; i++)
                {
                    if (!_excluded.Contains(slot.Records[i].Hash) && (slot.Effective < 0 || Precedes(slot.Records[i], slot.Records[slot.Effective])))
                    {
                        slot.Effective = i;
                    }
                }

                if (slot.Effective >= 0)
                {
                    var record = slot.Records[slot.Effective].Record;
                    _balances[record.PartyA] = checked(Balance(record.PartyA) - record.AmountAToB);
                    _balances[record.PartyB] = checked(Balance(record.PartyB) + record.AmountAToB);
                }
            }

            Hash128? overdrawn = null;
            foreach (var (node, balance) in _balances)
            {
                if (balance < 0 && (overdrawn is null || node.CompareTo(overdrawn.Value) < 0))
                {
                    overdrawn = node;
                }
            }

            if (overdrawn is null)
            {
                break;
            }

            Hash256? victim = null;
            foreach (var slot in _channels.Values)
            {
                if (slot.Effective < 0)
                {
                    continue;
                }

                var (hash, record) = slot.Records[slot.Effective];
                bool pays = (record.PartyA == overdrawn.Value && record.AmountAToB > 0) || (record.PartyB == overdrawn.Value && record.AmountAToB < 0);
                if (pays && (victim is null || hash.CompareTo(victim.Value) > 0))
                {
                    victim = hash;
                }
            }

            // A negative balance can only come from outgoing settlements, so a victim always exists.
            _excluded.Add(victim!.Value);
        }

        if (events is null)
        {
            return;
        }

        foreach (var (id, slot) in _channels)
        {
            int old = before.GetValueOrDefault(id, -1);
            if (slot.Effective == old)
            {
                continue;
            }

            if (old >= 0 && _excluded.Contains(slot.Records[old].Hash) && !previouslyExcluded.Contains(slot.Records[old].Hash))
            {
                events.Add(new LedgerEventArgs(LedgerEventKind.Excluded, slot.Records[old].Record, slot.Records[old].Hash));
            }

            if (slot.Effective >= 0)
            {
                events.Add(new LedgerEventArgs(LedgerEventKind.Applied, slot.Records[slot.Effective].Record, slot.Records[slot.Effective].Hash));
            }
        }
    }

    private void Raise(List<LedgerEventArgs>? events)
    {
        if (events is null || Changed is not { } handler)
        {
            return;
        }

        foreach (var e in events)
        {
            handler(this, e);
        }
    }

    private sealed class ChannelSlot
    {
        public List<(Hash256 Hash, SettlementRecord Record)> Records { get; } = new(1);

        public int Effective { get; set; } = -1;
    }
}
