using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using Nexus.Crypto;
using RocksDbSharp;

namespace Nexus.Chain;

/// <summary>Where a transaction was included.</summary>
/// <param name="Height">Block height.</param>
/// <param name="Index">Position in the block.</param>
public readonly record struct TransactionLocation(ulong Height, int Index);

/// <summary>
/// Durable chain storage in RocksDB. Column families: <c>headers</c> (height u64 BE → header),
/// <c>bodies</c> (height → block), <c>commits</c> (height → the commit that finalized it),
/// <c>receipts</c> (height → receipt list), <c>state</c> (account public key → balance u64 LE ‖ nonce
/// u64 LE, the complete latest account set), <c>tx_index</c> (tx hash → height u64 BE ‖ index u32 BE),
/// <c>account_index</c> (public key ‖ height u64 BE ‖ index u32 BE → tx hash), <c>block_index</c>
/// (block hash → height) and <c>default</c> (head height, validator sets, BLAKE3 of the genesis JSON). Every block is written with
/// one atomic WriteBatch (synced to the WAL by default), so a process killed at any instant reopens at
/// the last whole block; <see cref="Open"/> checks that the rebuilt state root equals the head header's.
/// Thread-safe: one writer (<see cref="Append"/>), many readers.
/// </summary>
public sealed class BlockStore : IDisposable
{
    private static readonly Meter Meter = new("Nexus.Chain");
    private static readonly Counter<long> BlocksWritten = Meter.CreateCounter<long>("nexus.chain.store.blocks");
    private static readonly string[] Families = ["headers", "bodies", "commits", "receipts", "state", "tx_index", "account_index", "block_index"];
    private static readonly byte[] HeadKey = "head"u8.ToArray();
    private static readonly byte[] ValidatorsKey = "validators"u8.ToArray();
    private static readonly byte[] LastValidatorsKey = "last_validators"u8.ToArray();
    private static readonly byte[] GenesisKey = "genesis"u8.ToArray();

    private readonly RocksDb _db;
    private readonly WriteOptions _writeOptions;
    private readonly ColumnFamilyHandle _headers, _bodies, _commits, _receipts, _state, _txIndex, _accountIndex, _blockIndex;
    private readonly object _writeGate = new();
    private ChainState _current;

    private BlockStore(RocksDb db, bool sync, ChainState genesisState)
    {
        _db = db;
        _writeOptions = new WriteOptions().SetSync(sync);
        _headers = db.GetColumnFamily("headers");
        _bodies = db.GetColumnFamily("bodies");
        _commits = db.GetColumnFamily("commits");
        _receipts = db.GetColumnFamily("receipts");
        _state = db.GetColumnFamily("state");
        _txIndex = db.GetColumnFamily("tx_index");
        _accountIndex = db.GetColumnFamily("account_index");
        _blockIndex = db.GetColumnFamily("block_index");
        _current = genesisState;
    }

    /// <summary>The latest committed state.</summary>
    public ChainState State => Volatile.Read(ref _current);

    /// <summary>Height of the latest committed block (0 = none yet).</summary>
    public ulong Height => State.Height;

    /// <summary>Raised after a block was durably written (on the writer's thread).</summary>
    public event Action<Block, IReadOnlyList<Receipt>>? BlockCommitted;

    /// <summary>
    /// Opens (or creates) the store in <paramref name="path"/>. A new store is initialized from
    /// <paramref name="genesis"/>; an existing one is reloaded and checked.
    /// </summary>
    /// <param name="path">Directory for the database.</param>
    /// <param name="genesis">The chain's genesis (chain id must match an existing store).</param>
    /// <param name="syncWrites">Sync the WAL on every block (survives power loss, not just a process kill); default true.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="InvalidDataException">The stored chain is inconsistent or belongs to another genesis.</exception>
    public static BlockStore Open(string path, Genesis genesis, bool syncWrites = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(genesis);
        Directory.CreateDirectory(path);
        var options = new DbOptions().SetCreateIfMissing(true).SetCreateMissingColumnFamilies(true);
        var families = new ColumnFamilies();
        foreach (var name in Families)
        {
            var familyOptions = new ColumnFamilyOptions();
            if (name is "state" or "account_index")
            {
                // Written several times per transaction, read only through iterators (reopen, account history):
                // a vector memtable appends in O(1) and sorts once per flush or iterator instead of a skip-list
                // insert per key (the largest part of a block's write). A bounded buffer bounds that sort.
                familyOptions.SetMemtableVectorRep().SetWriteBufferSize(16UL << 20);
            }

            families.Add(name, familyOptions);
        }

        var db = RocksDb.Open(options, path, families);
        var genesisState = genesis.CreateState();
        var store = new BlockStore(db, syncWrites, genesisState);
        try
        {
            store.Load(genesis, genesisState);
        }
        catch
        {
            store.Dispose();
            throw;
        }

        return store;
    }

