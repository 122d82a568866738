using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;
using Nexus.Mesh.Gossip;

namespace Nexus.Economics;

/// <summary>
/// The settlement gossip topic (spec 02-economics section 3 "valid settlements gossip", 01-mesh
/// section 6 tier 2 "economic"; docs/protocol/channels.md "Settlement gossip"): Nexus.Mesh's
/// <see cref="GossipEngine"/> carries the ledger's GSet between neighbours by Bloom summaries and
/// deltas, so every ledger converges to the same set, hence the same balances (decision D7).
/// <para>
/// Item: key = the 32-byte settlement hash (BLAKE3-256 of the record's first 64 bytes), version 0
/// (a grow-only set has no versions), value = the 192-byte <see cref="SettlementRecord"/>; 235 bytes
/// per item in a delta. Tier <see cref="GossipTier.Economic"/>, pushed to the other neighbours as soon
/// as it is accepted (event-driven), and re-offered by anti-entropy every round.
/// </para>
/// <para>
/// Merge validates through <see cref="SettlementValidator"/>: a wrong-length key, a version other than
/// 0, a value that is not a record, a key that is not the record's hash, an unknown party or a bad
/// signature is <see cref="GossipMergeResult.Rejected"/>: dropped silently (never held, never passed on)
/// and counted in <see cref="Rejected"/> and on the "nexus.economics.gossip.rejected" counter. A record
/// already in the GSet is <see cref="GossipMergeResult.Stale"/>. A valid new record is
/// <see cref="GossipMergeResult.Accepted"/> — including one the ledger keeps but does not count (replayed
/// or overdrawn, D7): it is a member of the set all ledgers must agree on.
/// </para>
/// <para>
/// Held (the summary) = every GSet member. Offers are bounded per round: with more than
/// <see cref="MaxOffersPerRound"/> members, each round offers a window of that many, in ledger
/// insertion order, starting where the previous round's window ended (wrapping), so every member is
/// offered at least once every ⌈members / bound⌉ rounds.
/// </para>
/// <para>
/// As <see cref="ISettlementGossip"/>, <see cref="PublishAsync"/> queues a record the local node
/// accepted (its own settlements) for an event-driven push; the queue is drained into the engine by
/// <see cref="FlushPublishes"/> (called at the start of every round, and by the host on the engine's
/// thread when <see cref="PublishRequested"/> fires). Thread-safe: the topic's state is under its own
/// lock, which is never held while it calls the engine or the validator.
/// </para>
/// </summary>
public sealed class SettlementGossipTopic : IGossipTopic, IGossipRoundObserver, ISettlementGossip
{
    /// <summary>The topic id on the wire: 2 (1 is announces).</summary>
    public const byte DefaultId = 2;

    private const int MaxQueuedPublishes = 4_096;
    private const int RecentCapacity = 65_536;

    private readonly SettlementValidator _validator;
    private readonly ILogger _logger;
    private readonly EconomicsMetrics _metrics;
    private readonly List<GossipItem> _items = [];
    private readonly Dictionary<Hash256, int> _index = [];
    private readonly List<(Hash256 Hash, SettlementRecord Record)> _scratch = [];
    private readonly Queue<Hash256> _toPublish = new();
    private readonly HashSet<Hash256> _pushed = [];
    private readonly Dictionary<string, long> _rejected = [];
    private readonly Lock _gate = new();
    private int _offerStart;
    private long _accepted;

