using NSec.Cryptography;

namespace Nexus.Crypto;

/// <summary>
/// A ChaCha20-Poly1305 AEAD key (RFC 8439 section 2.8; IETF variant: 32-byte key, 12-byte nonce,
/// 16-byte tag), held by NSec/libsodium in protected memory. Ciphertexts use the combined layout
/// ciphertext ‖ tag, so a ciphertext is always <see cref="TagSizeInBytes"/> longer than its plaintext.
/// A (key, nonce) pair must never encrypt twice; callers derive nonces from counters (decision D3).
/// Thread-safe for concurrent use.
/// </summary>
public sealed class ChaCha20Poly1305Key : IDisposable
{
    /// <summary>The key size in bytes: 32.</summary>
    public const int KeySizeInBytes = 32;

    /// <summary>The nonce size in bytes: 12.</summary>
    public const int NonceSizeInBytes = 12;

    /// <summary>The authentication tag size in bytes: 16.</summary>
    public const int TagSizeInBytes = 16;

    private static readonly AeadAlgorithm Algorithm = AeadAlgorithm.ChaCha20Poly1305;
    private readonly Key _key;

    private ChaCha20Poly1305Key(Key key) => _key = key;

    /// <summary>Imports a key from 32 raw bytes (for example an HKDF output).</summary>
    /// <param name="key">32 bytes; the caller should wipe its copy afterwards.</param>
    /// <returns>A new key the caller owns and must dispose.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not 32 bytes long.</exception>
    public static ChaCha20Poly1305Key Import(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySizeInBytes)
        {
            throw new ArgumentException($"A ChaCha20-Poly1305 key is {KeySizeInBytes} bytes; got {key.Length}.", nameof(key));
        }

        return new ChaCha20Poly1305Key(Key.Import(Algorithm, key, KeyBlobFormat.RawSymmetricKey));
    }

    /// <summary>Creates a new random key.</summary>
    /// <returns>A new key the caller owns and must dispose.</returns>
    public static ChaCha20Poly1305Key Generate() => new(Key.Create(Algorithm));

    /// <summary>Encrypts and authenticates (RFC 8439 section 2.8).</summary>
    /// <param name="nonce">12 bytes, never reused with this key.</param>
    /// <param name="associatedData">Authenticated but not encrypted data, any length.</param>
    /// <param name="plaintext">Any length up to 2^31 - 17 bytes.</param>
    /// <param name="ciphertext">Exactly plaintext length + 16 bytes; receives ciphertext ‖ tag. May not overlap the plaintext.</param>
    /// <exception cref="ArgumentException">A nonce or destination of the wrong length, or overlapping buffers.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        CheckNonce(nonce);
        if (ciphertext.Length != plaintext.Length + TagSizeInBytes)
        {
            throw new ArgumentException($"The ciphertext needs plaintext length + {TagSizeInBytes} = {plaintext.Length + TagSizeInBytes} bytes; got {ciphertext.Length}.", nameof(ciphertext));
        }

        Algorithm.Encrypt(_key, nonce, associatedData, plaintext, ciphertext);
    }

    /// <summary>Encrypts into a new array holding ciphertext ‖ tag (plaintext length + 16 bytes).</summary>
    /// <param name="nonce">12 bytes, never reused with this key.</param>
    /// <param name="associatedData">Authenticated but not encrypted data, any length.</param>
    /// <param name="plaintext">Any length.</param>
    /// <returns>ciphertext ‖ tag.</returns>
    /// <exception cref="ArgumentException">A nonce of the wrong length.</exception>
    public byte[] Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext)
    {
        var result = new byte[plaintext.Length + TagSizeInBytes];
        Encrypt(nonce, associatedData, plaintext, result);
        return result;
    }

    /// <summary>Checks the tag and decrypts (RFC 8439 section 2.8). Nothing is written unless the tag is valid.</summary>
    /// <param name="nonce">12 bytes.</param>
    /// <param name="associatedData">The associated data given to encryption.</param>
    /// <param name="ciphertext">ciphertext ‖ tag, at least 16 bytes.</param>
    /// <param name="plaintext">Exactly ciphertext length - 16 bytes; receives the plaintext.</param>
    /// <returns>False (never an exception) when the input is shorter than a tag, has the wrong length for <paramref name="plaintext"/>, or fails authentication.</returns>
    /// <exception cref="ArgumentException">A nonce of the wrong length.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        CheckNonce(nonce);
        if (ciphertext.Length < TagSizeInBytes || plaintext.Length != ciphertext.Length - TagSizeInBytes)
        {
            return false;
        }

        return Algorithm.Decrypt(_key, nonce, associatedData, ciphertext, plaintext);
    }

    /// <summary>Releases the key.</summary>
    public void Dispose() => _key.Dispose();

    private static void CheckNonce(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != NonceSizeInBytes)
        {
            throw new ArgumentException($"A ChaCha20-Poly1305 nonce is {NonceSizeInBytes} bytes; got {nonce.Length}.", nameof(nonce));
        }
    }
}
