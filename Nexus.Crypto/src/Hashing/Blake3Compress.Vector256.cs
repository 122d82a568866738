using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nexus.Crypto;

/// <summary>Sixteen 256-bit vectors: a transposed message block.</summary>
[InlineArray(16)]
internal struct Blake3Vector256x16
{
    private Vector256<uint> _element;
}

/// <summary>The 8-lane AVX2 kernel (used when <see cref="Vector256KernelSupported"/>).</summary>
internal static partial class Blake3Compress
{
    /// <summary>
    /// The Vector256 kernel behind <see cref="HashChunks"/>: hashes <paramref name="chunkCount"/>
    /// whole chunks 8 at a time (the last group may be partial). Same contract as
    /// <see cref="HashChunksScalar"/>. Tests call it directly to pin this kernel.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks AVX2 (see <see cref="Vector256KernelSupported"/>).</exception>
    internal static void HashChunksVector256(ReadOnlySpan<byte> input, int chunkCount, ReadOnlySpan<uint> key, ulong firstCounter, uint flags, Span<uint> cvs) =>
        HashChunksOn(Blake3Kernel.Vector256, input, chunkCount, key, firstCounter, flags, cvs);

    /// <summary>
    /// The Vector256 kernel behind <see cref="HashParents"/>: compresses <paramref name="count"/>
    /// parents 8 at a time. Same contract (including in-place use) as <see cref="HashParentsScalar"/>.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks AVX2.</exception>
    internal static void HashParentsVector256(ReadOnlySpan<uint> children, int count, ReadOnlySpan<uint> key, uint flags, Span<uint> cvs) =>
        HashParentsOn(Blake3Kernel.Vector256, children, count, key, flags, cvs);

