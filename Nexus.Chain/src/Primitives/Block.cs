using Google.Protobuf;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>
/// A block header (Tendermint/Ethereum terms). Canonical form: BlockHeaderProto, fields 1–12 in
/// order: chain_id, height, time_unix_ms, parent_hash, proposer, transactions_root, state_root,
/// validator_set_hash, next_validator_set_hash, last_commit_hash, receipts_root, evidence_root (all
/// hashes 32 bytes; parent_hash and last_commit_hash all-zero at height 1 and then omitted as empty).
/// Block hash = BLAKE3-256 of that encoding.
/// </summary>
public sealed class BlockHeader
{
    private static readonly MessageParser<BlockHeaderProto> Parser = Canonical.Strict(BlockHeaderProto.Parser);

    /// <summary>Chain id.</summary>
    public required string ChainId { get; init; }

    /// <summary>Height, 1 for the first block after genesis.</summary>
    public required ulong Height { get; init; }

    /// <summary>Proposer's clock at proposal, Unix milliseconds; strictly greater than the parent's.</summary>
    public required long TimeUnixMs { get; init; }

    /// <summary>Hash of the previous block (zero at height 1).</summary>
    public required Hash256 ParentHash { get; init; }

    /// <summary>The proposing validator.</summary>
    public required Ed25519PublicKey Proposer { get; init; }

    /// <summary>Nexus.Crypto Merkle root over the canonical transaction encodings, block order.</summary>
    public required Hash256 TransactionsRoot { get; init; }

    /// <summary>Account state root after executing this block.</summary>
    public required Hash256 StateRoot { get; init; }

    /// <summary>Hash of the validator set that votes on this block.</summary>
    public required Hash256 ValidatorSetHash { get; init; }

    /// <summary>Hash of the validator set for the next height (after this block's updates and evidence).</summary>
    public required Hash256 NextValidatorSetHash { get; init; }

    /// <summary>Hash of the block's last commit (zero at height 1).</summary>
    public required Hash256 LastCommitHash { get; init; }

    /// <summary>Merkle root over the receipts.</summary>
    public required Hash256 ReceiptsRoot { get; init; }

    /// <summary>Merkle root over the evidence encodings.</summary>
    public required Hash256 EvidenceRoot { get; init; }

    private byte[]? _encoded;
    private Hash256? _hash;

    /// <summary>Canonical encoding.</summary>
    public ReadOnlyMemory<byte> Encoded => _encoded ??= ToProto().ToByteArray();

    /// <summary>The block hash: BLAKE3-256 of <see cref="Encoded"/>.</summary>
    public Hash256 Hash => _hash ??= Blake3.Hash(Encoded.Span);

    private static ByteString OrEmpty(Hash256 h) => h == Hash256.Zero ? ByteString.Empty : Canonical.From(h);

    internal BlockHeaderProto ToProto() => new()
    {
        ChainId = ChainId,
        Height = Height,
        TimeUnixMs = TimeUnixMs,
        ParentHash = OrEmpty(ParentHash),
        Proposer = Canonical.From(Proposer),
        TransactionsRoot = Canonical.From(TransactionsRoot),
        StateRoot = Canonical.From(StateRoot),
        ValidatorSetHash = Canonical.From(ValidatorSetHash),
        NextValidatorSetHash = Canonical.From(NextValidatorSetHash),
        LastCommitHash = OrEmpty(LastCommitHash),
        ReceiptsRoot = Canonical.From(ReceiptsRoot),
        EvidenceRoot = Canonical.From(EvidenceRoot),
    };

    /// <summary>Decodes a canonical header.</summary>
    /// <param name="data">At most 1,024 bytes.</param>
    /// <returns>The header.</returns>
    /// <exception cref="ChainFormatException">Malformed, not canonical, or bad field lengths.</exception>
    public static BlockHeader Decode(ReadOnlySpan<byte> data) => FromProto(Canonical.Parse(Parser, data, ChainLimits.MaxHeaderBytes));

    internal static BlockHeader FromProto(BlockHeaderProto p)
    {
        static Hash256 H(ByteString b, bool optional) =>
            (optional && b.IsEmpty) ? Hash256.Zero : Canonical.IsHash(b) ? new Hash256(b.Span) : throw new ChainFormatException("header: hashes are 32 bytes");

        if (!Canonical.IsKey(p.Proposer) || p.ChainId.Length == 0 || p.ChainId.Length > ChainLimits.MaxChainIdBytes)
        {
            throw new ChainFormatException("header: bad proposer or chain id");
        }

        return new BlockHeader
        {
            ChainId = p.ChainId,
            Height = p.Height,
            TimeUnixMs = p.TimeUnixMs,
            ParentHash = H(p.ParentHash, true),
            Proposer = new Ed25519PublicKey(p.Proposer.Span),
            TransactionsRoot = H(p.TransactionsRoot, false),
            StateRoot = H(p.StateRoot, false),
            ValidatorSetHash = H(p.ValidatorSetHash, false),
            NextValidatorSetHash = H(p.NextValidatorSetHash, false),
            LastCommitHash = H(p.LastCommitHash, true),
            ReceiptsRoot = H(p.ReceiptsRoot, false),
            EvidenceRoot = H(p.EvidenceRoot, false),
        };
    }
}

