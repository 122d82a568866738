using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>
/// Recursive Length Prefix (RLP) encoding, yellow paper appendix B, with strict (canonical) decoding:
/// single bytes below 0x80 must be encoded as themselves, lengths use the short form when below 56 and the
/// long form has no leading zero bytes, and every item fits its enclosing list exactly.
/// </summary>
public static class Rlp
{
    /// <summary>The default maximum list nesting depth a decoder accepts (64). The top-level item is at depth 0
    /// and an item inside a list at depth d is at depth d + 1; lists may appear at depths 0..MaxDepth.</summary>
    public const int DefaultMaxDepth = 64;

    /// <summary>The largest payload length a decoder accepts, <see cref="int.MaxValue"/> (lengths are further
    /// bounded by the input: a length field can never make a decoder read or allocate beyond its input).</summary>
    public const int MaxPayloadLength = int.MaxValue;

    /// <summary>RLP of the empty byte string (0x80).</summary>
    public const byte EmptyString = 0x80;

    /// <summary>RLP of the empty list (0xc0).</summary>
    public const byte EmptyList = 0xc0;

    /// <summary>Decodes one complete RLP item (no trailing bytes) into a tree. Byte strings in the tree are
    /// slices of one private copy of <paramref name="encoded"/>.</summary>
    /// <param name="encoded">The encoding.</param>
    /// <param name="maxDepth">The maximum list nesting depth (see <see cref="DefaultMaxDepth"/>).</param>
    /// <returns>The decoded item.</returns>
    /// <exception cref="EvmFormatException">The input is empty, truncated, non-canonical, nested deeper than
    /// <paramref name="maxDepth"/>, or has trailing bytes.</exception>
    public static RlpItem Decode(ReadOnlySpan<byte> encoded, int maxDepth = DefaultMaxDepth) =>
        DecodeWithoutCopy(new ReadOnlyMemory<byte>(encoded.ToArray()), maxDepth);

    /// <summary>Decodes one complete RLP item (no trailing bytes) into a tree whose byte strings are slices of
    /// <paramref name="encoded"/> (no copies).</summary>
    /// <param name="encoded">The encoding; must not change while the tree is in use.</param>
    /// <param name="maxDepth">The maximum list nesting depth (see <see cref="DefaultMaxDepth"/>).</param>
    /// <returns>The decoded item.</returns>
    /// <exception cref="EvmFormatException">The input is empty, truncated, non-canonical, nested deeper than
    /// <paramref name="maxDepth"/>, or has trailing bytes.</exception>
    public static RlpItem DecodeWithoutCopy(ReadOnlyMemory<byte> encoded, int maxDepth = DefaultMaxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDepth);
        var decoder = new TreeDecoder(encoded, maxDepth);
        int position = 0;
        RlpItem item = decoder.DecodeItem(ref position, encoded.Length, 0);
        if (position != encoded.Length)
        {
            throw new EvmFormatException("RLP: trailing bytes after the item.");
        }

