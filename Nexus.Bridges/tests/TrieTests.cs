using System.Text;
using System.Text.Json;
using Nexus.Bridges.Evm;
using Nexus.Bridges.Tests.Support;

namespace Nexus.Bridges.Tests;

public class TrieTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in new[] { "trietest", "trieanyorder", "trietest_secureTrie", "trieanyorder_secureTrie", "hex_encoded_securetrie_test" })
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector($"TrieTests/{file}.json")));
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                data.Add(file, p.Name);
            }
        }

        return data;
    }

    private static byte[] Bytes(JsonElement e) =>
        e.ValueKind == JsonValueKind.Null ? [] :
        e.GetString()!.StartsWith("0x", StringComparison.Ordinal) ? Hex.Decode(e.GetString()!) : Encoding.UTF8.GetBytes(e.GetString()!);

    private static List<(byte[] Key, byte[] Value)> Inputs(JsonElement input)
    {
        var list = new List<(byte[], byte[])>();
        if (input.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement pair in input.EnumerateArray())
            {
                list.Add((Bytes(pair[0]), Bytes(pair[1])));
            }
        }
        else
        {
            foreach (JsonProperty p in input.EnumerateObject())
            {
                byte[] key = p.Name.StartsWith("0x", StringComparison.Ordinal) ? Hex.Decode(p.Name) : Encoding.UTF8.GetBytes(p.Name);
                list.Add((key, Bytes(p.Value)));
            }
        }

        return list;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Vector_root_matches_and_every_key_proves(string file, string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector($"TrieTests/{file}.json")));
        JsonElement c = doc.RootElement.GetProperty(name);
        bool secure = file.Contains("secure", StringComparison.Ordinal);
        List<(byte[] Key, byte[] Value)> inputs = Inputs(c.GetProperty("in"));
        Hash32 expected = Hash32.Parse(c.GetProperty("root").GetString()!);

        var trie = new MerklePatriciaTrie(secure);
        foreach ((byte[] key, byte[] value) in inputs)
        {
            trie.Put(key, value);
        }

        Assert.Equal(expected, trie.RootHash);

        if (c.GetProperty("in").ValueKind == JsonValueKind.Object)
        {
            // any order: reversed and shuffled insertion give the same root
            var rng = new Random(7);
            foreach (var order in new[] { Enumerable.Reverse(inputs).ToList(), inputs.OrderBy(_ => rng.Next()).ToList() })
            {
                var other = new MerklePatriciaTrie(secure);
                foreach ((byte[] key, byte[] value) in order)
                {
                    other.Put(key, value);
                }

                Assert.Equal(expected, other.RootHash);
            }
        }

        // Every key (present or deleted) proves against the root.
        foreach ((byte[] key, _) in inputs)
        {
            byte[] path = secure ? Keccak256.Hash(key).ToArray() : key;
            IReadOnlyList<byte[]> proof = trie.GetProof(key);
            Assert.True(TrieProof.TryVerify(expected, path, proof, out byte[]? value));
            Assert.Equal(trie.Get(key), value);
        }
    }

    [Fact]
    public void Empty_trie_has_the_empty_root_and_proves_absence_with_no_nodes()
    {
        var trie = new MerklePatriciaTrie();
        Assert.Equal(Hash32.EmptyTrieRoot, trie.RootHash);
        Assert.Empty(trie.GetProof("abc"u8));
        Assert.True(TrieProof.TryVerify(Hash32.EmptyTrieRoot, "abc"u8, [], out byte[]? v));
        Assert.Null(v);
        Assert.False(TrieProof.TryVerify(Keccak256.Hash("x"u8), "abc"u8, [], out _));
    }

    [Fact]
    public void Inline_nodes_shorter_than_32_bytes_are_embedded_and_verify()
    {
        // Short keys and values make leaves of a few bytes: they are embedded in the branch, not listed.
        var trie = new MerklePatriciaTrie();
        trie.Put([0x01], [0xaa]);
        trie.Put([0x02], [0xbb]);
        trie.Put([0x11], [0xcc]);
        IReadOnlyList<byte[]> proof = trie.GetProof([0x02]);
        Assert.Single(proof);
        Assert.True(TrieProof.TryVerify(trie.RootHash, [0x02], proof, out byte[]? value));
        Assert.Equal(new byte[] { 0xbb }, value);
        Assert.True(TrieProof.TryVerify(trie.RootHash, [0x03], trie.GetProof([0x03]), out value));
        Assert.Null(value);
        Assert.True(TrieProof.TryVerify(trie.RootHash, [0x01, 0x00], trie.GetProof([0x01, 0x00]), out value));
        Assert.Null(value);
    }

    [Fact]
    public void Big_secure_trie_proves_inclusion_and_exclusion_and_rejects_tampering()
    {
        var rng = new Random(42);
        var trie = new MerklePatriciaTrie(secure: true);
        var keys = new List<byte[]>();
        for (int i = 0; i < 3000; i++)
        {
            byte[] key = new byte[20];
            rng.NextBytes(key);
            byte[] value = new byte[rng.Next(1, 90)];
            rng.NextBytes(value);
            trie.Put(key, value);
            keys.Add(key);
        }

        Hash32 root = trie.RootHash;
        foreach (byte[] key in keys.Take(200))
        {
            IReadOnlyList<byte[]> proof = trie.GetProof(key);
            byte[] path = Keccak256.Hash(key).ToArray();
            Assert.True(TrieProof.TryVerify(root, path, proof, out byte[]? value));
            Assert.Equal(trie.Get(key), value);

            // Flip one bit in any node: the proof no longer verifies.
            int n = rng.Next(proof.Count);
            byte[][] tampered = proof.Select(p => (byte[])p.Clone()).ToArray();
            tampered[n][rng.Next(tampered[n].Length)] ^= (byte)(1 << rng.Next(8));
            Assert.False(TrieProof.TryVerify(root, path, tampered, out _));

            // Dropping the last node or adding an extra one fails too.
            Assert.False(TrieProof.TryVerify(root, path, proof.Take(proof.Count - 1).ToArray(), out _));
            Assert.False(TrieProof.TryVerify(root, path, proof.Append(proof[^1]).ToArray(), out _));
        }

        for (int i = 0; i < 200; i++)
        {
            byte[] absent = new byte[20];
            rng.NextBytes(absent);
            byte[] path = Keccak256.Hash(absent).ToArray();
            Assert.True(TrieProof.TryVerify(root, path, trie.GetProof(absent), out byte[]? value));
            Assert.Null(value);
        }
    }

    [Fact]
    public void Proof_for_one_key_does_not_prove_another_value()
    {
        var trie = new MerklePatriciaTrie();
        trie.Put("doge"u8, "coin"u8);
        trie.Put("dog"u8, "puppy"u8);
        trie.Put("horse"u8, "stallion"u8);
        IReadOnlyList<byte[]> proof = trie.GetProof("dog"u8);
        Assert.True(TrieProof.TryVerify(trie.RootHash, "dog"u8, proof, out byte[]? value));
        Assert.Equal("puppy"u8.ToArray(), value);
        // Same nodes used for a key on another path are incomplete.
        Assert.False(TrieProof.TryVerify(trie.RootHash, "horse"u8, proof, out _));
    }
}
