using System.Security.Cryptography;
using NSec.Cryptography;

namespace Nexus.Crypto;

/// <summary>
/// An Ed25519 signing key (RFC 8032 section 5.1.5), held by NSec/libsodium in protected memory.
/// The owner disposes it; the 32-byte seed leaves the object only through
/// <see cref="ExportSeed"/>, an explicit request. Signing is deterministic (RFC 8032), so the same
/// key and message always give the same 64-byte signature. Thread-safe for concurrent signing.
/// </summary>
public sealed class Ed25519PrivateKey : IDisposable
{
    /// <summary>The size of the private key seed in bytes: 32 (RFC 8032's "secret key").</summary>
    public const int SeedSizeInBytes = 32;

    private readonly Key _key;
    private byte[]? _expanded; // SHA-512(seed), pinned, computed on first use by the VRF; zeroed on dispose
    private bool _disposed;

    private Ed25519PrivateKey(Key key)
    {
        _key = key;
        Span<byte> pub = stackalloc byte[Ed25519PublicKey.SizeInBytes];
        _ = key.PublicKey.TryExport(KeyBlobFormat.RawPublicKey, pub, out _);
        PublicKey = new Ed25519PublicKey(pub);
    }

    /// <summary>The matching 32-byte public key.</summary>
    public Ed25519PublicKey PublicKey { get; }

    /// <summary>Creates a new random key from the operating system's CSPRNG (via libsodium).</summary>
    /// <returns>A new key the caller owns and must dispose.</returns>
    public static Ed25519PrivateKey Generate() => new(Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Imports a key from its 32-byte RFC 8032 seed.</summary>
    /// <param name="seed">The 32-byte seed; the caller should wipe its copy afterwards.</param>
    /// <returns>A new key the caller owns and must dispose.</returns>
    /// <exception cref="ArgumentException"><paramref name="seed"/> is not 32 bytes long.</exception>
    public static Ed25519PrivateKey Import(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedSizeInBytes)
        {
            throw new ArgumentException($"An Ed25519 seed is {SeedSizeInBytes} bytes; got {seed.Length}.", nameof(seed));
        }

        return new Ed25519PrivateKey(Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>Copies the 32-byte seed out of protected memory. Only for persisting the key; wipe the copy.</summary>
    /// <param name="destination">At least 32 bytes; receives the seed.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public void ExportSeed(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        FixedBytes.RequireDestination(destination, SeedSizeInBytes, nameof(destination));
        if (!_key.TryExport(KeyBlobFormat.RawPrivateKey, destination, out var written) || written != SeedSizeInBytes)
        {
            throw new CryptographicException("libsodium refused to export the Ed25519 seed.");
        }
    }

    /// <summary>Signs a message (pure Ed25519, RFC 8032 section 5.1.6).</summary>
    /// <param name="message">The message, any length.</param>
    /// <returns>The 64-byte signature R ‖ S.</returns>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public Ed25519Signature Sign(ReadOnlySpan<byte> message)
    {
        Span<byte> signature = stackalloc byte[Ed25519Signature.SizeInBytes];
        Sign(message, signature);
        return new Ed25519Signature(signature);
    }

    /// <summary>Signs a message into a caller buffer (pure Ed25519, RFC 8032 section 5.1.6).</summary>
    /// <param name="message">The message, any length.</param>
    /// <param name="signature">Exactly 64 bytes; receives R ‖ S.</param>
    /// <exception cref="ArgumentException"><paramref name="signature"/> is not 64 bytes long.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (signature.Length != Ed25519Signature.SizeInBytes)
        {
            throw new ArgumentException($"An Ed25519 signature is {Ed25519Signature.SizeInBytes} bytes; got {signature.Length}.", nameof(signature));
        }

        SignatureAlgorithm.Ed25519.Sign(_key, message, signature);
    }

    /// <summary>
    /// SHA-512(seed), the RFC 8032 expanded secret (section 5.1.5 step 1): bytes 0..31 clamped give the
    /// secret scalar x, bytes 32..63 the nonce prefix. Used by the ECVRF (RFC 9381 section 5.1 and 5.4.2.2).
    /// Computed once and kept in a pinned array that <see cref="Dispose"/> wipes.
    /// </summary>
    internal ReadOnlySpan<byte> ExpandedSecret
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var expanded = Volatile.Read(ref _expanded);
            if (expanded is null)
            {
                var fresh = GC.AllocateArray<byte>(64, pinned: true);
                Span<byte> seed = stackalloc byte[SeedSizeInBytes];
                try
                {
                    ExportSeed(seed);
                    SHA512.HashData(seed, fresh);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(seed);
                }

                expanded = Interlocked.CompareExchange(ref _expanded, fresh, null) ?? fresh;
            }

            return expanded;
        }
    }

    /// <summary>Releases the key and wipes every copy this object made.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_expanded is { } expanded)
        {
            CryptographicOperations.ZeroMemory(expanded);
        }

        _key.Dispose();
    }
}
