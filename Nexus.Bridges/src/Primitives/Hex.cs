using System.Globalization;

namespace Nexus.Bridges.Evm;

/// <summary>
/// Hex text as Ethereum JSON-RPC writes it (the "DATA" and "QUANTITY" encodings of the
/// Ethereum JSON-RPC specification): "0x"-prefixed, two digits per byte for data, no leading
/// zeros for quantities ("0x0" is zero).
/// </summary>
public static class Hex
{
    /// <summary>Encodes bytes as "0x" followed by two lower-case hex digits per byte ("0x" for empty).</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The hex text, 2 + 2 * length characters.</returns>
    public static string Encode(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    /// <summary>
    /// Decodes hex data with or without a "0x"/"0X" prefix (either letter case). An odd digit count
    /// is accepted by assuming a leading zero digit (as RPC quantities need).
    /// </summary>
    /// <param name="text">The hex text.</param>
    /// <returns>The decoded bytes (length = ceil(digits / 2)).</returns>
    /// <exception cref="EvmFormatException">A character is not a hex digit.</exception>
    public static byte[] Decode(ReadOnlySpan<char> text)
    {
        if (!TryDecode(text, out byte[] bytes))
        {
            throw new EvmFormatException("The text is not hex data.");
        }

        return bytes;
    }

    /// <summary>Decodes hex data like <see cref="Decode"/> without throwing.</summary>
    /// <param name="text">The hex text.</param>
    /// <param name="bytes">The decoded bytes, or empty on failure.</param>
    /// <returns>false when a character is not a hex digit.</returns>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        if (text.Length >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        {
            text = text.Slice(2);
        }

        bytes = new byte[(text.Length + 1) / 2];
        int odd = text.Length & 1;
        for (int i = 0; i < text.Length; i++)
        {
            int v = HexValue(text[i]);
            if (v < 0)
            {
                bytes = [];
                return false;
            }

            int position = i + odd;
            bytes[position >> 1] |= (byte)((position & 1) == 0 ? v << 4 : v);
        }

        return true;
    }

    /// <summary>Parses a JSON-RPC QUANTITY ("0x" + hex digits, e.g. "0x0", "0x1b4") as an unsigned 64-bit integer.</summary>
    /// <param name="text">The quantity text.</param>
    /// <returns>The value.</returns>
    /// <exception cref="EvmFormatException">No "0x" prefix, no digits, a non-hex digit, or a value above <see cref="ulong.MaxValue"/>.</exception>
    public static ulong DecodeQuantityUInt64(ReadOnlySpan<char> text)
    {
        ReadOnlySpan<char> digits = QuantityDigits(text);
        if (digits.Length > 16 && digits.TrimStart('0').Length > 16)
        {
            throw new EvmFormatException("The quantity does not fit in 64 bits.");
        }

        if (!ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value))
        {
            throw new EvmFormatException("The quantity is not hex.");
        }

        return value;
    }

    /// <summary>Parses a JSON-RPC QUANTITY as a non-negative big integer (at most 64 hex digits, i.e. 256 bits).</summary>
    /// <param name="text">The quantity text.</param>
    /// <returns>The value, 0 &lt;= value &lt; 2^256.</returns>
    /// <exception cref="EvmFormatException">No "0x" prefix, no digits, a non-hex digit, or more than 256 bits.</exception>
    public static System.Numerics.BigInteger DecodeQuantity(ReadOnlySpan<char> text)
    {
        ReadOnlySpan<char> digits = QuantityDigits(text).TrimStart('0');
        if (digits.Length > 64)
        {
            throw new EvmFormatException("The quantity exceeds 256 bits.");
        }

        byte[] bytes = Decode(digits);
        return new System.Numerics.BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Formats an unsigned integer as a JSON-RPC QUANTITY ("0x0", "0x1b4").</summary>
    /// <param name="value">The value.</param>
    /// <returns>The quantity text.</returns>
    public static string EncodeQuantity(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Formats a non-negative big integer as a JSON-RPC QUANTITY.</summary>
    /// <param name="value">The value, non-negative.</param>
    /// <returns>The quantity text.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public static string EncodeQuantity(System.Numerics.BigInteger value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value.IsZero)
        {
            return "0x0";
        }

        string digits = Convert.ToHexStringLower(value.ToByteArray(isUnsigned: true, isBigEndian: true)).TrimStart('0');
        return "0x" + digits;
    }

    private static ReadOnlySpan<char> QuantityDigits(ReadOnlySpan<char> text)
    {
        if (text.Length < 3 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
        {
            throw new EvmFormatException("A quantity is \"0x\" followed by at least one hex digit.");
        }

        ReadOnlySpan<char> digits = text.Slice(2);
        foreach (char c in digits)
        {
            if (HexValue(c) < 0)
            {
                throw new EvmFormatException("The quantity is not hex.");
            }
        }

        return digits;
    }

    internal static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
