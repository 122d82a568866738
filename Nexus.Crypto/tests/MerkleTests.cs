using CsCheck;

namespace Nexus.Crypto.Tests;

public class MerkleTests
{
    private static List<ReadOnlyMemory<byte>> Leaves(int count) =>
        Enumerable.Range(0, count).Select(i => (ReadOnlyMemory<byte>)BitConverter.GetBytes(i * 7919)).ToList();

    [Fact]
    public void Roots_follow_the_documented_construction()
    {
        var leaves = Leaves(5).Select(l => MerkleTree.HashLeaf(l.Span)).ToArray();
        var ab = MerkleTree.HashNode(leaves[0], leaves[1]);
        var cd = MerkleTree.HashNode(leaves[2], leaves[3]);
        var expected = MerkleTree.HashNode(MerkleTree.HashNode(ab, cd), leaves[4]); // e is promoted twice

        Assert.Equal(expected, MerkleTree.FromLeafHashes(leaves).Root);
        Assert.Equal(expected, MerkleTree.ComputeRoot(leaves));
        Assert.Equal(leaves[0], MerkleTree.ComputeRoot(leaves.AsSpan(0, 1)));
        Assert.Equal(MerkleTree.EmptyRoot, MerkleTree.ComputeRoot([]));
        Assert.Equal(MerkleTree.EmptyRoot, MerkleTree.Build([]).Root);

        // Leaf and node hashing are separated: keyed BLAKE3 under two derived keys.
        Assert.Equal(Blake3.KeyedHash(Blake3.DeriveKey(MerkleTree.LeafContext, []).AsSpan(), "x"u8), MerkleTree.HashLeaf("x"u8));
        Assert.NotEqual(MerkleTree.HashLeaf(ab.ToArray().Concat(cd.ToArray()).ToArray()), MerkleTree.HashNode(ab, cd));
        // Duplicating the last leaf (Bitcoin's rule) gives a different root.
        Assert.NotEqual(MerkleTree.ComputeRoot([.. leaves, leaves[4]]), MerkleTree.ComputeRoot(leaves));
    }

    [Fact]
    public void Every_leaf_proof_verifies_and_any_alteration_fails()
    {
        Gen.Int[1, 300].Select(Gen.Int[0, int.MaxValue]).Sample((count, salt) =>
        {
            var leaves = Leaves(count);
            var tree = MerkleTree.Build(leaves);
            Assert.Equal(tree.Root, MerkleTree.ComputeRoot(tree.LeafHashes));
            var random = new Random(salt);
            for (int i = 0; i < count; i++)
            {
                var proof = tree.GetProof(i);
                Assert.True(proof.Verify(tree.Root, leaves[i].Span));

                // Serialization round trip.
                var parsed = MerkleProof.Parse(proof.ToArray());
                Assert.True(parsed.Verify(tree.Root, leaves[i].Span));

                // Altered leaf.
                var leaf = leaves[i].ToArray();
                leaf[random.Next(leaf.Length)] ^= (byte)(1 << random.Next(8));
                Assert.False(proof.Verify(tree.Root, leaf));

                // Altered root.
                var root = tree.Root.ToArray();
                root[random.Next(32)] ^= (byte)(1 << random.Next(8));
                Assert.False(proof.Verify(new Hash256(root), leaves[i].Span));

                // Altered sibling.
                var bytes = proof.ToArray();
                if (proof.Siblings.Length > 0)
                {
                    var sibling = bytes.ToArray();
                    sibling[MerkleProof.HeaderSizeInBytes + random.Next(bytes.Length - MerkleProof.HeaderSizeInBytes)] ^= (byte)(1 << random.Next(8));
                    Assert.False(MerkleProof.Parse(sibling).Verify(tree.Root, leaves[i].Span));
                }

                // Altered index: either rejected as malformed or proves nothing about this leaf.
                if (count > 1)
                {
                    var other = (i + 1 + random.Next(count - 1)) % count;
                    var moved = bytes.ToArray();
                    BitConverter.TryWriteBytes(moved.AsSpan(0, 4), other);
                    Assert.False(MerkleProof.TryParse(moved, out var movedProof) && movedProof!.Verify(tree.Root, leaves[i].Span));
                }
            }
        }, iter: 40);
    }

    [Fact]
    public void Malformed_proofs_are_rejected_without_throwing_anything_but_format_exception()
    {
        var tree = MerkleTree.Build(Leaves(10));
        var good = tree.GetProof(3).ToArray();
        Assert.False(MerkleProof.TryParse(good.AsSpan(0, good.Length - 1), out _)); // truncated
        Assert.False(MerkleProof.TryParse([.. good, 0], out _));                  // trailing byte
        Assert.False(MerkleProof.TryParse(good.AsSpan(0, 9), out _));             // short header
        var wrongCount = good.ToArray();
        wrongCount[8] = 0xff;                                                     // sibling count 255: not what (3, 10) implies
        Assert.False(MerkleProof.TryParse(wrongCount, out _));
        var indexPastEnd = good.ToArray();
        BitConverter.TryWriteBytes(indexPastEnd.AsSpan(0, 4), 10);
        Assert.False(MerkleProof.TryParse(indexPastEnd, out _));
        Assert.Throws<FormatException>(() => MerkleProof.Parse(new byte[3]));

        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            if (MerkleProof.TryParse(bytes, out var proof))
            {
                Assert.Equal(bytes.Length, proof!.SerializedSize);
            }
        }, iter: 2000);
    }
}
