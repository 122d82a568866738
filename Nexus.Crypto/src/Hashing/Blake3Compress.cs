using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nexus.Crypto;

/// <summary>The BLAKE3 many-input kernels, for pinning one in tests (see <see cref="Blake3Compress.ForcedKernel"/>).</summary>
internal enum Blake3Kernel
{
    /// <summary>The widest the CPU supports: Vector512, then Vector256, then scalar.</summary>
    Auto,

    /// <summary>Only the 16-lane AVX-512 kernel.</summary>
    Vector512,

    /// <summary>Only the 8-lane AVX2 kernel.</summary>
    Vector256,

    /// <summary>Only the scalar compression, one input at a time.</summary>
    Scalar,
}

/// <summary>
/// The BLAKE3 compression function and its constants (BLAKE3 specification, O'Connor, Aumasson,
/// Neves, Wilcox-O'Hearn, 2020, section 2.2). Chaining values are 8 little-endian 32-bit words;
/// message blocks are 64 bytes. This file holds the scalar compression (the reference every SIMD
/// kernel is tested against) and the run-time dispatch to the SIMD kernels in
/// Blake3Compress.Vector512.cs and Blake3Compress.Vector256.cs.
/// </summary>
internal static partial class Blake3Compress
{
    internal const int BlockLength = 64;
    internal const int ChunkLength = 1024;
    internal const int KeyLength = 32;

    internal const uint ChunkStart = 1 << 0;
    internal const uint ChunkEnd = 1 << 1;
    internal const uint Parent = 1 << 2;
    internal const uint Root = 1 << 3;
    internal const uint KeyedHash = 1 << 4;
    internal const uint DeriveKeyContext = 1 << 5;
    internal const uint DeriveKeyMaterial = 1 << 6;

    internal const uint Iv0 = 0x6A09E667, Iv1 = 0xBB67AE85, Iv2 = 0x3C6EF372, Iv3 = 0xA54FF53A;
    internal const uint Iv4 = 0x510E527F, Iv5 = 0x9B05688C, Iv6 = 0x1F83D9AB, Iv7 = 0x5BE0CD19;

    private const int BlocksPerChunk = ChunkLength / BlockLength;

    /// <summary>The BLAKE3 IV (the SHA-256 IV) as a chaining value.</summary>
    internal static ReadOnlySpan<uint> Iv => [Iv0, Iv1, Iv2, Iv3, Iv4, Iv5, Iv6, Iv7];

    /// <summary>
    /// Whether <see cref="HashChunks"/> and <see cref="HashParents"/> use the 16-lane Vector512
    /// kernel: Vector512 is hardware accelerated and the CPU has AVX-512F.
    /// </summary>
    internal static bool Vector512KernelSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// Whether <see cref="HashChunks"/> and <see cref="HashParents"/> use the 8-lane Vector256
    /// kernel: Vector256 is hardware accelerated and the CPU has AVX2.
    /// </summary>
    internal static bool Vector256KernelSupported => Vector256.IsHardwareAccelerated && Avx2.IsSupported;

    /// <summary>
    /// The kernel <see cref="HashChunks"/> and <see cref="HashParents"/> use on this thread:
    /// <see cref="Blake3Kernel.Auto"/> (the default) in production; tests set another to run
    /// the whole hasher on one kernel and must set it only when that kernel is supported.
    /// </summary>
    [ThreadStatic]
    internal static Blake3Kernel ForcedKernel;

