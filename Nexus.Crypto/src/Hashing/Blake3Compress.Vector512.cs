using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nexus.Crypto;

/// <summary>Sixteen 512-bit vectors: a transposed message block or a transposed set of chaining values.</summary>
[InlineArray(16)]
internal struct Blake3Vector512x16
{
    private Vector512<uint> _element;
}

/// <summary>The 16-lane AVX-512 kernel (used when <see cref="Vector512KernelSupported"/>).</summary>
internal static partial class Blake3Compress
{
    /// <summary>
    /// The Vector512 kernel behind <see cref="HashChunks"/>: hashes <paramref name="chunkCount"/>
    /// whole chunks 16 at a time (the last group may be partial). Same contract as
    /// <see cref="HashChunksScalar"/>. Tests call it directly to pin this kernel.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks AVX-512F (see <see cref="Vector512KernelSupported"/>).</exception>
    internal static void HashChunksVector512(ReadOnlySpan<byte> input, int chunkCount, ReadOnlySpan<uint> key, ulong firstCounter, uint flags, Span<uint> cvs) =>
        HashChunksOn(Blake3Kernel.Vector512, input, chunkCount, key, firstCounter, flags, cvs);

    /// <summary>
    /// The Vector512 kernel behind <see cref="HashParents"/>: compresses <paramref name="count"/>
    /// parents 16 at a time. Same contract (including in-place use) as <see cref="HashParentsScalar"/>.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks AVX-512F.</exception>
    internal static void HashParentsVector512(ReadOnlySpan<uint> children, int count, ReadOnlySpan<uint> key, uint flags, Span<uint> cvs) =>
        HashParentsOn(Blake3Kernel.Vector512, children, count, key, flags, cvs);