/// <summary>
/// A block: header, transactions, duplicate-vote evidence and the commit of the parent block
/// (Tendermint's last_commit; null at height 1). Canonical form: BlockProto; at most
/// <see cref="ChainLimits.MaxBlockBytes"/> bytes and <see cref="ChainLimits.MaxBlockTransactions"/> transactions.
/// </summary>
public sealed class Block
{
    // Boxed so the cached encoding (possibly a slice of a received message) is published atomically.
    private System.Runtime.CompilerServices.StrongBox<ReadOnlyMemory<byte>>? _encoded;

    /// <summary>Creates a block from its parts (roots in the header are not checked here; see <see cref="BlockExecutor"/>).</summary>
    /// <param name="header">The header.</param>
    /// <param name="transactions">Transactions in execution order.</param>
    /// <param name="evidence">Evidence items.</param>
    /// <param name="lastCommit">Commit of the parent, or null at height 1.</param>
    public Block(BlockHeader header, IReadOnlyList<Transaction> transactions, IReadOnlyList<DuplicateVoteEvidence> evidence, Commit? lastCommit)
    {
        Header = header ?? throw new ArgumentNullException(nameof(header));
        Transactions = transactions ?? throw new ArgumentNullException(nameof(transactions));
        Evidence = evidence ?? throw new ArgumentNullException(nameof(evidence));
        LastCommit = lastCommit;
    }

    /// <summary>The header.</summary>
    public BlockHeader Header { get; }

    /// <summary>The block hash (the header's hash).</summary>
    public Hash256 Hash => Header.Hash;

    /// <summary>Height.</summary>
    public ulong Height => Header.Height;

    /// <summary>Transactions in execution order.</summary>
    public IReadOnlyList<Transaction> Transactions { get; }

    /// <summary>Duplicate-vote evidence.</summary>
    public IReadOnlyList<DuplicateVoteEvidence> Evidence { get; }

    /// <summary>Commit of the parent block, null at height 1.</summary>
    public Commit? LastCommit { get; }

    internal BlockProto ToProto()
    {
        var proto = new BlockProto { Header = Header.ToProto(), LastCommit = LastCommit?.ToProto() };
        foreach (var tx in Transactions)
        {
            proto.Transactions.Add(tx.ToProto());
        }

        foreach (var e in Evidence)
        {
            proto.Evidence.Add(e.ToProto());
        }

        return proto;
    }

    /// <summary>The canonical BlockProto encoding (cached).</summary>
    public ReadOnlyMemory<byte> Encode() => (_encoded ??= new(EncodeFast())).Value;

    private byte[] EncodeFast()
    {
        // Equivalent to ToProto().ToByteArray(), but copies the cached encodings of the parts into an
        // exact-size array instead of re-encoding them.
        long total = FieldSize(Header.Encoded.Length) + (LastCommit is null ? 0 : FieldSize(LastCommit.Encoded.Length));
        foreach (var tx in Transactions)
        {
            total += FieldSize(tx.Size);
        }

        foreach (var e in Evidence)
        {
            total += FieldSize(e.Encoded.Length);
        }

        var buffer = new byte[checked((int)total)];
        var output = new ProtoWriter(buffer);
        output.WriteBytesField(1, Header.Encoded.Span);
        foreach (var tx in Transactions)
        {
            output.WriteBytesField(2, tx.Encoded.Span);
        }

        foreach (var e in Evidence)
        {
            output.WriteBytesField(3, e.Encoded.Span);
        }

        if (LastCommit is not null)
        {
            output.WriteBytesField(4, LastCommit.Encoded.Span);
        }

        return buffer;
    }

    private static long FieldSize(int length) => ProtoWriter.LengthDelimitedSize(length);

    /// <summary>Decodes a canonical block (signatures and roots not checked).</summary>
    /// <param name="data">At most <see cref="ChainLimits.MaxBlockBytes"/> bytes.</param>
    /// <returns>The block.</returns>
    /// <exception cref="ChainFormatException">Malformed, not canonical, too large, or bad fields.</exception>
    public static Block Decode(ReadOnlySpan<byte> data) =>
        TryDecode(data, out var block, out var error) ? block! : throw new ChainFormatException(error!);

    /// <summary>Decodes a canonical block without throwing.</summary>
    /// <param name="data">The encoding.</param>
    /// <param name="block">The block or null.</param>
    /// <param name="error">Why decoding failed, or null.</param>
    /// <returns>True on success.</returns>
    public static bool TryDecode(ReadOnlySpan<byte> data, out Block? block, out string? error) => TryDecode(data, null, out block, out error);

