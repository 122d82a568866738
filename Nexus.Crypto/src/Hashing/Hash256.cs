using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nexus.Crypto;

/// <summary>
/// A 32-byte hash value (BLAKE3-256, SHA-256, Blake2b-256, Merkle roots). An immutable value type:
/// copying it copies the 32 bytes. Compares as an unsigned big-endian integer, i.e. lexicographic
/// byte order (decision D4), and formats as 64 lowercase hex digits.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct Hash256 : IEquatable<Hash256>, IComparable<Hash256>, ISpanFormattable
{
    /// <summary>The size of a <see cref="Hash256"/> in bytes: 32.</summary>
    public const int SizeInBytes = 32;

    private readonly ulong _a, _b, _c, _d; // raw bytes 0-7, 8-15, 16-23, 24-31 in memory order

    /// <summary>Copies a hash from exactly 32 bytes.</summary>
    /// <param name="bytes">The 32 hash bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes long.</exception>
    public Hash256(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != SizeInBytes)
        {
            throw new ArgumentException($"A Hash256 is {SizeInBytes} bytes; got {bytes.Length}.", nameof(bytes));
        }

        this = MemoryMarshal.Read<Hash256>(bytes);
    }

    /// <summary>The all-zero hash.</summary>
    public static Hash256 Zero => default;

    /// <summary>The 32 bytes of this hash, valid while this value is alive.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(in _a, 4));

    /// <summary>Returns a new 32-byte array holding this hash.</summary>
    public byte[] ToArray() => AsSpan().ToArray();

    /// <summary>Writes the 32 bytes to <paramref name="destination"/>.</summary>
    /// <param name="destination">At least 32 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException($"The destination needs {SizeInBytes} bytes; got {destination.Length}.", nameof(destination));
        }

        MemoryMarshal.Write(destination, in this);
    }

    /// <summary>Parses 64 hex digits (either case).</summary>
    /// <param name="hex">64 hex digits, no prefix.</param>
    /// <exception cref="FormatException"><paramref name="hex"/> is not 64 hex digits.</exception>
    public static Hash256 Parse(ReadOnlySpan<char> hex) =>
        TryParse(hex, out var value) ? value : throw new FormatException("A Hash256 is written as 64 hex digits.");

    /// <summary>Parses 64 hex digits (either case) without throwing.</summary>
    /// <param name="hex">64 hex digits, no prefix.</param>
    /// <param name="value">The parsed hash, or <see cref="Zero"/> when this returns false.</param>
    /// <returns>True if <paramref name="hex"/> was exactly 64 hex digits.</returns>
    public static bool TryParse(ReadOnlySpan<char> hex, out Hash256 value)
    {
        value = default;
        if (hex.Length != SizeInBytes * 2)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[SizeInBytes];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != SizeInBytes)
        {
            return false;
        }

        value = MemoryMarshal.Read<Hash256>(bytes);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Hash256 other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Hash256 other && Equals(other);

    /// <summary>The first 4 bytes of the hash (already uniformly distributed).</summary>
    public override int GetHashCode() => (int)_a;

    /// <summary>Compares as unsigned big-endian integers (lexicographic byte order).</summary>
    public int CompareTo(Hash256 other)
    {
        int c = BinaryPrimitives.ReverseEndianness(_a).CompareTo(BinaryPrimitives.ReverseEndianness(other._a));
        if (c == 0) c = BinaryPrimitives.ReverseEndianness(_b).CompareTo(BinaryPrimitives.ReverseEndianness(other._b));
        if (c == 0) c = BinaryPrimitives.ReverseEndianness(_c).CompareTo(BinaryPrimitives.ReverseEndianness(other._c));
        if (c == 0) c = BinaryPrimitives.ReverseEndianness(_d).CompareTo(BinaryPrimitives.ReverseEndianness(other._d));
        return c;
    }

    /// <summary>64 lowercase hex digits.</summary>
    public override string ToString() => Convert.ToHexStringLower(AsSpan());

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>Writes 64 lowercase hex digits.</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < SizeInBytes * 2)
        {
            charsWritten = 0;
            return false;
        }

        return Convert.TryToHexStringLower(AsSpan(), destination, out charsWritten);
    }

    /// <summary>Equality of all 32 bytes.</summary>
    public static bool operator ==(Hash256 left, Hash256 right) => left.Equals(right);

    /// <summary>Inequality of any of the 32 bytes.</summary>
    public static bool operator !=(Hash256 left, Hash256 right) => !left.Equals(right);

    /// <summary>Big-endian unsigned comparison.</summary>
    public static bool operator <(Hash256 left, Hash256 right) => left.CompareTo(right) < 0;

    /// <summary>Big-endian unsigned comparison.</summary>
    public static bool operator >(Hash256 left, Hash256 right) => left.CompareTo(right) > 0;

    /// <summary>Big-endian unsigned comparison.</summary>
    public static bool operator <=(Hash256 left, Hash256 right) => left.CompareTo(right) <= 0;

    /// <summary>Big-endian unsigned comparison.</summary>
    public static bool operator >=(Hash256 left, Hash256 right) => left.CompareTo(right) >= 0;
}
