using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Nexus.Bridges.Evm;

/// <summary>
/// A secp256k1 private key (a 32-byte scalar 1 &lt;= d &lt; n) that signs Ethereum message hashes with deterministic
/// RFC 6979 nonces (HMAC-SHA-256), producing EIP-2 low-s signatures with a recovery id. The key is held privately,
/// exported only through <see cref="Export"/>, and zeroed by <see cref="Dispose"/>.
/// </summary>
public sealed class Secp256k1PrivateKey : IDisposable
{
    private readonly byte[] _scalar;
    private bool _disposed;

    private Secp256k1PrivateKey(byte[] scalar)
    {
        _scalar = scalar;
        ECPoint q = Secp256k1.BaseMultiplier.Multiply(Secp256k1.Domain.G, new BcBigInteger(1, scalar)).Normalize();
        Span<byte> xy = stackalloc byte[64];
        q.AffineXCoord.EncodeTo(xy.Slice(0, 32));
        q.AffineYCoord.EncodeTo(xy.Slice(32, 32));
        PublicKey = new Secp256k1PublicKey(xy);
    }

    /// <summary>The public key d·G.</summary>
    public Secp256k1PublicKey PublicKey { get; }

    /// <summary>The account address of <see cref="PublicKey"/>.</summary>
    public Address Address => PublicKey.Address;

    /// <summary>Generates a key from the operating system's CSPRNG.</summary>
    /// <returns>A new key.</returns>
    public static Secp256k1PrivateKey Generate()
    {
        var scalar = new byte[32];
        while (true)
        {
            RandomNumberGenerator.Fill(scalar);
            if (IsValidScalar(scalar))
            {
                return new Secp256k1PrivateKey(scalar);
            }
        }
    }

    /// <summary>Imports a 32-byte big-endian scalar (the usual "0x…" private key).</summary>
    /// <param name="scalar">32 bytes, 1 &lt;= d &lt; n.</param>
    /// <returns>The key (it keeps its own copy).</returns>
    /// <exception cref="ArgumentException">Not 32 bytes, zero, or not below n.</exception>
    public static Secp256k1PrivateKey Import(ReadOnlySpan<byte> scalar)
    {
        if (scalar.Length != 32 || !IsValidScalar(scalar))
        {
            throw new ArgumentException("A secp256k1 private key is 32 bytes with 1 <= d < n.", nameof(scalar));
        }

        return new Secp256k1PrivateKey(scalar.ToArray());
    }

    /// <summary>Copies the 32-byte scalar out (an explicit export).</summary>
    /// <param name="destination">At least 32 bytes.</param>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public void Export(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _scalar.CopyTo(destination);
    }

    /// <summary>
    /// Signs a 32-byte message hash (e.g. a transaction signing hash). The nonce is RFC 6979
    /// (HMAC-SHA-256), s is normalised to the lower half (EIP-2) and the recovery id is set accordingly.
    /// </summary>
    /// <param name="messageHash">The 32-byte hash.</param>
    /// <returns>The signature.</returns>
    /// <exception cref="ArgumentException"><paramref name="messageHash"/> is not 32 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    /// <exception cref="CryptographicException">The nonce point's x coordinate is at least n (probability about 2^-128), so no 0/1 recovery id exists.</exception>
    public EcdsaSignature Sign(ReadOnlySpan<byte> messageHash)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (messageHash.Length != 32)
        {
            throw new ArgumentException("The message hash is 32 bytes.", nameof(messageHash));
        }

        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, new ECPrivateKeyParameters(new BcBigInteger(1, _scalar), Secp256k1.Domain));
        byte[] hash = messageHash.ToArray();
        BcBigInteger[] rs = signer.GenerateSignature(hash);
        System.Numerics.BigInteger r = Secp256k1.FromBc(rs[0]);
        System.Numerics.BigInteger s = Secp256k1.FromBc(rs[1]);
        if (s > Secp256k1.HalfN)
        {
            s = Secp256k1.N - s;
        }

        for (byte parity = 0; parity < 2; parity++)
        {
            var candidate = new EcdsaSignature(r, s, parity);
            if (Secp256k1.TryRecover(hash, candidate, out Secp256k1PublicKey recovered) && recovered == PublicKey)
            {
                return candidate;
            }
        }

        // r >= p - n (probability ~2^-128): the recovery id would be 2 or 3, which Ethereum cannot carry.
        throw new CryptographicException("The signature's nonce point cannot be expressed with a 0/1 recovery id.");
    }

    /// <summary>Zeroes the scalar.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_scalar);
        _disposed = true;
    }

    private static bool IsValidScalar(ReadOnlySpan<byte> scalar)
    {
        var d = new System.Numerics.BigInteger(scalar, isUnsigned: true, isBigEndian: true);
        return !d.IsZero && d < Secp256k1.N;
    }
}