    /// <summary>Creates the topic over a node's validator (and through it, its ledger and key cache).</summary>
    /// <param name="validator">Validates received records into the ledger (<see cref="EconomicsNode.Validator"/>).</param>
    /// <param name="id">The topic id; default <see cref="DefaultId"/>.</param>
    /// <param name="maxOffersPerRound">Items offered per neighbour summary per round, at least 1; default 1,024 (about 240 kB of deltas at most).</param>
    /// <param name="loggerFactory">Debug log of rejected items; default none.</param>
    /// <param name="meterFactory">Creates the "Nexus.Economics" meter; default a process-wide meter.</param>
    /// <exception cref="ArgumentNullException"><paramref name="validator"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxOffersPerRound"/> is below 1.</exception>
    public SettlementGossipTopic(SettlementValidator validator, byte id = DefaultId, int maxOffersPerRound = 1_024, ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOffersPerRound, 1);
        _validator = validator;
        Id = id;
        MaxOffersPerRound = maxOffersPerRound;
        _logger = loggerFactory?.CreateLogger<SettlementGossipTopic>() ?? (ILogger)NullLogger.Instance;
        _metrics = meterFactory is null ? EconomicsMetrics.Shared : new EconomicsMetrics(meterFactory);
    }

    /// <inheritdoc/>
    public byte Id { get; }

    /// <inheritdoc/>
    public string Name => "settlements";

    /// <inheritdoc/>
    public GossipTier Tier => GossipTier.Economic;

    /// <inheritdoc/>
    public bool PushOnAccept => true;

    /// <summary>Items offered to a neighbour per round at most.</summary>
    public int MaxOffersPerRound { get; }

    /// <summary>The ledger the topic gossips.</summary>
    public CrdtLedger Ledger => _validator.Ledger;

    /// <summary>Items merged as new GSet members.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Rejected items by reason: <c>malformed</c> (key, version or value shape), <c>wrong_key</c> (key ≠ settlement hash), and the <see cref="SettlementStatus"/> names <c>UnknownParty</c>, <c>BadSignature</c>.</summary>
    public IReadOnlyDictionary<string, long> Rejected
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, long>(_rejected);
            }
        }
    }

    /// <summary>Raised (on the publishing thread) when <see cref="PublishAsync"/> queued a record: call <see cref="FlushPublishes"/> on the engine's thread.</summary>
    public event Action? PublishRequested;

    /// <inheritdoc/>
    public void CollectHeld(Hash128 neighbour, List<GossipItem> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        lock (_gate)
        {
            Sync();
            held.AddRange(_items);
        }
    }

    /// <inheritdoc/>
    public void CollectOffers(Hash128 neighbour, List<GossipItem> offers)
    {
        ArgumentNullException.ThrowIfNull(offers);
        lock (_gate)
        {
            Sync();
            int n = _items.Count;
            if (n <= MaxOffersPerRound)
            {
                offers.AddRange(_items);
                return;
            }

            int start = _offerStart % n;
            for (int i = 0; i < MaxOffersPerRound; i++)
            {
                offers.Add(_items[(start + i) % n]);
            }
        }
    }

    /// <inheritdoc/>
    public bool TryGetOffer(Hash128 neighbour, ReadOnlySpan<byte> key, out GossipItem item)
    {
        lock (_gate)
        {
            Sync();
            if (key.Length == Hash256.SizeInBytes && _index.TryGetValue(new Hash256(key), out int i))
            {
                item = _items[i];
                return true;
            }
        }

        item = default;
        return false;
    }

    /// <inheritdoc/>
    public GossipMergeResult Merge(Hash128 from, in GossipItem item)
    {
        if (item.Key.Length != Hash256.SizeInBytes || item.Version != 0 || item.Value.Length != SettlementRecord.SizeInBytes
            || !SettlementRecord.TryRead(item.Value.Span, out var record))
        {
            return Reject(from, "malformed");
        }

        var hash = record.ComputeHash();
        if (!hash.AsSpan().SequenceEqual(item.Key.Span))
        {
            return Reject(from, "wrong_key");
        }

        var status = _validator.Submit(record);
        switch (status)
        {
            case SettlementStatus.Accepted or SettlementStatus.Replayed or SettlementStatus.Overdrawn:
                Interlocked.Increment(ref _accepted);
                lock (_gate)
                {
                    Remember(hash); // the engine pushes it on; a later PublishAsync of it is a no-op
                    Sync();
                }

                return GossipMergeResult.Accepted;
            case SettlementStatus.Duplicate:
                return GossipMergeResult.Stale;
            default:
                return Reject(from, status.ToString());
        }
    }

    /// <inheritdoc/>
    public void OnRound(uint round, IGossipPublisher publisher)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        lock (_gate)
        {
            Sync();
            if (_items.Count > MaxOffersPerRound)
            {
                _offerStart = (_offerStart + MaxOffersPerRound) % _items.Count;
            }
        }

        FlushPublishes(publisher);
    }

    /// <summary>Pushes every record queued by <see cref="PublishAsync"/> to the engine's neighbours; <paramref name="publisher"/> must be safe to call from this thread (the engine on its own thread, or a service that takes the engine's lock).</summary>
    /// <param name="publisher">The engine.</param>
    /// <returns>How many records were pushed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="publisher"/> is null.</exception>
    public int FlushPublishes(IGossipPublisher publisher)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        int pushed = 0;
        Span<byte> key = stackalloc byte[Hash256.SizeInBytes];
        while (true)
        {
            Hash256 hash;
            bool held;
            lock (_gate)
            {
                if (!_toPublish.TryDequeue(out hash))
                {
                    return pushed;
                }

                Sync();
                held = _index.ContainsKey(hash);
            }

            if (held)
            {
                hash.WriteTo(key);
                publisher.Publish(this, key);
                pushed++;
            }
        }
    }

    /// <summary>
    /// Queues a record this node holds in its ledger for an event-driven push (its own settlements;
    /// records that arrived by gossip were pushed on already and are skipped). The record must already
    /// be in the ledger (validated): others are never pushed. Past 4,096 queued records new ones are
    /// left to the next rounds' anti-entropy.
    /// </summary>
    /// <param name="record">The 192-byte record.</param>
    /// <param name="cancellationToken">Unused (queuing does not block).</param>
    /// <returns>A completed task.</returns>
    /// <exception cref="ArgumentException"><paramref name="record"/> is not a 192-byte record.</exception>
    public ValueTask PublishAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken = default)
    {
        if (record.Length != SettlementRecord.SizeInBytes)
        {
            throw new ArgumentException($"A settlement record is {SettlementRecord.SizeInBytes} bytes; got {record.Length}.", nameof(record));
        }

        if (!SettlementRecord.TryRead(record.Span, out var parsed))
        {
            throw new ArgumentException("The bytes are not a settlement record.", nameof(record));
        }

        var hash = parsed.ComputeHash();
        bool queued = false;
        lock (_gate)
        {
            if (_toPublish.Count < MaxQueuedPublishes && Remember(hash))
            {
                _toPublish.Enqueue(hash);
                queued = true;
            }
        }

        if (queued)
        {
            PublishRequested?.Invoke();
        }

        return ValueTask.CompletedTask;
    }

    // Under the gate. False when the hash was pushed already; the memory is cleared when full (a re-push costs one delta).
    private bool Remember(in Hash256 hash)
    {
        if (_pushed.Count >= RecentCapacity)
        {
            _pushed.Clear();
        }

        return _pushed.Add(hash);
    }

    // Under the gate: appends the ledger's new GSet members.
    private void Sync()
    {
        _scratch.Clear();
        if (_validator.Ledger.CopyRecords(_items.Count, _scratch) == 0)
        {
            return;
        }

        foreach (var (hash, record) in _scratch)
        {
            _index[hash] = _items.Count;
            _items.Add(new GossipItem(hash.ToArray(), 0, record.ToArray()));
        }
    }

    private GossipMergeResult Reject(in Hash128 from, string reason)
    {
        lock (_gate)
        {
            _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
        }

        _metrics.GossipRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
        EconomicsLog.GossipItemRejected(_logger, from, reason);
        return GossipMergeResult.Rejected;
    }
}
