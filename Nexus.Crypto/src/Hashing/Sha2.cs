namespace Nexus.Crypto;

/// <summary>
/// SHA-256 and SHA-512 (FIPS 180-4) through the platform's implementation
/// (<see cref="System.Security.Cryptography.SHA256"/>, OpenSSL on Linux). RNS identity and
/// destination hashes are truncated SHA-256 (decision D1); the ECVRF uses SHA-512 (RFC 9381).
/// </summary>
public static class Sha2
{
    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    /// <param name="data">Any length.</param>
    /// <returns>The 32-byte digest.</returns>
    public static Hash256 Sha256(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(data, hash);
        return new Hash256(hash);
    }

    /// <summary>SHA-512 of <paramref name="data"/>.</summary>
    /// <param name="data">Any length.</param>
    /// <returns>The 64-byte digest.</returns>
    public static Hash512 Sha512(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[64];
        System.Security.Cryptography.SHA512.HashData(data, hash);
        return new Hash512(hash);
    }
}
