using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nexus.Crypto;

/// <summary>
/// A 16-byte truncated hash: the 128-bit values Reticulum uses as identity and destination hashes
/// (SHA-256 truncated to its first 16 bytes) and that Nexus uses to name nodes and channel parties.
/// An immutable value type. Compares as an unsigned big-endian integer, i.e. lexicographic byte
/// order (decision D4), and formats as 32 lowercase hex digits.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct Hash128 : IEquatable<Hash128>, IComparable<Hash128>, ISpanFormattable
{
    /// <summary>The size of a <see cref="Hash128"/> in bytes: 16.</summary>
    public const int SizeInBytes = 16;

    private readonly ulong _a, _b; // raw bytes 0-7, 8-15 in memory order

    /// <summary>Copies a hash from exactly 16 bytes.</summary>
    /// <param name="bytes">The 16 hash bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 16 bytes long.</exception>
    public Hash128(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != SizeInBytes)
        {
            throw new ArgumentException($"A Hash128 is {SizeInBytes} bytes; got {bytes.Length}.", nameof(bytes));
        }

        this = MemoryMarshal.Read<Hash128>(bytes);
    }

    /// <summary>The all-zero hash.</summary>
    public static Hash128 Zero => default;

    /// <summary>The first 16 bytes of a 32-byte hash (RNS <c>truncated_hash</c>).</summary>
    /// <param name="hash">The full hash.</param>
    /// <returns>Its truncation.</returns>
    public static Hash128 Truncate(in Hash256 hash) => new(hash.AsSpan()[..SizeInBytes]);

    /// <summary>The 16 bytes of this hash, valid while this value is alive.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(in _a, 2));

    /// <summary>Returns a new 16-byte array holding this hash.</summary>
    public byte[] ToArray() => AsSpan().ToArray();

    /// <summary>Writes the 16 bytes to <paramref name="destination"/>.</summary>
    /// <param name="destination">At least 16 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 16 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException($"The destination needs {SizeInBytes} bytes; got {destination.Length}.", nameof(destination));
        }

        MemoryMarshal.Write(destination, in this);
    }

    /// <summary>Parses 32 hex digits (either case).</summary>
    /// <param name="hex">32 hex digits, no prefix.</param>
    /// <exception cref="FormatException"><paramref name="hex"/> is not 32 hex digits.</exception>
    public static Hash128 Parse(ReadOnlySpan<char> hex) =>
        TryParse(hex, out var value) ? value : throw new FormatException("A Hash128 is written as 32 hex digits.");

    /// <summary>Parses 32 hex digits (either case) without throwing.</summary>
    /// <param name="hex">32 hex digits, no prefix.</param>
    /// <param name="value">The parsed hash, or <see cref="Zero"/> when this returns false.</param>
    /// <returns>True if <paramref name="hex"/> was exactly 16 hex digits.</returns>
    public static bool TryParse(ReadOnlySpan<char> hex, out Hash128 value)
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

        value = MemoryMarshal.Read<Hash128>(bytes);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Hash128 other) => _a == other._a && _b == other._b;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Hash128 other && Equals(other);

    /// <summary>The first 4 bytes of the hash (already uniformly distributed).</summary>
    public override int GetHashCode() => (int)_a;

    /// <summary>Compares as unsigned big-endian integers (lexicographic byte order).</summary>
    public int CompareTo(Hash128 other)
    {
        int c = BinaryPrimitives.ReverseEndianness(_a).CompareTo(BinaryPrimitives.ReverseEndianness(other._a));
        if (c == 0) c = BinaryPrimitives.ReverseEndianness(_b).CompareTo(BinaryPrimitives.ReverseEndianness(other._b));
        return c;
    }

    /// <summary>32 lowercase hex digits.</summary>
    public override string ToString() => Convert.ToHexStringLower(AsSpan());

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>Writes 32 lowercase hex digits.</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < SizeInBytes * 2)
        {
            charsWritten = 0;
            return false;
        }

        return Convert.TryToHexStringLower(AsSpan(), destination, out charsWritten);
    }

    /// <summary>Equality of all 16 bytes.</summary>
    public static bool operator ==(Hash128 left, Hash128 right) => left.Equals(right);

    /// <summary>Inequality of any of the 16 bytes.</summary>
    public static bool operator !=(Hash128 left, Hash128 right) => !left.Equals(right);

    /// <summary>Big-endian unsigned comparison.</summary>
    public static bool operator <(Hash128 left, Hash128 right) => left.CompareTo(right) < 0;

    /// <summary>Big-endian unsigned comparison.</summary>
    public static bool operator >(Hash128 left, Hash128 right) => left.CompareTo(right) > 0;

    /// <summary>Big-endian unsigned comparison.</summary>
    public static bool operator <=(Hash128 left, Hash128 right) => left.CompareTo(right) <= 0;

    /// <summary>Big-endian unsigned comparison.</summary>
    public static bool operator >=(Hash128 left, Hash128 right) => left.CompareTo(right) >= 0;
}