    /// <summary>
    /// Hashes up to 16 inputs in parallel, one input per 32-bit lane of each Vector512.
    /// Lane layout: input i (0 ≤ i &lt; <paramref name="lanes"/>) starts at byte
    /// i·<paramref name="stride"/> of <paramref name="input"/> (1024 for chunks, 64 for parents)
    /// and is <paramref name="blocks"/> 64-byte blocks long. State word v_k is one vector whose
    /// lane i is word k of input i's state; message word m_j of block b is one vector whose lane i
    /// is word j of input i's block b, made by loading the 16 blocks as rows and transposing
    /// (<see cref="Transpose16x16"/>). The counter is split into a low-word vector and a high-word
    /// vector, lane i holding <paramref name="counter"/> + i (when <paramref name="incrementCounter"/>)
    /// with the carry into the high word, so a run of chunks may cross 2^32. Lanes past
    /// <paramref name="lanes"/> recompute the last input and are not stored. The chaining values
    /// are transposed back and input i's 8 words go to <paramref name="cvs"/>[8i..8i+8].
    /// Every input is read before any output is written, so for single-block inputs
    /// <paramref name="cvs"/> may overlap <paramref name="input"/> as in <see cref="HashParents"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The inputs or outputs lie outside the spans, or <paramref name="lanes"/> is not 1–16.</exception>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks AVX-512F.</exception>
    [SkipLocalsInit]
    internal static void HashManyVector512(ReadOnlySpan<byte> input, int stride, int lanes, int blocks, ReadOnlySpan<uint> key, ulong counter, bool incrementCounter, uint flags, uint flagsStart, uint flagsEnd, Span<uint> cvs)
    {
        if (!Vector512KernelSupported)
        {
            throw new PlatformNotSupportedException("The BLAKE3 Vector512 kernel needs AVX-512F.");
        }

        CheckManyArguments(input, stride, lanes, 16, blocks, key, cvs);

        var counterLow = Vector512.Create((uint)counter);
        Vector512<uint> lo = counterLow + (incrementCounter ? Vector512<uint>.Indices : Vector512<uint>.Zero);
        // Unsigned lo < start means the lane wrapped: LessThan is all ones (-1), so subtracting adds the carry.
        Vector512<uint> hi = Vector512.Create((uint)(counter >> 32)) - Vector512.LessThan(lo, counterLow);

        Vector512<uint> h0 = Vector512.Create(key[0]), h1 = Vector512.Create(key[1]), h2 = Vector512.Create(key[2]), h3 = Vector512.Create(key[3]);
        Vector512<uint> h4 = Vector512.Create(key[4]), h5 = Vector512.Create(key[5]), h6 = Vector512.Create(key[6]), h7 = Vector512.Create(key[7]);

        Unsafe.SkipInit(out Blake3Vector512x16 message);
        ref Vector512<uint> m = ref message[0];
        ref byte source = ref MemoryMarshal.GetReference(input);
        int last = lanes - 1;
        for (int b = 0; b < blocks; b++)
        {
            nuint blockOffset = (nuint)(b * BlockLength);
            for (int i = 0; i < 16; i++)
            {
                Unsafe.Add(ref m, i) = Vector512.LoadUnsafe(ref source, (nuint)(Math.Min(i, last) * stride) + blockOffset).AsUInt32();
            }

            Transpose16x16(ref m);

            uint blockFlags = flags | (b == 0 ? flagsStart : 0) | (b == blocks - 1 ? flagsEnd : 0);
            Vector512<uint> v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7;
            Vector512<uint> v8 = Vector512.Create(Iv0), v9 = Vector512.Create(Iv1), v10 = Vector512.Create(Iv2), v11 = Vector512.Create(Iv3);
            Vector512<uint> v12 = lo, v13 = hi, v14 = Vector512.Create((uint)BlockLength), v15 = Vector512.Create(blockFlags);

                // Round 1.
                v0 = v0 + Unsafe.Add(ref m, 0) + v4; v1 = v1 + Unsafe.Add(ref m, 2) + v5; v2 = v2 + Unsafe.Add(ref m, 4) + v6; v3 = v3 + Unsafe.Add(ref m, 6) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 16); v13 = Avx512F.RotateRight(v13 ^ v1, 16); v14 = Avx512F.RotateRight(v14 ^ v2, 16); v15 = Avx512F.RotateRight(v15 ^ v3, 16);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 12); v5 = Avx512F.RotateRight(v5 ^ v9, 12); v6 = Avx512F.RotateRight(v6 ^ v10, 12); v7 = Avx512F.RotateRight(v7 ^ v11, 12);
                v0 = v0 + Unsafe.Add(ref m, 1) + v4; v1 = v1 + Unsafe.Add(ref m, 3) + v5; v2 = v2 + Unsafe.Add(ref m, 5) + v6; v3 = v3 + Unsafe.Add(ref m, 7) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 8); v13 = Avx512F.RotateRight(v13 ^ v1, 8); v14 = Avx512F.RotateRight(v14 ^ v2, 8); v15 = Avx512F.RotateRight(v15 ^ v3, 8);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 7); v5 = Avx512F.RotateRight(v5 ^ v9, 7); v6 = Avx512F.RotateRight(v6 ^ v10, 7); v7 = Avx512F.RotateRight(v7 ^ v11, 7);
                v0 = v0 + Unsafe.Add(ref m, 8) + v5; v1 = v1 + Unsafe.Add(ref m, 10) + v6; v2 = v2 + Unsafe.Add(ref m, 12) + v7; v3 = v3 + Unsafe.Add(ref m, 14) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 16); v12 = Avx512F.RotateRight(v12 ^ v1, 16); v13 = Avx512F.RotateRight(v13 ^ v2, 16); v14 = Avx512F.RotateRight(v14 ^ v3, 16);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 12); v6 = Avx512F.RotateRight(v6 ^ v11, 12); v7 = Avx512F.RotateRight(v7 ^ v8, 12); v4 = Avx512F.RotateRight(v4 ^ v9, 12);
                v0 = v0 + Unsafe.Add(ref m, 9) + v5; v1 = v1 + Unsafe.Add(ref m, 11) + v6; v2 = v2 + Unsafe.Add(ref m, 13) + v7; v3 = v3 + Unsafe.Add(ref m, 15) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 8); v12 = Avx512F.RotateRight(v12 ^ v1, 8); v13 = Avx512F.RotateRight(v13 ^ v2, 8); v14 = Avx512F.RotateRight(v14 ^ v3, 8);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 7); v6 = Avx512F.RotateRight(v6 ^ v11, 7); v7 = Avx512F.RotateRight(v7 ^ v8, 7); v4 = Avx512F.RotateRight(v4 ^ v9, 7);
                // Round 2.
                v0 = v0 + Unsafe.Add(ref m, 2) + v4; v1 = v1 + Unsafe.Add(ref m, 3) + v5; v2 = v2 + Unsafe.Add(ref m, 7) + v6; v3 = v3 + Unsafe.Add(ref m, 4) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 16); v13 = Avx512F.RotateRight(v13 ^ v1, 16); v14 = Avx512F.RotateRight(v14 ^ v2, 16); v15 = Avx512F.RotateRight(v15 ^ v3, 16);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 12); v5 = Avx512F.RotateRight(v5 ^ v9, 12); v6 = Avx512F.RotateRight(v6 ^ v10, 12); v7 = Avx512F.RotateRight(v7 ^ v11, 12);
                v0 = v0 + Unsafe.Add(ref m, 6) + v4; v1 = v1 + Unsafe.Add(ref m, 10) + v5; v2 = v2 + Unsafe.Add(ref m, 0) + v6; v3 = v3 + Unsafe.Add(ref m, 13) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 8); v13 = Avx512F.RotateRight(v13 ^ v1, 8); v14 = Avx512F.RotateRight(v14 ^ v2, 8); v15 = Avx512F.RotateRight(v15 ^ v3, 8);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 7); v5 = Avx512F.RotateRight(v5 ^ v9, 7); v6 = Avx512F.RotateRight(v6 ^ v10, 7); v7 = Avx512F.RotateRight(v7 ^ v11, 7);
                v0 = v0 + Unsafe.Add(ref m, 1) + v5; v1 = v1 + Unsafe.Add(ref m, 12) + v6; v2 = v2 + Unsafe.Add(ref m, 9) + v7; v3 = v3 + Unsafe.Add(ref m, 15) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 16); v12 = Avx512F.RotateRight(v12 ^ v1, 16); v13 = Avx512F.RotateRight(v13 ^ v2, 16); v14 = Avx512F.RotateRight(v14 ^ v3, 16);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 12); v6 = Avx512F.RotateRight(v6 ^ v11, 12); v7 = Avx512F.RotateRight(v7 ^ v8, 12); v4 = Avx512F.RotateRight(v4 ^ v9, 12);
                v0 = v0 + Unsafe.Add(ref m, 11) + v5; v1 = v1 + Unsafe.Add(ref m, 5) + v6; v2 = v2 + Unsafe.Add(ref m, 14) + v7; v3 = v3 + Unsafe.Add(ref m, 8) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 8); v12 = Avx512F.RotateRight(v12 ^ v1, 8); v13 = Avx512F.RotateRight(v13 ^ v2, 8); v14 = Avx512F.RotateRight(v14 ^ v3, 8);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 7); v6 = Avx512F.RotateRight(v6 ^ v11, 7); v7 = Avx512F.RotateRight(v7 ^ v8, 7); v4 = Avx512F.RotateRight(v4 ^ v9, 7);
                // Round 3.
                v0 = v0 + Unsafe.Add(ref m, 3) + v4; v1 = v1 + Unsafe.Add(ref m, 10) + v5; v2 = v2 + Unsafe.Add(ref m, 13) + v6; v3 = v3 + Unsafe.Add(ref m, 7) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 16); v13 = Avx512F.RotateRight(v13 ^ v1, 16); v14 = Avx512F.RotateRight(v14 ^ v2, 16); v15 = Avx512F.RotateRight(v15 ^ v3, 16);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 12); v5 = Avx512F.RotateRight(v5 ^ v9, 12); v6 = Avx512F.RotateRight(v6 ^ v10, 12); v7 = Avx512F.RotateRight(v7 ^ v11, 12);
                v0 = v0 + Unsafe.Add(ref m, 4) + v4; v1 = v1 + Unsafe.Add(ref m, 12) + v5; v2 = v2 + Unsafe.Add(ref m, 2) + v6; v3 = v3 + Unsafe.Add(ref m, 14) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 8); v13 = Avx512F.RotateRight(v13 ^ v1, 8); v14 = Avx512F.RotateRight(v14 ^ v2, 8); v15 = Avx512F.RotateRight(v15 ^ v3, 8);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 7); v5 = Avx512F.RotateRight(v5 ^ v9, 7); v6 = Avx512F.RotateRight(v6 ^ v10, 7); v7 = Avx512F.RotateRight(v7 ^ v11, 7);
                v0 = v0 + Unsafe.Add(ref m, 6) + v5; v1 = v1 + Unsafe.Add(ref m, 9) + v6; v2 = v2 + Unsafe.Add(ref m, 11) + v7; v3 = v3 + Unsafe.Add(ref m, 8) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 16); v12 = Avx512F.RotateRight(v12 ^ v1, 16); v13 = Avx512F.RotateRight(v13 ^ v2, 16); v14 = Avx512F.RotateRight(v14 ^ v3, 16);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 12); v6 = Avx512F.RotateRight(v6 ^ v11, 12); v7 = Avx512F.RotateRight(v7 ^ v8, 12); v4 = Avx512F.RotateRight(v4 ^ v9, 12);
                v0 = v0 + Unsafe.Add(ref m, 5) + v5; v1 = v1 + Unsafe.Add(ref m, 0) + v6; v2 = v2 + Unsafe.Add(ref m, 15) + v7; v3 = v3 + Unsafe.Add(ref m, 1) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 8); v12 = Avx512F.RotateRight(v12 ^ v1, 8); v13 = Avx512F.RotateRight(v13 ^ v2, 8); v14 = Avx512F.RotateRight(v14 ^ v3, 8);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 7); v6 = Avx512F.RotateRight(v6 ^ v11, 7); v7 = Avx512F.RotateRight(v7 ^ v8, 7); v4 = Avx512F.RotateRight(v4 ^ v9, 7);
                // Round 4.
                v0 = v0 + Unsafe.Add(ref m, 10) + v4; v1 = v1 + Unsafe.Add(ref m, 12) + v5; v2 = v2 + Unsafe.Add(ref m, 14) + v6; v3 = v3 + Unsafe.Add(ref m, 13) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 16); v13 = Avx512F.RotateRight(v13 ^ v1, 16); v14 = Avx512F.RotateRight(v14 ^ v2, 16); v15 = Avx512F.RotateRight(v15 ^ v3, 16);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 12); v5 = Avx512F.RotateRight(v5 ^ v9, 12); v6 = Avx512F.RotateRight(v6 ^ v10, 12); v7 = Avx512F.RotateRight(v7 ^ v11, 12);
                v0 = v0 + Unsafe.Add(ref m, 7) + v4; v1 = v1 + Unsafe.Add(ref m, 9) + v5; v2 = v2 + Unsafe.Add(ref m, 3) + v6; v3 = v3 + Unsafe.Add(ref m, 15) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 8); v13 = Avx512F.RotateRight(v13 ^ v1, 8); v14 = Avx512F.RotateRight(v14 ^ v2, 8); v15 = Avx512F.RotateRight(v15 ^ v3, 8);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 7); v5 = Avx512F.RotateRight(v5 ^ v9, 7); v6 = Avx512F.RotateRight(v6 ^ v10, 7); v7 = Avx512F.RotateRight(v7 ^ v11, 7);
                v0 = v0 + Unsafe.Add(ref m, 4) + v5; v1 = v1 + Unsafe.Add(ref m, 11) + v6; v2 = v2 + Unsafe.Add(ref m, 5) + v7; v3 = v3 + Unsafe.Add(ref m, 1) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 16); v12 = Avx512F.RotateRight(v12 ^ v1, 16); v13 = Avx512F.RotateRight(v13 ^ v2, 16); v14 = Avx512F.RotateRight(v14 ^ v3, 16);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 12); v6 = Avx512F.RotateRight(v6 ^ v11, 12); v7 = Avx512F.RotateRight(v7 ^ v8, 12); v4 = Avx512F.RotateRight(v4 ^ v9, 12);
                v0 = v0 + Unsafe.Add(ref m, 0) + v5; v1 = v1 + Unsafe.Add(ref m, 2) + v6; v2 = v2 + Unsafe.Add(ref m, 8) + v7; v3 = v3 + Unsafe.Add(ref m, 6) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 8); v12 = Avx512F.RotateRight(v12 ^ v1, 8); v13 = Avx512F.RotateRight(v13 ^ v2, 8); v14 = Avx512F.RotateRight(v14 ^ v3, 8);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 7); v6 = Avx512F.RotateRight(v6 ^ v11, 7); v7 = Avx512F.RotateRight(v7 ^ v8, 7); v4 = Avx512F.RotateRight(v4 ^ v9, 7);
                // Round 5.
                v0 = v0 + Unsafe.Add(ref m, 12) + v4; v1 = v1 + Unsafe.Add(ref m, 9) + v5; v2 = v2 + Unsafe.Add(ref m, 15) + v6; v3 = v3 + Unsafe.Add(ref m, 14) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 16); v13 = Avx512F.RotateRight(v13 ^ v1, 16); v14 = Avx512F.RotateRight(v14 ^ v2, 16); v15 = Avx512F.RotateRight(v15 ^ v3, 16);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 12); v5 = Avx512F.RotateRight(v5 ^ v9, 12); v6 = Avx512F.RotateRight(v6 ^ v10, 12); v7 = Avx512F.RotateRight(v7 ^ v11, 12);
                v0 = v0 + Unsafe.Add(ref m, 13) + v4; v1 = v1 + Unsafe.Add(ref m, 11) + v5; v2 = v2 + Unsafe.Add(ref m, 10) + v6; v3 = v3 + Unsafe.Add(ref m, 8) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 8); v13 = Avx512F.RotateRight(v13 ^ v1, 8); v14 = Avx512F.RotateRight(v14 ^ v2, 8); v15 = Avx512F.RotateRight(v15 ^ v3, 8);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 7); v5 = Avx512F.RotateRight(v5 ^ v9, 7); v6 = Avx512F.RotateRight(v6 ^ v10, 7); v7 = Avx512F.RotateRight(v7 ^ v11, 7);
                v0 = v0 + Unsafe.Add(ref m, 7) + v5; v1 = v1 + Unsafe.Add(ref m, 5) + v6; v2 = v2 + Unsafe.Add(ref m, 0) + v7; v3 = v3 + Unsafe.Add(ref m, 6) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 16); v12 = Avx512F.RotateRight(v12 ^ v1, 16); v13 = Avx512F.RotateRight(v13 ^ v2, 16); v14 = Avx512F.RotateRight(v14 ^ v3, 16);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 12); v6 = Avx512F.RotateRight(v6 ^ v11, 12); v7 = Avx512F.RotateRight(v7 ^ v8, 12); v4 = Avx512F.RotateRight(v4 ^ v9, 12);
                v0 = v0 + Unsafe.Add(ref m, 2) + v5; v1 = v1 + Unsafe.Add(ref m, 3) + v6; v2 = v2 + Unsafe.Add(ref m, 1) + v7; v3 = v3 + Unsafe.Add(ref m, 4) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 8); v12 = Avx512F.RotateRight(v12 ^ v1, 8); v13 = Avx512F.RotateRight(v13 ^ v2, 8); v14 = Avx512F.RotateRight(v14 ^ v3, 8);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 7); v6 = Avx512F.RotateRight(v6 ^ v11, 7); v7 = Avx512F.RotateRight(v7 ^ v8, 7); v4 = Avx512F.RotateRight(v4 ^ v9, 7);
                // Round 6.
                v0 = v0 + Unsafe.Add(ref m, 9) + v4; v1 = v1 + Unsafe.Add(ref m, 11) + v5; v2 = v2 + Unsafe.Add(ref m, 8) + v6; v3 = v3 + Unsafe.Add(ref m, 15) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 16); v13 = Avx512F.RotateRight(v13 ^ v1, 16); v14 = Avx512F.RotateRight(v14 ^ v2, 16); v15 = Avx512F.RotateRight(v15 ^ v3, 16);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 12); v5 = Avx512F.RotateRight(v5 ^ v9, 12); v6 = Avx512F.RotateRight(v6 ^ v10, 12); v7 = Avx512F.RotateRight(v7 ^ v11, 12);
                v0 = v0 + Unsafe.Add(ref m, 14) + v4; v1 = v1 + Unsafe.Add(ref m, 5) + v5; v2 = v2 + Unsafe.Add(ref m, 12) + v6; v3 = v3 + Unsafe.Add(ref m, 1) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 8); v13 = Avx512F.RotateRight(v13 ^ v1, 8); v14 = Avx512F.RotateRight(v14 ^ v2, 8); v15 = Avx512F.RotateRight(v15 ^ v3, 8);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 7); v5 = Avx512F.RotateRight(v5 ^ v9, 7); v6 = Avx512F.RotateRight(v6 ^ v10, 7); v7 = Avx512F.RotateRight(v7 ^ v11, 7);
                v0 = v0 + Unsafe.Add(ref m, 13) + v5; v1 = v1 + Unsafe.Add(ref m, 0) + v6; v2 = v2 + Unsafe.Add(ref m, 2) + v7; v3 = v3 + Unsafe.Add(ref m, 4) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 16); v12 = Avx512F.RotateRight(v12 ^ v1, 16); v13 = Avx512F.RotateRight(v13 ^ v2, 16); v14 = Avx512F.RotateRight(v14 ^ v3, 16);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 12); v6 = Avx512F.RotateRight(v6 ^ v11, 12); v7 = Avx512F.RotateRight(v7 ^ v8, 12); v4 = Avx512F.RotateRight(v4 ^ v9, 12);
                v0 = v0 + Unsafe.Add(ref m, 3) + v5; v1 = v1 + Unsafe.Add(ref m, 10) + v6; v2 = v2 + Unsafe.Add(ref m, 6) + v7; v3 = v3 + Unsafe.Add(ref m, 7) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 8); v12 = Avx512F.RotateRight(v12 ^ v1, 8); v13 = Avx512F.RotateRight(v13 ^ v2, 8); v14 = Avx512F.RotateRight(v14 ^ v3, 8);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 7); v6 = Avx512F.RotateRight(v6 ^ v11, 7); v7 = Avx512F.RotateRight(v7 ^ v8, 7); v4 = Avx512F.RotateRight(v4 ^ v9, 7);
                // Round 7.
                v0 = v0 + Unsafe.Add(ref m, 11) + v4; v1 = v1 + Unsafe.Add(ref m, 5) + v5; v2 = v2 + Unsafe.Add(ref m, 1) + v6; v3 = v3 + Unsafe.Add(ref m, 8) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 16); v13 = Avx512F.RotateRight(v13 ^ v1, 16); v14 = Avx512F.RotateRight(v14 ^ v2, 16); v15 = Avx512F.RotateRight(v15 ^ v3, 16);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 12); v5 = Avx512F.RotateRight(v5 ^ v9, 12); v6 = Avx512F.RotateRight(v6 ^ v10, 12); v7 = Avx512F.RotateRight(v7 ^ v11, 12);
                v0 = v0 + Unsafe.Add(ref m, 15) + v4; v1 = v1 + Unsafe.Add(ref m, 0) + v5; v2 = v2 + Unsafe.Add(ref m, 9) + v6; v3 = v3 + Unsafe.Add(ref m, 6) + v7;
                v12 = Avx512F.RotateRight(v12 ^ v0, 8); v13 = Avx512F.RotateRight(v13 ^ v1, 8); v14 = Avx512F.RotateRight(v14 ^ v2, 8); v15 = Avx512F.RotateRight(v15 ^ v3, 8);
                v8 += v12; v9 += v13; v10 += v14; v11 += v15;
                v4 = Avx512F.RotateRight(v4 ^ v8, 7); v5 = Avx512F.RotateRight(v5 ^ v9, 7); v6 = Avx512F.RotateRight(v6 ^ v10, 7); v7 = Avx512F.RotateRight(v7 ^ v11, 7);
                v0 = v0 + Unsafe.Add(ref m, 14) + v5; v1 = v1 + Unsafe.Add(ref m, 2) + v6; v2 = v2 + Unsafe.Add(ref m, 3) + v7; v3 = v3 + Unsafe.Add(ref m, 7) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 16); v12 = Avx512F.RotateRight(v12 ^ v1, 16); v13 = Avx512F.RotateRight(v13 ^ v2, 16); v14 = Avx512F.RotateRight(v14 ^ v3, 16);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 12); v6 = Avx512F.RotateRight(v6 ^ v11, 12); v7 = Avx512F.RotateRight(v7 ^ v8, 12); v4 = Avx512F.RotateRight(v4 ^ v9, 12);
                v0 = v0 + Unsafe.Add(ref m, 10) + v5; v1 = v1 + Unsafe.Add(ref m, 12) + v6; v2 = v2 + Unsafe.Add(ref m, 4) + v7; v3 = v3 + Unsafe.Add(ref m, 13) + v4;
                v15 = Avx512F.RotateRight(v15 ^ v0, 8); v12 = Avx512F.RotateRight(v12 ^ v1, 8); v13 = Avx512F.RotateRight(v13 ^ v2, 8); v14 = Avx512F.RotateRight(v14 ^ v3, 8);
                v10 += v15; v11 += v12; v8 += v13; v9 += v14;
                v5 = Avx512F.RotateRight(v5 ^ v10, 7); v6 = Avx512F.RotateRight(v6 ^ v11, 7); v7 = Avx512F.RotateRight(v7 ^ v8, 7); v4 = Avx512F.RotateRight(v4 ^ v9, 7);

            h0 = v0 ^ v8;
            h1 = v1 ^ v9;
            h2 = v2 ^ v10;
            h3 = v3 ^ v11;
            h4 = v4 ^ v12;
            h5 = v5 ^ v13;
            h6 = v6 ^ v14;
            h7 = v7 ^ v15;
        }

        // Transpose the 8 state vectors (padded with zero rows) so row i holds input i's chaining value.
        m = h0;
        Unsafe.Add(ref m, 1) = h1;
        Unsafe.Add(ref m, 2) = h2;
        Unsafe.Add(ref m, 3) = h3;
        Unsafe.Add(ref m, 4) = h4;
        Unsafe.Add(ref m, 5) = h5;
        Unsafe.Add(ref m, 6) = h6;
        Unsafe.Add(ref m, 7) = h7;
        for (int i = 8; i < 16; i++)
        {
            Unsafe.Add(ref m, i) = Vector512<uint>.Zero;
        }

        Transpose16x16(ref m);
        ref uint destination = ref MemoryMarshal.GetReference(cvs);
        for (int i = 0; i < lanes; i++)
        {
            Unsafe.Add(ref m, i).GetLower().StoreUnsafe(ref destination, (nuint)(8 * i));
        }
    }

    /// <summary>
    /// Transposes the 16×16 matrix of 32-bit words held in the 16 vectors at <paramref name="rows"/>
    /// (vector r, lane c ↔ vector c, lane r): 32-bit unpacks, 64-bit unpacks, then two rounds of
    /// 128-bit lane shuffles (the layout of the BLAKE3 team's AVX-512 transpose).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16x16(ref Vector512<uint> rows)
    {
        // Interleave 32-bit words: per 128-bit lane L, ab0 = a[4L], b[4L], a[4L+1], b[4L+1]; ab2 the upper pair.
        Vector512<uint> ab0 = Avx512F.UnpackLow(rows, Unsafe.Add(ref rows, 1)), ab2 = Avx512F.UnpackHigh(rows, Unsafe.Add(ref rows, 1));
        Vector512<uint> cd0 = Avx512F.UnpackLow(Unsafe.Add(ref rows, 2), Unsafe.Add(ref rows, 3)), cd2 = Avx512F.UnpackHigh(Unsafe.Add(ref rows, 2), Unsafe.Add(ref rows, 3));
        Vector512<uint> ef0 = Avx512F.UnpackLow(Unsafe.Add(ref rows, 4), Unsafe.Add(ref rows, 5)), ef2 = Avx512F.UnpackHigh(Unsafe.Add(ref rows, 4), Unsafe.Add(ref rows, 5));
        Vector512<uint> gh0 = Avx512F.UnpackLow(Unsafe.Add(ref rows, 6), Unsafe.Add(ref rows, 7)), gh2 = Avx512F.UnpackHigh(Unsafe.Add(ref rows, 6), Unsafe.Add(ref rows, 7));
        Vector512<uint> ij0 = Avx512F.UnpackLow(Unsafe.Add(ref rows, 8), Unsafe.Add(ref rows, 9)), ij2 = Avx512F.UnpackHigh(Unsafe.Add(ref rows, 8), Unsafe.Add(ref rows, 9));
        Vector512<uint> kl0 = Avx512F.UnpackLow(Unsafe.Add(ref rows, 10), Unsafe.Add(ref rows, 11)), kl2 = Avx512F.UnpackHigh(Unsafe.Add(ref rows, 10), Unsafe.Add(ref rows, 11));
        Vector512<uint> mn0 = Avx512F.UnpackLow(Unsafe.Add(ref rows, 12), Unsafe.Add(ref rows, 13)), mn2 = Avx512F.UnpackHigh(Unsafe.Add(ref rows, 12), Unsafe.Add(ref rows, 13));
        Vector512<uint> op0 = Avx512F.UnpackLow(Unsafe.Add(ref rows, 14), Unsafe.Add(ref rows, 15)), op2 = Avx512F.UnpackHigh(Unsafe.Add(ref rows, 14), Unsafe.Add(ref rows, 15));

        // Interleave 64-bit pairs: abcdK holds, per 128-bit lane L, column 4L+K of rows 0–3.
        Vector512<uint> abcd0 = UnpackLow64(ab0, cd0), abcd1 = UnpackHigh64(ab0, cd0), abcd2 = UnpackLow64(ab2, cd2), abcd3 = UnpackHigh64(ab2, cd2);
        Vector512<uint> efgh0 = UnpackLow64(ef0, gh0), efgh1 = UnpackHigh64(ef0, gh0), efgh2 = UnpackLow64(ef2, gh2), efgh3 = UnpackHigh64(ef2, gh2);
        Vector512<uint> ijkl0 = UnpackLow64(ij0, kl0), ijkl1 = UnpackHigh64(ij0, kl0), ijkl2 = UnpackLow64(ij2, kl2), ijkl3 = UnpackHigh64(ij2, kl2);
        Vector512<uint> mnop0 = UnpackLow64(mn0, op0), mnop1 = UnpackHigh64(mn0, op0), mnop2 = UnpackLow64(mn2, op2), mnop3 = UnpackHigh64(mn2, op2);

        Finish(ref rows, 0, abcd0, efgh0, ijkl0, mnop0);
        Finish(ref rows, 1, abcd1, efgh1, ijkl1, mnop1);
        Finish(ref rows, 2, abcd2, efgh2, ijkl2, mnop2);
        Finish(ref rows, 3, abcd3, efgh3, ijkl3, mnop3);

        // Gathers 128-bit lane L of each group into column vector 4L+k: 0x88 picks lanes 0,2 of each
        // operand, 0xDD lanes 1,3.
        static void Finish(ref Vector512<uint> rows, int k, Vector512<uint> abcd, Vector512<uint> efgh, Vector512<uint> ijkl, Vector512<uint> mnop)
        {
            Vector512<uint> even0 = Avx512F.Shuffle4x128(abcd, efgh, 0x88), odd0 = Avx512F.Shuffle4x128(abcd, efgh, 0xDD);
            Vector512<uint> even1 = Avx512F.Shuffle4x128(ijkl, mnop, 0x88), odd1 = Avx512F.Shuffle4x128(ijkl, mnop, 0xDD);
            Unsafe.Add(ref rows, k) = Avx512F.Shuffle4x128(even0, even1, 0x88);
            Unsafe.Add(ref rows, 8 + k) = Avx512F.Shuffle4x128(even0, even1, 0xDD);
            Unsafe.Add(ref rows, 4 + k) = Avx512F.Shuffle4x128(odd0, odd1, 0x88);
            Unsafe.Add(ref rows, 12 + k) = Avx512F.Shuffle4x128(odd0, odd1, 0xDD);
        }

        static Vector512<uint> UnpackLow64(Vector512<uint> a, Vector512<uint> b) => Avx512F.UnpackLow(a.AsUInt64(), b.AsUInt64()).AsUInt32();

        static Vector512<uint> UnpackHigh64(Vector512<uint> a, Vector512<uint> b) => Avx512F.UnpackHigh(a.AsUInt64(), b.AsUInt64()).AsUInt32();
    }
}
