using System.Security.Cryptography;

namespace Nexus.Crypto;

/// <summary>
/// HKDF with HMAC-SHA-256 (RFC 5869), through the platform's implementation
/// (<see cref="HKDF"/>). Used to turn X25519 shared secrets into link keys (decision D3).
/// </summary>
public static class Hkdf
{
    /// <summary>The HMAC-SHA-256 output size and so the pseudorandom key size in bytes: 32.</summary>
    public const int HashSizeInBytes = 32;

    /// <summary>The longest output HKDF-SHA-256 can give: 255 × 32 = 8160 bytes (RFC 5869 section 2.3).</summary>
    public const int MaxOutputSizeInBytes = 255 * HashSizeInBytes;

    /// <summary>HKDF-Extract (RFC 5869 section 2.2).</summary>
    /// <param name="inputKeyMaterial">The secret input, any length.</param>
    /// <param name="salt">Optional salt; empty means 32 zero bytes.</param>
    /// <param name="pseudorandomKey">Exactly 32 bytes; receives PRK.</param>
    /// <exception cref="ArgumentException"><paramref name="pseudorandomKey"/> is not 32 bytes long.</exception>
    public static void Extract(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, Span<byte> pseudorandomKey)
    {
        if (pseudorandomKey.Length != HashSizeInBytes)
        {
            throw new ArgumentException($"An HKDF-SHA-256 pseudorandom key is {HashSizeInBytes} bytes; got {pseudorandomKey.Length}.", nameof(pseudorandomKey));
        }

        HKDF.Extract(HashAlgorithmName.SHA256, inputKeyMaterial, salt, pseudorandomKey);
    }

    /// <summary>HKDF-Expand (RFC 5869 section 2.3).</summary>
    /// <param name="pseudorandomKey">At least 32 bytes.</param>
    /// <param name="info">Context and application-specific information, any length.</param>
    /// <param name="output">1 to 8160 bytes; receives OKM.</param>
    /// <exception cref="ArgumentException">A PRK shorter than 32 bytes, or an output length outside 1 to 8160.</exception>
    public static void Expand(ReadOnlySpan<byte> pseudorandomKey, ReadOnlySpan<byte> info, Span<byte> output)
    {
        CheckOutput(output);
        if (pseudorandomKey.Length < HashSizeInBytes)
        {
            throw new ArgumentException($"An HKDF-SHA-256 pseudorandom key is at least {HashSizeInBytes} bytes; got {pseudorandomKey.Length}.", nameof(pseudorandomKey));
        }

        HKDF.Expand(HashAlgorithmName.SHA256, pseudorandomKey, output, info);
    }

    /// <summary>Extract then Expand in one call (RFC 5869 section 2).</summary>
    /// <param name="inputKeyMaterial">The secret input, any length.</param>
    /// <param name="salt">Optional salt; empty means 32 zero bytes.</param>
    /// <param name="info">Context and application-specific information, any length.</param>
    /// <param name="output">1 to 8160 bytes; receives OKM.</param>
    /// <exception cref="ArgumentException">An output length outside 1 to 8160.</exception>
    public static void DeriveKey(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> output)
    {
        CheckOutput(output);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKeyMaterial, output, salt, info);
    }

    private static void CheckOutput(Span<byte> output)
    {
        if (output.Length is < 1 or > MaxOutputSizeInBytes)
        {
            throw new ArgumentException($"HKDF-SHA-256 output is 1 to {MaxOutputSizeInBytes} bytes; got {output.Length}.", nameof(output));
        }
    }
}