    /// <summary>
    /// Decodes a canonical block by walking its framing (BlockProto fields are all length-delimited:
    /// header, then transactions, then evidence, then the last commit, each part strictly decoded on its
    /// own), so the transactions' bytes are neither re-encoded nor copied into protobuf objects. A
    /// transaction whose BLAKE3 id <paramref name="pool"/> holds is taken from the pool (same id, same
    /// bytes, signature already checked) instead of being decoded again.
    /// </summary>
    internal static bool TryDecode(ReadOnlySpan<byte> data, Mempool? pool, out Block? block, out string? error)
    {
        if (data.Length > ChainLimits.MaxBlockBytes)
        {
            block = null;
            error = $"BlockProto: {data.Length} bytes exceeds the {ChainLimits.MaxBlockBytes}-byte bound";
            return false;
        }

        return TryDecode(new ReadOnlyMemory<byte>(data.ToArray()), pool, out block, out error);
    }

    /// <summary>
    /// As <see cref="TryDecode(ReadOnlySpan{byte}, Mempool?, out Block?, out string?)"/>, keeping
    /// <paramref name="memory"/> itself (not a copy) as the block's canonical encoding; the caller hands
    /// it over and must not modify it afterwards.
    /// </summary>
    internal static bool TryDecode(ReadOnlyMemory<byte> memory, Mempool? pool, out Block? block, out string? error)
    {
        var data = memory.Span;
        block = null;
        if (data.Length > ChainLimits.MaxBlockBytes)
        {
            error = $"BlockProto: {data.Length} bytes exceeds the {ChainLimits.MaxBlockBytes}-byte bound";
            return false;
        }

        try
        {
            int pos = 0;
            if (!Canonical.TryReadField(data, ref pos, out int field, out var value) || field != 1)
            {
                throw new ChainFormatException(data.IsEmpty ? "block: header missing" : "BlockProto: malformed or not canonical");
            }

            var header = BlockHeader.Decode(value);
            var txSlices = new List<(int Offset, int Length)>();
            var evidence = new List<DuplicateVoteEvidence>();
            Commit? lastCommit = null;
            int previous = 1;
            while (pos < data.Length)
            {
                if (!Canonical.TryReadField(data, ref pos, out field, out value) || field < previous || field > 4 || (field == previous && field == 4))
                {
                    throw new ChainFormatException("BlockProto: malformed or not canonical");
                }

                previous = field;
                switch (field)
                {
                    case 2:
                        if (txSlices.Count == ChainLimits.MaxBlockTransactions) throw new ChainFormatException("block: too many transactions or evidence items");
                        txSlices.Add((pos - value.Length, value.Length));
                        break;
                    case 3:
                        if (evidence.Count == ChainLimits.MaxBlockEvidence) throw new ChainFormatException("block: too many transactions or evidence items");
                        evidence.Add(DuplicateVoteEvidence.Decode(value));
                        break;
                    default:
                        lastCommit = Commit.Decode(value);
                        break;
                }
            }

            var txs = new Transaction[txSlices.Count];
            Transaction?[]? pooled = null;
            Hash256[]? hashes = null; // the ids computed for the pool lookup (pooled array), reused by the decoder
            try
            {
                if (pool is not null && txs.Length > 0)
                {
                    hashes = System.Buffers.ArrayPool<Hash256>.Shared.Rent(txs.Length);
                    for (int i = 0; i < txs.Length; i++)
                    {
                        hashes[i] = Blake3.Hash(data.Slice(txSlices[i].Offset, txSlices[i].Length));
                    }

                    pooled = pool.Lookup(hashes.AsSpan(0, txs.Length));
                }

                for (int i = 0; i < txs.Length; i++)
                {
                    txs[i] = pooled?[i] ?? (Transaction.TryDecodeOwned(memory.Slice(txSlices[i].Offset, txSlices[i].Length), hashes?[i], out var tx, out var txError) ? tx! : throw new ChainFormatException(txError!));
                }
            }
            finally
            {
                if (hashes is not null)
                {
                    System.Buffers.ArrayPool<Hash256>.Shared.Return(hashes);
                }
            }

            block = new Block(header, txs, evidence.ToArray(), lastCommit) { _encoded = new(memory) };
            error = null;
            return true;
        }
        catch (ChainFormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    internal static Hash256 ComputeTransactionsRoot(IReadOnlyList<Transaction> transactions)
    {
        int count = transactions.Count;
        var leaves = System.Buffers.ArrayPool<Hash256>.Shared.Rent(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                leaves[i] = MerkleTree.HashLeaf(transactions[i].Encoded.Span);
            }

            return MerkleTree.ComputeRoot(leaves.AsSpan(0, count));
        }
        finally
        {
            System.Buffers.ArrayPool<Hash256>.Shared.Return(leaves);
        }
    }

    internal static Hash256 ComputeEvidenceRoot(IReadOnlyList<DuplicateVoteEvidence> evidence)
    {
        var leaves = new Hash256[evidence.Count];
        for (int i = 0; i < leaves.Length; i++)
        {
            leaves[i] = MerkleTree.HashLeaf(evidence[i].Encoded.Span);
        }

        return MerkleTree.ComputeRoot(leaves);
    }
}
