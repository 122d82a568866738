namespace Nexus.Bridges.Evm;

/// <summary>Hex-prefix encoding of nibble paths (yellow paper, appendix C).</summary>
internal static class HexPrefix
{
    // Encodes nibbles [from, to) of key with the leaf flag.
    public static byte[] Encode(byte[] key, int from, int to, bool leaf)
    {
        int count = to - from;
        bool odd = (count & 1) == 1;
        var result = new byte[count / 2 + 1];
        int flag = (leaf ? 2 : 0) + (odd ? 1 : 0);
        int n = from;
        if (odd)
        {
            result[0] = (byte)((flag << 4) | Nibble(key, n++));
        }
        else
        {
            result[0] = (byte)(flag << 4);
        }

        for (int i = 1; i < result.Length; i++)
        {
            result[i] = (byte)((Nibble(key, n) << 4) | Nibble(key, n + 1));
            n += 2;
        }

        return result;
    }

    /// <summary>Validates an encoded path; returns false for a flag nibble above 3 or a non-zero padding nibble.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, out bool leaf, out int nibbleCount)
    {
        leaf = false;
        nibbleCount = 0;
        if (encoded.IsEmpty)
        {
            return false;
        }

        int flag = encoded[0] >> 4;
        if (flag > 3)
        {
            return false;
        }

        bool odd = (flag & 1) == 1;
        if (!odd && (encoded[0] & 0x0f) != 0)
        {
            return false;
        }

        leaf = flag >= 2;
        nibbleCount = (encoded.Length - 1) * 2 + (odd ? 1 : 0);
        return true;
    }

    /// <summary>Nibble i (0-based) of the path encoded in a valid hex-prefix string.</summary>
    public static int PathNibble(ReadOnlySpan<byte> encoded, int i)
    {
        bool odd = (encoded[0] & 0x10) != 0;
        int position = i + (odd ? 1 : 2);
        byte b = encoded[position >> 1];
        return (position & 1) == 0 ? b >> 4 : b & 0x0f;
    }

    public static int Nibble(ReadOnlySpan<byte> key, int index) => (index & 1) == 0 ? key[index >> 1] >> 4 : key[index >> 1] & 0x0f;
}
