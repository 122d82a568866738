using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>
/// The public half of a Reticulum identity (decision D1): 64 bytes, X25519 public key (bytes 0..31)
/// ‖ Ed25519 public key (bytes 32..63), two independent keys. The identity hash is
/// SHA-256(public key)[0..16] (RNS <c>Identity.hash</c>). Immutable; the hash is computed once.
/// </summary>
public sealed class IdentityPublicKey : IEquatable<IdentityPublicKey>
{
    /// <summary>Public key size in bytes: 64.</summary>
    public const int SizeInBytes = 64;

    private readonly byte[] _bytes;

    private IdentityPublicKey(byte[] bytes)
    {
        _bytes = bytes;
        EncryptionKey = new X25519PublicKey(bytes.AsSpan(0, 32));
        SigningKey = new Ed25519PublicKey(bytes.AsSpan(32, 32));
        Hash = Hash128.Truncate(Sha2.Sha256(bytes));
    }

    /// <summary>The 64 public key bytes (X25519 ‖ Ed25519).</summary>
    public ReadOnlySpan<byte> AsSpan() => _bytes;

    /// <summary>The X25519 public key (bytes 0..31).</summary>
    public X25519PublicKey EncryptionKey { get; }

    /// <summary>The Ed25519 public key (bytes 32..63), which verifies announces and link transcripts.</summary>
    public Ed25519PublicKey SigningKey { get; }

    /// <summary>The identity hash: SHA-256(64-byte public key)[0..16].</summary>
    public Hash128 Hash { get; }

    /// <summary>Reads a 64-byte public key.</summary>
    /// <param name="publicKey">Exactly 64 bytes.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentException"><paramref name="publicKey"/> is not 64 bytes.</exception>
    public static IdentityPublicKey FromBytes(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != SizeInBytes)
        {
            throw new ArgumentException($"An identity public key is {SizeInBytes} bytes, got {publicKey.Length}.", nameof(publicKey));
        }

        return new IdentityPublicKey(publicKey.ToArray());
    }

    /// <summary>The public half of a local identity.</summary>
    /// <param name="identity">The local identity.</param>
    /// <returns>Its public key.</returns>
    public static IdentityPublicKey FromIdentity(NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new IdentityPublicKey(identity.PublicKey.ToArray());
    }

    /// <summary>Computes an identity hash without allocating: SHA-256(publicKey)[0..16].</summary>
    /// <param name="publicKey">The 64-byte public key (any length is hashed as given).</param>
    /// <returns>The 16-byte identity hash.</returns>
    public static Hash128 ComputeHash(ReadOnlySpan<byte> publicKey) => Hash128.Truncate(Sha2.Sha256(publicKey));

    /// <inheritdoc />
    public bool Equals(IdentityPublicKey? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as IdentityPublicKey);

    /// <inheritdoc />
    public override int GetHashCode() => Hash.GetHashCode();

    /// <summary>The identity hash as 32 lowercase hex digits.</summary>
    public override string ToString() => Hash.ToString();
}
