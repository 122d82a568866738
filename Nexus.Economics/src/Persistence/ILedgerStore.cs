namespace Nexus.Economics;

/// <summary>
/// Durable storage of a node's settlement GSet (decision D7). Implementations: <see cref="InMemoryLedgerStore"/>, <see cref="RocksDbEconomicsStore"/>.
/// </summary>
public interface ILedgerStore
{
    /// <summary>Stores a validated settlement; durable when this returns. Storing the same record twice is harmless.</summary>
    /// <param name="record">The dual-signed 192-byte record.</param>
    void Append(in SettlementRecord record);

    /// <summary>Every stored settlement, in no particular order.</summary>
    /// <returns>The records.</returns>
    IReadOnlyList<SettlementRecord> LoadAll();
}

/// <summary>An <see cref="ILedgerStore"/> in memory (tests, simulations, nodes that rebuild from gossip). Thread-safe.</summary>
public sealed class InMemoryLedgerStore : ILedgerStore
{
    private readonly List<SettlementRecord> _records = [];
    private readonly Lock _gate = new();

    /// <inheritdoc/>
    /// <remarks>Appends without a lookup; a record stored twice is loaded twice and deduplicated by the ledger.</remarks>
    public void Append(in SettlementRecord record)
    {
        lock (_gate)
        {
            _records.Add(record);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<SettlementRecord> LoadAll()
    {
        lock (_gate)
        {
            return [.. _records];
        }
    }
}
