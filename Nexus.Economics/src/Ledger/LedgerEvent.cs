using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>What changed in a <see cref="CrdtLedger"/>.</summary>
public enum LedgerEventKind
{
    /// <summary>A settlement became its channel's effective (counted) settlement; balances moved.</summary>
    Applied = 0,

    /// <summary>A previously counted settlement was excluded by the overdraft rule (decision D7); balances moved back.</summary>
    Excluded,
}

/// <summary>One ledger change, raised after the change is stored and visible.</summary>
public sealed class LedgerEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="kind">What happened.</param>
    /// <param name="record">The settlement concerned.</param>
    /// <param name="hash">Its settlement hash (BLAKE3-256 of its first 64 bytes).</param>
    public LedgerEventArgs(LedgerEventKind kind, SettlementRecord record, Hash256 hash)
    {
        Kind = kind;
        Record = record;
        Hash = hash;
    }

    /// <summary>What happened.</summary>
    public LedgerEventKind Kind { get; }

    /// <summary>The settlement concerned.</summary>
    public SettlementRecord Record { get; }

    /// <summary>Its 32-byte settlement hash.</summary>
    public Hash256 Hash { get; }
}
