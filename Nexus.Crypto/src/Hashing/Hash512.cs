using System.Diagnostics.CodeAnalysis;

namespace Nexus.Crypto;

/// <summary>
/// A 64-byte hash value (SHA-512, BLAKE2b-512, the ECVRF output beta). Immutable; compares byte by
/// byte; formats as 128 lowercase hex digits.
/// </summary>
public readonly struct Hash512 : IEquatable<Hash512>
{
    /// <summary>The size of a <see cref="Hash512"/> in bytes: 64.</summary>
    public const int SizeInBytes = 64;

    private readonly Bytes64 _bytes;

    /// <summary>Copies a hash from exactly 64 bytes.</summary>
    /// <param name="bytes">The 64 hash bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 64 bytes long.</exception>
    public Hash512(ReadOnlySpan<byte> bytes)
    {
        FixedBytes.RequireLength(bytes, SizeInBytes, nameof(Hash512), nameof(bytes));
        _bytes = Bytes64.Copy(bytes);
    }

    /// <summary>The 64 bytes, valid while this value is alive.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => _bytes;

    /// <summary>Returns a new 64-byte array holding the hash.</summary>
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
    public static Hash512 Parse(ReadOnlySpan<char> hex)
    {
        Span<byte> bytes = stackalloc byte[SizeInBytes];
        return FixedBytes.TryDecodeHex(hex, bytes) ? new Hash512(bytes) : throw new FormatException("A Hash512 is written as 128 hex digits.");
    }

    /// <inheritdoc/>
    public bool Equals(Hash512 other) => AsSpan().SequenceEqual(other.AsSpan());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Hash512 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(AsSpan());

    /// <summary>128 lowercase hex digits.</summary>
    public override string ToString() => Convert.ToHexStringLower(AsSpan());

    /// <summary>Equality of all 64 bytes.</summary>
    public static bool operator ==(Hash512 left, Hash512 right) => left.Equals(right);

    /// <summary>Inequality of any of the 64 bytes.</summary>
    public static bool operator !=(Hash512 left, Hash512 right) => !left.Equals(right);
}
