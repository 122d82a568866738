using CsCheck;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

public class StateTests
{
    private static Ed25519PublicKey Addr(int i) => TestChain.Key(i).PublicKey;

    [Fact]
    public void Empty_tree_has_zero_root_and_proves_exclusion()
    {
        Assert.Equal(Hash256.Zero, StateTree.Empty.Root);
        var proof = StateTree.Empty.Prove(Addr(1));
        Assert.Null(proof.Account);
        Assert.True(proof.Verify(Hash256.Zero));
    }

    [Fact]
    public void Single_leaf_root_is_the_documented_leaf_hash()
    {
        var tree = StateTree.Empty.With([KeyValuePair.Create(Addr(1), new Account(5, 1))]);
        byte[] value = new byte[16];
        value[0] = 5;
        value[8] = 1;
        byte[] leaf = [0x00, .. Blake3.Hash(Addr(1).AsSpan()).AsSpan(), .. Blake3.Hash(value).AsSpan()];
        Assert.Equal(Blake3.Hash(leaf), tree.Root);
    }

    [Fact]
    public void Two_leaves_root_is_the_documented_branch_hash_over_the_first_differing_bit()
    {
        var a = new Account(1, 0);
        var b = new Account(2, 0);
        var tree = StateTree.Empty.With([KeyValuePair.Create(Addr(1), a), KeyValuePair.Create(Addr(2), b)]);
        var ka = StateTree.KeyOf(Addr(1));
        var kb = StateTree.KeyOf(Addr(2));
        int d = 0;
        while (StateTree.Bit(ka, d) == StateTree.Bit(kb, d)) d++;
        var la = StateTree.HashLeaf(ka, a.ValueHash);
        var lb = StateTree.HashLeaf(kb, b.ValueHash);
        var h = StateTree.Bit(ka, d) ? StateTree.HashBranch(lb, la) : StateTree.HashBranch(la, lb);
        for (int i = d - 1; i >= 0; i--)
        {
            h = StateTree.Bit(ka, i) ? StateTree.HashBranch(Hash256.Zero, h) : StateTree.HashBranch(h, Hash256.Zero);
        }

        Assert.Equal(h, tree.Root);
    }

    [Fact]
    public void Tree_matches_a_dictionary_model_and_every_proof_verifies()
    {
        Gen.Select(Gen.Int[0, 300], Gen.ULong, Gen.ULong).List[1, 60].List[1, 4].Sample(batches =>
        {
            var model = new Dictionary<int, Account>();
            var tree = StateTree.Empty;
            foreach (var batch in batches)
            {
                tree = tree.With(batch.Select(t => KeyValuePair.Create(Addr(t.Item1), new Account(t.Item2, t.Item3))));
                foreach (var t in batch) model[t.Item1] = new Account(t.Item2, t.Item3);
            }

            Assert.Equal(model.Count, tree.Count);
            var root = tree.Root;
            for (int i = 0; i < 310; i += 7)
            {
                var proof = StateProof.Decode(tree.Prove(Addr(i)).Encode());
                Assert.True(proof.Verify(root));
                if (model.TryGetValue(i, out var acc))
                {
                    Assert.Equal(acc, proof.Account);
                    Assert.Equal(acc, tree.Get(Addr(i)));
                }
                else
                {
                    Assert.Null(proof.Account);
                    Assert.False(tree.TryGet(Addr(i), out _));
                }
            }

            // The root depends only on the contents, not on batch order.
            var rebuilt = StateTree.Empty.With(model.Select(kv => KeyValuePair.Create(Addr(kv.Key), kv.Value)));
            Assert.Equal(root, rebuilt.Root);
        }, iter: 60);
    }

