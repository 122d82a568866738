using System.Buffers.Binary;
using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>
/// Keccak-256 as Ethereum uses it: the original Keccak submission (multi-rate padding 0x01 ... 0x80),
/// rate 136 bytes, capacity 512 bits, 32-byte output. This is not NIST SHA3-256 (which pads with 0x06).
/// Source: Ethereum yellow paper, appendix "KEC"; Keccak reference, "The Keccak SHA-3 submission" v3.
/// </summary>
/// <remarks>Allocation-free; the permutation is fully unrolled over 25 local lanes. Thread-safe (no shared state).</remarks>
public static class Keccak256
{
    /// <summary>The digest length in bytes (32).</summary>
    public const int HashLength = 32;

    /// <summary>The sponge rate in bytes (136 = (1600 - 2 * 256) / 8).</summary>
    public const int RateBytes = 136;

    private static readonly ulong[] RoundConstants =
    [
        0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808AUL, 0x8000000080008000UL,
        0x000000000000808BUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
        0x000000000000008AUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000AUL,
        0x000000008000808BUL, 0x800000000000008BUL, 0x8000000000008089UL, 0x8000000000008003UL,
        0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800AUL, 0x800000008000000AUL,
        0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL
    ];

    /// <summary>Hashes <paramref name="data"/> (any length, including empty) into a 32-byte <see cref="Hash32"/>.</summary>
    /// <param name="data">The message bytes.</param>
    /// <returns>Keccak-256(<paramref name="data"/>).</returns>
    public static Hash32 Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> output = stackalloc byte[HashLength];
        Hash(data, output);
        return new Hash32(output);
    }

    /// <summary>Hashes <paramref name="data"/> into the first 32 bytes of <paramref name="destination"/>.</summary>
    /// <param name="data">The message bytes.</param>
    /// <param name="destination">Receives the 32-byte digest.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (destination.Length < HashLength)
        {
            throw new ArgumentException("The destination must hold at least 32 bytes.", nameof(destination));
        }

        Span<ulong> state = stackalloc ulong[25];
        state.Clear();
        while (data.Length >= RateBytes)
        {
            for (int i = 0; i < RateBytes / 8; i++)
            {
                state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i * 8, 8));
            }

            Permute(state);
            data = data.Slice(RateBytes);
        }

        Span<byte> last = stackalloc byte[RateBytes];
        last.Clear();
        data.CopyTo(last);
        last[data.Length] ^= 0x01;
        last[RateBytes - 1] ^= 0x80;
        for (int i = 0; i < RateBytes / 8; i++)
        {
            state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(last.Slice(i * 8, 8));
        }

        Permute(state);
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(i * 8, 8), state[i]);
        }
    }

    /// <summary>The Keccak-f[1600] permutation over a 25-lane state (lane index x + 5y).</summary>
    internal static void Permute(Span<ulong> s)
    {
        ulong a00 = s[0], a10 = s[1], a20 = s[2], a30 = s[3], a40 = s[4], a01 = s[5], a11 = s[6], a21 = s[7], a31 = s[8], a41 = s[9], a02 = s[10], a12 = s[11], a22 = s[12], a32 = s[13], a42 = s[14], a03 = s[15], a13 = s[16], a23 = s[17], a33 = s[18], a43 = s[19], a04 = s[20], a14 = s[21], a24 = s[22], a34 = s[23], a44 = s[24];
        ulong e00, e10, e20, e30, e40, e01, e11, e21, e31, e41, e02, e12, e22, e32, e42, e03, e13, e23, e33, e43, e04, e14, e24, e34, e44;
        ulong b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
        for (int round = 0; round < 24; round += 2)
        {
            c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;
            c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;
            c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;
            c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;
            c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;
            d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
            d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
            d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
            d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
            d4 = c3 ^ BitOperations.RotateLeft(c0, 1);
            b0 = a00 ^ d0;
            b1 = BitOperations.RotateLeft(a11 ^ d1, 44);
            b2 = BitOperations.RotateLeft(a22 ^ d2, 43);
            b3 = BitOperations.RotateLeft(a33 ^ d3, 21);
            b4 = BitOperations.RotateLeft(a44 ^ d4, 14);
            e00 = b0 ^ (~b1 & b2) ^ RoundConstants[round];
            e10 = b1 ^ (~b2 & b3);
            e20 = b2 ^ (~b3 & b4);
            e30 = b3 ^ (~b4 & b0);
            e40 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(a30 ^ d3, 28);
            b1 = BitOperations.RotateLeft(a41 ^ d4, 20);
            b2 = BitOperations.RotateLeft(a02 ^ d0, 3);
            b3 = BitOperations.RotateLeft(a13 ^ d1, 45);
            b4 = BitOperations.RotateLeft(a24 ^ d2, 61);
            e01 = b0 ^ (~b1 & b2);
            e11 = b1 ^ (~b2 & b3);
            e21 = b2 ^ (~b3 & b4);
            e31 = b3 ^ (~b4 & b0);
            e41 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(a10 ^ d1, 1);
            b1 = BitOperations.RotateLeft(a21 ^ d2, 6);
            b2 = BitOperations.RotateLeft(a32 ^ d3, 25);
            b3 = BitOperations.RotateLeft(a43 ^ d4, 8);
            b4 = BitOperations.RotateLeft(a04 ^ d0, 18);
            e02 = b0 ^ (~b1 & b2);
            e12 = b1 ^ (~b2 & b3);
            e22 = b2 ^ (~b3 & b4);
            e32 = b3 ^ (~b4 & b0);
            e42 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(a40 ^ d4, 27);
            b1 = BitOperations.RotateLeft(a01 ^ d0, 36);
            b2 = BitOperations.RotateLeft(a12 ^ d1, 10);
            b3 = BitOperations.RotateLeft(a23 ^ d2, 15);
            b4 = BitOperations.RotateLeft(a34 ^ d3, 56);
            e03 = b0 ^ (~b1 & b2);
            e13 = b1 ^ (~b2 & b3);
            e23 = b2 ^ (~b3 & b4);
            e33 = b3 ^ (~b4 & b0);
            e43 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(a20 ^ d2, 62);
            b1 = BitOperations.RotateLeft(a31 ^ d3, 55);
            b2 = BitOperations.RotateLeft(a42 ^ d4, 39);
            b3 = BitOperations.RotateLeft(a03 ^ d0, 41);
            b4 = BitOperations.RotateLeft(a14 ^ d1, 2);
            e04 = b0 ^ (~b1 & b2);
            e14 = b1 ^ (~b2 & b3);
            e24 = b2 ^ (~b3 & b4);
            e34 = b3 ^ (~b4 & b0);
            e44 = b4 ^ (~b0 & b1);
            c0 = e00 ^ e01 ^ e02 ^ e03 ^ e04;
            c1 = e10 ^ e11 ^ e12 ^ e13 ^ e14;
            c2 = e20 ^ e21 ^ e22 ^ e23 ^ e24;
            c3 = e30 ^ e31 ^ e32 ^ e33 ^ e34;
            c4 = e40 ^ e41 ^ e42 ^ e43 ^ e44;
            d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
            d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
            d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
            d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
            d4 = c3 ^ BitOperations.RotateLeft(c0, 1);
            b0 = e00 ^ d0;
            b1 = BitOperations.RotateLeft(e11 ^ d1, 44);
            b2 = BitOperations.RotateLeft(e22 ^ d2, 43);
            b3 = BitOperations.RotateLeft(e33 ^ d3, 21);
            b4 = BitOperations.RotateLeft(e44 ^ d4, 14);
            a00 = b0 ^ (~b1 & b2) ^ RoundConstants[round + 1];
            a10 = b1 ^ (~b2 & b3);
            a20 = b2 ^ (~b3 & b4);
            a30 = b3 ^ (~b4 & b0);
            a40 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(e30 ^ d3, 28);
            b1 = BitOperations.RotateLeft(e41 ^ d4, 20);
            b2 = BitOperations.RotateLeft(e02 ^ d0, 3);
            b3 = BitOperations.RotateLeft(e13 ^ d1, 45);
            b4 = BitOperations.RotateLeft(e24 ^ d2, 61);
            a01 = b0 ^ (~b1 & b2);
            a11 = b1 ^ (~b2 & b3);
            a21 = b2 ^ (~b3 & b4);
            a31 = b3 ^ (~b4 & b0);
            a41 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(e10 ^ d1, 1);
            b1 = BitOperations.RotateLeft(e21 ^ d2, 6);
            b2 = BitOperations.RotateLeft(e32 ^ d3, 25);
            b3 = BitOperations.RotateLeft(e43 ^ d4, 8);
            b4 = BitOperations.RotateLeft(e04 ^ d0, 18);
            a02 = b0 ^ (~b1 & b2);
            a12 = b1 ^ (~b2 & b3);
            a22 = b2 ^ (~b3 & b4);
            a32 = b3 ^ (~b4 & b0);
            a42 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(e40 ^ d4, 27);
            b1 = BitOperations.RotateLeft(e01 ^ d0, 36);
            b2 = BitOperations.RotateLeft(e12 ^ d1, 10);
            b3 = BitOperations.RotateLeft(e23 ^ d2, 15);
            b4 = BitOperations.RotateLeft(e34 ^ d3, 56);
            a03 = b0 ^ (~b1 & b2);
            a13 = b1 ^ (~b2 & b3);
            a23 = b2 ^ (~b3 & b4);
            a33 = b3 ^ (~b4 & b0);
            a43 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(e20 ^ d2, 62);
            b1 = BitOperations.RotateLeft(e31 ^ d3, 55);
            b2 = BitOperations.RotateLeft(e42 ^ d4, 39);
            b3 = BitOperations.RotateLeft(e03 ^ d0, 41);
            b4 = BitOperations.RotateLeft(e14 ^ d1, 2);
            a04 = b0 ^ (~b1 & b2);
            a14 = b1 ^ (~b2 & b3);
            a24 = b2 ^ (~b3 & b4);
            a34 = b3 ^ (~b4 & b0);
            a44 = b4 ^ (~b0 & b1);
        }
        s[0] = a00; s[1] = a10; s[2] = a20; s[3] = a30; s[4] = a40;
        s[5] = a01; s[6] = a11; s[7] = a21; s[8] = a31; s[9] = a41;
        s[10] = a02; s[11] = a12; s[12] = a22; s[13] = a32; s[14] = a42;
        s[15] = a03; s[16] = a13; s[17] = a23; s[18] = a33; s[19] = a43;
        s[20] = a04; s[21] = a14; s[22] = a24; s[23] = a34; s[24] = a44;
    }
}
