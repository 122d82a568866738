using NSec.Cryptography;

namespace Nexus.Crypto;

/// <summary>
/// BLAKE2b (RFC 7693) through NSec/libsodium: unkeyed hashes of 32 or 64 bytes and keyed MACs.
/// Not used for addresses (decision D1); kept for the spec's settlement and legacy structures.
/// </summary>
public static class Blake2b
{
    private static readonly HashAlgorithm Blake2b256 = HashAlgorithm.Blake2b_256;
    private static readonly HashAlgorithm Blake2b512 = HashAlgorithm.Blake2b_512;

    /// <summary>BLAKE2b-256 of <paramref name="data"/> (32-byte output, no key).</summary>
    /// <param name="data">Any length.</param>
    /// <returns>The 32-byte digest.</returns>
    public static Hash256 Hash256(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        Blake2b256.Hash(data, hash);
        return new Hash256(hash);
    }

    /// <summary>BLAKE2b-512 of <paramref name="data"/> (64-byte output, no key).</summary>
    /// <param name="data">Any length.</param>
    /// <returns>The 64-byte digest.</returns>
    public static Hash512 Hash512(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[64];
        Blake2b512.Hash(data, hash);
        return new Hash512(hash);
    }

    /// <summary>BLAKE2b of <paramref name="data"/> with a caller-chosen output length and no key.</summary>
    /// <param name="data">Any length.</param>
    /// <param name="hash">32 to 64 bytes (libsodium's generic-hash range through NSec); receives the digest.</param>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is not 32 to 64 bytes long.</exception>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> hash)
    {
        if (hash.Length is < 32 or > 64)
        {
            throw new ArgumentException($"A BLAKE2b output here is 32 to 64 bytes; got {hash.Length}.", nameof(hash));
        }

        new NSec.Cryptography.Blake2b(hash.Length).Hash(data, hash);
    }

    /// <summary>Keyed BLAKE2b (RFC 7693 section 2.5) as a MAC.</summary>
    /// <param name="key">16 to 64 bytes.</param>
    /// <param name="data">Any length.</param>
    /// <param name="mac">16 to 64 bytes; receives the MAC.</param>
    /// <exception cref="ArgumentException">A key or output length outside 16 to 64 bytes.</exception>
    public static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        if (key.Length is < 16 or > 64)
        {
            throw new ArgumentException($"A BLAKE2b MAC key is 16 to 64 bytes; got {key.Length}.", nameof(key));
        }

        if (mac.Length is < 16 or > 64)
        {
            throw new ArgumentException($"A BLAKE2b MAC is 16 to 64 bytes; got {mac.Length}.", nameof(mac));
        }

        var algorithm = new Blake2bMac(key.Length, mac.Length);
        using var k = Key.Import(algorithm, key, KeyBlobFormat.RawSymmetricKey);
        algorithm.Mac(k, data, mac);
    }
}