    [Fact]
    public void Updates_from_a_dictionary_give_the_same_tree_as_from_a_sequence()
    {
        // A Dictionary (block execution's overlay) takes the path without de-duplication; one-account
        // batches take the path that pairs the update with the leaf it meets.
        Gen.Select(Gen.Int[0, 300], Gen.ULong, Gen.ULong).List[1, 40].List[1, 6].Sample(batches =>
        {
            StateTree fromSequence = StateTree.Empty, fromDictionary = StateTree.Empty;
            foreach (var batch in batches)
            {
                var updates = batch.Select(t => KeyValuePair.Create(Addr(t.Item1), new Account(t.Item2, t.Item3))).ToList();
                fromSequence = fromSequence.With(updates);
                var distinct = new Dictionary<Ed25519PublicKey, Account>();
                foreach (var (address, account) in updates) distinct[address] = account;
                fromDictionary = fromDictionary.With(distinct);
                Assert.Equal(fromSequence.Root, fromDictionary.Root);
                Assert.Equal(fromSequence.Count, fromDictionary.Count);
                foreach (var (address, _) in updates)
                {
                    fromDictionary = fromDictionary.With(new Dictionary<Ed25519PublicKey, Account> { [address] = new Account(7, 7) });
                    fromSequence = fromSequence.With([KeyValuePair.Create(address, new Account(7, 7))]);
                    Assert.Equal(fromSequence.Root, fromDictionary.Root);
                }
            }

            Assert.Equal(StateTree.Empty.With(fromDictionary.Enumerate()).Root, fromDictionary.Root);
        }, iter: 60);
    }

    [Fact]
    public void Forged_proofs_fail()
    {
        var tree = StateTree.Empty.With(Enumerable.Range(0, 50).Select(i => KeyValuePair.Create(Addr(i), new Account((ulong)i * 10, 0))));
        var root = tree.Root;
        var inclusion = tree.Prove(Addr(7));
        Assert.True(inclusion.Verify(root));
        // Claiming another balance.
        Assert.False(new StateProof(Addr(7), new Account(71, 0), inclusion.Siblings.ToArray(), inclusion.LeafKey, inclusion.LeafValueHash).Verify(root));
        // Claiming absence of a present account (drop the leaf).
        Assert.False(new StateProof(Addr(7), null, inclusion.Siblings.ToArray(), null, null).Verify(root));
        // Claiming absence with the account's own leaf.
        Assert.False(new StateProof(Addr(7), null, inclusion.Siblings.ToArray(), inclusion.LeafKey, inclusion.LeafValueHash).Verify(root));
        // A tampered sibling.
        var siblings = inclusion.Siblings.ToArray();
        siblings[0] = Blake3.Hash("x"u8);
        Assert.False(new StateProof(Addr(7), inclusion.Account, siblings, inclusion.LeafKey, inclusion.LeafValueHash).Verify(root));
        // Another account's inclusion proof presented as exclusion of an absent account fails unless prefixes match.
        var exclusion = tree.Prove(Addr(999));
        Assert.True(exclusion.Verify(root));
        Assert.False(new StateProof(Addr(999), null, inclusion.Siblings.ToArray(), inclusion.LeafKey, inclusion.LeafValueHash).Verify(root));
        // An older root does not verify a newer proof.
        var newer = tree.With([KeyValuePair.Create(Addr(7), new Account(1, 1))]);
        Assert.False(newer.Prove(Addr(7)).Verify(root));
        Assert.True(newer.Prove(Addr(7)).Verify(newer.Root));
    }

    [Fact]
    public void Old_versions_are_unchanged_by_updates()
    {
        var v1 = StateTree.Empty.With(Enumerable.Range(0, 20).Select(i => KeyValuePair.Create(Addr(i), new Account(1, 0))));
        var root1 = v1.Root;
        var v2 = v1.With([KeyValuePair.Create(Addr(3), new Account(9, 9)), KeyValuePair.Create(Addr(100), new Account(1, 0))]);
        Assert.Equal(root1, v1.Root);
        Assert.Equal(new Account(1, 0), v1.Get(Addr(3)));
        Assert.Equal(new Account(9, 9), v2.Get(Addr(3)));
        Assert.Equal(21, v2.Count);
        Assert.Equal(20, v1.Count);
        Assert.Equal(21, v2.Enumerate().Count());
    }
}
