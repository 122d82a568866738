using System.Buffers.Binary;
using System.Numerics;

namespace Nexus.Crypto;

/// <summary>
/// A Bloom filter (Bloom 1970) whose k bit positions come from BLAKE3 (decision D9).
/// <para>
/// Positions: d = BLAKE3(item) when there is no salt, else BLAKE3-keyed(K, item) with
/// K = BLAKE3 derive_key(<see cref="SaltContext"/>, salt); h1 = d[0..8] and h2 = d[8..16] | 1 as
/// little-endian u64; position i = ((h1 + i·h2) mod 2^64 · m) >> 64 for i in 0..k-1 (double hashing,
/// Kirsch and Mitzenmacher 2006, reduced to [0, m) by multiply-high). A different salt (for example
/// the gossip round number) gives independent positions, so a false positive does not repeat.
/// </para>
/// <para>
/// Serialized layout (little-endian, decision D4), <see cref="SerializedSize"/> bytes: version
/// (u8, 1) ‖ k (u8) ‖ m in bits (u32, a multiple of 64) ‖ salt length (u8, ≤ 64) ‖ salt ‖ bit
/// array (m / 8 bytes, bit j of the filter is bit j % 8 of byte j / 8).
/// </para>
/// Not thread-safe for concurrent <see cref="Add"/>; concurrent <see cref="MayContain"/> is safe.
/// </summary>
public sealed class BloomFilter
{
    /// <summary>The derive_key context for salted filters: "nexus 2026-11-24 bloom filter salt v1".</summary>
    public const string SaltContext = "nexus 2026-11-24 bloom filter salt v1";

    /// <summary>The largest filter: 2^30 bits (128 MiB), so a length field can never ask for more.</summary>
    public const int MaxBitCount = 1 << 30;

    /// <summary>The largest number of hash positions per item: 32.</summary>
    public const int MaxHashCount = 32;

    /// <summary>The longest salt: 64 bytes.</summary>
    public const int MaxSaltLength = 64;

    private const byte FormatVersion = 1;
    private const int HeaderSize = 7;

    private readonly ulong[] _words;
    private readonly byte[] _salt;
    private readonly byte[]? _key;

    /// <summary>Creates an empty filter sized for <paramref name="expectedCount"/> items at <paramref name="falsePositiveRate"/>,
    /// with m from <see cref="OptimalBitCount"/> and k from <see cref="OptimalHashCount"/>.</summary>
    /// <param name="expectedCount">The number of items expected, ≥ 1.</param>
    /// <param name="falsePositiveRate">The target rate for non-members, in (0, 1) (for example 0.01).</param>
    /// <param name="salt">Optional salt, at most 64 bytes (empty: unsalted).</param>
    /// <returns>The empty filter.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count below 1, a rate outside (0, 1), or a size above <see cref="MaxBitCount"/>.</exception>
    /// <exception cref="ArgumentException">A salt longer than 64 bytes.</exception>
    public static BloomFilter ForCapacity(int expectedCount, double falsePositiveRate, ReadOnlySpan<byte> salt = default)
    {
        int m = OptimalBitCount(expectedCount, falsePositiveRate);
        return new BloomFilter(m, OptimalHashCount(m, expectedCount), salt);
    }

    /// <summary>Creates an empty filter with explicit parameters.</summary>
    /// <param name="bitCount">m, the number of bits: 64 to <see cref="MaxBitCount"/>, rounded up to a multiple of 64.</param>
    /// <param name="hashCount">k, the positions per item: 1 to 32.</param>
    /// <param name="salt">Optional salt, at most 64 bytes (empty: unsalted).</param>
    /// <exception cref="ArgumentOutOfRangeException">m or k out of range.</exception>
    /// <exception cref="ArgumentException">A salt longer than 64 bytes.</exception>
    public BloomFilter(int bitCount, int hashCount, ReadOnlySpan<byte> salt = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bitCount, MaxBitCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(hashCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hashCount, MaxHashCount);
        if (salt.Length > MaxSaltLength)
        {
            throw new ArgumentException($"A Bloom filter salt is at most {MaxSaltLength} bytes; got {salt.Length}.", nameof(salt));
        }

        _words = new ulong[(bitCount + 63) / 64];
        HashCount = hashCount;
        _salt = salt.ToArray();
        _key = salt.IsEmpty ? null : Blake3.DeriveKey(SaltContext, salt).ToArray();
    }

