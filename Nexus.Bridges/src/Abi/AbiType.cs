using System.Globalization;

namespace Nexus.Bridges.Evm;

/// <summary>The kind of a Solidity ABI type (Solidity ABI specification, "Types").</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The members are named after the Solidity types.")]
public enum AbiTypeKind
{
    /// <summary>uint&lt;M&gt;, 8 &lt;= M &lt;= 256, M % 8 == 0; .NET value: <see cref="System.Numerics.BigInteger"/>.</summary>
    UInt,

    /// <summary>int&lt;M&gt; (two's complement); .NET value: <see cref="System.Numerics.BigInteger"/>.</summary>
    Int,

    /// <summary>address (a uint160); .NET value: <see cref="Evm.Address"/>.</summary>
    Address,

    /// <summary>bool; .NET value: <see cref="bool"/>.</summary>
    Bool,

    /// <summary>bytes&lt;M&gt;, 1 &lt;= M &lt;= 32, right-padded; .NET value: byte[] of length M.</summary>
    FixedBytes,

    /// <summary>bytes (dynamic); .NET value: byte[].</summary>
    Bytes,

    /// <summary>string (dynamic, UTF-8); .NET value: <see cref="string"/>.</summary>
    String,

    /// <summary>T[k] (fixed length) or T[] (dynamic); .NET value: object?[] of the element values.</summary>
    Array,

    /// <summary>(T1,...,Tn); .NET value: object?[] of the component values.</summary>
    Tuple,
}

/// <summary>
/// A Solidity ABI type (Solidity ABI specification, "Formal Specification of the Encoding"), parsed from its
/// canonical text such as "uint256", "bytes32", "(address,uint256[])[2]". "uint" and "int" mean uint256/int256 and
/// "function" means bytes24. Immutable.
/// </summary>
public sealed class AbiType
{
    private AbiType(AbiTypeKind kind, int size, AbiType? element, int? arrayLength, IReadOnlyList<AbiType>? components)
    {
        Kind = kind;
        Size = size;
        ElementType = element;
        ArrayLength = arrayLength;
        Components = components ?? [];
        CanonicalName = kind switch
        {
            AbiTypeKind.UInt => "uint" + size.ToString(CultureInfo.InvariantCulture),
            AbiTypeKind.Int => "int" + size.ToString(CultureInfo.InvariantCulture),
            AbiTypeKind.Address => "address",
            AbiTypeKind.Bool => "bool",
            AbiTypeKind.FixedBytes => "bytes" + size.ToString(CultureInfo.InvariantCulture),
            AbiTypeKind.Bytes => "bytes",
            AbiTypeKind.String => "string",
            AbiTypeKind.Array => element!.CanonicalName + "[" + (arrayLength?.ToString(CultureInfo.InvariantCulture) ?? string.Empty) + "]",
            _ => "(" + string.Join(',', Components.Select(c => c.CanonicalName)) + ")",
        };
        IsDynamic = kind switch
        {
            AbiTypeKind.Bytes or AbiTypeKind.String => true,
            AbiTypeKind.Array => arrayLength is null || element!.IsDynamic,
            AbiTypeKind.Tuple => Components.Any(c => c.IsDynamic),
            _ => false,
        };
        HeadSize = IsDynamic ? 32 : kind switch
        {
            AbiTypeKind.Array => checked(arrayLength!.Value * element!.HeadSize),
            AbiTypeKind.Tuple => Components.Sum(c => c.HeadSize),
            _ => 32,
        };
    }

    /// <summary>The kind.</summary>
    public AbiTypeKind Kind { get; }

    /// <summary>Bits for uint/int (8..256), bytes for bytes&lt;M&gt; (1..32), else 0.</summary>
    public int Size { get; }

    /// <summary>The element type of an array, else null.</summary>
    public AbiType? ElementType { get; }

    /// <summary>The length of a fixed-length array T[k], null for T[] and non-arrays.</summary>
    public int? ArrayLength { get; }

    /// <summary>The component types of a tuple (empty otherwise).</summary>
    public IReadOnlyList<AbiType> Components { get; }

    /// <summary>The canonical name used in signatures, e.g. "uint256", "(address,bytes)[]".</summary>
    public string CanonicalName { get; }

    /// <summary>Whether the type is dynamic (encoded out of line behind a 32-byte offset).</summary>
    public bool IsDynamic { get; }

    /// <summary>The bytes the type takes in its enclosing head: 32 for dynamic types, the full static size otherwise.</summary>
    public int HeadSize { get; }

    /// <summary>Creates a tuple type.</summary>
    /// <param name="components">The component types.</param>
    /// <returns>The tuple type.</returns>
    public static AbiType Tuple(IReadOnlyList<AbiType> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        return new AbiType(AbiTypeKind.Tuple, 0, null, null, components.ToArray());
    }

