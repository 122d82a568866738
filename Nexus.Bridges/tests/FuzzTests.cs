using Nexus.Bridges.Evm;

namespace Nexus.Bridges.Tests;

/// <summary>100k random and mutated inputs per parser: only the documented exception, and allocation bounded by the input size.</summary>
public class FuzzTests
{
    private const int Iterations = 100_000;

    private static RlpItem RandomItem(Random rng, int depth)
    {
        if (depth > 3 || rng.Next(3) != 0)
        {
            byte[] bytes = new byte[rng.Next(4) switch { 0 => 0, 1 => 1, 2 => rng.Next(2, 56), _ => rng.Next(56, 300) }];
            rng.NextBytes(bytes);
            return RlpItem.FromBytes(bytes);
        }

        var items = new RlpItem[rng.Next(0, 6)];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = RandomItem(rng, depth + 1);
        }

        return RlpItem.FromList(items);
    }

    private static byte[] Mutate(Random rng, byte[] input)
    {
        var bytes = new List<byte>(input);
        for (int m = rng.Next(1, 4); m > 0; m--)
        {
            int kind = rng.Next(6);
            int at = bytes.Count == 0 ? 0 : rng.Next(bytes.Count);
            switch (kind)
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)rng.Next(256);
                    break;
                case 2:
                    bytes.Insert(at, (byte)rng.Next(256));
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                case 4:
                    // A long-form header claiming an enormous length.
                    bytes.InsertRange(at, [(byte)(rng.Next(2) == 0 ? 0xbb : 0xfb), 0x7f, 0xff, 0xff, 0xff]);
                    break;
                default:
                    if (bytes.Count > 1)
                    {
                        bytes.RemoveRange(rng.Next(bytes.Count / 2, bytes.Count), 1);
                    }

                    break;
            }
        }

        return bytes.ToArray();
    }

    [Fact]
    public void Random_and_mutated_rlp_throws_only_the_format_exception_with_bounded_allocation()
    {
        var rng = new Random(20261201);
        int rejected = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input;
            if (i % 4 == 0)
            {
                input = new byte[rng.Next(0, 64)];
                rng.NextBytes(input);
            }
            else
            {
                input = Mutate(rng, Rlp.Encode(RandomItem(rng, 0)));
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            bool valid = Rlp.IsValid(input);
            bool decoded;
            try
            {
                RlpItem item = Rlp.Decode(input);
                Assert.Equal(input, Rlp.Encode(item));   // strict decoding means re-encoding is the identity
                decoded = true;
            }
            catch (EvmFormatException)
            {
                decoded = false;
                rejected++;
            }

            Assert.Equal(valid, decoded);
            TryParse(() => Transaction.Decode(input));
            TryParse(() => BlockHeader.Decode(input));
            TryParse(() =>
            {
                var reader = new RlpReader(input);
                while (reader.HasMore)
                {
                    if (reader.PeekIsList())
                    {
                        RlpReader inner = reader.ReadList();
                        while (inner.HasMore)
                        {
                            inner.ReadEncodedItem();
                        }
                    }
                    else
                    {
                        reader.ReadUInt256();
                    }
                }
            });
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 512L * input.Length + 16_384, $"{allocated} bytes allocated for a {input.Length}-byte input");
        }

        Assert.InRange(rejected, Iterations / 4, Iterations);
    }

    [Fact]
    public void Mutated_proofs_never_throw_and_never_prove_another_value()
    {
        var rng = new Random(1186);
        var trie = new MerklePatriciaTrie(secure: true);
        var keys = new List<byte[]>();
        for (int i = 0; i < 2000; i++)
        {
            byte[] key = new byte[20];
            rng.NextBytes(key);
            byte[] value = new byte[rng.Next(1, 80)];
            rng.NextBytes(value);
            trie.Put(key, value);
            keys.Add(key);
        }

        Hash32 root = trie.RootHash;
        var proofs = keys.Take(64).Select(k => (Path: Keccak256.Hash(k).ToArray(), Proof: trie.GetProof(k), Value: trie.Get(k))).ToArray();
        int accepted = 0;
        for (int i = 0; i < Iterations; i++)
        {
            var (path, proof, value) = proofs[rng.Next(proofs.Length)];
            byte[][] nodes = proof.Select(n => (byte[])n.Clone()).ToArray();
            switch (rng.Next(5))
            {
                case 0:
                case 1:
                    int n = rng.Next(nodes.Length);
                    nodes[n] = Mutate(rng, nodes[n]);
                    break;
                case 2:
                    nodes = nodes.Take(rng.Next(nodes.Length)).ToArray();
                    break;
                case 3:
                    nodes = [.. nodes, Mutate(rng, nodes[rng.Next(nodes.Length)])];
                    break;
                default:
                    byte[] random = new byte[rng.Next(0, 600)];
                    rng.NextBytes(random);
                    nodes[rng.Next(nodes.Length)] = random;
                    break;
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            bool changed = nodes.Length != proof.Count || nodes.Where((x, j) => !x.AsSpan().SequenceEqual(proof[j])).Any();
            if (TrieProof.TryVerify(root, path, nodes, out byte[]? proven))
            {
                accepted++;
                Assert.False(changed, "a modified proof verified");
                Assert.Equal(value, proven);
            }

            var account = new AccountProof(new Address(path.AsSpan(0, 20)), 0, 0, Hash32.EmptyTrieRoot, Hash32.EmptyKeccak, nodes, [new StorageProof(default, 1, nodes)]);
            Assert.False(account.Verify(root) && changed);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64_000);
        }

        Assert.True(accepted < Iterations / 10);
    }

    private static void TryParse(Action parse)
    {
        try
        {
            parse();
        }
        catch (EvmFormatException)
        {
        }
    }
}
