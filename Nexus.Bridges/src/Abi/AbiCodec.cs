using System.Collections;
using System.Numerics;
using System.Text;

namespace Nexus.Bridges.Evm;

/// <summary>
/// Solidity ABI encoding and strict decoding of a parameter list (Solidity ABI specification, "Formal Specification
/// of the Encoding"): heads of 32-byte words, dynamic values behind offsets. .NET values per type are listed on
/// <see cref="AbiTypeKind"/>; integers may also be given as any .NET integer type when encoding.
/// </summary>
public static class AbiCodec
{
    /// <summary>Encodes values as the tuple of <paramref name="types"/> (the form of call data after the selector and of return data).</summary>
    /// <param name="types">The parameter types.</param>
    /// <param name="values">One value per type.</param>
    /// <returns>The encoding (a multiple of 32 bytes).</returns>
    /// <exception cref="ArgumentException">The value count differs from the type count, or a value has the wrong .NET type,
    /// is out of range for its ABI type, or an array/bytes&lt;M&gt; has the wrong length.</exception>
    public static byte[] Encode(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        var output = new List<byte>(64 * types.Count);
        EncodeTuple(types, values, output);
        return output.ToArray();
    }

    /// <summary>
    /// Decodes <paramref name="data"/> as the tuple of <paramref name="types"/>. Strict: every offset and length must lie
    /// inside the data, integers must fit their width (sign-extended for int&lt;M&gt;), bools are 0 or 1, addresses and
    /// bytes&lt;M&gt; have zero padding. Trailing bytes after the heads are allowed (offsets may point there). The work and
    /// memory are bounded by a small multiple of the input size, whatever the length fields claim.
    /// </summary>
    /// <param name="types">The parameter types.</param>
    /// <param name="data">The encoding.</param>
    /// <returns>One value per type.</returns>
    /// <exception cref="EvmFormatException">The data is malformed as described.</exception>
    public static object?[] Decode(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(types);
        long budget = 2L * data.Length + 4096;
        return DecodeTuple(types, data, 0, ref budget);
    }

