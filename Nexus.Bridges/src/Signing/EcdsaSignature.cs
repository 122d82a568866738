using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>
/// A secp256k1 ECDSA signature as Ethereum carries it (yellow paper, appendix F): the integers r and s
/// (each 1 &lt;= x &lt; n, 32 bytes big-endian on the wire) and the recovery id (y parity of the nonce point R, 0 or 1),
/// which lets <see cref="Secp256k1.TryRecover"/> find the signer's public key.
/// </summary>
public readonly struct EcdsaSignature : IEquatable<EcdsaSignature>
{
    /// <summary>Creates a signature.</summary>
    /// <param name="r">r, 1 &lt;= r &lt; n (not range-checked here; recovery rejects out-of-range values).</param>
    /// <param name="s">s, 1 &lt;= s &lt; n.</param>
    /// <param name="yParity">The recovery id, 0 or 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="yParity"/> is not 0 or 1, or r or s is negative or wider than 256 bits.</exception>
    public EcdsaSignature(BigInteger r, BigInteger s, byte yParity)
    {
        if (yParity > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(yParity), "The recovery id is 0 or 1.");
        }

        if (r.Sign < 0 || s.Sign < 0 || r.GetBitLength() > 256 || s.GetBitLength() > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(r), "r and s are 256-bit unsigned integers.");
        }

        R = r;
        S = s;
        YParity = yParity;
    }

    /// <summary>The r value (the x coordinate of the nonce point, mod n).</summary>
    public BigInteger R { get; }

    /// <summary>The s value.</summary>
    public BigInteger S { get; }

    /// <summary>The recovery id ("yParity" in typed transactions; v - 27 in 65-byte signatures), 0 or 1.</summary>
    public byte YParity { get; }

    /// <summary>Whether s &lt;= n/2, as EIP-2 requires of transaction signatures (Homestead).</summary>
    public bool IsLowS => S <= Secp256k1.HalfN;

    /// <summary>Writes the 65-byte form r (32) || s (32) || v, with v = 27 + recovery id (as eth_sign and ecrecover use).</summary>
    /// <returns>65 bytes.</returns>
    public byte[] ToRsv()
    {
        var bytes = new byte[65];
        R.TryWriteBytes(bytes.AsSpan(32 - R.GetByteCount(true), R.GetByteCount(true)), out _, isUnsigned: true, isBigEndian: true);
        S.TryWriteBytes(bytes.AsSpan(64 - S.GetByteCount(true), S.GetByteCount(true)), out _, isUnsigned: true, isBigEndian: true);
        bytes[64] = (byte)(27 + YParity);
        return bytes;
    }

    /// <summary>Reads the 65-byte form r || s || v, with v in {0, 1, 27, 28}.</summary>
    /// <param name="rsv">65 bytes.</param>
    /// <returns>The signature.</returns>
    /// <exception cref="EvmFormatException">Not 65 bytes, or v is not 0, 1, 27 or 28.</exception>
    public static EcdsaSignature FromRsv(ReadOnlySpan<byte> rsv)
    {
        if (rsv.Length != 65)
        {
            throw new EvmFormatException("A signature r || s || v is 65 bytes.");
        }

        byte v = rsv[64];
        byte parity = v switch
        {
            0 or 27 => 0,
            1 or 28 => 1,
            _ => throw new EvmFormatException("v must be 0, 1, 27 or 28."),
        };
        return new EcdsaSignature(
            new BigInteger(rsv.Slice(0, 32), isUnsigned: true, isBigEndian: true),
            new BigInteger(rsv.Slice(32, 32), isUnsigned: true, isBigEndian: true),
            parity);
    }

    /// <inheritdoc />
    public bool Equals(EcdsaSignature other) => R == other.R && S == other.S && YParity == other.YParity;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EcdsaSignature other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(R, S, YParity);

    /// <summary>Compares r, s and the recovery id.</summary>
    /// <param name="left">The first signature.</param>
    /// <param name="right">The second signature.</param>
    /// <returns>true when equal.</returns>
    public static bool operator ==(EcdsaSignature left, EcdsaSignature right) => left.Equals(right);

    /// <summary>Compares r, s and the recovery id.</summary>
    /// <param name="left">The first signature.</param>
    /// <param name="right">The second signature.</param>
    /// <returns>true when different.</returns>
    public static bool operator !=(EcdsaSignature left, EcdsaSignature right) => !left.Equals(right);
}
