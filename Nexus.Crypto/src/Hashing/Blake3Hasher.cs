namespace Nexus.Crypto;

/// <summary>
/// Incremental BLAKE3: feed input in pieces with <see cref="Update"/>, then read any amount of
/// output with <see cref="Finalize()"/> or <see cref="FinalizeXof"/>. Finalizing does not change
/// the state, so more input may follow and the hasher can be finalized again (as the reference
/// implementation allows). Hashing the same bytes in any split gives the same output as
/// <see cref="Blake3"/>. Not thread-safe; one hasher per thread.
/// </summary>
public sealed class Blake3Hasher
{
    private Blake3State _state;

    private Blake3Hasher(ReadOnlySpan<uint> key, uint flags) => _state = new Blake3State(key, flags);

    /// <summary>A hasher for the plain BLAKE3 hash.</summary>
    public static Blake3Hasher Create() => new(Blake3Compress.Iv, 0);

    /// <summary>A hasher for the keyed hash.</summary>
    /// <param name="key">Exactly 32 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not 32 bytes.</exception>
    public static Blake3Hasher CreateKeyed(ReadOnlySpan<byte> key)
    {
        Span<uint> words = stackalloc uint[8];
        Blake3.KeyWords(key, words);
        return new Blake3Hasher(words, Blake3Compress.KeyedHash);
    }

    /// <summary>A hasher for derive_key: the input is the key material.</summary>
    /// <param name="context">The derive_key context string (UTF-8).</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public static Blake3Hasher CreateDeriveKey(string context)
    {
        Span<uint> words = stackalloc uint[8];
        Blake3.ContextKey(context, words);
        return new Blake3Hasher(words, Blake3Compress.DeriveKeyMaterial);
    }

    /// <summary>Adds <paramref name="input"/> to the hashed bytes.</summary>
    /// <param name="input">Any number of bytes.</param>
    public void Update(ReadOnlySpan<byte> input) => _state.Update(input);

    /// <summary>The 32-byte hash of all input so far.</summary>
    public Hash256 Finalize()
    {
        Span<byte> output = stackalloc byte[Blake3.HashSizeInBytes];
        Finalize(output);
        return new Hash256(output);
    }

    /// <summary>Fills <paramref name="output"/> (any length) with the extended output of all input so far.</summary>
    /// <param name="output">Any length.</param>
    public void Finalize(Span<byte> output) => _state.RootNode().WriteRootBytes(0, output);

    /// <summary>
    /// A reader over the extended output of all input so far (up to 2^64 bytes, seekable). Later
    /// <see cref="Update"/> calls do not affect a reader already returned.
    /// </summary>
    public Blake3OutputReader FinalizeXof() => new(_state.RootNode());

    /// <summary>Forgets all input; the key and mode stay.</summary>
    public void Reset() => _state.Reset();
}