    private void Load(Genesis genesis, ChainState genesisState)
    {
        var head = _db.Get(HeadKey);
        byte[] genesisId = Blake3.Hash(System.Text.Encoding.UTF8.GetBytes(genesis.ToJson())).ToArray();
        if (head is not null && !(_db.Get(GenesisKey)?.AsSpan().SequenceEqual(genesisId) ?? false))
        {
            throw new InvalidDataException("The store was created from another genesis.");
        }

        if (head is null)
        {
            using var batch = new WriteBatch();
            foreach (var (key, account) in genesisState.Accounts.Enumerate())
            {
                batch.Put(key.AsSpan(), Encode(account), _state);
            }

            batch.Put(GenesisKey, genesisId);
            batch.Put(HeadKey, BigEndian(0));
            batch.Put(ValidatorsKey, genesisState.Validators.Encoded.ToArray());
            _db.Write(batch, _writeOptions);
            return;
        }

        ulong height = BinaryPrimitives.ReadUInt64BigEndian(head);
        var accounts = new List<KeyValuePair<Ed25519PublicKey, Account>>();
        using (var it = _db.NewIterator(_state))
        {
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                accounts.Add(KeyValuePair.Create(new Ed25519PublicKey(it.Key()), Account.Read(it.Value())));
            }
        }

        var tree = StateTree.Empty.With(accounts);
        var validators = ValidatorSet.Decode(_db.Get(ValidatorsKey));
        var lastBytes = _db.Get(LastValidatorsKey);
        var last = lastBytes is null ? null : ValidatorSet.Decode(lastBytes);
        if (height == 0)
        {
            return;
        }

