using Nexus.Crypto;
using RocksDbSharp;

namespace Nexus.Economics;

/// <summary>
/// <see cref="IChannelStore"/> and <see cref="ILedgerStore"/> in one RocksDB database under the
/// node's data directory. Keys: <c>'c' ‖ channel_id (16)</c> → the 821-byte
/// <see cref="ChannelSnapshot"/>; <c>'s' ‖ settlement_hash (32)</c> → the 192-byte
/// <see cref="SettlementRecord"/>. Every write is synchronous (fsync of the write-ahead log before
/// returning), so a snapshot saved before a signature is sent survives a crash or power cut.
/// Thread-safe (RocksDB is).
/// </summary>
public sealed class RocksDbEconomicsStore : IChannelStore, ILedgerStore, IDisposable
{
    private const byte ChannelPrefix = (byte)'c';
    private const byte SettlementPrefix = (byte)'s';
    private readonly RocksDb _db;
    private readonly WriteOptions _sync = new WriteOptions().SetSync(true);

    /// <summary>Opens (creating if missing) the database in <paramref name="directory"/>.</summary>
    /// <param name="directory">The database directory.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    /// <exception cref="RocksDbException">RocksDB cannot open it (for example, another process holds its lock).</exception>
    public RocksDbEconomicsStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        Path = directory;
        _db = RocksDb.Open(new DbOptions().SetCreateIfMissing(true), directory);
    }

    /// <summary>The database directory.</summary>
    public string Path { get; }

    /// <summary>
    /// Writes a consistent copy of the database to <paramref name="directory"/> while it stays open: a RocksDB
    /// checkpoint (table files hard-linked where possible, the manifest and write-ahead log copied, no memtable
    /// flush), which opens as this database would after a crash at this moment. For backups; tests use it to
    /// simulate a power cut without racing RocksDB's background flushes, as copying the live files would.
    /// </summary>
    /// <param name="directory">Where to write it; must not exist yet.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    /// <exception cref="RocksDbException">RocksDB cannot write it (for example, the directory exists).</exception>
    public void SaveCheckpoint(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        using var checkpoint = _db.Checkpoint();
        checkpoint.Save(directory, ulong.MaxValue);
    }

    /// <inheritdoc/>
    public void Save(ChannelSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var key = new byte[1 + ChannelId.SizeInBytes];
        key[0] = ChannelPrefix;
        snapshot.Channel.WriteTo(key.AsSpan(1));
        _db.Put(key, snapshot.ToArray(), writeOptions: _sync);
    }

    /// <inheritdoc/>
    public IReadOnlyList<ChannelSnapshot> LoadAll()
    {
        var result = new List<ChannelSnapshot>();
        foreach (var value in Scan(ChannelPrefix))
        {
            if (ChannelSnapshot.TryRead(value, out var snapshot))
            {
                result.Add(snapshot!);
            }
        }

        return result;
    }

    /// <inheritdoc/>
    public void Append(in SettlementRecord record)
    {
        var key = new byte[1 + Hash256.SizeInBytes];
        key[0] = SettlementPrefix;
        record.ComputeHash().WriteTo(key.AsSpan(1));
        _db.Put(key, record.ToArray(), writeOptions: _sync);
    }

    /// <inheritdoc/>
    IReadOnlyList<SettlementRecord> ILedgerStore.LoadAll()
    {
        var result = new List<SettlementRecord>();
        foreach (var value in Scan(SettlementPrefix))
        {
            if (value.Length == SettlementRecord.SizeInBytes && SettlementRecord.TryRead(value, out var record))
            {
                result.Add(record);
            }
        }

        return result;
    }

    /// <summary>Closes the database.</summary>
    public void Dispose() => _db.Dispose();

    private List<byte[]> Scan(byte prefix)
    {
        var values = new List<byte[]>();
        using var iterator = _db.NewIterator();
        for (iterator.Seek([prefix]); iterator.Valid(); iterator.Next())
        {
            var key = iterator.Key();
            if (key.Length == 0 || key[0] != prefix)
            {
                break;
            }

            values.Add(iterator.Value());
        }

        return values;
    }
}
