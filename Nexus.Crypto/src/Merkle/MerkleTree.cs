using System.Buffers;

namespace Nexus.Crypto;

/// <summary>
/// A binary Merkle tree over BLAKE3 (see <c>docs/protocol/merkle.md</c>).
/// <para>
/// Hashing is domain-separated by BLAKE3 keyed mode with two fixed keys derived by BLAKE3
/// derive_key: leaf = BLAKE3-keyed(<see cref="LeafKey"/>, data) and node =
/// BLAKE3-keyed(<see cref="NodeKey"/>, left ‖ right), so no leaf can be passed off as a node
/// (a 64-byte node input is one BLAKE3 block: one compression per node).
/// </para>
/// <para>
/// Odd-leaf rule: the tree is built level by level, pairing neighbours left to right; a node left
/// without a partner at the end of a level is promoted to the next level unchanged (never
/// duplicated, so two different leaf lists can never share a root the way Bitcoin's duplicated
/// last leaf allows). This gives the same shape as RFC 6962 section 2.1 (split at the largest power
/// of two below n). The root of one leaf is that leaf's hash; the root of no leaves is
/// BLAKE3-keyed(<see cref="NodeKey"/>, empty), which no leaf or node can equal except by a collision.
/// </para>
/// </summary>
public sealed class MerkleTree
{
    /// <summary>The derive_key context for <see cref="LeafKey"/>: "nexus 2026-11-24 merkle leaf v1".</summary>
    public const string LeafContext = "nexus 2026-11-24 merkle leaf v1";

    /// <summary>The derive_key context for <see cref="NodeKey"/>: "nexus 2026-11-24 merkle node v1".</summary>
    public const string NodeContext = "nexus 2026-11-24 merkle node v1";

    /// <summary>The largest supported leaf count: 2^31 - 1 (indices are non-negative <see cref="int"/>s).</summary>
    public const int MaxLeafCount = int.MaxValue;

    private static readonly byte[] LeafKeyBytes = Blake3.DeriveKey(LeafContext, ReadOnlySpan<byte>.Empty).ToArray();
    private static readonly byte[] NodeKeyBytes = Blake3.DeriveKey(NodeContext, ReadOnlySpan<byte>.Empty).ToArray();

    private readonly Hash256[][] _levels; // _levels[0] = leaf hashes, last = [root]

    private MerkleTree(Hash256[][] levels) => _levels = levels;

    /// <summary>The 32-byte BLAKE3 key for leaves: derive_key(<see cref="LeafContext"/>, empty).</summary>
    public static ReadOnlySpan<byte> LeafKey => LeafKeyBytes;

    /// <summary>The 32-byte BLAKE3 key for inner nodes: derive_key(<see cref="NodeContext"/>, empty).</summary>
    public static ReadOnlySpan<byte> NodeKey => NodeKeyBytes;

    /// <summary>The root of a tree with no leaves: BLAKE3-keyed(<see cref="NodeKey"/>, empty).</summary>
    public static Hash256 EmptyRoot { get; } = Blake3.KeyedHash(NodeKeyBytes, ReadOnlySpan<byte>.Empty);

    /// <summary>The number of leaves.</summary>
    public int LeafCount => _levels[0].Length;

    /// <summary>The root hash (<see cref="EmptyRoot"/> for no leaves).</summary>
    public Hash256 Root => LeafCount == 0 ? EmptyRoot : _levels[^1][0];

    /// <summary>The leaf hashes in order (<see cref="HashLeaf"/> of each leaf).</summary>
    public ReadOnlySpan<Hash256> LeafHashes => _levels[0];

    /// <summary>Hashes one leaf's data: BLAKE3-keyed(<see cref="LeafKey"/>, data).</summary>
    /// <param name="data">The leaf's bytes, any length.</param>
    /// <returns>The 32-byte leaf hash.</returns>
    public static Hash256 HashLeaf(ReadOnlySpan<byte> data) => Blake3.KeyedHash(LeafKeyBytes, data);

