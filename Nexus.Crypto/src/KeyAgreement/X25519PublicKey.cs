using System.Diagnostics.CodeAnalysis;

namespace Nexus.Crypto;

/// <summary>
/// An X25519 public key (RFC 7748 section 5): the 32-byte little-endian u-coordinate. Any 32 bytes
/// are accepted (RFC 7748 requires implementations to accept all of them, masking bit 255);
/// agreement with a small-order key fails in <see cref="X25519PrivateKey.TryAgree"/>.
/// </summary>
public readonly struct X25519PublicKey : IEquatable<X25519PublicKey>
{
    /// <summary>The size of an X25519 public key in bytes: 32.</summary>
    public const int SizeInBytes = 32;

    private readonly Bytes32 _bytes;

    /// <summary>Copies a public key from exactly 32 bytes.</summary>
    /// <param name="bytes">The 32-byte u-coordinate, little-endian.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes long.</exception>
    public X25519PublicKey(ReadOnlySpan<byte> bytes)
    {
        FixedBytes.RequireLength(bytes, SizeInBytes, nameof(X25519PublicKey), nameof(bytes));
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

    /// <summary>Parses 64 hex digits.</summary>
    /// <param name="hex">64 hex digits.</param>
    /// <exception cref="FormatException"><paramref name="hex"/> is not 64 hex digits.</exception>
    public static X25519PublicKey Parse(ReadOnlySpan<char> hex)
    {
        Span<byte> bytes = stackalloc byte[SizeInBytes];
        return FixedBytes.TryDecodeHex(hex, bytes) ? new X25519PublicKey(bytes) : throw new FormatException("An X25519 public key is written as 64 hex digits.");
    }

    /// <inheritdoc/>
    public bool Equals(X25519PublicKey other) => AsSpan().SequenceEqual(other.AsSpan());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is X25519PublicKey other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(AsSpan());

    /// <summary>64 lowercase hex digits.</summary>
    public override string ToString() => Convert.ToHexStringLower(AsSpan());

    /// <summary>Equality of all 32 bytes.</summary>
    public static bool operator ==(X25519PublicKey left, X25519PublicKey right) => left.Equals(right);

    /// <summary>Inequality of any of the 32 bytes.</summary>
    public static bool operator !=(X25519PublicKey left, X25519PublicKey right) => !left.Equals(right);
}
