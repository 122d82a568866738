using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>
/// A decoded (or to-be-encoded) RLP item: either a byte string or a list of items (yellow paper, appendix B).
/// Immutable.
/// </summary>
public sealed class RlpItem
{
    private static readonly RlpItem[] NoItems = [];
    private readonly RlpItem[] _items;

    internal RlpItem(ReadOnlyMemory<byte> bytes)
    {
        Bytes = bytes;
        _items = NoItems;
    }

    internal RlpItem(RlpItem[] items)
    {
        IsList = true;
        _items = items;
    }

    /// <summary>true for a list, false for a byte string.</summary>
    public bool IsList { get; }

    /// <summary>The payload of a byte string (empty for a list).</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The items of a list (empty for a byte string).</summary>
    public IReadOnlyList<RlpItem> Items => _items;

    /// <summary>A byte string item (the bytes are copied).</summary>
    /// <param name="bytes">The payload.</param>
    /// <returns>The item.</returns>
    public static RlpItem FromBytes(ReadOnlySpan<byte> bytes) => new(new ReadOnlyMemory<byte>(bytes.ToArray()));

    /// <summary>A byte string holding the minimal big-endian bytes of <paramref name="value"/> (0 is empty).</summary>
    /// <param name="value">The integer.</param>
    /// <returns>The item.</returns>
    public static RlpItem FromUInt64(ulong value)
    {
        Span<byte> buffer = stackalloc byte[8];
        return FromBytes(Rlp.ToMinimalBigEndian(value, buffer));
    }

    /// <summary>A byte string holding the minimal big-endian bytes of a non-negative integer (0 is empty).</summary>
    /// <param name="value">The integer, non-negative.</param>
    /// <returns>The item.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public static RlpItem FromBigInteger(BigInteger value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new(value.IsZero ? ReadOnlyMemory<byte>.Empty : value.ToByteArray(isUnsigned: true, isBigEndian: true));
    }

    /// <summary>A list item.</summary>
    /// <param name="items">The list's items.</param>
    /// <returns>The item.</returns>
    public static RlpItem FromList(params RlpItem[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new((RlpItem[])items.Clone());
    }

    /// <summary>Reads this byte string as a canonical unsigned integer: at most 8 bytes, no leading zero byte.</summary>
    /// <returns>The integer.</returns>
    /// <exception cref="EvmFormatException">The item is a list, longer than 8 bytes, or has a leading zero byte.</exception>
    public ulong AsUInt64()
    {
        ReadOnlySpan<byte> bytes = AsBytesForInteger(8);
        ulong value = 0;
        foreach (byte b in bytes)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>Reads this byte string as a canonical unsigned integer of at most 32 bytes (no leading zero byte).</summary>
    /// <returns>The integer, 0 &lt;= value &lt; 2^256.</returns>
    /// <exception cref="EvmFormatException">The item is a list, longer than 32 bytes, or has a leading zero byte.</exception>
    public BigInteger AsUInt256() => new(AsBytesForInteger(32), isUnsigned: true, isBigEndian: true);

    private ReadOnlySpan<byte> AsBytesForInteger(int maxLength)
    {
        if (IsList)
        {
            throw new EvmFormatException("RLP: expected an integer, found a list.");
        }

        ReadOnlySpan<byte> bytes = Bytes.Span;
        if (bytes.Length > maxLength)
        {
            throw new EvmFormatException("RLP: integer too large.");
        }

        if (bytes.Length > 0 && bytes[0] == 0)
        {
            throw new EvmFormatException("RLP: integer with a leading zero byte.");
        }

        return bytes;
    }
}