    /// <summary>
    /// Compresses one 64-byte block in place: <paramref name="cv"/> (8 words) becomes the first
    /// 8 output words (the next chaining value). <paramref name="block"/> is at least 64 bytes,
    /// read little-endian.
    /// </summary>
    internal static void CompressInPlace(Span<uint> cv, ReadOnlySpan<byte> block, ulong counter, uint blockLength, uint flags)
    {
        _ = cv[7];
        ref uint cvRef = ref MemoryMarshal.GetReference(cv);
        if (BitConverter.IsLittleEndian)
        {
            ref uint m = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, uint>(block[..BlockLength]));
            CompressCore(ref cvRef, ref m, counter, blockLength, flags, ref cvRef, extended: false);
        }
        else
        {
            Blake3Words16 m = default;
            ReadWordsLittleEndian(block, m);
            CompressCore(ref cvRef, ref m[0], counter, blockLength, flags, ref cvRef, extended: false);
        }
    }

    /// <summary>
    /// The compression function on a block given as 16 message words, truncated to the 8-word
    /// chaining value written to <paramref name="output"/> (which may be <paramref name="cv"/>).
    /// </summary>
    internal static void ChainingValue(ReadOnlySpan<uint> cv, ReadOnlySpan<uint> m, ulong counter, uint blockLength, uint flags, Span<uint> output)
    {
        _ = cv[7];
        _ = m[15];
        _ = output[7];
        CompressCore(ref MemoryMarshal.GetReference(cv), ref MemoryMarshal.GetReference(m), counter, blockLength, flags, ref MemoryMarshal.GetReference(output), extended: false);
    }

    /// <summary>
    /// The full compression function on a block given as 16 message words: 16 output words (the
    /// extended output used by XOF blocks) from an 8-word chaining value. <paramref name="output"/>
    /// may be <paramref name="cv"/> or <paramref name="m"/>.
    /// </summary>
    internal static void CompressWords(ReadOnlySpan<uint> cv, ReadOnlySpan<uint> m, ulong counter, uint blockLength, uint flags, Span<uint> output)
    {
        _ = cv[7];
        _ = m[15];
        _ = output[15];
        CompressCore(ref MemoryMarshal.GetReference(cv), ref MemoryMarshal.GetReference(m), counter, blockLength, flags, ref MemoryMarshal.GetReference(output), extended: true);
    }

    /// <summary>Reads 16 little-endian words from the first 64 bytes of <paramref name="block"/>.</summary>
    internal static void ReadWordsLittleEndian(ReadOnlySpan<byte> block, Span<uint> words)
    {
        block = block[..BlockLength];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, uint>(block).CopyTo(words);
            return;
        }

        for (int i = 0; i < 16; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(4 * i, 4));
        }
    }

    /// <summary>
    /// Reads a final block of up to 64 bytes into 16 little-endian words, zero-padded
    /// (<paramref name="words"/> is cleared first).
    /// </summary>
    internal static void ReadPartialBlock(ReadOnlySpan<byte> block, Span<uint> words)
    {
        words = words[..16];
        words.Clear();
        if (BitConverter.IsLittleEndian)
        {
            block.CopyTo(MemoryMarshal.AsBytes(words));
            return;
        }

        Span<byte> padded = stackalloc byte[BlockLength];
        padded.Clear();
        block.CopyTo(padded);
        ReadWordsLittleEndian(padded, words);
    }

    /// <summary>
    /// The compression function, fully unrolled on locals. Reads the 8 words at
    /// <paramref name="cv"/> and the 16 message words at <paramref name="m"/> (native order) before
    /// writing, then writes 8 words (16 when <paramref name="extended"/>) at
    /// <paramref name="output"/>, which may alias either input.
    /// </summary>
    [SkipLocalsInit]
    private static void CompressCore(ref uint cv, ref uint m, ulong counter, uint blockLength, uint flags, ref uint output, bool extended)
    {
        uint m0 = m, m1 = Unsafe.Add(ref m, 1), m2 = Unsafe.Add(ref m, 2), m3 = Unsafe.Add(ref m, 3);
        uint m4 = Unsafe.Add(ref m, 4), m5 = Unsafe.Add(ref m, 5), m6 = Unsafe.Add(ref m, 6), m7 = Unsafe.Add(ref m, 7);
        uint m8 = Unsafe.Add(ref m, 8), m9 = Unsafe.Add(ref m, 9), m10 = Unsafe.Add(ref m, 10), m11 = Unsafe.Add(ref m, 11);
        uint m12 = Unsafe.Add(ref m, 12), m13 = Unsafe.Add(ref m, 13), m14 = Unsafe.Add(ref m, 14), m15 = Unsafe.Add(ref m, 15);
        uint v0 = cv, v1 = Unsafe.Add(ref cv, 1), v2 = Unsafe.Add(ref cv, 2), v3 = Unsafe.Add(ref cv, 3);
        uint v4 = Unsafe.Add(ref cv, 4), v5 = Unsafe.Add(ref cv, 5), v6 = Unsafe.Add(ref cv, 6), v7 = Unsafe.Add(ref cv, 7);
        uint v8 = Iv0, v9 = Iv1, v10 = Iv2, v11 = Iv3;
        uint v12 = (uint)counter, v13 = (uint)(counter >> 32), v14 = blockLength, v15 = flags;

        // Round 1.
        v0 = v0 + m0 + v4; v1 = v1 + m2 + v5; v2 = v2 + m4 + v6; v3 = v3 + m6 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 16); v13 = BitOperations.RotateRight(v13 ^ v1, 16); v14 = BitOperations.RotateRight(v14 ^ v2, 16); v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 12); v5 = BitOperations.RotateRight(v5 ^ v9, 12); v6 = BitOperations.RotateRight(v6 ^ v10, 12); v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 = v0 + m1 + v4; v1 = v1 + m3 + v5; v2 = v2 + m5 + v6; v3 = v3 + m7 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 8); v13 = BitOperations.RotateRight(v13 ^ v1, 8); v14 = BitOperations.RotateRight(v14 ^ v2, 8); v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 7); v5 = BitOperations.RotateRight(v5 ^ v9, 7); v6 = BitOperations.RotateRight(v6 ^ v10, 7); v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 = v0 + m8 + v5; v1 = v1 + m10 + v6; v2 = v2 + m12 + v7; v3 = v3 + m14 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 16); v12 = BitOperations.RotateRight(v12 ^ v1, 16); v13 = BitOperations.RotateRight(v13 ^ v2, 16); v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 12); v6 = BitOperations.RotateRight(v6 ^ v11, 12); v7 = BitOperations.RotateRight(v7 ^ v8, 12); v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 = v0 + m9 + v5; v1 = v1 + m11 + v6; v2 = v2 + m13 + v7; v3 = v3 + m15 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 8); v12 = BitOperations.RotateRight(v12 ^ v1, 8); v13 = BitOperations.RotateRight(v13 ^ v2, 8); v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 7); v6 = BitOperations.RotateRight(v6 ^ v11, 7); v7 = BitOperations.RotateRight(v7 ^ v8, 7); v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 2.
        v0 = v0 + m2 + v4; v1 = v1 + m3 + v5; v2 = v2 + m7 + v6; v3 = v3 + m4 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 16); v13 = BitOperations.RotateRight(v13 ^ v1, 16); v14 = BitOperations.RotateRight(v14 ^ v2, 16); v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 12); v5 = BitOperations.RotateRight(v5 ^ v9, 12); v6 = BitOperations.RotateRight(v6 ^ v10, 12); v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 = v0 + m6 + v4; v1 = v1 + m10 + v5; v2 = v2 + m0 + v6; v3 = v3 + m13 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 8); v13 = BitOperations.RotateRight(v13 ^ v1, 8); v14 = BitOperations.RotateRight(v14 ^ v2, 8); v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 7); v5 = BitOperations.RotateRight(v5 ^ v9, 7); v6 = BitOperations.RotateRight(v6 ^ v10, 7); v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 = v0 + m1 + v5; v1 = v1 + m12 + v6; v2 = v2 + m9 + v7; v3 = v3 + m15 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 16); v12 = BitOperations.RotateRight(v12 ^ v1, 16); v13 = BitOperations.RotateRight(v13 ^ v2, 16); v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 12); v6 = BitOperations.RotateRight(v6 ^ v11, 12); v7 = BitOperations.RotateRight(v7 ^ v8, 12); v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 = v0 + m11 + v5; v1 = v1 + m5 + v6; v2 = v2 + m14 + v7; v3 = v3 + m8 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 8); v12 = BitOperations.RotateRight(v12 ^ v1, 8); v13 = BitOperations.RotateRight(v13 ^ v2, 8); v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 7); v6 = BitOperations.RotateRight(v6 ^ v11, 7); v7 = BitOperations.RotateRight(v7 ^ v8, 7); v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 3.
        v0 = v0 + m3 + v4; v1 = v1 + m10 + v5; v2 = v2 + m13 + v6; v3 = v3 + m7 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 16); v13 = BitOperations.RotateRight(v13 ^ v1, 16); v14 = BitOperations.RotateRight(v14 ^ v2, 16); v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 12); v5 = BitOperations.RotateRight(v5 ^ v9, 12); v6 = BitOperations.RotateRight(v6 ^ v10, 12); v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 = v0 + m4 + v4; v1 = v1 + m12 + v5; v2 = v2 + m2 + v6; v3 = v3 + m14 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 8); v13 = BitOperations.RotateRight(v13 ^ v1, 8); v14 = BitOperations.RotateRight(v14 ^ v2, 8); v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 7); v5 = BitOperations.RotateRight(v5 ^ v9, 7); v6 = BitOperations.RotateRight(v6 ^ v10, 7); v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 = v0 + m6 + v5; v1 = v1 + m9 + v6; v2 = v2 + m11 + v7; v3 = v3 + m8 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 16); v12 = BitOperations.RotateRight(v12 ^ v1, 16); v13 = BitOperations.RotateRight(v13 ^ v2, 16); v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 12); v6 = BitOperations.RotateRight(v6 ^ v11, 12); v7 = BitOperations.RotateRight(v7 ^ v8, 12); v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 = v0 + m5 + v5; v1 = v1 + m0 + v6; v2 = v2 + m15 + v7; v3 = v3 + m1 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 8); v12 = BitOperations.RotateRight(v12 ^ v1, 8); v13 = BitOperations.RotateRight(v13 ^ v2, 8); v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 7); v6 = BitOperations.RotateRight(v6 ^ v11, 7); v7 = BitOperations.RotateRight(v7 ^ v8, 7); v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 4.
        v0 = v0 + m10 + v4; v1 = v1 + m12 + v5; v2 = v2 + m14 + v6; v3 = v3 + m13 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 16); v13 = BitOperations.RotateRight(v13 ^ v1, 16); v14 = BitOperations.RotateRight(v14 ^ v2, 16); v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 12); v5 = BitOperations.RotateRight(v5 ^ v9, 12); v6 = BitOperations.RotateRight(v6 ^ v10, 12); v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 = v0 + m7 + v4; v1 = v1 + m9 + v5; v2 = v2 + m3 + v6; v3 = v3 + m15 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 8); v13 = BitOperations.RotateRight(v13 ^ v1, 8); v14 = BitOperations.RotateRight(v14 ^ v2, 8); v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 7); v5 = BitOperations.RotateRight(v5 ^ v9, 7); v6 = BitOperations.RotateRight(v6 ^ v10, 7); v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 = v0 + m4 + v5; v1 = v1 + m11 + v6; v2 = v2 + m5 + v7; v3 = v3 + m1 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 16); v12 = BitOperations.RotateRight(v12 ^ v1, 16); v13 = BitOperations.RotateRight(v13 ^ v2, 16); v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 12); v6 = BitOperations.RotateRight(v6 ^ v11, 12); v7 = BitOperations.RotateRight(v7 ^ v8, 12); v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 = v0 + m0 + v5; v1 = v1 + m2 + v6; v2 = v2 + m8 + v7; v3 = v3 + m6 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 8); v12 = BitOperations.RotateRight(v12 ^ v1, 8); v13 = BitOperations.RotateRight(v13 ^ v2, 8); v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 7); v6 = BitOperations.RotateRight(v6 ^ v11, 7); v7 = BitOperations.RotateRight(v7 ^ v8, 7); v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 5.
        v0 = v0 + m12 + v4; v1 = v1 + m9 + v5; v2 = v2 + m15 + v6; v3 = v3 + m14 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 16); v13 = BitOperations.RotateRight(v13 ^ v1, 16); v14 = BitOperations.RotateRight(v14 ^ v2, 16); v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 12); v5 = BitOperations.RotateRight(v5 ^ v9, 12); v6 = BitOperations.RotateRight(v6 ^ v10, 12); v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 = v0 + m13 + v4; v1 = v1 + m11 + v5; v2 = v2 + m10 + v6; v3 = v3 + m8 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 8); v13 = BitOperations.RotateRight(v13 ^ v1, 8); v14 = BitOperations.RotateRight(v14 ^ v2, 8); v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 7); v5 = BitOperations.RotateRight(v5 ^ v9, 7); v6 = BitOperations.RotateRight(v6 ^ v10, 7); v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 = v0 + m7 + v5; v1 = v1 + m5 + v6; v2 = v2 + m0 + v7; v3 = v3 + m6 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 16); v12 = BitOperations.RotateRight(v12 ^ v1, 16); v13 = BitOperations.RotateRight(v13 ^ v2, 16); v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 12); v6 = BitOperations.RotateRight(v6 ^ v11, 12); v7 = BitOperations.RotateRight(v7 ^ v8, 12); v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 = v0 + m2 + v5; v1 = v1 + m3 + v6; v2 = v2 + m1 + v7; v3 = v3 + m4 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 8); v12 = BitOperations.RotateRight(v12 ^ v1, 8); v13 = BitOperations.RotateRight(v13 ^ v2, 8); v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 7); v6 = BitOperations.RotateRight(v6 ^ v11, 7); v7 = BitOperations.RotateRight(v7 ^ v8, 7); v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 6.
        v0 = v0 + m9 + v4; v1 = v1 + m11 + v5; v2 = v2 + m8 + v6; v3 = v3 + m15 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 16); v13 = BitOperations.RotateRight(v13 ^ v1, 16); v14 = BitOperations.RotateRight(v14 ^ v2, 16); v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 12); v5 = BitOperations.RotateRight(v5 ^ v9, 12); v6 = BitOperations.RotateRight(v6 ^ v10, 12); v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 = v0 + m14 + v4; v1 = v1 + m5 + v5; v2 = v2 + m12 + v6; v3 = v3 + m1 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 8); v13 = BitOperations.RotateRight(v13 ^ v1, 8); v14 = BitOperations.RotateRight(v14 ^ v2, 8); v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 7); v5 = BitOperations.RotateRight(v5 ^ v9, 7); v6 = BitOperations.RotateRight(v6 ^ v10, 7); v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 = v0 + m13 + v5; v1 = v1 + m0 + v6; v2 = v2 + m2 + v7; v3 = v3 + m4 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 16); v12 = BitOperations.RotateRight(v12 ^ v1, 16); v13 = BitOperations.RotateRight(v13 ^ v2, 16); v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 12); v6 = BitOperations.RotateRight(v6 ^ v11, 12); v7 = BitOperations.RotateRight(v7 ^ v8, 12); v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 = v0 + m3 + v5; v1 = v1 + m10 + v6; v2 = v2 + m6 + v7; v3 = v3 + m7 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 8); v12 = BitOperations.RotateRight(v12 ^ v1, 8); v13 = BitOperations.RotateRight(v13 ^ v2, 8); v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 7); v6 = BitOperations.RotateRight(v6 ^ v11, 7); v7 = BitOperations.RotateRight(v7 ^ v8, 7); v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 7.
        v0 = v0 + m11 + v4; v1 = v1 + m5 + v5; v2 = v2 + m1 + v6; v3 = v3 + m8 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 16); v13 = BitOperations.RotateRight(v13 ^ v1, 16); v14 = BitOperations.RotateRight(v14 ^ v2, 16); v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 12); v5 = BitOperations.RotateRight(v5 ^ v9, 12); v6 = BitOperations.RotateRight(v6 ^ v10, 12); v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 = v0 + m15 + v4; v1 = v1 + m0 + v5; v2 = v2 + m9 + v6; v3 = v3 + m6 + v7;
        v12 = BitOperations.RotateRight(v12 ^ v0, 8); v13 = BitOperations.RotateRight(v13 ^ v1, 8); v14 = BitOperations.RotateRight(v14 ^ v2, 8); v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v9 += v13; v10 += v14; v11 += v15;
        v4 = BitOperations.RotateRight(v4 ^ v8, 7); v5 = BitOperations.RotateRight(v5 ^ v9, 7); v6 = BitOperations.RotateRight(v6 ^ v10, 7); v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 = v0 + m14 + v5; v1 = v1 + m2 + v6; v2 = v2 + m3 + v7; v3 = v3 + m7 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 16); v12 = BitOperations.RotateRight(v12 ^ v1, 16); v13 = BitOperations.RotateRight(v13 ^ v2, 16); v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 12); v6 = BitOperations.RotateRight(v6 ^ v11, 12); v7 = BitOperations.RotateRight(v7 ^ v8, 12); v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 = v0 + m10 + v5; v1 = v1 + m12 + v6; v2 = v2 + m4 + v7; v3 = v3 + m13 + v4;
        v15 = BitOperations.RotateRight(v15 ^ v0, 8); v12 = BitOperations.RotateRight(v12 ^ v1, 8); v13 = BitOperations.RotateRight(v13 ^ v2, 8); v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v11 += v12; v8 += v13; v9 += v14;
        v5 = BitOperations.RotateRight(v5 ^ v10, 7); v6 = BitOperations.RotateRight(v6 ^ v11, 7); v7 = BitOperations.RotateRight(v7 ^ v8, 7); v4 = BitOperations.RotateRight(v4 ^ v9, 7);

        if (extended)
        {
            // The upper half first: it still needs the input chaining value, which output may alias.
            Unsafe.Add(ref output, 8) = v8 ^ cv;
            Unsafe.Add(ref output, 9) = v9 ^ Unsafe.Add(ref cv, 1);
            Unsafe.Add(ref output, 10) = v10 ^ Unsafe.Add(ref cv, 2);
            Unsafe.Add(ref output, 11) = v11 ^ Unsafe.Add(ref cv, 3);
            Unsafe.Add(ref output, 12) = v12 ^ Unsafe.Add(ref cv, 4);
            Unsafe.Add(ref output, 13) = v13 ^ Unsafe.Add(ref cv, 5);
            Unsafe.Add(ref output, 14) = v14 ^ Unsafe.Add(ref cv, 6);
            Unsafe.Add(ref output, 15) = v15 ^ Unsafe.Add(ref cv, 7);
        }

        output = v0 ^ v8;
        Unsafe.Add(ref output, 1) = v1 ^ v9;
        Unsafe.Add(ref output, 2) = v2 ^ v10;
        Unsafe.Add(ref output, 3) = v3 ^ v11;
        Unsafe.Add(ref output, 4) = v4 ^ v12;
        Unsafe.Add(ref output, 5) = v5 ^ v13;
        Unsafe.Add(ref output, 6) = v6 ^ v14;
        Unsafe.Add(ref output, 7) = v7 ^ v15;
    }

    /// <summary>
    /// Hashes <paramref name="chunkCount"/> whole 1024-byte chunks of <paramref name="input"/>
    /// (chunk i has counter <paramref name="firstCounter"/> + i) into their chaining values
    /// (8 words each, in <paramref name="cvs"/>). None is a root. Uses the widest kernel the CPU
    /// supports, chosen at run time: groups of 16 (and a tail of 9–15) on the Vector512 kernel,
    /// groups of up to 8 on the Vector256 kernel, the last 1–2 chunks scalar.
    /// <see cref="HashChunksScalar"/> is the reference.
    /// </summary>
    internal static void HashChunks(ReadOnlySpan<byte> input, int chunkCount, ReadOnlySpan<uint> key, ulong firstCounter, uint flags, Span<uint> cvs) =>
        HashChunksOn(ForcedKernel, input, chunkCount, key, firstCounter, flags, cvs);

    /// <summary><see cref="HashChunks"/> on the given kernel (<see cref="Blake3Kernel.Auto"/> dispatches).</summary>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks the kernel's instruction set.</exception>
    internal static void HashChunksOn(Blake3Kernel kernel, ReadOnlySpan<byte> input, int chunkCount, ReadOnlySpan<uint> key, ulong firstCounter, uint flags, Span<uint> cvs) =>
        HashMany(kernel, input, ChunkLength, chunkCount, BlocksPerChunk, key, firstCounter, incrementCounter: true, flags, ChunkStart, ChunkEnd, cvs);

    /// <summary>The scalar reference for <see cref="HashChunks"/>: one chunk at a time.</summary>
    internal static void HashChunksScalar(ReadOnlySpan<byte> input, int chunkCount, ReadOnlySpan<uint> key, ulong firstCounter, uint flags, Span<uint> cvs)
    {
        for (int c = 0; c < chunkCount; c++)
        {
            Span<uint> cv = cvs.Slice(8 * c, 8);
            key[..8].CopyTo(cv);
            ReadOnlySpan<byte> chunk = input.Slice(c * ChunkLength, ChunkLength);
            for (int b = 0; b < BlocksPerChunk; b++)
            {
                uint blockFlags = flags | (b == 0 ? ChunkStart : 0) | (b == BlocksPerChunk - 1 ? ChunkEnd : 0);
                CompressInPlace(cv, chunk.Slice(b * BlockLength, BlockLength), firstCounter + (ulong)c, BlockLength, blockFlags);
            }
        }
    }

    /// <summary>
    /// Compresses <paramref name="count"/> parent nodes: parent i's block is the 16 words
    /// <paramref name="children"/>[16i..16i+16] (left child's chaining value ‖ right child's); its
    /// chaining value goes to <paramref name="cvs"/>[8i..8i+8]. The two spans may be the same
    /// buffer (the output of parent i never overlaps an unread input). Dispatches like
    /// <see cref="HashChunks"/>; <see cref="HashParentsScalar"/> is the reference.
    /// </summary>
    internal static void HashParents(ReadOnlySpan<uint> children, int count, ReadOnlySpan<uint> key, uint flags, Span<uint> cvs) =>
        HashParentsOn(ForcedKernel, children, count, key, flags, cvs);

    /// <summary><see cref="HashParents"/> on the given kernel (<see cref="Blake3Kernel.Auto"/> dispatches).</summary>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks the kernel's instruction set.</exception>
    internal static void HashParentsOn(Blake3Kernel kernel, ReadOnlySpan<uint> children, int count, ReadOnlySpan<uint> key, uint flags, Span<uint> cvs)
    {
        if (BitConverter.IsLittleEndian)
        {
            // The SIMD kernels read the children as little-endian bytes, which they are in memory.
            HashMany(kernel, MemoryMarshal.AsBytes(children), BlockLength, count, 1, key, 0, incrementCounter: false, flags | Parent, 0, 0, cvs);
        }
        else
        {
            HashParentsScalar(children, count, key, flags, cvs);
        }
    }

    /// <summary>The scalar reference for <see cref="HashParents"/>: one parent at a time.</summary>
    internal static void HashParentsScalar(ReadOnlySpan<uint> children, int count, ReadOnlySpan<uint> key, uint flags, Span<uint> cvs)
    {
        for (int i = 0; i < count; i++)
        {
            ChainingValue(key, children.Slice(16 * i, 16), 0, BlockLength, flags | Parent, cvs.Slice(8 * i, 8));
        }
    }

    /// <summary>
    /// The shape shared by chunks and parents: <paramref name="count"/> inputs, input i starting at
    /// byte i·<paramref name="stride"/> of <paramref name="input"/> and <paramref name="blocks"/>
    /// 64-byte blocks long, each hashed from <paramref name="key"/> with counter
    /// <paramref name="counter"/> (+ i when <paramref name="incrementCounter"/>), block flags
    /// <paramref name="flags"/> plus <paramref name="flagsStart"/> on its first block and
    /// <paramref name="flagsEnd"/> on its last; chaining value i goes to <paramref name="cvs"/>[8i..8i+8].
    /// <see cref="Blake3Kernel.Auto"/> runs groups on the widest supported kernel and finishes with
    /// the scalar one; a named kernel runs every group (the last one partial) on that kernel.
    /// </summary>
    private static void HashMany(Blake3Kernel kernel, ReadOnlySpan<byte> input, int stride, int count, int blocks, ReadOnlySpan<uint> key, ulong counter, bool incrementCounter, uint flags, uint flagsStart, uint flagsEnd, Span<uint> cvs)
    {
        int done = 0;
        if (kernel == Blake3Kernel.Vector512 || (kernel == Blake3Kernel.Auto && Vector512KernelSupported))
        {
            // 9–15 left still run as one partial 16-lane group: cheaper than 8 lanes plus scalar.
            int minimum = kernel == Blake3Kernel.Auto ? 9 : 1;
            while (count - done >= minimum)
            {
                int lanes = Math.Min(16, count - done);
                HashManyVector512(input[(done * stride)..], stride, lanes, blocks, key, counter + (incrementCounter ? (ulong)done : 0), incrementCounter, flags, flagsStart, flagsEnd, cvs[(8 * done)..]);
                done += lanes;
            }
        }

        if (kernel == Blake3Kernel.Vector256 || (kernel == Blake3Kernel.Auto && Vector256KernelSupported))
        {
            // A partial 8-lane group beats scalar from 3 inputs on.
            int minimum = kernel == Blake3Kernel.Auto ? 3 : 1;
            while (count - done >= minimum)
            {
                int lanes = Math.Min(8, count - done);
                HashManyVector256(input[(done * stride)..], stride, lanes, blocks, key, counter + (incrementCounter ? (ulong)done : 0), incrementCounter, flags, flagsStart, flagsEnd, cvs[(8 * done)..]);
                done += lanes;
            }
        }

        for (; done < count; done++)
        {
            Span<uint> cv = cvs.Slice(8 * done, 8);
            ReadOnlySpan<byte> one = input.Slice(done * stride, blocks * BlockLength);
            ulong laneCounter = counter + (incrementCounter ? (ulong)done : 0);
            if (blocks == 1)
            {
                // Read the whole block before writing: for parents the output may overlap it.
                Blake3Words16 m = default;
                ReadWordsLittleEndian(one, m);
                ChainingValue(key, m, laneCounter, BlockLength, flags | flagsStart | flagsEnd, cv);
                continue;
            }

            key[..8].CopyTo(cv);
            for (int b = 0; b < blocks; b++)
            {
                uint blockFlags = flags | (b == 0 ? flagsStart : 0) | (b == blocks - 1 ? flagsEnd : 0);
                CompressInPlace(cv, one.Slice(b * BlockLength, BlockLength), laneCounter, BlockLength, blockFlags);
            }
        }
    }

    /// <summary>Throws unless a many-input kernel call stays inside its spans.</summary>
    private static void CheckManyArguments(ReadOnlySpan<byte> input, int stride, int lanes, int maxLanes, int blocks, ReadOnlySpan<uint> key, Span<uint> cvs)
    {
        if (lanes < 1 || lanes > maxLanes || blocks < 1 || stride < 0 || key.Length < 8 || cvs.Length < 8 * lanes
            || (long)input.Length < (long)(lanes - 1) * stride + (long)blocks * BlockLength)
        {
            throw new ArgumentOutOfRangeException(nameof(lanes), "The inputs or outputs of a BLAKE3 kernel call lie outside the given spans.");
        }
    }
}
