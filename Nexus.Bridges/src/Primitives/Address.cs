namespace Nexus.Bridges.Evm;

/// <summary>
/// A 20-byte Ethereum account address: the last 20 bytes of Keccak-256 of the 64-byte uncompressed
/// secp256k1 public key (yellow paper, section 7 / appendix F). Text form is "0x" + 40 hex digits;
/// <see cref="ToString"/> writes the EIP-55 mixed-case checksum. Immutable; <c>default</c> is the zero address.
/// </summary>
public readonly struct Address : IEquatable<Address>
{
    /// <summary>The length in bytes (20).</summary>
    public const int Length = 20;

    private readonly byte[]? _bytes;

    /// <summary>Copies 20 bytes into a new address.</summary>
    /// <param name="bytes">Exactly 20 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 20 bytes long.</exception>
    public Address(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException("An address is exactly 20 bytes.", nameof(bytes));
        }

        _bytes = bytes.ToArray();
    }

    /// <summary>The zero address 0x0000000000000000000000000000000000000000.</summary>
    public static Address Zero => default;

    /// <summary>The 20 bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes ?? Zeros;

    private static ReadOnlySpan<byte> Zeros => new byte[Length];

    /// <summary>Derives the address of a 64-byte uncompressed public key (X || Y, without the 0x04 prefix):
    /// Keccak-256(X || Y)[12..32].</summary>
    /// <param name="publicKey64">The 64-byte public key.</param>
    /// <returns>The address.</returns>
    /// <exception cref="ArgumentException"><paramref name="publicKey64"/> is not 64 bytes.</exception>
    public static Address FromPublicKey(ReadOnlySpan<byte> publicKey64)
    {
        if (publicKey64.Length != 64)
        {
            throw new ArgumentException("The uncompressed public key is 64 bytes (X || Y).", nameof(publicKey64));
        }

        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(publicKey64, hash);
        return new Address(hash.Slice(12));
    }

    /// <summary>
    /// Parses "0x" + 40 hex digits (prefix optional). All-lower-case and all-upper-case text is accepted
    /// as is; mixed-case text must carry a valid EIP-55 checksum.
    /// </summary>
    /// <param name="text">The address text.</param>
    /// <returns>The address.</returns>
    /// <exception cref="EvmFormatException">Not 20 bytes of hex, or a mixed-case text with a wrong EIP-55 checksum.</exception>
    public static Address Parse(ReadOnlySpan<char> text)
    {
        if (!TryParse(text, out Address address))
        {
            throw new EvmFormatException("An address is 40 hex digits, and mixed case must be a valid EIP-55 checksum.");
        }

        return address;
    }

    /// <summary>Parses like <see cref="Parse"/> without throwing.</summary>
    /// <param name="text">The address text.</param>
    /// <param name="address">The address, or zero on failure.</param>
    /// <returns>false when not 20 bytes of hex or the EIP-55 checksum of mixed-case text is wrong.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out Address address)
    {
        address = default;
        ReadOnlySpan<char> digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text.Slice(2) : text;
        if (digits.Length != 40 || !Hex.TryDecode(digits, out byte[] bytes))
        {
            return false;
        }

        bool hasLower = digits.ContainsAnyInRange('a', 'f');
        bool hasUpper = digits.ContainsAnyInRange('A', 'F');
        var candidate = new Address(bytes);
        if (hasLower && hasUpper && !digits.SequenceEqual(candidate.ToChecksumString().AsSpan(2)))
        {
            return false;
        }

        address = candidate;
        return true;
    }

    /// <summary>
    /// The EIP-55 mixed-case checksum encoding: "0x" + 40 hex digits where a letter is upper case when the
    /// matching nibble of Keccak-256(lower-case hex ASCII) is 8 or more.
    /// </summary>
    /// <returns>The checksummed text, 42 characters.</returns>
    public string ToChecksumString()
    {
        string lower = Convert.ToHexStringLower(Bytes);
        Span<byte> ascii = stackalloc byte[40];
        for (int i = 0; i < 40; i++)
        {
            ascii[i] = (byte)lower[i];
        }

        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(ascii, hash);
        return string.Create(42, (lower, hash.ToArray()), static (span, state) =>
        {
            span[0] = '0';
            span[1] = 'x';
            for (int i = 0; i < 40; i++)
            {
                char c = state.lower[i];
                int nibble = (i & 1) == 0 ? state.Item2[i >> 1] >> 4 : state.Item2[i >> 1] & 0xF;
                span[i + 2] = c >= 'a' && nibble >= 8 ? char.ToUpperInvariant(c) : c;
            }
        });
    }

    /// <summary>Returns a copy of the 20 bytes.</summary>
    /// <returns>A new 20-byte array.</returns>
    public byte[] ToArray() => Bytes.ToArray();

    /// <inheritdoc />
    public bool Equals(Address other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Address other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(Bytes);

    /// <summary>The EIP-55 checksummed text (see <see cref="ToChecksumString"/>).</summary>
    /// <returns>"0x" + 40 mixed-case hex digits.</returns>
    public override string ToString() => ToChecksumString();

    /// <summary>Compares two addresses byte by byte.</summary>
    /// <param name="left">The first address.</param>
    /// <param name="right">The second address.</param>
    /// <returns>true when equal.</returns>
    public static bool operator ==(Address left, Address right) => left.Equals(right);

    /// <summary>Compares two addresses byte by byte.</summary>
    /// <param name="left">The first address.</param>
    /// <param name="right">The second address.</param>
    /// <returns>true when different.</returns>
    public static bool operator !=(Address left, Address right) => !left.Equals(right);
}