    /// <summary>Encodes one value as a 32-byte topic the way an indexed event parameter of a static type is stored.</summary>
    /// <param name="type">A static elementary type.</param>
    /// <param name="value">The value.</param>
    /// <returns>The topic.</returns>
    /// <exception cref="ArgumentException">The type is not a static elementary type or the value does not fit it.</exception>
    public static Hash32 EncodeTopic(AbiType type, object? value)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.IsDynamic || type.Kind is AbiTypeKind.Array or AbiTypeKind.Tuple)
        {
            throw new ArgumentException("Only static elementary types are stored verbatim in topics (others are hashed).", nameof(type));
        }

        var output = new List<byte>(32);
        EncodeStatic(type, value, output);
        return new Hash32(output.ToArray());
    }

    private static void EncodeTuple(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values, List<byte> output)
    {
        if (types.Count != values.Count)
        {
            throw new ArgumentException($"ABI: {types.Count} types but {values.Count} values.", nameof(values));
        }

        int headSize = 0;
        foreach (AbiType t in types)
        {
            headSize += t.HeadSize;
        }

        var tails = new List<byte>();
        for (int i = 0; i < types.Count; i++)
        {
            AbiType type = types[i];
            if (type.IsDynamic)
            {
                WriteWord(output, new BigInteger(headSize + tails.Count));
                EncodeValue(type, values[i], tails);
            }
            else
            {
                EncodeValue(type, values[i], output);
            }
        }

        output.AddRange(tails);
    }

    private static void EncodeValue(AbiType type, object? value, List<byte> output)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.Bytes:
            case AbiTypeKind.String:
                byte[] bytes = type.Kind == AbiTypeKind.String
                    ? Encoding.UTF8.GetBytes(value as string ?? throw new ArgumentException("ABI: string expects a string."))
                    : value as byte[] ?? throw new ArgumentException("ABI: bytes expects a byte[].");
                WriteWord(output, bytes.Length);
                output.AddRange(bytes);
                output.AddRange(new byte[(32 - bytes.Length % 32) % 32]);
                return;
            case AbiTypeKind.Array:
                IList items = value as IList ?? throw new ArgumentException("ABI: an array expects a list.");
                if (type.ArrayLength is int k && items.Count != k)
                {
                    throw new ArgumentException($"ABI: {type} expects {k} elements, got {items.Count}.");
                }

                if (type.ArrayLength is null)
                {
                    WriteWord(output, items.Count);
                }

                var elementTypes = new AbiType[items.Count];
                var elementValues = new object?[items.Count];
                for (int i = 0; i < items.Count; i++)
                {
                    elementTypes[i] = type.ElementType!;
                    elementValues[i] = items[i];
                }

                EncodeTuple(elementTypes, elementValues, output);
                return;
            case AbiTypeKind.Tuple:
                IList fields = value as IList ?? throw new ArgumentException("ABI: a tuple expects a list of component values.");
                var fieldValues = new object?[fields.Count];
                fields.CopyTo(fieldValues, 0);
                EncodeTuple(type.Components, fieldValues, output);
                return;
            default:
                EncodeStatic(type, value, output);
                return;
        }
    }

    private static void EncodeStatic(AbiType type, object? value, List<byte> output)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.UInt:
            {
                BigInteger v = ToBigInteger(value);
                if (v.Sign < 0 || v.GetBitLength() > type.Size)
                {
                    throw new ArgumentException($"ABI: {value} does not fit {type}.");
                }

                WriteWord(output, v);
                return;
            }

            case AbiTypeKind.Int:
            {
                BigInteger v = ToBigInteger(value);
                BigInteger limit = BigInteger.One << (type.Size - 1);
                if (v < -limit || v >= limit)
                {
                    throw new ArgumentException($"ABI: {value} does not fit {type}.");
                }

                WriteWord(output, v);
                return;
            }

            case AbiTypeKind.Address:
            {
                Address a = value is Address address ? address : throw new ArgumentException("ABI: address expects an Address.");
                output.AddRange(new byte[12]);
                output.AddRange(a.Bytes.ToArray());
                return;
            }

            case AbiTypeKind.Bool:
                WriteWord(output, value is bool b ? (b ? 1 : 0) : throw new ArgumentException("ABI: bool expects a bool."));
                return;
            case AbiTypeKind.FixedBytes:
            {
                byte[] bytes = value as byte[] ?? (value is Hash32 h ? h.ToArray() : throw new ArgumentException($"ABI: {type} expects a byte[]."));
                if (bytes.Length != type.Size)
                {
                    throw new ArgumentException($"ABI: {type} expects exactly {type.Size} bytes.");
                }

                output.AddRange(bytes);
                output.AddRange(new byte[32 - bytes.Length]);
                return;
            }

            default:
                throw new ArgumentException($"ABI: {type} is not static.");
        }
    }

    private static BigInteger ToBigInteger(object? value) => value switch
    {
        BigInteger b => b,
        int i => i,
        long l => l,
        uint u => u,
        ulong ul => ul,
        short s => s,
        ushort us => us,
        byte by => by,
        sbyte sb => sb,
        UInt128 u128 => u128,
        Int128 i128 => i128,
        _ => throw new ArgumentException("ABI: an integer type expects a .NET integer."),
    };

    private static void WriteWord(List<byte> output, BigInteger value)
    {
        Span<byte> word = stackalloc byte[32];
        word.Fill(value.Sign < 0 ? (byte)0xff : (byte)0);
        int n = value.GetByteCount(isUnsigned: value.Sign >= 0);
        if (n > 32)
        {
            throw new ArgumentException("ABI: value wider than 256 bits.");
        }

        value.TryWriteBytes(word.Slice(32 - n), out _, isUnsigned: value.Sign >= 0, isBigEndian: true);
        foreach (byte b in word)
        {
            output.Add(b);
        }
    }

    private static object?[] DecodeTuple(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data, int start, ref long budget)
    {
        var values = new object?[types.Count];
        int head = start;
        for (int i = 0; i < types.Count; i++)
        {
            AbiType type = types[i];
            if (type.IsDynamic)
            {
                int offset = ReadLength(data, head);
                long target = (long)start + offset;
                if (target > data.Length)
                {
                    throw new EvmFormatException("ABI: offset beyond the data.");
                }

                values[i] = DecodeValue(type, data, (int)target, ref budget);
                head += 32;
            }
            else
            {
                values[i] = DecodeValue(type, data, head, ref budget);
                head += type.HeadSize;
            }
        }

        return values;
    }

    private static object? DecodeValue(AbiType type, ReadOnlySpan<byte> data, int position, ref long budget)
    {
        Spend(ref budget, 32);
        switch (type.Kind)
        {
            case AbiTypeKind.Bytes:
            case AbiTypeKind.String:
            {
                int length = ReadLength(data, position);
                if (length > data.Length - position - 32)
                {
                    throw new EvmFormatException("ABI: bytes longer than the data.");
                }

                Spend(ref budget, length);
                ReadOnlySpan<byte> bytes = data.Slice(position + 32, length);
                if (type.Kind == AbiTypeKind.Bytes)
                {
                    return bytes.ToArray();
                }

                try
                {
                    return new UTF8Encoding(false, true).GetString(bytes);
                }
                catch (ArgumentException e)
                {
                    throw new EvmFormatException("ABI: string is not valid UTF-8.", e);
                }
            }

            case AbiTypeKind.Array:
            {
                int count;
                int elementsStart = position;
                if (type.ArrayLength is int k)
                {
                    count = k;
                }
                else
                {
                    count = ReadLength(data, position);
                    elementsStart = position + 32;
                }

                // Every element takes at least its head in the data: a length field cannot claim more than is there.
                if ((long)count * type.ElementType!.HeadSize > data.Length - elementsStart)
                {
                    throw new EvmFormatException("ABI: array longer than the data.");
                }

                Spend(ref budget, count);
                var elementTypes = new AbiType[count];
                Array.Fill(elementTypes, type.ElementType);
                return DecodeTuple(elementTypes, data, elementsStart, ref budget);
            }

            case AbiTypeKind.Tuple:
                if (!type.IsDynamic && (long)position + type.HeadSize > data.Length)
                {
                    throw new EvmFormatException("ABI: tuple beyond the data.");
                }

                return DecodeTuple(type.Components, data, position, ref budget);
            default:
                return DecodeStatic(type, Word(data, position));
        }
    }

    private static object DecodeStatic(AbiType type, ReadOnlySpan<byte> word)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.UInt:
                if (word.Slice(0, 32 - type.Size / 8).ContainsAnyExcept((byte)0))
                {
                    throw new EvmFormatException($"ABI: value does not fit {type}.");
                }

                return new BigInteger(word, isUnsigned: true, isBigEndian: true);
            case AbiTypeKind.Int:
            {
                var value = new BigInteger(word, isUnsigned: false, isBigEndian: true);
                BigInteger limit = BigInteger.One << (type.Size - 1);
                if (value < -limit || value >= limit)
                {
                    throw new EvmFormatException($"ABI: value does not fit {type}.");
                }

                return value;
            }

            case AbiTypeKind.Address:
                if (word.Slice(0, 12).ContainsAnyExcept((byte)0))
                {
                    throw new EvmFormatException("ABI: address with non-zero padding.");
                }

                return new Address(word.Slice(12));
            case AbiTypeKind.Bool:
                if (word.Slice(0, 31).ContainsAnyExcept((byte)0) || word[31] > 1)
                {
                    throw new EvmFormatException("ABI: bool is not 0 or 1.");
                }

                return word[31] == 1;
            case AbiTypeKind.FixedBytes:
                if (word.Slice(type.Size).ContainsAnyExcept((byte)0))
                {
                    throw new EvmFormatException($"ABI: {type} with non-zero padding.");
                }

                return word.Slice(0, type.Size).ToArray();
            default:
                throw new EvmFormatException($"ABI: {type} is not static.");
        }
    }

    private static ReadOnlySpan<byte> Word(ReadOnlySpan<byte> data, int position)
    {
        if (position < 0 || position > data.Length - 32)
        {
            throw new EvmFormatException("ABI: data too short.");
        }

        return data.Slice(position, 32);
    }

    private static int ReadLength(ReadOnlySpan<byte> data, int position)
    {
        ReadOnlySpan<byte> word = Word(data, position);
        if (word.Slice(0, 28).ContainsAnyExcept((byte)0) || word[28] >= 0x80)
        {
            throw new EvmFormatException("ABI: offset or length too large.");
        }

        return (word[28] << 24) | (word[29] << 16) | (word[30] << 8) | word[31];
    }

    private static void Spend(ref long budget, long amount)
    {
        budget -= amount;
        if (budget < 0)
        {
            throw new EvmFormatException("ABI: the encoding expands beyond the decoding budget (overlapping offsets).");
        }
    }
}
