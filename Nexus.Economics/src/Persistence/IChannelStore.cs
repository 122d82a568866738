namespace Nexus.Economics;

/// <summary>
/// Durable storage of a node's channel snapshots. The write-ahead rule of the channel protocol
/// depends on it: <see cref="Save"/> must be durable when it returns, because a signature is
/// released to the peer only afterwards. Implementations: <see cref="InMemoryChannelStore"/>,
/// <see cref="RocksDbEconomicsStore"/>.
/// </summary>
public interface IChannelStore
{
    /// <summary>Stores (replaces) a channel's snapshot; durable when this returns.</summary>
    /// <param name="snapshot">The snapshot.</param>
    void Save(ChannelSnapshot snapshot);

    /// <summary>Every stored channel snapshot.</summary>
    /// <returns>The snapshots, in no particular order.</returns>
    IReadOnlyList<ChannelSnapshot> LoadAll();
}

/// <summary>An <see cref="IChannelStore"/> in memory (tests and simulations). Thread-safe.</summary>
public sealed class InMemoryChannelStore : IChannelStore
{
    private readonly Dictionary<ChannelId, ChannelSnapshot> _snapshots = [];
    private readonly Lock _gate = new();

    /// <inheritdoc/>
    public void Save(ChannelSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_gate)
        {
            _snapshots[snapshot.Channel] = snapshot;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<ChannelSnapshot> LoadAll()
    {
        lock (_gate)
        {
            return [.. _snapshots.Values];
        }
    }
}