    /// <summary>m: the number of bits (a multiple of 64).</summary>
    public int BitCount => _words.Length * 64;

    /// <summary>k: the number of positions set per item.</summary>
    public int HashCount { get; }

    /// <summary>The salt (empty when unsalted).</summary>
    public ReadOnlySpan<byte> Salt => _salt;

    /// <summary>The size of <see cref="WriteTo"/>'s output: 7 + salt length + m / 8 bytes.</summary>
    public int SerializedSize => HeaderSize + _salt.Length + (_words.Length * 8);

    /// <summary>
    /// m = ceil(-n · ln p / (ln 2)^2) for n items at false-positive rate p, rounded up to a multiple of 64.
    /// </summary>
    /// <param name="expectedCount">n ≥ 1.</param>
    /// <param name="falsePositiveRate">p in (0, 1).</param>
    /// <returns>The bit count.</returns>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 1, p outside (0, 1), or a result above <see cref="MaxBitCount"/>.</exception>
    public static int OptimalBitCount(int expectedCount, double falsePositiveRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedCount, 1);
        if (!(falsePositiveRate > 0 && falsePositiveRate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(falsePositiveRate), falsePositiveRate, "The false-positive rate must be in (0, 1).");
        }

        double bits = Math.Ceiling(-expectedCount * Math.Log(falsePositiveRate) / (Math.Log(2) * Math.Log(2)));
        if (bits > MaxBitCount)
        {
            throw new ArgumentOutOfRangeException(nameof(expectedCount), $"{expectedCount} items at rate {falsePositiveRate} need {bits} bits, above the {MaxBitCount}-bit limit.");
        }

