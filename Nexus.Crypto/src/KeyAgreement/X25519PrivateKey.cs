using System.Security.Cryptography;

namespace Nexus.Crypto;

/// <summary>
/// An X25519 private key (RFC 7748 section 5 and 6.1) for Diffie-Hellman key agreement, computed by
/// libsodium (<c>crypto_scalarmult</c>, the library NSec ships). The 32 private bytes live in a pinned
/// array that <see cref="Dispose"/> wipes; they leave the object only through
/// <see cref="ExportPrivateKey"/>. Clamping (RFC 7748 decodeScalar25519) is applied by every
/// operation, so any 32 bytes are a valid private key. Thread-safe for concurrent agreement.
/// </summary>
public sealed class X25519PrivateKey : IDisposable
{
    /// <summary>The size of the private key in bytes: 32.</summary>
    public const int SizeInBytes = 32;

    /// <summary>The size of the shared secret in bytes: 32.</summary>
    public const int SharedSecretSizeInBytes = 32;

    private readonly byte[] _scalar = GC.AllocateArray<byte>(SizeInBytes, pinned: true);
    private bool _disposed;

    private unsafe X25519PrivateKey(ReadOnlySpan<byte> scalar)
    {
        scalar.CopyTo(_scalar);
        Span<byte> pub = stackalloc byte[X25519PublicKey.SizeInBytes];
        fixed (byte* q = pub)
        fixed (byte* n = _scalar)
        {
            // Cannot fail: libsodium only rejects an all-zero result, which a clamped scalar times the base point never gives.
            if (Sodium.crypto_scalarmult_base(q, n) != 0)
            {
                throw new CryptographicException("libsodium crypto_scalarmult_base failed.");
            }
        }

        PublicKey = new X25519PublicKey(pub);
    }

    /// <summary>The matching 32-byte public key: X25519(k, 9).</summary>
    public X25519PublicKey PublicKey { get; }

    /// <summary>Creates a new random key from the operating system's CSPRNG.</summary>
    /// <returns>A new key the caller owns and must dispose.</returns>
    public static X25519PrivateKey Generate()
    {
        Span<byte> scalar = stackalloc byte[SizeInBytes];
        RandomNumberGenerator.Fill(scalar);
        try
        {
            return new X25519PrivateKey(scalar);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    /// <summary>Imports a key from its 32 raw bytes (clamped on use, RFC 7748 section 5).</summary>
    /// <param name="privateKey">32 bytes; the caller should wipe its copy afterwards.</param>
    /// <returns>A new key the caller owns and must dispose.</returns>
    /// <exception cref="ArgumentException"><paramref name="privateKey"/> is not 32 bytes long.</exception>
    public static X25519PrivateKey Import(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != SizeInBytes)
        {
            throw new ArgumentException($"An X25519 private key is {SizeInBytes} bytes; got {privateKey.Length}.", nameof(privateKey));
        }

        return new X25519PrivateKey(privateKey);
    }

    /// <summary>Copies the 32 raw private bytes out. Only for persisting the key; wipe the copy.</summary>
    /// <param name="destination">At least 32 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public void ExportPrivateKey(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        FixedBytes.RequireDestination(destination, SizeInBytes, nameof(destination));
        _scalar.CopyTo(destination);
    }

    /// <summary>
    /// Computes the raw X25519 shared secret X25519(k, peer) (RFC 7748 section 6.1). Feed it to a KDF
    /// (<see cref="Hkdf"/>), never use it as a key directly.
    /// </summary>
    /// <param name="peer">The other side's public key.</param>
    /// <param name="sharedSecret">Exactly 32 bytes; receives the secret, or zeros on failure.</param>
    /// <returns>
    /// False when the result is all zeros, i.e. <paramref name="peer"/> is a small-order point
    /// (RFC 7748 section 6.1's check): the agreement must then be abandoned.
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="sharedSecret"/> is not 32 bytes long.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public unsafe bool TryAgree(in X25519PublicKey peer, Span<byte> sharedSecret)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (sharedSecret.Length != SharedSecretSizeInBytes)
        {
            throw new ArgumentException($"An X25519 shared secret is {SharedSecretSizeInBytes} bytes; got {sharedSecret.Length}.", nameof(sharedSecret));
        }

        fixed (byte* q = sharedSecret)
        fixed (byte* n = _scalar)
        fixed (byte* p = peer.AsSpan())
        {
            if (Sodium.crypto_scalarmult(q, n, p) != 0)
            {
                sharedSecret.Clear();
                return false;
            }
        }

        return true;
    }

    /// <summary>Wipes the private bytes.</summary>
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_scalar);
    }
}