        var header = GetHeader(height) ?? throw new InvalidDataException($"Head header {height} is missing.");
        if (header.ChainId != genesis.ChainId) throw new InvalidDataException("The store belongs to another chain.");
        if (header.StateRoot != tree.Root) throw new InvalidDataException("The stored state does not match the head block's state root.");
        if (header.NextValidatorSetHash != validators.Hash) throw new InvalidDataException("The stored validator set does not match the head block.");
        _current = new ChainState(genesis.ChainId, genesisState.Parameters, height, header.Hash, header.TimeUnixMs, tree, validators, last);
    }

    /// <summary>
    /// Durably appends a finalized block with its commit, receipts and the post-state, in one atomic
    /// write batch, and makes it the head.
    /// </summary>
    /// <param name="block">The block at <see cref="Height"/> + 1.</param>
    /// <param name="commit">The +2/3 precommits that finalized it.</param>
    /// <param name="result">Its execution result on <see cref="State"/>.</param>
    /// <exception cref="ArgumentException">The block is not the next one, or the result is invalid.</exception>
    public void Append(Block block, Commit commit, ExecutionResult result)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(result);
        lock (_writeGate)
        {
            var state = State;
            if (!result.IsValid || block.Height != state.Height + 1 || result.State!.LastBlockHash != block.Hash || commit.BlockHash != block.Hash)
            {
                throw new ArgumentException("Only the valid next block with its own commit can be appended.", nameof(block));
            }

            byte[] heightKey = BigEndian(block.Height);
            using var batch = new WriteBatch();
            batch.Put(heightKey, block.Header.Encoded.Span, _headers);
            batch.Put(heightKey, block.Encode().Span, _bodies);
            batch.Put(heightKey, commit.Encoded.Span, _commits);
            batch.Put(heightKey, result.EncodedReceipts ?? Receipt.EncodeList(result.Receipts), _receipts);
            batch.Put(block.Hash.AsSpan(), heightKey, _blockIndex);
            Span<byte> location = stackalloc byte[12];
            Span<byte> accountKey = stackalloc byte[44];
            for (int i = 0; i < block.Transactions.Count; i++)
            {
                var tx = block.Transactions[i];
                BinaryPrimitives.WriteUInt64BigEndian(location, block.Height);
                BinaryPrimitives.WriteUInt32BigEndian(location[8..], (uint)i);
                batch.Put(tx.Hash.AsSpan(), location, _txIndex);
                location.CopyTo(accountKey[32..]);
                tx.Sender.WriteTo(accountKey);
                batch.Put(accountKey, tx.Hash.AsSpan(), _accountIndex);
                if (tx.Recipient is { } r && r != tx.Sender)
                {
                    r.WriteTo(accountKey);
                    batch.Put(accountKey, tx.Hash.AsSpan(), _accountIndex);
                }
            }

            foreach (var (key, account) in result.ChangedAccounts)
            {
                batch.Put(key.AsSpan(), Encode(account), _state);
            }

            batch.Put(ValidatorsKey, result.State.Validators.Encoded.ToArray());
            batch.Put(LastValidatorsKey, result.State.LastValidators!.Encoded.ToArray());
            batch.Put(HeadKey, heightKey);
            _db.Write(batch, _writeOptions);
            Volatile.Write(ref _current, result.State);
        }

        BlocksWritten.Add(1);
        BlockCommitted?.Invoke(block, result.Receipts);
    }

    /// <summary>Reads a header by height.</summary>
    /// <param name="height">Height ≥ 1.</param>
    /// <returns>The header or null.</returns>
    public BlockHeader? GetHeader(ulong height) => _db.Get(BigEndian(height), _headers) is { } b ? BlockHeader.Decode(b) : null;

    /// <summary>Reads a block by height.</summary>
    /// <param name="height">Height ≥ 1.</param>
    /// <returns>The block or null.</returns>
    public Block? GetBlock(ulong height) => _db.Get(BigEndian(height), _bodies) is { } b ? Block.Decode(b) : null;

    /// <summary>Reads a block by hash.</summary>
    /// <param name="hash">Block hash.</param>
    /// <returns>The block or null.</returns>
    public Block? GetBlock(in Hash256 hash) => GetHeight(hash) is { } h ? GetBlock(h) : null;

    /// <summary>Height of a block hash.</summary>
    /// <param name="hash">Block hash.</param>
    /// <returns>The height or null if unknown.</returns>
    public ulong? GetHeight(in Hash256 hash) => _db.Get(hash.ToArray(), _blockIndex) is { } b ? BinaryPrimitives.ReadUInt64BigEndian(b) : null;

    /// <summary>Reads the commit that finalized the block at <paramref name="height"/>.</summary>
    /// <param name="height">Height ≥ 1.</param>
    /// <returns>The commit or null.</returns>
    public Commit? GetCommit(ulong height) => _db.Get(BigEndian(height), _commits) is { } b ? Commit.Decode(b) : null;

    /// <summary>Reads the receipts of a block.</summary>
    /// <param name="height">Height ≥ 1.</param>
    /// <returns>The receipts in block order, or null.</returns>
    public IReadOnlyList<Receipt>? GetReceipts(ulong height) => _db.Get(BigEndian(height), _receipts) is { } b ? Receipt.DecodeList(b) : null;

    /// <summary>Where a transaction was included.</summary>
    /// <param name="hash">Transaction hash.</param>
    /// <returns>The location or null if not on chain.</returns>
    public TransactionLocation? GetLocation(in Hash256 hash) =>
        _db.Get(hash.ToArray(), _txIndex) is { Length: 12 } b ? new TransactionLocation(BinaryPrimitives.ReadUInt64BigEndian(b), (int)BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(8))) : null;

    /// <summary>Reads an included transaction with its receipt.</summary>
    /// <param name="hash">Transaction hash.</param>
    /// <returns>The transaction, its receipt and location, or null.</returns>
    public (Transaction Transaction, Receipt Receipt, TransactionLocation Location)? GetTransaction(in Hash256 hash)
    {
        if (GetLocation(hash) is not { } location || GetBlock(location.Height) is not { } block || GetReceipts(location.Height) is not { } receipts)
        {
            return null;
        }

        return (block.Transactions[location.Index], receipts[location.Index], location);
    }

    /// <summary>Hashes of the transactions an account sent or received, newest first.</summary>
    /// <param name="account">The account public key.</param>
    /// <param name="max">Most hashes to return.</param>
    /// <returns>Transaction hashes.</returns>
    public IReadOnlyList<Hash256> GetAccountTransactions(in Ed25519PublicKey account, int max = 100)
    {
        var result = new List<Hash256>();
        byte[] prefix = account.ToArray();
        byte[] upper = [.. prefix, .. Enumerable.Repeat((byte)0xFF, 12)];
        using var it = _db.NewIterator(_accountIndex);
        for (it.SeekForPrev(upper); it.Valid() && result.Count < max; it.Prev())
        {
            var key = it.Key();
            if (!key.AsSpan().StartsWith(prefix))
            {
                break;
            }

            result.Add(new Hash256(it.Value()));
        }

        return result;
    }

    /// <summary>Closes the database.</summary>
    public void Dispose() => _db.Dispose();

    private static byte[] BigEndian(ulong value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, value);
        return b;
    }

    private static byte[] Encode(Account account)
    {
        var b = new byte[Account.EncodedSize];
        account.WriteTo(b);
        return b;
    }
}
