using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Nexus.Crypto;

/// <summary>
/// BLAKE3 (O'Connor, Aumasson, Neves, Wilcox-O'Hearn, 2020): hash, keyed hash, derive_key and
/// extendable output of any length, in one call. The chunk compressions run on the widest SIMD the
/// CPU has (16 chunks at a time with Vector512, 8 with Vector256, a scalar fallback otherwise),
/// chosen at run time. For streamed input use <see cref="Blake3Hasher"/>. Thread-safe: every call
/// is independent.
/// </summary>
public static class Blake3
{
    /// <summary>The default output length: 32 bytes.</summary>
    public const int HashSizeInBytes = 32;

    /// <summary>The key length of keyed hashing: 32 bytes.</summary>
    public const int KeySizeInBytes = 32;

    /// <summary>The chunk length of the BLAKE3 tree: 1024 bytes.</summary>
    public const int ChunkSizeInBytes = Blake3Compress.ChunkLength;

    /// <summary>The 32-byte BLAKE3 hash of <paramref name="input"/>.</summary>
    /// <param name="input">Any number of bytes.</param>
    public static Hash256 Hash(ReadOnlySpan<byte> input)
    {
        Span<byte> output = stackalloc byte[HashSizeInBytes];
        Hash(input, output);
        return new Hash256(output);
    }

    /// <summary>
    /// Fills <paramref name="output"/> with the BLAKE3 extended output of <paramref name="input"/>;
    /// its first 32 bytes are <see cref="Hash(ReadOnlySpan{byte})"/>.
    /// </summary>
    /// <param name="input">Any number of bytes.</param>
    /// <param name="output">Any length (0 is allowed and writes nothing).</param>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> output) =>
        Compute(Blake3Compress.Iv, 0, input, output);

    /// <summary>The 32-byte BLAKE3 keyed hash (a MAC / PRF) of <paramref name="input"/>.</summary>
    /// <param name="key">Exactly 32 bytes.</param>
    /// <param name="input">Any number of bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not 32 bytes.</exception>
    public static Hash256 KeyedHash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input)
    {
        Span<byte> output = stackalloc byte[HashSizeInBytes];
        KeyedHash(key, input, output);
        return new Hash256(output);
    }

    /// <summary>Fills <paramref name="output"/> with the keyed-hash extended output of <paramref name="input"/>.</summary>
    /// <param name="key">Exactly 32 bytes.</param>
    /// <param name="input">Any number of bytes.</param>
    /// <param name="output">Any length.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not 32 bytes.</exception>
    public static void KeyedHash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        Span<uint> keyWords = stackalloc uint[8];
        KeyWords(key, keyWords);
        Compute(keyWords, Blake3Compress.KeyedHash, input, output);
    }

    /// <summary>
    /// BLAKE3 derive_key: a 32-byte key derived from <paramref name="keyMaterial"/> for the purpose
    /// named by <paramref name="context"/>. The context should be a hard-coded, globally unique,
    /// application-specific string such as "nexus 2026-11-24 channel id v1"; it is UTF-8 encoded.
    /// </summary>
    /// <param name="context">The context string (UTF-8).</param>
    /// <param name="keyMaterial">Any number of bytes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public static Hash256 DeriveKey(string context, ReadOnlySpan<byte> keyMaterial)
    {
        Span<byte> output = stackalloc byte[HashSizeInBytes];
        DeriveKey(context, keyMaterial, output);
        return new Hash256(output);
    }

    /// <summary>BLAKE3 derive_key with output of any length.</summary>
    /// <param name="context">The context string (UTF-8).</param>
    /// <param name="keyMaterial">Any number of bytes.</param>
    /// <param name="output">Any length.</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public static void DeriveKey(string context, ReadOnlySpan<byte> keyMaterial, Span<byte> output)
    {
        Span<uint> contextKey = stackalloc uint[8];
        ContextKey(context, contextKey);
        Compute(contextKey, Blake3Compress.DeriveKeyMaterial, keyMaterial, output);
    }

    /// <summary>The context key of derive_key: the 32-byte hash of the context in DERIVE_KEY_CONTEXT mode, as 8 words.</summary>
    internal static void ContextKey(string context, Span<uint> contextKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        int byteCount = Encoding.UTF8.GetByteCount(context);
        byte[]? rented = null;
        Span<byte> utf8 = byteCount <= 256 ? stackalloc byte[256] : (rented = new byte[byteCount]);
        utf8 = utf8[..Encoding.UTF8.GetBytes(context, utf8)];
        Span<byte> keyBytes = stackalloc byte[KeySizeInBytes];
        Compute(Blake3Compress.Iv, Blake3Compress.DeriveKeyContext, utf8, keyBytes);
        KeyWords(keyBytes, contextKey);
    }

    internal static void KeyWords(ReadOnlySpan<byte> key, Span<uint> words)
    {
        if (key.Length != KeySizeInBytes)
        {
            throw new ArgumentException($"A BLAKE3 key is {KeySizeInBytes} bytes; got {key.Length}.", nameof(key));
        }

        for (int i = 0; i < 8; i++)
        {
            words[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(4 * i, 4));
        }
    }

    private static void Compute(ReadOnlySpan<uint> key, uint flags, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.Length <= Blake3Compress.ChunkLength)
        {
            // One chunk: no tree, no hasher state.
            var node = new Blake3OutputNode { Counter = 0 };
            Span<uint> cv = node.InputCv;
            key[..8].CopyTo(cv);
            int blocks = input.IsEmpty ? 1 : (input.Length + Blake3Compress.BlockLength - 1) / Blake3Compress.BlockLength;
            for (int b = 0; b < blocks - 1; b++)
            {
                Blake3Compress.CompressInPlace(cv, input.Slice(b * Blake3Compress.BlockLength, Blake3Compress.BlockLength), 0, Blake3Compress.BlockLength, flags | (b == 0 ? Blake3Compress.ChunkStart : 0));
            }

            ReadOnlySpan<byte> last = input[((blocks - 1) * Blake3Compress.BlockLength)..];
            node.BlockLength = (uint)last.Length;
            node.Flags = flags | Blake3Compress.ChunkEnd | (blocks == 1 ? Blake3Compress.ChunkStart : 0);
            Blake3Compress.ReadPartialBlock(last, node.Block);
            node.WriteRootBytes(0, output);
            return;
        }

        ComputeTree(key, flags, input, output);
    }

    /// <summary>
    /// More than one chunk: the tree. A separate method so the one-chunk path above does not carry
    /// (and zero) the ~1.8 KB hasher state in its stack frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ComputeTree(ReadOnlySpan<uint> key, uint flags, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var state = new Blake3State(key, flags);
        state.Update(input);
        state.RootNode().WriteRootBytes(0, output);
    }
}