    /// <summary>
    /// Hashes up to 8 inputs in parallel, one input per 32-bit lane of each Vector256.
    /// Lane layout: input i (0 ≤ i &lt; <paramref name="lanes"/>) starts at byte
    /// i·<paramref name="stride"/> of <paramref name="input"/> (1024 for chunks, 64 for parents)
    /// and is <paramref name="blocks"/> 64-byte blocks long. State word v_k is one vector whose
    /// lane i is word k of input i's state; message word m_j of block b is one vector whose lane i
    /// is word j of input i's block b, made by loading each half-block (8 words) of the 8 inputs
    /// as rows and transposing (<see cref="Transpose8x8"/>). The counter is split into a low-word
    /// and a high-word vector, lane i holding <paramref name="counter"/> + i (when
    /// <paramref name="incrementCounter"/>) with the carry into the high word, so a run of chunks
    /// may cross 2^32. Rotations by 16 and 8 are byte shuffles, by 12 and 7 shifts and an or
    /// (AVX2 has no rotate). Lanes past <paramref name="lanes"/> recompute the last input and are
    /// not stored. The chaining values are transposed back and input i's 8 words go to
    /// <paramref name="cvs"/>[8i..8i+8]. Every input is read before any output is written, so for
    /// single-block inputs <paramref name="cvs"/> may overlap <paramref name="input"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The inputs or outputs lie outside the spans, or <paramref name="lanes"/> is not 1–8.</exception>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks AVX2.</exception>
    [SkipLocalsInit]
    internal static void HashManyVector256(ReadOnlySpan<byte> input, int stride, int lanes, int blocks, ReadOnlySpan<uint> key, ulong counter, bool incrementCounter, uint flags, uint flagsStart, uint flagsEnd, Span<uint> cvs)
    {
        if (!Vector256KernelSupported)
        {
            throw new PlatformNotSupportedException("The BLAKE3 Vector256 kernel needs AVX2.");
        }

        CheckManyArguments(input, stride, lanes, 8, blocks, key, cvs);

        var counterLow = Vector256.Create((uint)counter);
        Vector256<uint> lo = counterLow + (incrementCounter ? Vector256<uint>.Indices : Vector256<uint>.Zero);
        // Unsigned lo < start means the lane wrapped: LessThan is all ones (-1), so subtracting adds the carry.
        Vector256<uint> hi = Vector256.Create((uint)(counter >> 32)) - Vector256.LessThan(lo, counterLow);

        Vector256<uint> h0 = Vector256.Create(key[0]), h1 = Vector256.Create(key[1]), h2 = Vector256.Create(key[2]), h3 = Vector256.Create(key[3]);
        Vector256<uint> h4 = Vector256.Create(key[4]), h5 = Vector256.Create(key[5]), h6 = Vector256.Create(key[6]), h7 = Vector256.Create(key[7]);

        Unsafe.SkipInit(out Blake3Vector256x16 message);
        ref Vector256<uint> m = ref message[0];
        ref byte source = ref MemoryMarshal.GetReference(input);
        int last = lanes - 1;
        for (int b = 0; b < blocks; b++)
        {
            nuint blockOffset = (nuint)(b * BlockLength);
            for (int i = 0; i < 8; i++)
            {
                nuint row = (nuint)(Math.Min(i, last) * stride) + blockOffset;
                Unsafe.Add(ref m, i) = Vector256.LoadUnsafe(ref source, row).AsUInt32();
                Unsafe.Add(ref m, 8 + i) = Vector256.LoadUnsafe(ref source, row + 32).AsUInt32();
            }

            Transpose8x8(ref m);
            Transpose8x8(ref Unsafe.Add(ref m, 8));

            uint blockFlags = flags | (b == 0 ? flagsStart : 0) | (b == blocks - 1 ? flagsEnd : 0);
            Vector256<uint> v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7;
            Vector256<uint> v8 = Vector256.Create(Iv0), v9 = Vector256.Create(Iv1), v10 = Vector256.Create(Iv2), v11 = Vector256.Create(Iv3);
            Vector256<uint> v12 = lo, v13 = hi, v14 = Vector256.Create((uint)BlockLength), v15 = Vector256.Create(blockFlags);

                // Round 1.
                v0 = v0 + Unsafe.Add(ref m, 0) + v4; v1 = v1 + Unsafe.Add(ref m, 2) + v5; v2 = v2 + Unsafe.Add(ref m, 4) + v6; v3 = v3 + Unsafe.Add(ref m, 6) + v7;
                v12 = Rotate16(v12 ^ v0); v13 = Rotate16(v13 ^ v1); v14 = Rotate16(v14 ^ v2); v15 = Rotate16(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate12(v4 ^ v8); v5 = Rotate12(v5 ^ v9); v6 = Rotate12(v6 ^ v10); v7 = Rotate12(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 1) + v4; v1 = v1 + Unsafe.Add(ref m, 3) + v5; v2 = v2 + Unsafe.Add(ref m, 5) + v6; v3 = v3 + Unsafe.Add(ref m, 7) + v7;
                v12 = Rotate8(v12 ^ v0); v13 = Rotate8(v13 ^ v1); v14 = Rotate8(v14 ^ v2); v15 = Rotate8(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate7(v4 ^ v8); v5 = Rotate7(v5 ^ v9); v6 = Rotate7(v6 ^ v10); v7 = Rotate7(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 8) + v5; v1 = v1 + Unsafe.Add(ref m, 10) + v6; v2 = v2 + Unsafe.Add(ref m, 12) + v7; v3 = v3 + Unsafe.Add(ref m, 14) + v4;
                v15 = Rotate16(v15 ^ v0); v12 = Rotate16(v12 ^ v1); v13 = Rotate16(v13 ^ v2); v14 = Rotate16(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate12(v5 ^ v10); v6 = Rotate12(v6 ^ v11); v7 = Rotate12(v7 ^ v8); v4 = Rotate12(v4 ^ v9);
                v0 = v0 + Unsafe.Add(ref m, 9) + v5; v1 = v1 + Unsafe.Add(ref m, 11) + v6; v2 = v2 + Unsafe.Add(ref m, 13) + v7; v3 = v3 + Unsafe.Add(ref m, 15) + v4;
                v15 = Rotate8(v15 ^ v0); v12 = Rotate8(v12 ^ v1); v13 = Rotate8(v13 ^ v2); v14 = Rotate8(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate7(v5 ^ v10); v6 = Rotate7(v6 ^ v11); v7 = Rotate7(v7 ^ v8); v4 = Rotate7(v4 ^ v9);
                // Round 2.
                v0 = v0 + Unsafe.Add(ref m, 2) + v4; v1 = v1 + Unsafe.Add(ref m, 3) + v5; v2 = v2 + Unsafe.Add(ref m, 7) + v6; v3 = v3 + Unsafe.Add(ref m, 4) + v7;
                v12 = Rotate16(v12 ^ v0); v13 = Rotate16(v13 ^ v1); v14 = Rotate16(v14 ^ v2); v15 = Rotate16(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate12(v4 ^ v8); v5 = Rotate12(v5 ^ v9); v6 = Rotate12(v6 ^ v10); v7 = Rotate12(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 6) + v4; v1 = v1 + Unsafe.Add(ref m, 10) + v5; v2 = v2 + Unsafe.Add(ref m, 0) + v6; v3 = v3 + Unsafe.Add(ref m, 13) + v7;
                v12 = Rotate8(v12 ^ v0); v13 = Rotate8(v13 ^ v1); v14 = Rotate8(v14 ^ v2); v15 = Rotate8(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate7(v4 ^ v8); v5 = Rotate7(v5 ^ v9); v6 = Rotate7(v6 ^ v10); v7 = Rotate7(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 1) + v5; v1 = v1 + Unsafe.Add(ref m, 12) + v6; v2 = v2 + Unsafe.Add(ref m, 9) + v7; v3 = v3 + Unsafe.Add(ref m, 15) + v4;
                v15 = Rotate16(v15 ^ v0); v12 = Rotate16(v12 ^ v1); v13 = Rotate16(v13 ^ v2); v14 = Rotate16(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate12(v5 ^ v10); v6 = Rotate12(v6 ^ v11); v7 = Rotate12(v7 ^ v8); v4 = Rotate12(v4 ^ v9);
                v0 = v0 + Unsafe.Add(ref m, 11) + v5; v1 = v1 + Unsafe.Add(ref m, 5) + v6; v2 = v2 + Unsafe.Add(ref m, 14) + v7; v3 = v3 + Unsafe.Add(ref m, 8) + v4;
                v15 = Rotate8(v15 ^ v0); v12 = Rotate8(v12 ^ v1); v13 = Rotate8(v13 ^ v2); v14 = Rotate8(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate7(v5 ^ v10); v6 = Rotate7(v6 ^ v11); v7 = Rotate7(v7 ^ v8); v4 = Rotate7(v4 ^ v9);
                // Round 3.
                v0 = v0 + Unsafe.Add(ref m, 3) + v4; v1 = v1 + Unsafe.Add(ref m, 10) + v5; v2 = v2 + Unsafe.Add(ref m, 13) + v6; v3 = v3 + Unsafe.Add(ref m, 7) + v7;
                v12 = Rotate16(v12 ^ v0); v13 = Rotate16(v13 ^ v1); v14 = Rotate16(v14 ^ v2); v15 = Rotate16(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate12(v4 ^ v8); v5 = Rotate12(v5 ^ v9); v6 = Rotate12(v6 ^ v10); v7 = Rotate12(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 4) + v4; v1 = v1 + Unsafe.Add(ref m, 12) + v5; v2 = v2 + Unsafe.Add(ref m, 2) + v6; v3 = v3 + Unsafe.Add(ref m, 14) + v7;
                v12 = Rotate8(v12 ^ v0); v13 = Rotate8(v13 ^ v1); v14 = Rotate8(v14 ^ v2); v15 = Rotate8(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate7(v4 ^ v8); v5 = Rotate7(v5 ^ v9); v6 = Rotate7(v6 ^ v10); v7 = Rotate7(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 6) + v5; v1 = v1 + Unsafe.Add(ref m, 9) + v6; v2 = v2 + Unsafe.Add(ref m, 11) + v7; v3 = v3 + Unsafe.Add(ref m, 8) + v4;
                v15 = Rotate16(v15 ^ v0); v12 = Rotate16(v12 ^ v1); v13 = Rotate16(v13 ^ v2); v14 = Rotate16(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate12(v5 ^ v10); v6 = Rotate12(v6 ^ v11); v7 = Rotate12(v7 ^ v8); v4 = Rotate12(v4 ^ v9);
                v0 = v0 + Unsafe.Add(ref m, 5) + v5; v1 = v1 + Unsafe.Add(ref m, 0) + v6; v2 = v2 + Unsafe.Add(ref m, 15) + v7; v3 = v3 + Unsafe.Add(ref m, 1) + v4;
                v15 = Rotate8(v15 ^ v0); v12 = Rotate8(v12 ^ v1); v13 = Rotate8(v13 ^ v2); v14 = Rotate8(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate7(v5 ^ v10); v6 = Rotate7(v6 ^ v11); v7 = Rotate7(v7 ^ v8); v4 = Rotate7(v4 ^ v9);
                // Round 4.
                v0 = v0 + Unsafe.Add(ref m, 10) + v4; v1 = v1 + Unsafe.Add(ref m, 12) + v5; v2 = v2 + Unsafe.Add(ref m, 14) + v6; v3 = v3 + Unsafe.Add(ref m, 13) + v7;
                v12 = Rotate16(v12 ^ v0); v13 = Rotate16(v13 ^ v1); v14 = Rotate16(v14 ^ v2); v15 = Rotate16(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate12(v4 ^ v8); v5 = Rotate12(v5 ^ v9); v6 = Rotate12(v6 ^ v10); v7 = Rotate12(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 7) + v4; v1 = v1 + Unsafe.Add(ref m, 9) + v5; v2 = v2 + Unsafe.Add(ref m, 3) + v6; v3 = v3 + Unsafe.Add(ref m, 15) + v7;
                v12 = Rotate8(v12 ^ v0); v13 = Rotate8(v13 ^ v1); v14 = Rotate8(v14 ^ v2); v15 = Rotate8(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate7(v4 ^ v8); v5 = Rotate7(v5 ^ v9); v6 = Rotate7(v6 ^ v10); v7 = Rotate7(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 4) + v5; v1 = v1 + Unsafe.Add(ref m, 11) + v6; v2 = v2 + Unsafe.Add(ref m, 5) + v7; v3 = v3 + Unsafe.Add(ref m, 1) + v4;
                v15 = Rotate16(v15 ^ v0); v12 = Rotate16(v12 ^ v1); v13 = Rotate16(v13 ^ v2); v14 = Rotate16(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate12(v5 ^ v10); v6 = Rotate12(v6 ^ v11); v7 = Rotate12(v7 ^ v8); v4 = Rotate12(v4 ^ v9);
                v0 = v0 + Unsafe.Add(ref m, 0) + v5; v1 = v1 + Unsafe.Add(ref m, 2) + v6; v2 = v2 + Unsafe.Add(ref m, 8) + v7; v3 = v3 + Unsafe.Add(ref m, 6) + v4;
                v15 = Rotate8(v15 ^ v0); v12 = Rotate8(v12 ^ v1); v13 = Rotate8(v13 ^ v2); v14 = Rotate8(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate7(v5 ^ v10); v6 = Rotate7(v6 ^ v11); v7 = Rotate7(v7 ^ v8); v4 = Rotate7(v4 ^ v9);
                // Round 5.
                v0 = v0 + Unsafe.Add(ref m, 12) + v4; v1 = v1 + Unsafe.Add(ref m, 9) + v5; v2 = v2 + Unsafe.Add(ref m, 15) + v6; v3 = v3 + Unsafe.Add(ref m, 14) + v7;
                v12 = Rotate16(v12 ^ v0); v13 = Rotate16(v13 ^ v1); v14 = Rotate16(v14 ^ v2); v15 = Rotate16(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate12(v4 ^ v8); v5 = Rotate12(v5 ^ v9); v6 = Rotate12(v6 ^ v10); v7 = Rotate12(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 13) + v4; v1 = v1 + Unsafe.Add(ref m, 11) + v5; v2 = v2 + Unsafe.Add(ref m, 10) + v6; v3 = v3 + Unsafe.Add(ref m, 8) + v7;
                v12 = Rotate8(v12 ^ v0); v13 = Rotate8(v13 ^ v1); v14 = Rotate8(v14 ^ v2); v15 = Rotate8(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate7(v4 ^ v8); v5 = Rotate7(v5 ^ v9); v6 = Rotate7(v6 ^ v10); v7 = Rotate7(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 7) + v5; v1 = v1 + Unsafe.Add(ref m, 5) + v6; v2 = v2 + Unsafe.Add(ref m, 0) + v7; v3 = v3 + Unsafe.Add(ref m, 6) + v4;
                v15 = Rotate16(v15 ^ v0); v12 = Rotate16(v12 ^ v1); v13 = Rotate16(v13 ^ v2); v14 = Rotate16(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate12(v5 ^ v10); v6 = Rotate12(v6 ^ v11); v7 = Rotate12(v7 ^ v8); v4 = Rotate12(v4 ^ v9);
                v0 = v0 + Unsafe.Add(ref m, 2) + v5; v1 = v1 + Unsafe.Add(ref m, 3) + v6; v2 = v2 + Unsafe.Add(ref m, 1) + v7; v3 = v3 + Unsafe.Add(ref m, 4) + v4;
                v15 = Rotate8(v15 ^ v0); v12 = Rotate8(v12 ^ v1); v13 = Rotate8(v13 ^ v2); v14 = Rotate8(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate7(v5 ^ v10); v6 = Rotate7(v6 ^ v11); v7 = Rotate7(v7 ^ v8); v4 = Rotate7(v4 ^ v9);
                // Round 6.
                v0 = v0 + Unsafe.Add(ref m, 9) + v4; v1 = v1 + Unsafe.Add(ref m, 11) + v5; v2 = v2 + Unsafe.Add(ref m, 8) + v6; v3 = v3 + Unsafe.Add(ref m, 15) + v7;
                v12 = Rotate16(v12 ^ v0); v13 = Rotate16(v13 ^ v1); v14 = Rotate16(v14 ^ v2); v15 = Rotate16(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate12(v4 ^ v8); v5 = Rotate12(v5 ^ v9); v6 = Rotate12(v6 ^ v10); v7 = Rotate12(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 14) + v4; v1 = v1 + Unsafe.Add(ref m, 5) + v5; v2 = v2 + Unsafe.Add(ref m, 12) + v6; v3 = v3 + Unsafe.Add(ref m, 1) + v7;
                v12 = Rotate8(v12 ^ v0); v13 = Rotate8(v13 ^ v1); v14 = Rotate8(v14 ^ v2); v15 = Rotate8(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate7(v4 ^ v8); v5 = Rotate7(v5 ^ v9); v6 = Rotate7(v6 ^ v10); v7 = Rotate7(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 13) + v5; v1 = v1 + Unsafe.Add(ref m, 0) + v6; v2 = v2 + Unsafe.Add(ref m, 2) + v7; v3 = v3 + Unsafe.Add(ref m, 4) + v4;
                v15 = Rotate16(v15 ^ v0); v12 = Rotate16(v12 ^ v1); v13 = Rotate16(v13 ^ v2); v14 = Rotate16(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate12(v5 ^ v10); v6 = Rotate12(v6 ^ v11); v7 = Rotate12(v7 ^ v8); v4 = Rotate12(v4 ^ v9);
                v0 = v0 + Unsafe.Add(ref m, 3) + v5; v1 = v1 + Unsafe.Add(ref m, 10) + v6; v2 = v2 + Unsafe.Add(ref m, 6) + v7; v3 = v3 + Unsafe.Add(ref m, 7) + v4;
                v15 = Rotate8(v15 ^ v0); v12 = Rotate8(v12 ^ v1); v13 = Rotate8(v13 ^ v2); v14 = Rotate8(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate7(v5 ^ v10); v6 = Rotate7(v6 ^ v11); v7 = Rotate7(v7 ^ v8); v4 = Rotate7(v4 ^ v9);
                // Round 7.
                v0 = v0 + Unsafe.Add(ref m, 11) + v4; v1 = v1 + Unsafe.Add(ref m, 5) + v5; v2 = v2 + Unsafe.Add(ref m, 1) + v6; v3 = v3 + Unsafe.Add(ref m, 8) + v7;
                v12 = Rotate16(v12 ^ v0); v13 = Rotate16(v13 ^ v1); v14 = Rotate16(v14 ^ v2); v15 = Rotate16(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate12(v4 ^ v8); v5 = Rotate12(v5 ^ v9); v6 = Rotate12(v6 ^ v10); v7 = Rotate12(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 15) + v4; v1 = v1 + Unsafe.Add(ref m, 0) + v5; v2 = v2 + Unsafe.Add(ref m, 9) + v6; v3 = v3 + Unsafe.Add(ref m, 6) + v7;
                v12 = Rotate8(v12 ^ v0); v13 = Rotate8(v13 ^ v1); v14 = Rotate8(v14 ^ v2); v15 = Rotate8(v15 ^ v3);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Rotate7(v4 ^ v8); v5 = Rotate7(v5 ^ v9); v6 = Rotate7(v6 ^ v10); v7 = Rotate7(v7 ^ v11);
                v0 = v0 + Unsafe.Add(ref m, 14) + v5; v1 = v1 + Unsafe.Add(ref m, 2) + v6; v2 = v2 + Unsafe.Add(ref m, 3) + v7; v3 = v3 + Unsafe.Add(ref m, 7) + v4;
                v15 = Rotate16(v15 ^ v0); v12 = Rotate16(v12 ^ v1); v13 = Rotate16(v13 ^ v2); v14 = Rotate16(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate12(v5 ^ v10); v6 = Rotate12(v6 ^ v11); v7 = Rotate12(v7 ^ v8); v4 = Rotate12(v4 ^ v9);
                v0 = v0 + Unsafe.Add(ref m, 10) + v5; v1 = v1 + Unsafe.Add(ref m, 12) + v6; v2 = v2 + Unsafe.Add(ref m, 4) + v7; v3 = v3 + Unsafe.Add(ref m, 13) + v4;
                v15 = Rotate8(v15 ^ v0); v12 = Rotate8(v12 ^ v1); v13 = Rotate8(v13 ^ v2); v14 = Rotate8(v14 ^ v3);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Rotate7(v5 ^ v10); v6 = Rotate7(v6 ^ v11); v7 = Rotate7(v7 ^ v8); v4 = Rotate7(v4 ^ v9);

            h0 = v0 ^ v8;
            h1 = v1 ^ v9;
            h2 = v2 ^ v10;
            h3 = v3 ^ v11;
            h4 = v4 ^ v12;
            h5 = v5 ^ v13;
            h6 = v6 ^ v14;
            h7 = v7 ^ v15;
        }

        // Transpose the 8 state vectors so row i holds input i's chaining value.
        m = h0;
        Unsafe.Add(ref m, 1) = h1;
        Unsafe.Add(ref m, 2) = h2;
        Unsafe.Add(ref m, 3) = h3;
        Unsafe.Add(ref m, 4) = h4;
        Unsafe.Add(ref m, 5) = h5;
        Unsafe.Add(ref m, 6) = h6;
        Unsafe.Add(ref m, 7) = h7;
        Transpose8x8(ref m);
        ref uint destination = ref MemoryMarshal.GetReference(cvs);
        for (int i = 0; i < lanes; i++)
        {
            Unsafe.Add(ref m, i).StoreUnsafe(ref destination, (nuint)(8 * i));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate16(Vector256<uint> x) =>
        Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate8(Vector256<uint> x) =>
        Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate12(Vector256<uint> x) => Avx2.ShiftRightLogical(x, 12) | Avx2.ShiftLeftLogical(x, 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate7(Vector256<uint> x) => Avx2.ShiftRightLogical(x, 7) | Avx2.ShiftLeftLogical(x, 25);

    /// <summary>
    /// Transposes the 8×8 matrix of 32-bit words held in the 8 vectors at <paramref name="rows"/>
    /// (vector r, lane c ↔ vector c, lane r): 32-bit unpacks, 64-bit unpacks, then 128-bit lane
    /// permutes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref Vector256<uint> rows)
    {
        // Per 128-bit lane L: ab0 = a[4L], b[4L], a[4L+1], b[4L+1]; ab2 the upper pair.
        Vector256<uint> ab0 = Avx2.UnpackLow(rows, Unsafe.Add(ref rows, 1)), ab2 = Avx2.UnpackHigh(rows, Unsafe.Add(ref rows, 1));
        Vector256<uint> cd0 = Avx2.UnpackLow(Unsafe.Add(ref rows, 2), Unsafe.Add(ref rows, 3)), cd2 = Avx2.UnpackHigh(Unsafe.Add(ref rows, 2), Unsafe.Add(ref rows, 3));
        Vector256<uint> ef0 = Avx2.UnpackLow(Unsafe.Add(ref rows, 4), Unsafe.Add(ref rows, 5)), ef2 = Avx2.UnpackHigh(Unsafe.Add(ref rows, 4), Unsafe.Add(ref rows, 5));
        Vector256<uint> gh0 = Avx2.UnpackLow(Unsafe.Add(ref rows, 6), Unsafe.Add(ref rows, 7)), gh2 = Avx2.UnpackHigh(Unsafe.Add(ref rows, 6), Unsafe.Add(ref rows, 7));

        // abcdK holds, per 128-bit lane L, column 4L+K of rows 0–3; efghK the same of rows 4–7.
        Vector256<uint> abcd0 = UnpackLow64(ab0, cd0), abcd1 = UnpackHigh64(ab0, cd0), abcd2 = UnpackLow64(ab2, cd2), abcd3 = UnpackHigh64(ab2, cd2);
        Vector256<uint> efgh0 = UnpackLow64(ef0, gh0), efgh1 = UnpackHigh64(ef0, gh0), efgh2 = UnpackLow64(ef2, gh2), efgh3 = UnpackHigh64(ef2, gh2);

        // Column K is the low lanes of abcdK and efghK, column 4+K their high lanes.
        rows = Avx2.Permute2x128(abcd0, efgh0, 0x20);
        Unsafe.Add(ref rows, 1) = Avx2.Permute2x128(abcd1, efgh1, 0x20);
        Unsafe.Add(ref rows, 2) = Avx2.Permute2x128(abcd2, efgh2, 0x20);
        Unsafe.Add(ref rows, 3) = Avx2.Permute2x128(abcd3, efgh3, 0x20);
        Unsafe.Add(ref rows, 4) = Avx2.Permute2x128(abcd0, efgh0, 0x31);
        Unsafe.Add(ref rows, 5) = Avx2.Permute2x128(abcd1, efgh1, 0x31);
        Unsafe.Add(ref rows, 6) = Avx2.Permute2x128(abcd2, efgh2, 0x31);
        Unsafe.Add(ref rows, 7) = Avx2.Permute2x128(abcd3, efgh3, 0x31);

        static Vector256<uint> UnpackLow64(Vector256<uint> a, Vector256<uint> b) => Avx2.UnpackLow(a.AsUInt64(), b.AsUInt64()).AsUInt32();

        static Vector256<uint> UnpackHigh64(Vector256<uint> a, Vector256<uint> b) => Avx2.UnpackHigh(a.AsUInt64(), b.AsUInt64()).AsUInt32();
    }
}
