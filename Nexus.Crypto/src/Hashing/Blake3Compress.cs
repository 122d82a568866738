using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nexus.Crypto;

/// <summary>
/// The BLAKE3 compression function and its constants (BLAKE3 specification, O'Connor, Aumasson,
/// Neves, Wilcox-O'Hearn, 2020, section 2.2). Chaining values are 8 little-endian 32-bit words;
/// message blocks are 64 bytes.
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

    /// <summary>The BLAKE3 IV (the SHA-256 IV) as a chaining value.</summary>
    internal static ReadOnlySpan<uint> Iv => [Iv0, Iv1, Iv2, Iv3, Iv4, Iv5, Iv6, Iv7];

    /// <summary>Message word order of each of the 7 rounds (the permutation applied r times).</summary>
    internal static ReadOnlySpan<byte> Schedule =>
    [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8,
        3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1,
        10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6,
        12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4,
        9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7,
        11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13,
    ];

    /// <summary>
    /// Compresses one 64-byte block in place: <paramref name="cv"/> (8 words) becomes the first
    /// 8 output words (the next chaining value).
    /// </summary>
    internal static void CompressInPlace(Span<uint> cv, ReadOnlySpan<byte> block, ulong counter, uint blockLength, uint flags)
    {
        Span<uint> output = stackalloc uint[16];
        Compress(cv, block, counter, blockLength, flags, output);
        output[..8].CopyTo(cv);
    }

    /// <summary>
    /// The full compression function: 16 output words (the extended output used by XOF blocks),
    /// from an 8-word chaining value and a 64-byte block (zero-padded by the caller).
    /// </summary>
    [SkipLocalsInit]
    internal static void Compress(ReadOnlySpan<uint> cv, ReadOnlySpan<byte> block, ulong counter, uint blockLength, uint flags, Span<uint> output)
    {
        Span<uint> m = stackalloc uint[16];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, uint>(block[..BlockLength]).CopyTo(m);
        }
        else
        {
            for (int i = 0; i < 16; i++)
            {
                m[i] = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(4 * i, 4));
            }
        }

        CompressWords(cv, m, counter, blockLength, flags, output);
    }

    /// <summary>
    /// The compression function on a block given as 16 message words: 16 output words from an
    /// 8-word chaining value.
    /// </summary>
    internal static void CompressWords(ReadOnlySpan<uint> cv, ReadOnlySpan<uint> m, ulong counter, uint blockLength, uint flags, Span<uint> output)
    {
        m = m[..16];
        uint v0 = cv[0], v1 = cv[1], v2 = cv[2], v3 = cv[3], v4 = cv[4], v5 = cv[5], v6 = cv[6], v7 = cv[7];
        uint v8 = Iv0, v9 = Iv1, v10 = Iv2, v11 = Iv3;
        uint v12 = (uint)counter, v13 = (uint)(counter >> 32), v14 = blockLength, v15 = flags;

        ReadOnlySpan<byte> s = Schedule;
        for (int r = 0; r < 7 * 16; r += 16)
        {
            G(ref v0, ref v4, ref v8, ref v12, m[s[r + 0]], m[s[r + 1]]);
            G(ref v1, ref v5, ref v9, ref v13, m[s[r + 2]], m[s[r + 3]]);
            G(ref v2, ref v6, ref v10, ref v14, m[s[r + 4]], m[s[r + 5]]);
            G(ref v3, ref v7, ref v11, ref v15, m[s[r + 6]], m[s[r + 7]]);
            G(ref v0, ref v5, ref v10, ref v15, m[s[r + 8]], m[s[r + 9]]);
            G(ref v1, ref v6, ref v11, ref v12, m[s[r + 10]], m[s[r + 11]]);
            G(ref v2, ref v7, ref v8, ref v13, m[s[r + 12]], m[s[r + 13]]);
            G(ref v3, ref v4, ref v9, ref v14, m[s[r + 14]], m[s[r + 15]]);
        }

        output[15] = v15 ^ cv[7];
        output[0] = v0 ^ v8;
        output[1] = v1 ^ v9;
        output[2] = v2 ^ v10;
        output[3] = v3 ^ v11;
        output[4] = v4 ^ v12;
        output[5] = v5 ^ v13;
        output[6] = v6 ^ v14;
        output[7] = v7 ^ v15;
        output[8] = v8 ^ cv[0];
        output[9] = v9 ^ cv[1];
        output[10] = v10 ^ cv[2];
        output[11] = v11 ^ cv[3];
        output[12] = v12 ^ cv[4];
        output[13] = v13 ^ cv[5];
        output[14] = v14 ^ cv[6];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G(ref uint a, ref uint b, ref uint c, ref uint d, uint x, uint y)
    {
        a = a + b + x;
        d = BitOperations.RotateRight(d ^ a, 16);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 12);
        a = a + b + y;
        d = BitOperations.RotateRight(d ^ a, 8);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 7);
    }

    /// <summary>
    /// Hashes <paramref name="chunkCount"/> whole 1024-byte chunks of <paramref name="input"/>
    /// (chunk i has counter <paramref name="firstCounter"/> + i) into their chaining values
    /// (8 words each, in <paramref name="cvs"/>). None is a root. Uses the widest SIMD kernel the
    /// CPU supports; <see cref="HashChunksScalar"/> is the reference.
    /// </summary>
    internal static void HashChunks(ReadOnlySpan<byte> input, int chunkCount, ReadOnlySpan<uint> key, ulong firstCounter, uint flags, Span<uint> cvs) =>
        HashChunksScalar(input, chunkCount, key, firstCounter, flags, cvs);

    /// <summary>The scalar reference for <see cref="HashChunks"/>.</summary>
    internal static void HashChunksScalar(ReadOnlySpan<byte> input, int chunkCount, ReadOnlySpan<uint> key, ulong firstCounter, uint flags, Span<uint> cvs)
    {
        for (int c = 0; c < chunkCount; c++)
        {
            Span<uint> cv = cvs.Slice(8 * c, 8);
            key[..8].CopyTo(cv);
            ReadOnlySpan<byte> chunk = input.Slice(c * ChunkLength, ChunkLength);
            for (int b = 0; b < ChunkLength / BlockLength; b++)
            {
                uint blockFlags = flags | (b == 0 ? ChunkStart : 0) | (b == ChunkLength / BlockLength - 1 ? ChunkEnd : 0);
                CompressInPlace(cv, chunk.Slice(b * BlockLength, BlockLength), firstCounter + (ulong)c, BlockLength, blockFlags);
            }
        }
    }

    /// <summary>
    /// Compresses <paramref name="count"/> parent nodes: parent i's block is the 16 words
    /// <paramref name="children"/>[16i..16i+16] (left child's chaining value ‖ right child's); its
    /// chaining value goes to <paramref name="cvs"/>[8i..8i+8]. The two spans may be the same
    /// buffer (the output of parent i never overlaps an unread input).
    /// </summary>
    internal static void HashParents(ReadOnlySpan<uint> children, int count, ReadOnlySpan<uint> key, uint flags, Span<uint> cvs)
    {
        Span<uint> output = stackalloc uint[16];
        for (int i = 0; i < count; i++)
        {
            CompressWords(key, children.Slice(16 * i, 16), 0, BlockLength, flags | Parent, output);
            output[..8].CopyTo(cvs.Slice(8 * i, 8));
        }
    }
}
