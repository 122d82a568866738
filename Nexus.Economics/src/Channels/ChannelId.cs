using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Nexus.Economics;

/// <summary>
/// A payment channel's 16-byte identifier (spec 02-economics section 2): the first 16 bytes of
/// BLAKE3-keyed(derive_key("nexus 2026-11-24 channel id v1"), party_a ‖ party_b ‖ nonce), where party_a is the
/// lexicographically lower destination hash (see <see cref="Derive"/>).
/// </summary>
public readonly struct ChannelId : IEquatable<ChannelId>
{
    /// <summary>Size in bytes: 16.</summary>
    public const int SizeInBytes = 16;

    private const string DeriveContext = "nexus 2026-11-24 channel id v1";

    private readonly ulong _hi;
    private readonly ulong _lo;

    /// <summary>Copies an id from exactly 16 bytes.</summary>
    /// <param name="bytes">The id.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 16 bytes.</exception>
    public ChannelId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != SizeInBytes)
        {
            throw new ArgumentException("A channel id is 16 bytes.", nameof(bytes));
        }

        _hi = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _lo = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
    }

    /// <summary>
    /// Derives the id of a channel between two parties: parties are ordered (lower 16-byte hash first,
    /// so both sides derive the same id) and hashed with a 16-byte nonce the opener picks, so two
    /// channels between the same parties get different ids.
    /// </summary>
    /// <param name="party1">One party's 16-byte destination hash.</param>
    /// <param name="party2">The other party's 16-byte destination hash.</param>
    /// <param name="nonce">16 bytes chosen at open time.</param>
    /// <returns>The channel id.</returns>
    /// <exception cref="ArgumentException">A party hash or the nonce is not 16 bytes, or the parties are equal.</exception>
    public static ChannelId Derive(ReadOnlySpan<byte> party1, ReadOnlySpan<byte> party2, ReadOnlySpan<byte> nonce)
    {
        if (party1.Length != 16 || party2.Length != 16 || nonce.Length != 16)
        {
            throw new ArgumentException("Channel parties and the nonce are 16 bytes each.");
        }

        int order = party1.SequenceCompareTo(party2);
        if (order == 0)
        {
            throw new ArgumentException("A channel needs two different parties.");
        }

        Span<byte> input = stackalloc byte[48];
        (order < 0 ? party1 : party2).CopyTo(input);
        (order < 0 ? party2 : party1).CopyTo(input[16..]);
        nonce.CopyTo(input[32..]);
        var hash = Nexus.Crypto.Blake3.DeriveKey(DeriveContext, input);
        return new ChannelId(hash.AsSpan()[..SizeInBytes]);
    }

    /// <summary>Writes the 16 bytes.</summary>
    /// <param name="destination">At least 16 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 16 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException("A channel id needs 16 bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _hi);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _lo);
    }

    /// <summary>The 16 bytes as a new array.</summary>
    /// <returns>A copy.</returns>
    public byte[] ToArray()
    {
        var bytes = new byte[SizeInBytes];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Parses 32 hex digits.</summary>
    /// <param name="hex">The id in hex.</param>
    /// <returns>The id.</returns>
    /// <exception cref="FormatException">Not 32 hex digits.</exception>
    public static ChannelId Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        Span<byte> bytes = stackalloc byte[SizeInBytes];
        if (hex.Length != 32 || Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != SizeInBytes)
        {
            throw new FormatException("A channel id is written as 32 hex digits.");
        }

        return new ChannelId(bytes);
    }

    /// <inheritdoc/>
    public bool Equals(ChannelId other) => _hi == other._hi && _lo == other._lo;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is ChannelId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_hi, _lo);

    /// <summary>32 lowercase hex digits.</summary>
    /// <returns>The id in hex.</returns>
    public override string ToString() => Convert.ToHexStringLower(ToArray());

    /// <summary>Equality.</summary>
    /// <param name="left">One id.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(ChannelId left, ChannelId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">One id.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(ChannelId left, ChannelId right) => !left.Equals(right);
}
