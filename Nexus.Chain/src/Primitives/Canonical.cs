using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>Canonical Protocol Buffers encoding and strict decoding (README "Canonical encoding").</summary>
internal static class Canonical
{
    /// <summary>
    /// Decodes <paramref name="data"/> as <typeparamref name="T"/> and accepts it only if re-encoding
    /// reproduces the input byte for byte (ascending field order, defaults omitted, minimal varints,
    /// no unknown or duplicate fields).
    /// </summary>
    public static bool TryParse<T>(MessageParser<T> parser, ReadOnlySpan<byte> data, int maxSize, out T? message, out string? error)
        where T : IMessage<T>
    {
        message = default;
        if (data.Length > maxSize)
        {
            error = $"{typeof(T).Name}: {data.Length} bytes exceeds the {maxSize}-byte bound";
            return false;
        }

        T parsed;
        try
        {
            parsed = parser.ParseFrom(data);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or ArgumentException or InvalidOperationException or OverflowException or IndexOutOfRangeException)
        {
            error = $"{typeof(T).Name}: malformed protobuf ({ex.Message})";
            return false;
        }

        int size = parsed.CalculateSize();
        if (size != data.Length)
        {
            error = $"{typeof(T).Name}: not the canonical encoding";
            return false;
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var span = rented.AsSpan(0, size);
            parsed.WriteTo(span);
            if (!span.SequenceEqual(data))
            {
                error = $"{typeof(T).Name}: not the canonical encoding";
                return false;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        message = parsed;
        error = null;
        return true;
    }

    public static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> data, int maxSize)
        where T : IMessage<T> =>
        TryParse(parser, data, maxSize, out var message, out var error) ? message! : throw new ChainFormatException(error!);

    public static MessageParser<T> Strict<T>(MessageParser<T> parser)
        where T : IMessage<T> => parser.WithDiscardUnknownFields(true);

    public static bool IsHash(ByteString bytes) => bytes.Length == Hash256.SizeInBytes;

    public static bool IsKey(ByteString bytes) => bytes.Length == Ed25519PublicKey.SizeInBytes;

    public static bool IsSignature(ByteString bytes) => bytes.Length == Ed25519Signature.SizeInBytes;

    public static Hash256 ToHash(ByteString bytes) => bytes.IsEmpty ? Hash256.Zero : new Hash256(bytes.Span);

    public static ByteString From(in Hash256 hash) => ByteString.CopyFrom(hash.AsSpan());

    public static ByteString From(in Ed25519PublicKey key) => ByteString.CopyFrom(key.AsSpan());

    public static ByteString From(in Ed25519Signature signature) => ByteString.CopyFrom(signature.AsSpan());

    /// <summary>Domain ‖ u8 chain-id length ‖ chain id ‖ body: the bytes an Ed25519 signature covers.</summary>
    public static byte[] SignBytes(ReadOnlySpan<byte> domain, string chainId, ReadOnlySpan<byte> body)
    {
        int idLength = Encoding.UTF8.GetByteCount(chainId);
        var buffer = new byte[domain.Length + 1 + idLength + body.Length];
        domain.CopyTo(buffer);
        buffer[domain.Length] = checked((byte)idLength);
        Encoding.UTF8.GetBytes(chainId, buffer.AsSpan(domain.Length + 1));
        body.CopyTo(buffer.AsSpan(domain.Length + 1 + idLength));
        return buffer;
    }

    /// <summary>Length of <see cref="SignBytes"/> for the given parts.</summary>
    public static int SignBytesLength(ReadOnlySpan<byte> domain, string chainId, int bodyLength) =>
        domain.Length + 1 + Encoding.UTF8.GetByteCount(chainId) + bodyLength;

    /// <summary>Writes <see cref="SignBytes"/> into <paramref name="destination"/>, exactly <see cref="SignBytesLength"/> bytes long.</summary>
    public static void WriteSignBytes(Span<byte> destination, ReadOnlySpan<byte> domain, string chainId, ReadOnlySpan<byte> body)
    {
        domain.CopyTo(destination);
        int idLength = Encoding.UTF8.GetBytes(chainId, destination[(domain.Length + 1)..]);
        destination[domain.Length] = checked((byte)idLength);
        body.CopyTo(destination[(domain.Length + 1 + idLength)..]);
    }

    /// <summary>
    /// Reads one length-delimited field with a one-byte tag (fields 1–15) at <paramref name="position"/>:
    /// the framing of a message whose fields are all bytes or sub-messages, read without building
    /// message objects. False when the tag is not length-delimited, the length varint is not minimal or
    /// overlong, or the value runs past the end.
    /// </summary>
    public static bool TryReadField(ReadOnlySpan<byte> data, ref int position, out int field, out ReadOnlySpan<byte> value)
    {
        value = default;
        field = 0;
        if (position >= data.Length || data[position] >= 0x80 || (data[position] & 7) != 2 || data[position] < 8)
        {
            return false;
        }

        field = data[position++] >> 3;
        if (!TryReadLength(data, ref position, out int length) || length > data.Length - position)
        {
            return false;
        }

        value = data.Slice(position, length);
        position += length;
        return true;
    }

    /// <summary>Reads a minimal (canonical) protobuf varint length of at most 4 bytes; false if malformed, overlong or too large.</summary>
    public static bool TryReadLength(ReadOnlySpan<byte> data, ref int position, out int length)
    {
        int start = position;
        bool ok = TryReadVarint(data, ref position, out ulong value) && position - start <= 4;
        length = ok ? (int)value : 0;
        return ok;
    }

    /// <summary>
    /// Reads a minimal (canonical) protobuf varint of at most 10 bytes whose value fits 64 bits; false
    /// if it runs past the end, has a trailing zero byte (not minimal) or overflows.
    /// </summary>
    public static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
            {
                return false;
            }

            byte b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                // Not minimal with a trailing zero byte; the tenth byte carries only bit 63.
                return (shift == 0 || b != 0) && (shift < 63 || b == 1);
            }
        }

        return false;
    }

    public static void WriteUInt64(Span<byte> destination, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(destination, value);

    public static int CompareKeys(in Ed25519PublicKey a, in Ed25519PublicKey b) => a.AsSpan().SequenceCompareTo(b.AsSpan());
}

