using System.Security.Cryptography;

namespace Nexus.Crypto;

/// <summary>
/// A node's long-term identity as Reticulum defines it (decision D1): an X25519 key for encryption
/// and key agreement plus an independent Ed25519 key for signatures. The public key is 64 bytes,
/// X25519 public (32) ‖ Ed25519 public (32); the identity hash is SHA-256(public key)[0..16].
/// The private key is 64 bytes in the same order, X25519 private (32) ‖ Ed25519 seed (32), exactly
/// as RNS <c>Identity.get_private_key()</c> lays it out. Owns both keys: dispose it to wipe them.
/// Persist with <see cref="IdentityFile"/>.
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    /// <summary>The public key size in bytes: 64 (X25519 ‖ Ed25519).</summary>
    public const int PublicKeySizeInBytes = 64;

    /// <summary>The private key size in bytes: 64 (X25519 private ‖ Ed25519 seed).</summary>
    public const int PrivateKeySizeInBytes = 64;

    /// <summary>The identity hash size in bytes: 16 (RNS truncated hash, 128 bits).</summary>
    public const int HashSizeInBytes = 16;

    private readonly byte[] _publicKey = new byte[PublicKeySizeInBytes];
    private readonly byte[] _hash = new byte[HashSizeInBytes];

    private NodeIdentity(X25519PrivateKey encryptionKey, Ed25519PrivateKey signingKey)
    {
        EncryptionKey = encryptionKey;
        SigningKey = signingKey;
        encryptionKey.PublicKey.WriteTo(_publicKey.AsSpan(0, 32));
        signingKey.PublicKey.WriteTo(_publicKey.AsSpan(32, 32));
        Sha2.Sha256(_publicKey).AsSpan()[..HashSizeInBytes].CopyTo(_hash);
    }

    /// <summary>The X25519 key used for key agreement (encryption to this identity, link handshakes).</summary>
    public X25519PrivateKey EncryptionKey { get; }

    /// <summary>The Ed25519 key used to sign announces, link transcripts and transactions.</summary>
    public Ed25519PrivateKey SigningKey { get; }

    /// <summary>The 64-byte public key: X25519 public (bytes 0..31) ‖ Ed25519 public (bytes 32..63).</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>The 16-byte identity hash: SHA-256(<see cref="PublicKey"/>)[0..16] (RNS <c>Identity.hash</c>).</summary>
    public ReadOnlySpan<byte> Hash => _hash;

    /// <summary>Creates a new random identity.</summary>
    /// <returns>A new identity the caller owns and must dispose.</returns>
    public static NodeIdentity Generate() => new(X25519PrivateKey.Generate(), Ed25519PrivateKey.Generate());

    /// <summary>Imports an identity from its 64-byte private key (RNS layout: X25519 private ‖ Ed25519 seed).</summary>
    /// <param name="privateKey">64 bytes; the caller should wipe its copy afterwards.</param>
    /// <returns>A new identity the caller owns and must dispose.</returns>
    /// <exception cref="ArgumentException"><paramref name="privateKey"/> is not 64 bytes long.</exception>
    public static NodeIdentity Import(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != PrivateKeySizeInBytes)
        {
            throw new ArgumentException($"An identity private key is {PrivateKeySizeInBytes} bytes; got {privateKey.Length}.", nameof(privateKey));
        }

        var encryption = X25519PrivateKey.Import(privateKey[..32]);
        try
        {
            return new NodeIdentity(encryption, Ed25519PrivateKey.Import(privateKey[32..]));
        }
        catch
        {
            encryption.Dispose();
            throw;
        }
    }

    /// <summary>Copies the 64-byte private key out (RNS layout). Only for persisting it; wipe the copy.</summary>
    /// <param name="destination">At least 64 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 64 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The identity was disposed.</exception>
    public void ExportPrivateKey(Span<byte> destination)
    {
        FixedBytes.RequireDestination(destination, PrivateKeySizeInBytes, nameof(destination));
        EncryptionKey.ExportPrivateKey(destination[..32]);
        SigningKey.ExportSeed(destination[32..64]);
    }

    /// <summary>The identity hash as 32 lowercase hex digits (how RNS prints it, without brackets).</summary>
    public override string ToString() => Convert.ToHexStringLower(_hash);

    /// <summary>Wipes both private keys.</summary>
    public void Dispose()
    {
        EncryptionKey.Dispose();
        SigningKey.Dispose();
    }
}
