namespace Nexus.Crypto;

/// <summary>
/// The BLAKE3 extendable output of a finalized <see cref="Blake3Hasher"/>: a stream of up to
/// 2^64 bytes that can be read in pieces and repositioned. Reading bytes [a, b) gives the same
/// bytes whatever the earlier reads were. Not thread-safe.
/// </summary>
public sealed class Blake3OutputReader
{
    private readonly Blake3OutputNode _root;

    internal Blake3OutputReader(Blake3OutputNode root) => _root = root;

    /// <summary>The byte offset of the next <see cref="Read"/> in the output stream (starts at 0).</summary>
    public ulong Position { get; set; }

    /// <summary>Fills <paramref name="destination"/> with the next output bytes and advances <see cref="Position"/>.</summary>
    /// <param name="destination">Any length.</param>
    /// <exception cref="InvalidOperationException">The read would pass the end of the 2^64-byte output.</exception>
    public void Read(Span<byte> destination)
    {
        if ((ulong)destination.Length > ulong.MaxValue - Position)
        {
            throw new InvalidOperationException("BLAKE3 output is limited to 2^64 bytes.");
        }

        _root.WriteRootBytes(Position, destination);
        Position += (ulong)destination.Length;
    }
}
