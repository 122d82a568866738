namespace Nexus.Bridges.Evm;

/// <summary>
/// A 32-byte value as Ethereum uses it for Keccak-256 hashes, state/storage/transactions roots,
/// block hashes, storage slot keys and log topics (the yellow paper's B_32; geth's common.Hash).
/// Immutable; <c>default</c> is the all-zero hash.
/// </summary>
public readonly struct Hash32 : IEquatable<Hash32>
{
    /// <summary>The length in bytes (32).</summary>
    public const int Length = 32;

    private readonly byte[]? _bytes;

    /// <summary>Copies 32 bytes into a new hash.</summary>
    /// <param name="bytes">Exactly 32 bytes, big-endian as on the wire.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes long.</exception>
    public Hash32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException("A Hash32 is exactly 32 bytes.", nameof(bytes));
        }

        _bytes = bytes.ToArray();
    }

    /// <summary>The all-zero hash.</summary>
    public static Hash32 Zero => default;

    /// <summary>Keccak-256 of the empty byte string, the code hash of an account without code:
    /// 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470.</summary>
    public static Hash32 EmptyKeccak { get; } = Parse("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

    /// <summary>The root of an empty Merkle Patricia Trie, Keccak-256(RLP("")) = Keccak-256(0x80):
    /// 0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421 (the storage root of an account without storage).</summary>
    public static Hash32 EmptyTrieRoot { get; } = Parse("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");

    /// <summary>Keccak-256(RLP([])) = 0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347, the ommers hash of a block without ommers.</summary>
    public static Hash32 EmptyListHash { get; } = Parse("0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347");

    /// <summary>The 32 bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes ?? Zeros;

    private static ReadOnlySpan<byte> Zeros => new byte[Length];

    /// <summary>Parses "0x" + 64 hex digits (the prefix is optional).</summary>
    /// <param name="text">The hex text.</param>
    /// <returns>The hash.</returns>
    /// <exception cref="EvmFormatException">Not 32 bytes of hex.</exception>
    public static Hash32 Parse(ReadOnlySpan<char> text)
    {
        if (!TryParse(text, out Hash32 hash))
        {
            throw new EvmFormatException("A Hash32 is 64 hex digits.");
        }

        return hash;
    }

    /// <summary>Parses "0x" + 64 hex digits without throwing.</summary>
    /// <param name="text">The hex text.</param>
    /// <param name="hash">The hash, or zero on failure.</param>
    /// <returns>false when the text is not 32 bytes of hex.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out Hash32 hash)
    {
        hash = default;
        if (!Hex.TryDecode(text, out byte[] bytes) || bytes.Length != Length || (text.Length != 64 && text.Length != 66))
        {
            return false;
        }

        hash = new Hash32(bytes);
        return true;
    }

    /// <summary>Copies the 32 bytes into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least 32 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public void WriteTo(Span<byte> destination) => Bytes.CopyTo(destination);

    /// <summary>Returns a copy of the 32 bytes.</summary>
    /// <returns>A new 32-byte array.</returns>
    public byte[] ToArray() => Bytes.ToArray();

    /// <inheritdoc />
    public bool Equals(Hash32 other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Hash32 other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(Bytes);

    /// <summary>"0x" + 64 lower-case hex digits.</summary>
    /// <returns>The hex text.</returns>
    public override string ToString() => Hex.Encode(Bytes);

    /// <summary>Compares two hashes byte by byte.</summary>
    /// <param name="left">The first hash.</param>
    /// <param name="right">The second hash.</param>
    /// <returns>true when equal.</returns>
    public static bool operator ==(Hash32 left, Hash32 right) => left.Equals(right);

    /// <summary>Compares two hashes byte by byte.</summary>
    /// <param name="left">The first hash.</param>
    /// <param name="right">The second hash.</param>
    /// <returns>true when different.</returns>
    public static bool operator !=(Hash32 left, Hash32 right) => !left.Equals(right);
}