    /// <summary>Creates an array type T[length] (or T[] for a null length).</summary>
    /// <param name="element">The element type.</param>
    /// <param name="length">The fixed length, or null for a dynamic array.</param>
    /// <returns>The array type.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public static AbiType ArrayOf(AbiType element, int? length)
    {
        ArgumentNullException.ThrowIfNull(element);
        if (length < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        return new AbiType(AbiTypeKind.Array, 0, element, length, null);
    }

    /// <summary>Parses a type from its text (whitespace not allowed).</summary>
    /// <param name="text">E.g. "uint256", "bytes32[]", "(uint8,string)[2][]".</param>
    /// <returns>The type.</returns>
    /// <exception cref="EvmFormatException">The text is not a supported ABI type (fixed/ufixed are not supported).</exception>
    public static AbiType Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int position = 0;
        AbiType type = ParseType(text, ref position, 0);
        if (position != text.Length)
        {
            throw new EvmFormatException($"ABI: unexpected text after the type in '{text}'.");
        }

        return type;
    }

    /// <summary>Applies array suffixes such as "[]", "[2][]" to <paramref name="element"/> (used for JSON "tuple[]").</summary>
    /// <param name="element">The element type.</param>
    /// <param name="suffixes">Zero or more "[k]" / "[]" suffixes.</param>
    /// <returns>The resulting type.</returns>
    /// <exception cref="EvmFormatException">The suffix text is malformed.</exception>
    public static AbiType WithArraySuffixes(AbiType element, string suffixes)
    {
        ArgumentNullException.ThrowIfNull(suffixes);
        int position = 0;
        AbiType type = ParseSuffixes(element, suffixes, ref position);
        if (position != suffixes.Length)
        {
            throw new EvmFormatException($"ABI: malformed array suffix '{suffixes}'.");
        }

        return type;
    }

    /// <summary>The canonical name.</summary>
    /// <returns><see cref="CanonicalName"/>.</returns>
    public override string ToString() => CanonicalName;

    private static AbiType ParseType(string text, ref int position, int depth)
    {
        if (depth > 32)
        {
            throw new EvmFormatException("ABI: type nested too deeply.");
        }

        AbiType baseType;
        if (position < text.Length && text[position] == '(')
        {
            position++;
            var components = new List<AbiType>();
            if (position < text.Length && text[position] == ')')
            {
                position++;
            }
            else
            {
                while (true)
                {
                    components.Add(ParseType(text, ref position, depth + 1));
                    if (position >= text.Length)
                    {
                        throw new EvmFormatException("ABI: unterminated tuple.");
                    }

                    char c = text[position++];
                    if (c == ')')
                    {
                        break;
                    }

                    if (c != ',')
                    {
                        throw new EvmFormatException("ABI: expected ',' or ')' in a tuple.");
                    }
                }
            }

            baseType = new AbiType(AbiTypeKind.Tuple, 0, null, null, components);
        }
        else
        {
            int start = position;
            while (position < text.Length && char.IsAsciiLetterOrDigit(text[position]))
            {
                position++;
            }

            baseType = Elementary(text.AsSpan(start, position - start));
        }

        return ParseSuffixes(baseType, text, ref position);
    }

    private static AbiType ParseSuffixes(AbiType type, string text, ref int position)
    {
        while (position < text.Length && text[position] == '[')
        {
            int close = text.IndexOf(']', position);
            if (close < 0)
            {
                throw new EvmFormatException("ABI: unterminated array suffix.");
            }

            ReadOnlySpan<char> digits = text.AsSpan(position + 1, close - position - 1);
            int? length = null;
            if (!digits.IsEmpty)
            {
                if (digits[0] == '0' && digits.Length > 1 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k > 1_000_000)
                {
                    throw new EvmFormatException("ABI: bad array length.");
                }

                length = k;
            }

            type = new AbiType(AbiTypeKind.Array, 0, type, length, null);
            position = close + 1;
        }

        return type;
    }

    private static AbiType Elementary(ReadOnlySpan<char> name)
    {
        switch (name)
        {
            case "address": return new AbiType(AbiTypeKind.Address, 0, null, null, null);
            case "bool": return new AbiType(AbiTypeKind.Bool, 0, null, null, null);
            case "string": return new AbiType(AbiTypeKind.String, 0, null, null, null);
            case "bytes": return new AbiType(AbiTypeKind.Bytes, 0, null, null, null);
            case "uint": return new AbiType(AbiTypeKind.UInt, 256, null, null, null);
            case "int": return new AbiType(AbiTypeKind.Int, 256, null, null, null);
            case "function": return new AbiType(AbiTypeKind.FixedBytes, 24, null, null, null);
        }

        if (TrySuffix(name, "uint", out int bits) && bits % 8 == 0 && bits is >= 8 and <= 256)
        {
            return new AbiType(AbiTypeKind.UInt, bits, null, null, null);
        }

        if (TrySuffix(name, "int", out bits) && bits % 8 == 0 && bits is >= 8 and <= 256)
        {
            return new AbiType(AbiTypeKind.Int, bits, null, null, null);
        }

        if (TrySuffix(name, "bytes", out int size) && size is >= 1 and <= 32)
        {
            return new AbiType(AbiTypeKind.FixedBytes, size, null, null, null);
        }

        throw new EvmFormatException($"ABI: unsupported type '{name}'.");
    }

    private static bool TrySuffix(ReadOnlySpan<char> name, string prefix, out int value)
    {
        value = 0;
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> digits = name.Slice(prefix.Length);
        return digits.Length is > 0 and <= 3 && digits[0] != '0' && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
