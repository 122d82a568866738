using System.Diagnostics.CodeAnalysis;

namespace Nexus.Crypto;

/// <summary>
/// An Ed25519 signature (RFC 8032 section 5.1.6): 64 bytes, R (32-byte point encoding) ‖ S
/// (32-byte little-endian scalar). Construction checks only the length; validity is decided by
/// <see cref="Ed25519PublicKey.Verify(ReadOnlySpan{byte}, in Ed25519Signature)"/>.
/// </summary>
public readonly struct Ed25519Signature : IEquatable<Ed25519Signature>
{
    /// <summary>The size of a signature in bytes: 64.</summary>
    public const int SizeInBytes = 64;

    private readonly Bytes64 _bytes;

    /// <summary>Copies a signature from exactly 64 bytes.</summary>
    /// <param name="bytes">R ‖ S, 64 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 64 bytes long.</exception>
    public Ed25519Signature(ReadOnlySpan<byte> bytes)
    {
        FixedBytes.RequireLength(bytes, SizeInBytes, nameof(Ed25519Signature), nameof(bytes));
        _bytes = Bytes64.Copy(bytes);
    }

    /// <summary>The 64 signature bytes, valid while this value is alive.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => _bytes;

    /// <summary>Returns a new 64-byte array holding the signature.</summary>
    public byte[] ToArray() => AsSpan().ToArray();

    /// <summary>Writes the 64 bytes to <paramref name="destination"/>.</summary>
    /// <param name="destination">At least 64 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 64 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        FixedBytes.RequireDestination(destination, SizeInBytes, nameof(destination));
        AsSpan().CopyTo(destination);
    }

    /// <summary>Parses 128 hex digits.</summary>
    /// <param name="hex">128 hex digits.</param>
    /// <exception cref="FormatException"><paramref name="hex"/> is not 128 hex digits.</exception>
    public static Ed25519Signature Parse(ReadOnlySpan<char> hex)
    {
        Span<byte> bytes = stackalloc byte[SizeInBytes];
        return FixedBytes.TryDecodeHex(hex, bytes) ? new Ed25519Signature(bytes) : throw new FormatException("An Ed25519 signature is written as 128 hex digits.");
    }

    /// <inheritdoc/>
    public bool Equals(Ed25519Signature other) => AsSpan().SequenceEqual(other.AsSpan());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Ed25519Signature other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(AsSpan());

    /// <summary>128 lowercase hex digits.</summary>
    public override string ToString() => Convert.ToHexStringLower(AsSpan());

    /// <summary>Equality of all 64 bytes.</summary>
    public static bool operator ==(Ed25519Signature left, Ed25519Signature right) => left.Equals(right);

    /// <summary>Inequality of any of the 64 bytes.</summary>
    public static bool operator !=(Ed25519Signature left, Ed25519Signature right) => !left.Equals(right);
}
