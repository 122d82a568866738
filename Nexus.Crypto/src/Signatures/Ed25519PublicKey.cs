using System.Diagnostics.CodeAnalysis;
using NSec.Cryptography;

namespace Nexus.Crypto;

/// <summary>
/// An Ed25519 public key (RFC 8032 section 5.1.5): the 32-byte compressed Edwards point. An
/// immutable value; construction only checks the length, <see cref="Verify(ReadOnlySpan{byte}, in Ed25519Signature)"/> rejects keys that
/// are not valid points (libsodium rejects non-canonical and small-order keys).
/// </summary>
public readonly struct Ed25519PublicKey : IEquatable<Ed25519PublicKey>
{
    /// <summary>The size of an Ed25519 public key in bytes: 32.</summary>
    public const int SizeInBytes = 32;

    private readonly Bytes32 _bytes;

    /// <summary>Copies a public key from exactly 32 bytes.</summary>
    /// <param name="bytes">The 32-byte RFC 8032 encoding.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes long.</exception>
    public Ed25519PublicKey(ReadOnlySpan<byte> bytes)
    {
        FixedBytes.RequireLength(bytes, SizeInBytes, nameof(Ed25519PublicKey), nameof(bytes));
        _bytes = Bytes32.Copy(bytes);
    }

    /// <summary>The 32 key bytes, valid while this value is alive.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => _bytes;

    /// <summary>Returns a new 32-byte array holding the key.</summary>
    public byte[] ToArray() => AsSpan().ToArray();

    /// <summary>Writes the 32 key bytes to <paramref name="destination"/>.</summary>
    /// <param name="destination">At least 32 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        FixedBytes.RequireDestination(destination, SizeInBytes, nameof(destination));
        AsSpan().CopyTo(destination);
    }

    /// <summary>
    /// Verifies an Ed25519 signature (RFC 8032 section 5.1.7, libsodium's strict variant: non-canonical
    /// encodings, small-order keys and S ≥ L are rejected).
    /// </summary>
    /// <param name="message">The signed message, any length.</param>
    /// <param name="signature">The 64-byte signature.</param>
    /// <returns>True if the signature is valid for this key and message; false otherwise, never throws.</returns>
    public bool Verify(ReadOnlySpan<byte> message, in Ed25519Signature signature)
    {
        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, AsSpan(), KeyBlobFormat.RawPublicKey, out var key))
        {
            return false;
        }

        return SignatureAlgorithm.Ed25519.Verify(key!, message, signature.AsSpan());
    }

    /// <summary>Verifies a signature given as a span (see <see cref="Verify(ReadOnlySpan{byte}, in Ed25519Signature)"/>).</summary>
    /// <param name="message">The signed message, any length.</param>
    /// <param name="signature">The signature; any length other than 64 bytes gives false.</param>
    /// <returns>True if valid; false otherwise, never throws.</returns>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == Ed25519Signature.SizeInBytes && Verify(message, new Ed25519Signature(signature));

    /// <summary>Parses 64 hex digits.</summary>
    /// <param name="hex">64 hex digits.</param>
    /// <exception cref="FormatException"><paramref name="hex"/> is not 64 hex digits.</exception>
    public static Ed25519PublicKey Parse(ReadOnlySpan<char> hex)
    {
        Span<byte> bytes = stackalloc byte[SizeInBytes];
        return FixedBytes.TryDecodeHex(hex, bytes) ? new Ed25519PublicKey(bytes) : throw new FormatException("An Ed25519 public key is written as 64 hex digits.");
    }

    /// <inheritdoc/>
    public bool Equals(Ed25519PublicKey other) => AsSpan().SequenceEqual(other.AsSpan());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Ed25519PublicKey other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(AsSpan());

    /// <summary>64 lowercase hex digits.</summary>
    public override string ToString() => Convert.ToHexStringLower(AsSpan());

    /// <summary>Equality of all 32 bytes.</summary>
    public static bool operator ==(Ed25519PublicKey left, Ed25519PublicKey right) => left.Equals(right);

    /// <summary>Inequality of any of the 32 bytes.</summary>
    public static bool operator !=(Ed25519PublicKey left, Ed25519PublicKey right) => !left.Equals(right);
}
