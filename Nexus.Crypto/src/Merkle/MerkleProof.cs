using System.Buffers.Binary;

namespace Nexus.Crypto;

/// <summary>
/// An inclusion proof for one leaf of a <see cref="MerkleTree"/>: the leaf index, the leaf count
/// (which fixes where the odd-leaf rule promotes a node without a sibling) and the sibling hashes
/// from the leaf's level upwards.
/// <para>
/// Serialized layout (little-endian, decision D4), <see cref="SerializedSize"/> bytes:
/// leaf index (u32) ‖ leaf count (u32) ‖ sibling count (u16) ‖ siblings (32 bytes each).
/// The sibling count must be exactly what the index and count imply (at most 31).
/// </para>
/// </summary>
public sealed class MerkleProof
{
    /// <summary>The fixed header size of the serialized form: 10 bytes.</summary>
    public const int HeaderSizeInBytes = 10;

    private readonly Hash256[] _siblings;

    internal MerkleProof(int leafIndex, int leafCount, Hash256[] siblings)
    {
        LeafIndex = leafIndex;
        LeafCount = leafCount;
        _siblings = siblings;
    }

    /// <summary>The proven leaf's position, 0-based.</summary>
    public int LeafIndex { get; }

    /// <summary>The number of leaves in the tree the proof was cut from.</summary>
    public int LeafCount { get; }

    /// <summary>The sibling hashes, leaf level first.</summary>
    public ReadOnlySpan<Hash256> Siblings => _siblings;

    /// <summary>The serialized size: 10 + 32 × sibling count bytes.</summary>
    public int SerializedSize => HeaderSizeInBytes + (_siblings.Length * Hash256.SizeInBytes);

    /// <summary>Checks that <paramref name="leafData"/> is leaf <see cref="LeafIndex"/> of the tree with <paramref name="root"/>.</summary>
    /// <param name="root">The trusted root.</param>
    /// <param name="leafData">The leaf's bytes (hashed with <see cref="MerkleTree.HashLeaf"/>).</param>
    /// <returns>True only if the proof leads from the leaf to exactly that root.</returns>
    public bool Verify(in Hash256 root, ReadOnlySpan<byte> leafData) => VerifyLeafHash(root, MerkleTree.HashLeaf(leafData));

    /// <summary>Checks that <paramref name="leafHash"/> is leaf <see cref="LeafIndex"/> of the tree with <paramref name="root"/>.</summary>
    /// <param name="root">The trusted root.</param>
    /// <param name="leafHash">The leaf hash.</param>
    /// <returns>True only if the proof leads from the leaf hash to exactly that root.</returns>
    public bool VerifyLeafHash(in Hash256 root, in Hash256 leafHash) => TryComputeRoot(leafHash, out var computed) && computed == root;

    /// <summary>Recomputes the root implied by this proof for a leaf hash.</summary>
    /// <param name="leafHash">The leaf hash.</param>
    /// <param name="root">The implied root, or default when this returns false.</param>
    /// <returns>False if the proof's shape is inconsistent with its index and count.</returns>
    public bool TryComputeRoot(in Hash256 leafHash, out Hash256 root)
    {
        root = default;
        if (!IsConsistent(LeafIndex, LeafCount, _siblings.Length))
        {
            return false;
        }

        var node = leafHash;
        int index = LeafIndex, width = LeafCount, used = 0;
        while (width > 1)
        {
            int sibling = index ^ 1;
            if (sibling < width)
            {
                node = (index & 1) == 0 ? MerkleTree.HashNode(node, _siblings[used]) : MerkleTree.HashNode(_siblings[used], node);
                used++;
            }

            index >>= 1;
            width -= width >> 1;
        }

        root = node;
        return true;
    }

    /// <summary>Writes the serialized proof (see the class summary).</summary>
    /// <param name="destination">At least <see cref="SerializedSize"/> bytes.</param>
    /// <returns>The number of bytes written: <see cref="SerializedSize"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public int WriteTo(Span<byte> destination)
    {
        FixedBytes.RequireDestination(destination, SerializedSize, nameof(destination));
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)LeafIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)LeafCount);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], (ushort)_siblings.Length);
        for (int i = 0; i < _siblings.Length; i++)
        {
            _siblings[i].WriteTo(destination[(HeaderSizeInBytes + (i * Hash256.SizeInBytes))..]);
        }

        return SerializedSize;
    }

    /// <summary>Returns the serialized proof as a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[SerializedSize];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Parses a serialized proof without throwing.</summary>
    /// <param name="bytes">Exactly one serialized proof.</param>
    /// <param name="proof">The proof, or null when this returns false.</param>
    /// <returns>
    /// False when the input is truncated or has trailing bytes, the index is not below the count,
    /// or the sibling count is not the one the index and count imply.
    /// </returns>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out MerkleProof? proof)
    {
        proof = null;
        if (bytes.Length < HeaderSizeInBytes)
        {
            return false;
        }

        uint index = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        int siblings = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
        if (count > MerkleTree.MaxLeafCount || index >= count || !IsConsistent((int)index, (int)count, siblings)
            || bytes.Length != HeaderSizeInBytes + (siblings * Hash256.SizeInBytes))
        {
            return false;
        }

        var hashes = new Hash256[siblings];
        for (int i = 0; i < siblings; i++)
        {
            hashes[i] = new Hash256(bytes.Slice(HeaderSizeInBytes + (i * Hash256.SizeInBytes), Hash256.SizeInBytes));
        }

        proof = new MerkleProof((int)index, (int)count, hashes);
        return true;
    }

    /// <summary>Parses a serialized proof.</summary>
    /// <param name="bytes">Exactly one serialized proof.</param>
    /// <returns>The proof.</returns>
    /// <exception cref="FormatException">The input is not a well-formed proof (see <see cref="TryParse"/>).</exception>
    public static MerkleProof Parse(ReadOnlySpan<byte> bytes) =>
        TryParse(bytes, out var proof) ? proof! : throw new FormatException("Not a well-formed Merkle proof: truncated, trailing bytes, index not below count, or wrong sibling count.");

    /// <summary>True when <paramref name="siblings"/> is the path length that (index, count) implies.</summary>
    private static bool IsConsistent(int index, int count, int siblings)
    {
        if (index < 0 || index >= count)
        {
            return false;
        }

        int expected = 0;
        for (int width = count; width > 1; width -= width >> 1, index >>= 1)
        {
            if ((index ^ 1) < width)
            {
                expected++;
            }
        }

        return expected == siblings;
    }
}