    /// <summary>Hashes an inner node: BLAKE3-keyed(<see cref="NodeKey"/>, left ‖ right), a 64-byte input.</summary>
    /// <param name="left">The left child's hash.</param>
    /// <param name="right">The right child's hash.</param>
    /// <returns>The 32-byte node hash.</returns>
    public static Hash256 HashNode(in Hash256 left, in Hash256 right)
    {
        Span<byte> pair = stackalloc byte[2 * Hash256.SizeInBytes];
        left.WriteTo(pair);
        right.WriteTo(pair[Hash256.SizeInBytes..]);
        return Blake3.KeyedHash(NodeKeyBytes, pair);
    }

    /// <summary>Builds a tree over leaf data (each leaf is hashed with <see cref="HashLeaf"/>).</summary>
    /// <param name="leaves">The leaves in order; may be empty.</param>
    /// <returns>The tree, holding every level so proofs can be cut.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="leaves"/> is null.</exception>
    public static MerkleTree Build(IReadOnlyList<ReadOnlyMemory<byte>> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var hashes = new Hash256[leaves.Count];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i] = HashLeaf(leaves[i].Span);
        }

        return FromLeafHashes(hashes);
    }

    /// <summary>Builds a tree over leaves that are already hashed with <see cref="HashLeaf"/>.</summary>
    /// <param name="leafHashes">The leaf hashes in order; copied.</param>
    /// <returns>The tree, holding every level (about 2 × leaf count hashes).</returns>
    public static MerkleTree FromLeafHashes(ReadOnlySpan<Hash256> leafHashes)
    {
        var levels = new List<Hash256[]> { leafHashes.ToArray() };
        var level = levels[0];
        while (level.Length > 1)
        {
            var next = new Hash256[(level.Length + 1) / 2];
            ReduceLevel(level, next);
            levels.Add(next);
            level = next;
        }

        return new MerkleTree([.. levels]);
    }

    /// <summary>
    /// Computes only the root over leaf hashes, without keeping the tree: O(n) time, one temporary
    /// buffer of n/2 hashes from the shared array pool.
    /// </summary>
    /// <param name="leafHashes">The leaf hashes in order; not modified.</param>
    /// <returns>The root, identical to <see cref="Root"/> of <see cref="FromLeafHashes"/>.</returns>
    public static Hash256 ComputeRoot(ReadOnlySpan<Hash256> leafHashes)
    {
        if (leafHashes.Length == 0)
        {
            return EmptyRoot;
        }

        if (leafHashes.Length == 1)
        {
            return leafHashes[0];
        }

        int count = (leafHashes.Length + 1) / 2;
        var buffer = ArrayPool<Hash256>.Shared.Rent(count);
        try
        {
            ReduceLevel(leafHashes, buffer.AsSpan(0, count));
            while (count > 1)
            {
                int next = (count + 1) / 2;
                ReduceLevel(buffer.AsSpan(0, count), buffer.AsSpan(0, next));
                count = next;
            }

            return buffer[0];
        }
        finally
        {
            ArrayPool<Hash256>.Shared.Return(buffer);
        }
    }

    /// <summary>Cuts the inclusion proof of one leaf.</summary>
    /// <param name="leafIndex">0 ≤ index &lt; <see cref="LeafCount"/>.</param>
    /// <returns>The proof: the sibling hashes from the leaf's level upwards, skipping levels where the node is promoted.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="leafIndex"/> is outside the tree.</exception>
    public MerkleProof GetProof(int leafIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leafIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leafIndex, LeafCount);
        var siblings = new List<Hash256>(_levels.Length);
        int index = leafIndex;
        for (int level = 0; level < _levels.Length - 1; level++)
        {
            var nodes = _levels[level];
            int sibling = index ^ 1;
            if (sibling < nodes.Length)
            {
                siblings.Add(nodes[sibling]);
            }

            index >>= 1;
        }

        return new MerkleProof(leafIndex, LeafCount, [.. siblings]);
    }

    /// <summary>
    /// Writes the parents of <paramref name="level"/> into <paramref name="parents"/> ((n+1)/2 hashes);
    /// the two may be the same memory since parent i is written after children 2i and 2i+1 are read.
    /// </summary>
    private static void ReduceLevel(ReadOnlySpan<Hash256> level, Span<Hash256> parents)
    {
        int pairs = level.Length / 2;
        for (int i = 0; i < pairs; i++)
        {
            parents[i] = HashNode(level[2 * i], level[(2 * i) + 1]);
        }

        if ((level.Length & 1) != 0)
        {
            parents[pairs] = level[^1];
        }
    }
}
