using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Math.EC.Multiplier;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Nexus.Bridges.Evm;

/// <summary>
/// secp256k1 (SEC 2, section 2.4.1) public-key recovery as Ethereum uses it: the ECRECOVER precompile and
/// transaction sender recovery (yellow paper, appendix F). Point arithmetic is BouncyCastle's optimised
/// secp256k1 curve (GLV endomorphism).
/// </summary>
public static class Secp256k1
{
    internal static readonly X9ECParameters Curve = CustomNamedCurves.GetByName("secp256k1");
    internal static readonly ECDomainParameters Domain = new(Curve.Curve, Curve.G, Curve.N, Curve.H);
    internal static readonly FixedPointCombMultiplier BaseMultiplier = new();

    /// <summary>The group order n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141.</summary>
    public static System.Numerics.BigInteger N { get; } = System.Numerics.BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>n / 2, the largest s EIP-2 allows in a transaction signature.</summary>
    public static System.Numerics.BigInteger HalfN { get; } = N / 2;

    /// <summary>
    /// Recovers the public key that produced <paramref name="signature"/> over the 32-byte <paramref name="messageHash"/>.
    /// Like the ECRECOVER precompile, it accepts any 1 &lt;= s &lt; n (callers that need EIP-2 low s check
    /// <see cref="EcdsaSignature.IsLowS"/>).
    /// </summary>
    /// <param name="messageHash">The 32-byte hash that was signed (e.g. a transaction's signing hash).</param>
    /// <param name="signature">The signature with its recovery id.</param>
    /// <param name="publicKey">The recovered key, or default on failure.</param>
    /// <returns>false when r or s is out of range, r is not the x coordinate of a curve point, or the result is the point at infinity.</returns>
    /// <exception cref="ArgumentException"><paramref name="messageHash"/> is not 32 bytes.</exception>
    public static bool TryRecover(ReadOnlySpan<byte> messageHash, EcdsaSignature signature, out Secp256k1PublicKey publicKey)
    {
        publicKey = default;
        if (messageHash.Length != 32)
        {
            throw new ArgumentException("The message hash is 32 bytes.", nameof(messageHash));
        }

        if (signature.R.IsZero || signature.S.IsZero || signature.R >= N || signature.S >= N)
        {
            return false;
        }

        Span<byte> encoded = stackalloc byte[33];
        encoded[0] = (byte)(0x02 | signature.YParity);
        signature.R.TryWriteBytes(encoded.Slice(33 - signature.R.GetByteCount(true)), out _, isUnsigned: true, isBigEndian: true);
        ECPoint r;
        try
        {
            r = Domain.Curve.DecodePoint(encoded.ToArray());
        }
        catch (ArgumentException)
        {
            return false;
        }

        BcBigInteger n = Domain.N;
        BcBigInteger rInv = Org.BouncyCastle.Utilities.BigIntegers.ModOddInverseVar(n, ToBc(signature.R));
        BcBigInteger e = new BcBigInteger(1, messageHash.ToArray()).Mod(n);
        BcBigInteger u1 = n.Subtract(e).Multiply(rInv).Mod(n);
        BcBigInteger u2 = ToBc(signature.S).Multiply(rInv).Mod(n);
        ECPoint q = ECAlgorithms.SumOfTwoMultiplies(Domain.G, u1, r, u2).Normalize();
        if (q.IsInfinity)
        {
            return false;
        }

        Span<byte> key = stackalloc byte[64];
        q.AffineXCoord.EncodeTo(key.Slice(0, 32));
        q.AffineYCoord.EncodeTo(key.Slice(32, 32));
        publicKey = new Secp256k1PublicKey(key);
        return true;
    }

    /// <summary>The ECRECOVER precompile (address 0x01): the address of the signer of <paramref name="messageHash"/>.</summary>
    /// <param name="messageHash">The 32-byte hash that was signed.</param>
    /// <param name="signature">The signature with its recovery id.</param>
    /// <returns>The signer's address, or null when recovery fails (see <see cref="TryRecover"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="messageHash"/> is not 32 bytes.</exception>
    public static Address? Ecrecover(ReadOnlySpan<byte> messageHash, EcdsaSignature signature) =>
        TryRecover(messageHash, signature, out Secp256k1PublicKey key) ? key.Address : null;

    internal static BcBigInteger ToBc(System.Numerics.BigInteger value) =>
        new(1, value.ToByteArray(isUnsigned: true, isBigEndian: true));

    internal static System.Numerics.BigInteger FromBc(BcBigInteger value) =>
        new(value.ToByteArrayUnsigned(), isUnsigned: true, isBigEndian: true);
}