        return (int)Math.Max(64, (((long)bits + 63) / 64) * 64);
    }

    /// <summary>k = round(m / n · ln 2), clamped to 1..32: the number of positions minimising the false-positive rate.</summary>
    /// <param name="bitCount">m.</param>
    /// <param name="expectedCount">n ≥ 1.</param>
    /// <returns>The hash count.</returns>
    public static int OptimalHashCount(int bitCount, int expectedCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedCount, 1);
        return (int)Math.Clamp(Math.Round((double)bitCount / expectedCount * Math.Log(2), MidpointRounding.AwayFromZero), 1, MaxHashCount);
    }

    /// <summary>Adds an item: sets its k bits.</summary>
    /// <param name="item">The item's bytes, any length.</param>
    public void Add(ReadOnlySpan<byte> item)
    {
        Seeds(item, out ulong h1, out ulong h2);
        ulong m = (ulong)BitCount;
        for (int i = 0; i < HashCount; i++)
        {
            ulong bit = Math.BigMul(h1, m, out _);
            _words[bit >> 6] |= 1UL << (int)(bit & 63);
            h1 += h2;
        }
    }

    /// <summary>Tests an item: false means certainly absent; true means present or a false positive.</summary>
    /// <param name="item">The item's bytes, any length.</param>
    /// <returns>Whether all k of the item's bits are set.</returns>
    public bool MayContain(ReadOnlySpan<byte> item)
    {
        Seeds(item, out ulong h1, out ulong h2);
        ulong m = (ulong)BitCount;
        for (int i = 0; i < HashCount; i++)
        {
            ulong bit = Math.BigMul(h1, m, out _);
            if ((_words[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
            {
                return false;
            }

            h1 += h2;
        }

        return true;
    }

    /// <summary>Adds every item of <paramref name="other"/> (bitwise OR).</summary>
    /// <param name="other">A filter with the same m, k and salt.</param>
    /// <exception cref="ArgumentException">The filters' parameters differ.</exception>
    public void UnionWith(BloomFilter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.BitCount != BitCount || other.HashCount != HashCount || !other.Salt.SequenceEqual(Salt))
        {
            throw new ArgumentException("Only filters with the same bit count, hash count and salt can be united.", nameof(other));
        }

        for (int i = 0; i < _words.Length; i++)
        {
            _words[i] |= other._words[i];
        }
    }

    /// <summary>The number of set bits.</summary>
    public int PopCount()
    {
        int count = 0;
        foreach (var word in _words)
        {
            count += BitOperations.PopCount(word);
        }

        return count;
    }

    /// <summary>
    /// The expected false-positive rate at the current fill: (set bits / m)^k.
    /// </summary>
    public double EstimatedFalsePositiveRate => Math.Pow((double)PopCount() / BitCount, HashCount);

    /// <summary>Clears every bit.</summary>
    public void Clear() => Array.Clear(_words);

    /// <summary>Writes the serialized filter (see the class summary).</summary>
    /// <param name="destination">At least <see cref="SerializedSize"/> bytes.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public int WriteTo(Span<byte> destination)
    {
        FixedBytes.RequireDestination(destination, SerializedSize, nameof(destination));
        destination[0] = FormatVersion;
        destination[1] = (byte)HashCount;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[2..], (uint)BitCount);
        destination[6] = (byte)_salt.Length;
        _salt.CopyTo(destination[HeaderSize..]);
        var bits = destination.Slice(HeaderSize + _salt.Length, _words.Length * 8);
        for (int i = 0; i < _words.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bits[(i * 8)..], _words[i]);
        }

        return SerializedSize;
    }

    /// <summary>Returns the serialized filter as a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[SerializedSize];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Parses a serialized filter without throwing.</summary>
    /// <param name="bytes">Exactly one serialized filter.</param>
    /// <param name="filter">The filter, or null when this returns false.</param>
    /// <returns>
    /// False for an unknown version, k outside 1..32, m not a positive multiple of 64 up to
    /// <see cref="MaxBitCount"/>, a salt over 64 bytes, or a length other than the header implies.
    /// Memory is allocated only after the input is known to hold all m / 8 bytes.
    /// </returns>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out BloomFilter? filter)
    {
        filter = null;
        if (bytes.Length < HeaderSize || bytes[0] != FormatVersion)
        {
            return false;
        }

        int k = bytes[1];
        uint m = BinaryPrimitives.ReadUInt32LittleEndian(bytes[2..]);
        int saltLength = bytes[6];
        if (k is < 1 or > MaxHashCount || m == 0 || m % 64 != 0 || m > MaxBitCount || saltLength > MaxSaltLength
            || bytes.Length != HeaderSize + saltLength + (long)(m / 8))
        {
            return false;
        }

        var result = new BloomFilter((int)m, k, bytes.Slice(HeaderSize, saltLength));
        var bits = bytes[(HeaderSize + saltLength)..];
        for (int i = 0; i < result._words.Length; i++)
        {
            result._words[i] = BinaryPrimitives.ReadUInt64LittleEndian(bits[(i * 8)..]);
        }

        filter = result;
        return true;
    }

    /// <summary>Parses a serialized filter.</summary>
    /// <param name="bytes">Exactly one serialized filter.</param>
    /// <returns>The filter.</returns>
    /// <exception cref="FormatException">The input is not a well-formed filter (see <see cref="TryParse"/>).</exception>
    public static BloomFilter Parse(ReadOnlySpan<byte> bytes) =>
        TryParse(bytes, out var filter) ? filter! : throw new FormatException("Not a well-formed Bloom filter: bad version, k, m, salt length, or total length.");

    private void Seeds(ReadOnlySpan<byte> item, out ulong h1, out ulong h2)
    {
        Span<byte> digest = stackalloc byte[16];
        if (_key is null)
        {
            Blake3.Hash(item, digest);
        }
        else
        {
            Blake3.KeyedHash(_key, item, digest);
        }

        h1 = BinaryPrimitives.ReadUInt64LittleEndian(digest);
        h2 = BinaryPrimitives.ReadUInt64LittleEndian(digest[8..]) | 1;
    }
}
