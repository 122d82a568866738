using System.Text;
using CsCheck;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;

namespace Nexus.Crypto.Tests;

public class Blake3Tests
{
    private static byte[] Input(int length)
    {
        var input = new byte[length];
        for (int i = 0; i < length; i++)
        {
            input[i] = (byte)(i % 251);
        }

        return input;
    }

    public static TheoryData<int> OfficialLengths()
    {
        using var doc = TestVectors.Json("crypto/blake3.json");
        var data = new TheoryData<int>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("input_len").GetInt32());
        }

        return data;
    }

    private static (string Hash, string Keyed, string Derive, string Key, string Context) Case(int length)
    {
        using var doc = TestVectors.Json("crypto/blake3.json");
        var root = doc.RootElement;
        var c = root.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("input_len").GetInt32() == length);
        return (c.GetProperty("hash").GetString()!, c.GetProperty("keyed_hash").GetString()!, c.GetProperty("derive_key").GetString()!,
            root.GetProperty("key").GetString()!, root.GetProperty("context_string").GetString()!);
    }

    [Theory]
    [MemberData(nameof(OfficialLengths))]
    public void Official_vectors_in_all_three_modes_with_131_byte_extended_output(int length)
    {
        var (hash, keyed, derive, key, context) = Case(length);
        byte[] input = Input(length);
        byte[] keyBytes = Encoding.ASCII.GetBytes(key);
        var output = new byte[131];

        Blake3.Hash(input, output);
        Assert.Equal(hash, Convert.ToHexStringLower(output));
        Assert.Equal(hash[..64], Blake3.Hash(input).ToString());

        Blake3.KeyedHash(keyBytes, input, output);
        Assert.Equal(keyed, Convert.ToHexStringLower(output));
        Assert.Equal(keyed[..64], Blake3.KeyedHash(keyBytes, input).ToString());

        Blake3.DeriveKey(context, input, output);
        Assert.Equal(derive, Convert.ToHexStringLower(output));
        Assert.Equal(derive[..64], Blake3.DeriveKey(context, input).ToString());
    }

    [Theory]
    [MemberData(nameof(OfficialLengths))]
    public void Official_vectors_streamed_in_odd_pieces_and_read_back_in_pieces(int length)
    {
        var (hash, keyed, derive, key, context) = Case(length);
        byte[] input = Input(length);
        foreach (var (hasher, expected) in new[]
                 {
                     (Blake3Hasher.Create(), hash),
                     (Blake3Hasher.CreateKeyed(Encoding.ASCII.GetBytes(key)), keyed),
                     (Blake3Hasher.CreateDeriveKey(context), derive),
                 })
        {
            int offset = 0, step = 1;
            while (offset < input.Length)
            {
                int take = Math.Min(step, input.Length - offset);
                hasher.Update(input.AsSpan(offset, take));
                offset += take;
                step = step * 3 + 7; // 1, 10, 37, 118, 361, 1090, 3277 ...: crosses block and chunk edges
            }

            var reader = hasher.FinalizeXof();
            var output = new byte[131];
            reader.Read(output.AsSpan(0, 5));
            reader.Read(output.AsSpan(5, 64));
            reader.Read(output.AsSpan(69));
            Assert.Equal(expected, Convert.ToHexStringLower(output));
            Assert.Equal(expected[..64], hasher.Finalize().ToString());
        }
    }

    [Fact]
    public void Matches_BouncyCastle_on_random_inputs_and_random_splits()
    {
        Gen.Select(Gen.Int[0, 40_000], Gen.Int[1, 5000], Gen.Int[1, 300], Gen.UInt)
            .Sample((length, split, outputLength, seed) =>
            {
                var input = new byte[length];
                new Random((int)seed).NextBytes(input);

                var digest = new Blake3Digest(outputLength * 8);
                digest.BlockUpdate(input, 0, input.Length);
                var expected = new byte[outputLength];
                digest.OutputFinal(expected, 0, outputLength);

                var oneShot = new byte[outputLength];
                Blake3.Hash(input, oneShot);

                var hasher = Blake3Hasher.Create();
                for (int offset = 0; offset < length; offset += split)
                {
                    hasher.Update(input.AsSpan(offset, Math.Min(split, length - offset)));
                }

                var streamed = new byte[outputLength];
                hasher.Finalize(streamed);
                return expected.AsSpan().SequenceEqual(oneShot) && expected.AsSpan().SequenceEqual(streamed);
            }, iter: 300);
    }

    [Fact]
    public void Large_inputs_match_BouncyCastle_across_subtree_boundaries()
    {
        // 16-chunk subtrees, a partial subtree, an exact power of two and one byte past it.
        foreach (int length in new[] { 16 * 1024, 16 * 1024 + 1, 17 * 1024, 33 * 1024 - 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 12345 })
        {
            var input = new byte[length];
            new Random(length).NextBytes(input);
            var digest = new Blake3Digest(256);
            digest.BlockUpdate(input, 0, input.Length);
            var expected = new byte[32];
            digest.DoFinal(expected, 0);
            Assert.Equal(Convert.ToHexStringLower(expected), Blake3.Hash(input).ToString());

            // Misaligned start: one chunk and a bit, then the rest, so the batches start off a 16-chunk boundary.
            var hasher = Blake3Hasher.Create();
            hasher.Update(input.AsSpan(0, Math.Min(1500, length)));
            hasher.Update(input.AsSpan(Math.Min(1500, length)));
            Assert.Equal(Convert.ToHexStringLower(expected), hasher.Finalize().ToString());
        }
    }

    [Fact]
    public void Keyed_and_derive_key_match_BouncyCastle_on_multi_chunk_input()
    {
        var key = new byte[32];
        new Random(7).NextBytes(key);
        var input = new byte[70_000];
        new Random(8).NextBytes(input);

        var keyed = new Blake3Digest(256);
        keyed.Init(Blake3Parameters.Key(key));
        keyed.BlockUpdate(input, 0, input.Length);
        var expected = new byte[32];
        keyed.DoFinal(expected, 0);
        Assert.Equal(Convert.ToHexStringLower(expected), Blake3.KeyedHash(key, input).ToString());

        const string context = "nexus 2026-12-01 test context";
        var derive = new Blake3Digest(256);
        derive.Init(Blake3Parameters.Context(Encoding.UTF8.GetBytes(context)));
        derive.BlockUpdate(input, 0, input.Length);
        derive.DoFinal(expected, 0);
        Assert.Equal(Convert.ToHexStringLower(expected), Blake3.DeriveKey(context, input).ToString());
    }

    [Fact]
    public void Extended_output_is_seekable_and_reads_the_same_bytes_at_any_position()
    {
        var hasher = Blake3Hasher.Create();
        hasher.Update("seek"u8);
        var all = new byte[1000];
        hasher.Finalize(all);

        var reader = hasher.FinalizeXof();
        reader.Position = 333;
        var part = new byte[100];
        reader.Read(part);
        Assert.Equal(all.AsSpan(333, 100).ToArray(), part);
        Assert.Equal(433UL, reader.Position);

        reader.Position = ulong.MaxValue - 10;
        Assert.Throws<InvalidOperationException>(() => reader.Read(new byte[11]));
        reader.Read(new byte[10]); // exactly up to 2^64 is fine
    }

    [Fact]
    public void Finalize_does_not_end_the_hasher_and_reset_forgets_input()
    {
        var hasher = Blake3Hasher.Create();
        hasher.Update("hello "u8);
        Assert.Equal(Blake3.Hash("hello "u8), hasher.Finalize());
        hasher.Update("world"u8);
        Assert.Equal(Blake3.Hash("hello world"u8), hasher.Finalize());
        hasher.Reset();
        hasher.Update("abc"u8);
        Assert.Equal(Blake3.Hash("abc"u8), hasher.Finalize());
    }

    [Fact]
    public void Wrong_key_length_is_an_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Blake3.KeyedHash(new byte[31], "x"u8));
        Assert.Throws<ArgumentException>(() => Blake3Hasher.CreateKeyed(new byte[33]));
        Assert.Throws<ArgumentNullException>(() => Blake3.DeriveKey(null!, "x"u8));
    }

    /// <summary>The kernels this CPU can run: Auto and Scalar always, the SIMD ones when supported.</summary>
    private static List<Blake3Kernel> SupportedKernels()
    {
        var kernels = new List<Blake3Kernel> { Blake3Kernel.Auto, Blake3Kernel.Scalar };
        if (Blake3Compress.Vector512KernelSupported)
        {
            kernels.Add(Blake3Kernel.Vector512);
        }

        if (Blake3Compress.Vector256KernelSupported)
        {
            kernels.Add(Blake3Kernel.Vector256);
        }

        return kernels;
    }

    private delegate void ChunkKernel(ReadOnlySpan<byte> input, int chunkCount, ReadOnlySpan<uint> key, ulong firstCounter, uint flags, Span<uint> cvs);

    private delegate void ParentKernel(ReadOnlySpan<uint> children, int count, ReadOnlySpan<uint> key, uint flags, Span<uint> cvs);

    private static List<(string Name, ChunkKernel Chunks, ParentKernel Parents)> SupportedKernelHooks()
    {
        var hooks = new List<(string, ChunkKernel, ParentKernel)> { ("dispatch", Blake3Compress.HashChunks, Blake3Compress.HashParents) };
        if (Blake3Compress.Vector512KernelSupported)
        {
            hooks.Add(("Vector512", Blake3Compress.HashChunksVector512, Blake3Compress.HashParentsVector512));
        }
        else
        {
            Assert.Throws<PlatformNotSupportedException>(() => Blake3Compress.HashChunksVector512(new byte[1024], 1, new uint[8], 0, 0, new uint[8]));
        }

        if (Blake3Compress.Vector256KernelSupported)
        {
            hooks.Add(("Vector256", Blake3Compress.HashChunksVector256, Blake3Compress.HashParentsVector256));
        }
        else
        {
            Assert.Throws<PlatformNotSupportedException>(() => Blake3Compress.HashChunksVector256(new byte[1024], 1, new uint[8], 0, 0, new uint[8]));
        }

        return hooks;
    }

    [Fact]
    public void Every_chunk_kernel_matches_the_scalar_reference()
    {
        var input = new byte[40 * 1024];
        new Random(3).NextBytes(input);
        var key = new uint[8];
        Blake3.KeyWords(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), key);
        var hooks = SupportedKernelHooks();
        // 0xFFFF_FFF0 crosses 2^32 at a 16-lane group boundary, 0xFFFF_FFF9 inside a group (lane 7).
        foreach (ulong counter in new[] { 0UL, 0xFFFF_FFF0UL, 0xFFFF_FFF9UL, 0x1234_5678_9ABCUL })
        {
            foreach (int count in new[] { 1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 40 })
            {
                var expected = new uint[8 * count];
                Blake3Compress.HashChunksScalar(input, count, key, counter, 16, expected);
                foreach (var (name, chunks, _) in hooks)
                {
                    // One word of canary past the output: a kernel writes exactly 8 words per chunk.
                    var actual = new uint[8 * count + 1];
                    actual[^1] = 0xDEADBEEF;
                    chunks(input, count, key, counter, 16, actual);
                    Assert.True(expected.AsSpan().SequenceEqual(actual.AsSpan(0, 8 * count)), $"{name}, {count} chunks, counter {counter:X}");
                    Assert.Equal(0xDEADBEEFu, actual[^1]);
                }
            }
        }
    }

    [Fact]
    public void Every_chunk_kernel_rejects_spans_too_short_for_the_chunks()
    {
        foreach (var (name, chunks, _) in SupportedKernelHooks())
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => chunks(new byte[9 * 1024 - 1], 9, new uint[8], 0, 0, new uint[9 * 8]));
            Assert.Throws<ArgumentOutOfRangeException>(() => chunks(new byte[9 * 1024], 9, new uint[8], 0, 0, new uint[9 * 8 - 1]));
            _ = name;
        }
    }

    [Fact]
    public void Every_parent_kernel_matches_the_scalar_reference_in_place_and_out_of_place()
    {
        var random = new Random(5);
        var key = new uint[8];
        for (int i = 0; i < 8; i++)
        {
            key[i] = (uint)random.Next();
        }

        foreach (int count in new[] { 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 64 })
        {
            var children = new uint[16 * count];
            for (int i = 0; i < children.Length; i++)
            {
                children[i] = (uint)random.Next() ^ ((uint)random.Next() << 16);
            }

            var expected = new uint[8 * count];
            Blake3Compress.HashParentsScalar(children, count, key, Blake3Compress.KeyedHash, expected);
            foreach (var (name, _, parents) in SupportedKernelHooks())
            {
                var actual = new uint[8 * count];
                parents(children, count, key, Blake3Compress.KeyedHash, actual);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{name}, {count} parents");

                // In place, as the tree reduction uses it: the outputs overwrite the front of the children.
                uint[] buffer = (uint[])children.Clone();
                parents(buffer, count, key, Blake3Compress.KeyedHash, buffer);
                Assert.True(expected.AsSpan().SequenceEqual(buffer.AsSpan(0, 8 * count)), $"{name}, {count} parents in place");
            }
        }
    }

    [Fact]
    public void Every_kernel_hashes_random_inputs_up_to_1_MiB_like_BouncyCastle()
    {
        var kernels = SupportedKernels();
        Gen.Select(Gen.Int[0, 1 << 20], Gen.Int[1, 70_000], Gen.UInt)
            .Sample((length, split, seed) =>
            {
                var input = new byte[length];
                new Random((int)seed).NextBytes(input);
                var digest = new Blake3Digest(256);
                digest.BlockUpdate(input, 0, input.Length);
                var expected = new byte[32];
                digest.DoFinal(expected, 0);

                foreach (var kernel in kernels)
                {
                    Blake3Compress.ForcedKernel = kernel;
                    try
                    {
                        if (!expected.AsSpan().SequenceEqual(Blake3.Hash(input).AsSpan()))
                        {
                            return false;
                        }

                        var hasher = Blake3Hasher.Create();
                        for (int offset = 0; offset < length; offset += split)
                        {
                            hasher.Update(input.AsSpan(offset, Math.Min(split, length - offset)));
                        }

                        if (!expected.AsSpan().SequenceEqual(hasher.Finalize().AsSpan()))
                        {
                            return false;
                        }
                    }
                    finally
                    {
                        Blake3Compress.ForcedKernel = Blake3Kernel.Auto;
                    }
                }

                return true;
            }, iter: 40, threads: 1);
    }
}
