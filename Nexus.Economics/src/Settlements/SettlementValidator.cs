using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>
/// Validates settlements arriving from gossip or from a channel peer and adds the valid ones to a
/// <see cref="CrdtLedger"/> (spec 02-economics section 3, decision D7): settlement_hash =
/// BLAKE3-256(bytes 0..63); the hash must not already be in the GSet; both parties' Ed25519
/// signatures (keys from the <see cref="ChannelKeyCache"/>) must verify over it; the balance check
/// runs on the merged set in the ledger. Invalid records are dropped silently: no exception, a debug
/// log line and a "nexus.economics.settlements.dropped" count with the reason. Batches verify
/// signatures in parallel. Thread-safe.
/// </summary>
public sealed class SettlementValidator
{
    private const int ParallelThreshold = 8;
    private readonly CrdtLedger _ledger;
    private readonly ChannelKeyCache _keys;
    private readonly ILogger _logger;
    private readonly EconomicsMetrics _metrics;
    private long _dropped;

    /// <summary>Creates a validator feeding a ledger.</summary>
    /// <param name="ledger">The ledger valid settlements go to.</param>
    /// <param name="keys">Resolves party hashes to Ed25519 keys.</param>
    /// <param name="logger">Debug log of drops; default none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="ledger"/> or <paramref name="keys"/> is null.</exception>
    public SettlementValidator(CrdtLedger ledger, ChannelKeyCache keys, ILogger<SettlementValidator>? logger = null)
        : this(ledger, keys, logger, EconomicsMetrics.Shared)
    {
    }

    internal SettlementValidator(CrdtLedger ledger, ChannelKeyCache keys, ILogger? logger, EconomicsMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(keys);
        _ledger = ledger;
        _keys = keys;
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics;
    }

    /// <summary>The ledger this validator feeds.</summary>
    public CrdtLedger Ledger => _ledger;

    /// <summary>Settlements dropped so far (bad signature, unknown party, malformed), excluding duplicates.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Validates and applies one settlement; never throws for bad input.</summary>
    /// <param name="record">The record.</param>
    /// <returns>The outcome; only <see cref="SettlementStatus.Accepted"/> should be gossiped onward.</returns>
    public SettlementStatus Submit(in SettlementRecord record)
    {
        var hash = record.ComputeHash();
        if (_ledger.Contains(hash))
        {
            return SettlementStatus.Duplicate;
        }

        var status = CheckSignatures(record, hash);
        return Finish(record, hash, status);
    }

    /// <summary>Parses (192 bytes), validates and applies one settlement; never throws for bad input.</summary>
    /// <param name="wire">The record's wire form.</param>
    /// <returns>The outcome; <see cref="SettlementStatus.Malformed"/> when the bytes are not a record.</returns>
    public SettlementStatus Submit(ReadOnlySpan<byte> wire)
    {
        if (wire.Length != SettlementRecord.SizeInBytes || !SettlementRecord.TryRead(wire, out var record))
        {
            return Drop(SettlementStatus.Malformed, default);
        }

        return Submit(record);
    }

    /// <summary>
    /// Validates a batch: hashes and GSet lookups first, then the 2 signature checks per record in
    /// parallel, then applies the valid ones in batch order.
    /// </summary>
    /// <param name="records">The records.</param>
    /// <returns>One outcome per record, in order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="records"/> is null.</exception>
    public SettlementStatus[] SubmitBatch(IReadOnlyList<SettlementRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        int n = records.Count;
        var results = new SettlementStatus[n];
        var hashes = new Hash256[n];
        var keysA = new Ed25519PublicKey[n];
        var keysB = new Ed25519PublicKey[n];
        var seen = new HashSet<Hash256>(n);
        for (int i = 0; i < n; i++)
        {
            var record = records[i];
            hashes[i] = record.ComputeHash();
            results[i] = _ledger.Contains(hashes[i]) || !seen.Add(hashes[i]) ? SettlementStatus.Duplicate
                : !_keys.TryGet(record.PartyA, out keysA[i]) || !_keys.TryGet(record.PartyB, out keysB[i]) ? SettlementStatus.UnknownParty
                : SettlementStatus.Accepted;
        }

        // Only the signature checks run in parallel: they touch no shared state.
        if (n < ParallelThreshold)
        {
            for (int i = 0; i < n; i++)
            {
                Verify(i);
            }
        }
        else
        {
            Parallel.For(0, n, Verify);
        }

        for (int i = 0; i < n; i++)
        {
            if (results[i] != SettlementStatus.Duplicate)
            {
                results[i] = Finish(records[i], hashes[i], results[i]);
            }
        }

        return results;

        void Verify(int i)
        {
            if (results[i] == SettlementStatus.Accepted)
            {
                results[i] = VerifyBoth(records[i], keysA[i], keysB[i], hashes[i]);
            }
        }
    }

    private SettlementStatus CheckSignatures(in SettlementRecord record, in Hash256 hash)
    {
        if (!_keys.TryGet(record.PartyA, out var keyA) || !_keys.TryGet(record.PartyB, out var keyB))
        {
            return SettlementStatus.UnknownParty;
        }

        return VerifyBoth(record, keyA, keyB, hash);
    }

    private static SettlementStatus VerifyBoth(in SettlementRecord record, in Ed25519PublicKey keyA, in Ed25519PublicKey keyB, in Hash256 hash) =>
        record.VerifySignature(ChannelParty.A, keyA, hash) && record.VerifySignature(ChannelParty.B, keyB, hash)
            ? SettlementStatus.Accepted
            : SettlementStatus.BadSignature;

    private SettlementStatus Finish(in SettlementRecord record, in Hash256 hash, SettlementStatus signatures)
    {
        if (signatures != SettlementStatus.Accepted)
        {
            return Drop(signatures, hash);
        }

        var status = _ledger.TryAdd(record, hash);
        if (status == SettlementStatus.Accepted)
        {
            _metrics.SettlementsAccepted.Add(1);
        }
        else if (status != SettlementStatus.Duplicate)
        {
            _metrics.Dropped(status);
        }

        return status;
    }

    private SettlementStatus Drop(SettlementStatus reason, in Hash256 hash)
    {
        Interlocked.Increment(ref _dropped);
        _metrics.Dropped(reason);
        EconomicsLog.SettlementDropped(_logger, hash, reason);

        return reason;
    }
}