/// <summary>
/// Writes protobuf fields into an exact-size span, byte for byte what Google.Protobuf writes
/// (tag varint, length varint, payload): for concatenating cached canonical encodings without
/// building message objects. Callers size the span with <see cref="LengthDelimitedSize"/> and friends.
/// </summary>
internal ref struct ProtoWriter(Span<byte> destination)
{
    private readonly Span<byte> _destination = destination;

    public int Position { get; private set; }

    /// <summary>Bytes a length-delimited field with a one-byte tag and a payload of <paramref name="length"/> bytes takes.</summary>
    public static int LengthDelimitedSize(int length) => 1 + CodedOutputStream.ComputeLengthSize(length) + length;

    public void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _destination[Position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _destination[Position++] = (byte)value;
    }

    /// <summary>Tag (field number, wire type 0) and a varint; the caller omits a zero (proto3 default).</summary>
    public void WriteVarintField(int field, ulong value)
    {
        WriteVarint((uint)field << 3);
        WriteVarint(value);
    }

    /// <summary>Tag (field number, wire type 2), length and the bytes.</summary>
    public void WriteBytesField(int field, scoped ReadOnlySpan<byte> value)
    {
        WriteLengthPrefix(field, value.Length);
        value.CopyTo(_destination[Position..]);
        Position += value.Length;
    }

    /// <summary>Tag (field number, wire type 2), UTF-8 length and the UTF-8 bytes.</summary>
    public void WriteStringField(int field, string value)
    {
        WriteLengthPrefix(field, Encoding.UTF8.GetByteCount(value));
        Position += Encoding.UTF8.GetBytes(value, _destination[Position..]);
    }

    /// <summary>Tag (field number, wire type 2), length 2 × <paramref name="value"/>.Length and the bytes as lowercase hex digits (UTF-8).</summary>
    public void WriteHexField(int field, scoped ReadOnlySpan<byte> value)
    {
        WriteLengthPrefix(field, 2 * value.Length);
        Convert.TryToHexStringLower(value, _destination[Position..], out int written);
        Position += written;
    }

    /// <summary>Tag (field number, wire type 2), length and <paramref name="value"/> in decimal digits (UTF-8, as ulong.ToString(InvariantCulture)).</summary>
    public void WriteDecimalField(int field, ulong value)
    {
        int digits = DecimalDigits(value);
        WriteLengthPrefix(field, digits);
        for (int i = Position + digits - 1; i >= Position; i--)
        {
            _destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }

        Position += digits;
    }

    /// <summary>Number of decimal digits of <paramref name="value"/> (1 for 0).</summary>
    public static int DecimalDigits(ulong value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    /// <summary>Tag (field number, wire type 2) and a length; the caller writes that many bytes next.</summary>
    public void WriteLengthPrefix(int field, int length)
    {
        WriteVarint(((uint)field << 3) | 2);
        WriteVarint((uint)length);
    }
}
