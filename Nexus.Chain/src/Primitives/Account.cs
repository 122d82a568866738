using System.Buffers.Binary;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>
/// An account's state: balance in μNXS and the nonce of its next transaction. The state tree commits
/// to <see cref="ValueHash"/> = BLAKE3-256(balance u64 LE ‖ nonce u64 LE) (16 bytes, decision D4).
/// </summary>
/// <param name="Balance">Spendable balance in μNXS.</param>
/// <param name="Nonce">Nonce the account's next transaction must carry.</param>
public readonly record struct Account(ulong Balance, ulong Nonce)
{
    /// <summary>Size of the encoded account: 16 bytes.</summary>
    public const int EncodedSize = 16;

    /// <summary>Writes balance (u64 LE) ‖ nonce (u64 LE).</summary>
    /// <param name="destination">At least 16 bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Balance);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Nonce);
    }

    /// <summary>Reads the 16-byte encoding written by <see cref="WriteTo"/>.</summary>
    /// <param name="source">Exactly 16 bytes.</param>
    /// <returns>The account.</returns>
    /// <exception cref="ChainFormatException"><paramref name="source"/> is not 16 bytes.</exception>
    public static Account Read(ReadOnlySpan<byte> source) =>
        source.Length == EncodedSize
            ? new Account(BinaryPrimitives.ReadUInt64LittleEndian(source), BinaryPrimitives.ReadUInt64LittleEndian(source[8..]))
            : throw new ChainFormatException("An account is 16 bytes.");

    /// <summary>BLAKE3-256 of the 16-byte encoding: the value the state tree commits to.</summary>
    public Hash256 ValueHash
    {
        get
        {
            Span<byte> buffer = stackalloc byte[EncodedSize];
            WriteTo(buffer);
            return Blake3.Hash(buffer);
        }
    }
}
