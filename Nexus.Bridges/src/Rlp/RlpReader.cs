using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>
/// A forward-only, allocation-free strict RLP reader over a span (yellow paper, appendix B). Each read
/// validates the header of the item it consumes (canonical length forms, no overrun of the enclosing list).
/// Every failure throws <see cref="EvmFormatException"/>; reads never go out of bounds.
/// </summary>
public ref struct RlpReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _depth;
    private readonly int _maxDepth;
    private int _position;

    /// <summary>Creates a reader over a sequence of RLP items (for a whole message, call <see cref="ReadList"/>
    /// or a Read method once and then <see cref="EnsureEnd"/>).</summary>
    /// <param name="data">The encoded items.</param>
    /// <param name="maxDepth">The maximum list nesting depth (see <see cref="Rlp.DefaultMaxDepth"/>).</param>
    public RlpReader(ReadOnlySpan<byte> data, int maxDepth = Rlp.DefaultMaxDepth)
        : this(data, 0, maxDepth)
    {
    }

    private RlpReader(ReadOnlySpan<byte> data, int depth, int maxDepth)
    {
        _data = data;
        _depth = depth;
        _maxDepth = maxDepth;
        _position = 0;
    }

    /// <summary>true while unread bytes remain.</summary>
    public readonly bool HasMore => _position < _data.Length;

    /// <summary>The offset of the next item in the reader's data.</summary>
    public readonly int Position => _position;

    /// <summary>Whether the next item is a list.</summary>
    /// <returns>true for a list header (0xc0..0xff).</returns>
    /// <exception cref="EvmFormatException">No item remains.</exception>
    public readonly bool PeekIsList()
    {
        if (_position >= _data.Length)
        {
            throw new EvmFormatException("RLP: unexpected end of input.");
        }

        return _data[_position] >= 0xc0;
    }

    /// <summary>Reads a byte string item and returns its payload.</summary>
    /// <returns>The payload (a slice of the input).</returns>
    /// <exception cref="EvmFormatException">The next item is a list, truncated or non-canonical, or none remains.</exception>
    public ReadOnlySpan<byte> ReadBytes()
    {
        Next(out bool isList, out int offset, out int length);
        if (isList)
        {
            throw new EvmFormatException("RLP: expected a byte string, found a list.");
        }

        ReadOnlySpan<byte> payload = _data.Slice(_position + offset, length);
        _position += offset + length;
        return payload;
    }

    /// <summary>Reads a list item and returns a reader over its items.</summary>
    /// <returns>A reader positioned at the list's first item.</returns>
    /// <exception cref="EvmFormatException">The next item is a byte string, truncated or non-canonical, nested
    /// deeper than the limit, or none remains.</exception>
    public RlpReader ReadList()
    {
        Next(out bool isList, out int offset, out int length);
        if (!isList)
        {
            throw new EvmFormatException("RLP: expected a list, found a byte string.");
        }

        if (_depth > _maxDepth)
        {
            throw new EvmFormatException("RLP: lists nested deeper than the limit.");
        }

        var inner = new RlpReader(_data.Slice(_position + offset, length), _depth + 1, _maxDepth);
        _position += offset + length;
        return inner;
    }

    /// <summary>Reads the next item (string or list) and returns its whole encoding (header and payload). Only
    /// the item's own header is validated.</summary>
    /// <returns>The item's encoding.</returns>
    /// <exception cref="EvmFormatException">The item is truncated or its header non-canonical, or none remains.</exception>
    public ReadOnlySpan<byte> ReadEncodedItem()
    {
        Next(out _, out int offset, out int length);
        ReadOnlySpan<byte> item = _data.Slice(_position, offset + length);
        _position += offset + length;
        return item;
    }

    /// <summary>Skips the next item.</summary>
    /// <exception cref="EvmFormatException">The item is truncated or its header non-canonical, or none remains.</exception>
    public void SkipItem() => ReadEncodedItem();

    /// <summary>Reads a canonical unsigned integer of at most 8 bytes (no leading zero byte; 0 is the empty string).</summary>
    /// <returns>The integer.</returns>
    /// <exception cref="EvmFormatException">Not a byte string, longer than 8 bytes, or with a leading zero byte.</exception>
    public ulong ReadUInt64()
    {
        ReadOnlySpan<byte> bytes = ReadIntegerBytes(8);
        ulong value = 0;
        foreach (byte b in bytes)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>Reads a canonical unsigned integer of at most 32 bytes.</summary>
    /// <returns>The integer, 0 &lt;= value &lt; 2^256.</returns>
    /// <exception cref="EvmFormatException">Not a byte string, longer than 32 bytes, or with a leading zero byte.</exception>
    public BigInteger ReadUInt256() => new(ReadIntegerBytes(32), isUnsigned: true, isBigEndian: true);

    /// <summary>Reads a 32-byte string.</summary>
    /// <returns>The hash.</returns>
    /// <exception cref="EvmFormatException">Not a byte string of exactly 32 bytes.</exception>
    public Hash32 ReadHash32()
    {
        ReadOnlySpan<byte> bytes = ReadBytes();
        if (bytes.Length != Hash32.Length)
        {
            throw new EvmFormatException("RLP: expected 32 bytes.");
        }

        return new Hash32(bytes);
    }

    /// <summary>Reads a 20-byte string.</summary>
    /// <returns>The address.</returns>
    /// <exception cref="EvmFormatException">Not a byte string of exactly 20 bytes.</exception>
    public Address ReadAddress()
    {
        ReadOnlySpan<byte> bytes = ReadBytes();
        if (bytes.Length != Address.Length)
        {
            throw new EvmFormatException("RLP: expected 20 bytes.");
        }

        return new Address(bytes);
    }

    /// <summary>Reads an optional address: the empty string (contract creation) or 20 bytes.</summary>
    /// <returns>The address, or null for the empty string.</returns>
    /// <exception cref="EvmFormatException">Neither empty nor 20 bytes.</exception>
    public Address? ReadOptionalAddress()
    {
        ReadOnlySpan<byte> bytes = ReadBytes();
        if (bytes.IsEmpty)
        {
            return null;
        }

        if (bytes.Length != Address.Length)
        {
            throw new EvmFormatException("RLP: expected an empty string or 20 bytes.");
        }

        return new Address(bytes);
    }

    /// <summary>Checks that every item has been read.</summary>
    /// <exception cref="EvmFormatException">Bytes remain.</exception>
    public readonly void EnsureEnd()
    {
        if (_position != _data.Length)
        {
            throw new EvmFormatException("RLP: unexpected trailing items.");
        }
    }

    private ReadOnlySpan<byte> ReadIntegerBytes(int maxLength)
    {
        ReadOnlySpan<byte> bytes = ReadBytes();
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

    private readonly void Next(out bool isList, out int offset, out int length)
    {
        string? error = Rlp.ReadHeader(_data.Slice(_position), out isList, out offset, out length);
        if (error is not null)
        {
            throw new EvmFormatException(error);
        }
    }
}