        return item;
    }

    /// <summary>Decodes like <see cref="Decode(ReadOnlySpan{byte}, int)"/> without throwing.</summary>
    /// <param name="encoded">The encoding.</param>
    /// <param name="item">The decoded item, or null on failure.</param>
    /// <param name="maxDepth">The maximum list nesting depth.</param>
    /// <returns>false when the input is not one canonical RLP item.</returns>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, out RlpItem? item, int maxDepth = DefaultMaxDepth)
    {
        if (!IsValid(encoded, maxDepth))
        {
            item = null;
            return false;
        }

        item = Decode(encoded, maxDepth);
        return true;
    }

    /// <summary>Checks that <paramref name="encoded"/> is exactly one canonical RLP item without allocating.</summary>
    /// <param name="encoded">The encoding.</param>
    /// <param name="maxDepth">The maximum list nesting depth.</param>
    /// <returns>true when valid.</returns>
    public static bool IsValid(ReadOnlySpan<byte> encoded, int maxDepth = DefaultMaxDepth)
    {
        if (maxDepth < 0 || ReadHeader(encoded, out bool isList, out int offset, out int length) is not null)
        {
            return false;
        }

        if (offset + length != encoded.Length)
        {
            return false;
        }

        return !isList || IsValidListPayload(encoded.Slice(offset, length), 0, maxDepth);
    }

    private static bool IsValidListPayload(ReadOnlySpan<byte> payload, int listDepth, int maxDepth)
    {
        if (listDepth > maxDepth)
        {
            return false;
        }

        while (!payload.IsEmpty)
        {
            if (ReadHeader(payload, out bool isList, out int offset, out int length) is not null)
            {
                return false;
            }

            if (isList && !IsValidListPayload(payload.Slice(offset, length), listDepth + 1, maxDepth))
            {
                return false;
            }

            payload = payload.Slice(offset + length);
        }

        return true;
    }

    // Decodes a tree with one shared stack of pending children, so every list gets one exact-size array.
    private sealed class TreeDecoder(ReadOnlyMemory<byte> memory, int maxDepth)
    {
        private RlpItem[] _stack = new RlpItem[16];
        private int _count;

        public RlpItem DecodeItem(ref int position, int end, int depth)
        {
            ReadOnlySpan<byte> span = memory.Span.Slice(position, end - position);
            string? error = ReadHeader(span, out bool isList, out int offset, out int length);
            if (error is not null)
            {
                throw new EvmFormatException(error);
            }

            int payloadStart = position + offset;
            int payloadEnd = payloadStart + length;
            position = payloadEnd;
            if (!isList)
            {
                return new RlpItem(memory.Slice(payloadStart, length));
            }

            if (depth > maxDepth)
            {
                throw new EvmFormatException("RLP: lists nested deeper than the limit.");
            }

            int first = _count;
            int child = payloadStart;
            while (child < payloadEnd)
            {
                RlpItem item = DecodeItem(ref child, payloadEnd, depth + 1);
                if (_count == _stack.Length)
                {
                    Array.Resize(ref _stack, _stack.Length * 2);
                }

                _stack[_count++] = item;
            }

            var items = _stack.AsSpan(first, _count - first).ToArray();
            _stack.AsSpan(first, _count - first).Clear();
            _count = first;
            return new RlpItem(items);
        }
    }

    /// <summary>
    /// Reads the header of the item at the start of <paramref name="data"/> strictly: the whole item
    /// (header + payload) must fit in <paramref name="data"/>.
    /// </summary>
    /// <returns>null when valid, else the reason.</returns>
    internal static string? ReadHeader(ReadOnlySpan<byte> data, out bool isList, out int payloadOffset, out int payloadLength)
    {
        isList = false;
        payloadOffset = 0;
        payloadLength = 0;
        if (data.IsEmpty)
        {
            return "RLP: unexpected end of input.";
        }

        byte prefix = data[0];
        if (prefix < 0x80)
        {
            payloadLength = 1;
            return null;
        }

        if (prefix <= 0xb7)
        {
            payloadOffset = 1;
            payloadLength = prefix - 0x80;
            if (payloadLength > data.Length - 1)
            {
                return "RLP: string longer than the input.";
            }

            if (payloadLength == 1 && data[1] < 0x80)
            {
                return "RLP: a single byte below 0x80 must encode as itself.";
            }

            return null;
        }

        if (prefix <= 0xbf)
        {
            return ReadLongLength(data, prefix - 0xb7, out payloadOffset, out payloadLength);
        }

        isList = true;
        if (prefix <= 0xf7)
        {
            payloadOffset = 1;
            payloadLength = prefix - 0xc0;
            return payloadLength > data.Length - 1 ? "RLP: list longer than the input." : null;
        }

        return ReadLongLength(data, prefix - 0xf7, out payloadOffset, out payloadLength);
    }

    private static string? ReadLongLength(ReadOnlySpan<byte> data, int lengthOfLength, out int payloadOffset, out int payloadLength)
    {
        payloadOffset = 1 + lengthOfLength;
        payloadLength = 0;
        if (data.Length < payloadOffset)
        {
            return "RLP: truncated length.";
        }

        if (data[1] == 0)
        {
            return "RLP: length with a leading zero byte.";
        }

        if (lengthOfLength > 4)
        {
            return "RLP: length larger than the input.";
        }

        ulong length = 0;
        for (int i = 1; i <= lengthOfLength; i++)
        {
            length = (length << 8) | data[i];
        }

        if (length < 56)
        {
            return "RLP: long form used for a length below 56.";
        }

        if (length > (ulong)(data.Length - payloadOffset))
        {
            return "RLP: item longer than the input.";
        }

        payloadLength = (int)length;
        return null;
    }

    /// <summary>The number of bytes the header of a byte string of <paramref name="payloadLength"/> bytes takes
    /// (0 is never returned: a single byte below 0x80 is handled by <see cref="GetBytesEncodedLength"/>).</summary>
    /// <param name="payloadLength">The payload length in bytes.</param>
    /// <returns>1 for lengths below 56, else 1 + the big-endian byte length of the length.</returns>
    public static int GetHeaderLength(int payloadLength) =>
        payloadLength < 56 ? 1 : 1 + ByteLength((ulong)payloadLength);

    /// <summary>The encoded length of a byte string.</summary>
    /// <param name="bytes">The byte string.</param>
    /// <returns>1 for a single byte below 0x80, else header + payload length.</returns>
    public static int GetBytesEncodedLength(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 1 && bytes[0] < 0x80 ? 1 : GetHeaderLength(bytes.Length) + bytes.Length;

    /// <summary>Writes the RLP of a byte string into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="GetBytesEncodedLength"/> bytes.</param>
    /// <param name="bytes">The byte string.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public static int WriteBytes(Span<byte> destination, ReadOnlySpan<byte> bytes)
    {
        int needed = GetBytesEncodedLength(bytes);
        if (destination.Length < needed)
        {
            throw new ArgumentException("The destination is too short.", nameof(destination));
        }

        if (bytes.Length == 1 && bytes[0] < 0x80)
        {
            destination[0] = bytes[0];
            return 1;
        }

        int header = WriteHeader(destination, 0x80, bytes.Length);
        bytes.CopyTo(destination.Slice(header));
        return needed;
    }

    /// <summary>Writes a list header for a payload of <paramref name="payloadLength"/> bytes.</summary>
    /// <param name="destination">At least <see cref="GetHeaderLength"/> bytes.</param>
    /// <param name="payloadLength">The concatenated length of the encoded list items.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public static int WriteListHeader(Span<byte> destination, int payloadLength)
    {
        if (destination.Length < GetHeaderLength(payloadLength))
        {
            throw new ArgumentException("The destination is too short.", nameof(destination));
        }

        return WriteHeader(destination, 0xc0, payloadLength);
    }

    internal static int WriteHeader(Span<byte> destination, byte shortBase, int payloadLength)
    {
        if (payloadLength < 56)
        {
            destination[0] = (byte)(shortBase + payloadLength);
            return 1;
        }

        int n = ByteLength((ulong)payloadLength);
        destination[0] = (byte)(shortBase + 55 + n);
        for (int i = n; i >= 1; i--)
        {
            destination[i] = (byte)payloadLength;
            payloadLength >>= 8;
        }

        return 1 + n;
    }

    /// <summary>Encodes a byte string.</summary>
    /// <param name="bytes">The byte string.</param>
    /// <returns>Its RLP.</returns>
    public static byte[] EncodeBytes(ReadOnlySpan<byte> bytes)
    {
        var result = new byte[GetBytesEncodedLength(bytes)];
        WriteBytes(result, bytes);
        return result;
    }

    /// <summary>Encodes an unsigned integer as its big-endian bytes without leading zeros (0 is the empty string, 0x80).</summary>
    /// <param name="value">The integer.</param>
    /// <returns>Its RLP.</returns>
    public static byte[] EncodeUInt64(ulong value)
    {
        Span<byte> buffer = stackalloc byte[8];
        return EncodeBytes(ToMinimalBigEndian(value, buffer));
    }

    /// <summary>Encodes a non-negative big integer as its big-endian bytes without leading zeros.</summary>
    /// <param name="value">The integer, non-negative.</param>
    /// <returns>Its RLP.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public static byte[] EncodeBigInteger(BigInteger value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return EncodeBytes(value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true));
    }

    /// <summary>Wraps already-encoded items into a list.</summary>
    /// <param name="encodedItems">The RLP of each item, in order.</param>
    /// <returns>The RLP of the list.</returns>
    public static byte[] EncodeList(params ReadOnlySpan<byte[]> encodedItems)
    {
        int payload = 0;
        foreach (byte[] item in encodedItems)
        {
            payload += item.Length;
        }

        var result = new byte[GetHeaderLength(payload) + payload];
        int offset = WriteHeader(result, 0xc0, payload);
        foreach (byte[] item in encodedItems)
        {
            item.CopyTo(result, offset);
            offset += item.Length;
        }

        return result;
    }

    /// <summary>Encodes an item tree.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Its RLP.</returns>
    public static byte[] Encode(RlpItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var writer = new RlpWriter();
        writer.Write(item);
        return writer.ToArray();
    }

    internal static ReadOnlySpan<byte> ToMinimalBigEndian(ulong value, Span<byte> buffer8)
    {
        int n = ByteLength(value);
        for (int i = n - 1; i >= 0; i--)
        {
            buffer8[i] = (byte)value;
            value >>= 8;
        }

        return buffer8.Slice(0, n);
    }

    internal static int ByteLength(ulong value) => (64 - BitOperations.LeadingZeroCount(value) + 7) / 8;
}
