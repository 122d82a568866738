using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nexus.Crypto;

/// <summary>8 words: a key or a chaining value.</summary>
[InlineArray(8)]
internal struct Blake3Words8
{
    private uint _element;
}

/// <summary>16 words: one message block.</summary>
[InlineArray(16)]
internal struct Blake3Words16
{
    private uint _element;
}

/// <summary>The chaining-value stack: 54 entries of 8 words (2^54 chunks is the 2^64-byte limit).</summary>
[InlineArray(54 * 8)]
internal struct Blake3CvStack
{
    private uint _element;
}

/// <summary>
/// A node whose compression gives either a chaining value or, with the ROOT flag, output blocks:
/// the input chaining value, the 16-word block, the counter, the block length and the flags.
/// </summary>
internal struct Blake3OutputNode
{
    internal Blake3Words8 InputCv;
    internal Blake3Words16 Block;
    internal ulong Counter;
    internal uint BlockLength;
    internal uint Flags;

    /// <summary>The node's chaining value (its compression, truncated to 8 words), for a non-root node.</summary>
    internal readonly void ChainingValue(Span<uint> cv) =>
        Blake3Compress.ChainingValue(InputCv, Block, Counter, BlockLength, Flags, cv);

    /// <summary>Writes root output bytes starting at byte <paramref name="position"/> of the output stream.</summary>
    [SkipLocalsInit]
    internal readonly void WriteRootBytes(ulong position, Span<byte> destination)
    {
        Unsafe.SkipInit(out Blake3Words16 words);
        Span<byte> bytes = MemoryMarshal.AsBytes((Span<uint>)words);
        ulong blockIndex = position / Blake3Compress.BlockLength;
        int skip = (int)(position % Blake3Compress.BlockLength);
        uint flags = Flags | Blake3Compress.Root;
        while (!destination.IsEmpty)
        {
            if (BitConverter.IsLittleEndian && skip == 0 && destination.Length >= Blake3Compress.BlockLength)
            {
                // A whole output block: compress straight into the destination.
                Blake3Compress.CompressWords(InputCv, Block, blockIndex, BlockLength, flags, MemoryMarshal.Cast<byte, uint>(destination[..Blake3Compress.BlockLength]));
                destination = destination[Blake3Compress.BlockLength..];
                blockIndex++;
                continue;
            }

            int take = Math.Min(Blake3Compress.BlockLength - skip, destination.Length);
            if (skip + take <= Blake3Compress.KeyLength)
            {
                // Only the first 8 output words are read (a 32-byte hash): skip the extended half.
                Blake3Compress.ChainingValue(InputCv, Block, blockIndex, BlockLength, flags, words);
            }
            else
            {
                Blake3Compress.CompressWords(InputCv, Block, blockIndex, BlockLength, flags, words);
            }

            if (!BitConverter.IsLittleEndian)
            {
                for (int i = 0; i < 16; i++)
                {
                    words[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(words[i]);
                }
            }

            bytes.Slice(skip, take).CopyTo(destination);
            destination = destination[take..];
            skip = 0;
            blockIndex++;
        }
    }
}

/// <summary>
/// The incremental BLAKE3 state (the reference implementation's Hasher): the key words and mode
/// flags, the current chunk (chaining value, partial block, blocks compressed, chunk counter) and
/// the stack of completed subtree chaining values, merged eagerly once more input is known to follow.
/// A mutable value type used on the stack by the one-shot functions and inside <see cref="Blake3Hasher"/>.
/// </summary>
internal struct Blake3State
{
    private const int SubtreeChunks = 16;

    /// <summary>The largest subtree hashed in one batch (128 chunks, 4 KiB of chaining values on the stack).</summary>
    private const int MaxBatchChunks = 128;

    private Blake3Words8 _key;
    private Blake3Words8 _chunkCv;
    private Blake3Words16 _block;
    private Blake3CvStack _stack;
    private uint _flags;
    private int _blockLength;
    private int _blocksCompressed;
    private int _stackLength;
    private ulong _chunkCounter;

    internal Blake3State(ReadOnlySpan<uint> key, uint flags)
    {
        key[..8].CopyTo(_key);
        _flags = flags;
        Reset();
    }

    private readonly int ChunkLengthSoFar => _blocksCompressed * Blake3Compress.BlockLength + _blockLength;

    internal void Reset()
    {
        ((ReadOnlySpan<uint>)_key).CopyTo(_chunkCv);
        ((Span<uint>)_block).Clear();
        _blockLength = 0;
        _blocksCompressed = 0;
        _stackLength = 0;
        _chunkCounter = 0;
    }

    internal void Update(ReadOnlySpan<byte> input)
    {
        Span<uint> cv = stackalloc uint[8];
        while (!input.IsEmpty)
        {
            if (ChunkLengthSoFar == Blake3Compress.ChunkLength)
            {
                // The current chunk is complete and more input follows, so it is not the root.
                ChunkOutput().ChainingValue(cv);
                PushSubtree(cv, 0, _chunkCounter + 1);
                StartChunk(_chunkCounter + 1);
            }

            if (ChunkLengthSoFar == 0 && input.Length > Blake3Compress.ChunkLength)
            {
                // Whole chunks with more input after them: hash them in parallel, leaving the
                // last (possibly full) chunk to the chunk state so finalization can make it a root.
                int chunks = (input.Length - 1) / Blake3Compress.ChunkLength;
                int done = HashWholeChunks(input, chunks);
                input = input[(done * Blake3Compress.ChunkLength)..];
                continue;
            }

            int take = Math.Min(Blake3Compress.ChunkLength - ChunkLengthSoFar, input.Length);
            UpdateChunk(input[..take]);
            input = input[take..];
        }
    }

    /// <summary>
    /// Hashes up to <paramref name="chunks"/> whole chunks starting at a chunk boundary; returns how
    /// many. From a 16-chunk boundary, whole aligned subtrees of 16 to <see cref="MaxBatchChunks"/>
    /// chunks are hashed in one batch (chunks, then parents level by level, all on the SIMD
    /// kernels) and pushed as one subtree; otherwise chunks up to the next 16-chunk boundary are
    /// hashed in one batch and pushed one by one.
    /// </summary>
    [SkipLocalsInit]
    private int HashWholeChunks(ReadOnlySpan<byte> input, int chunks)
    {
        Span<uint> cvs = stackalloc uint[MaxBatchChunks * 8];
        int done = 0;
        while (done < chunks)
        {
            ReadOnlySpan<byte> rest = input[(done * Blake3Compress.ChunkLength)..];
            int remaining = chunks - done;
            if (_chunkCounter % SubtreeChunks == 0 && remaining >= SubtreeChunks)
            {
                // The largest aligned subtree that fits: 16, 32, 64 or 128 chunks.
                int size = SubtreeChunks, level = 4;
                while (2 * size <= Math.Min(remaining, MaxBatchChunks) && _chunkCounter % (ulong)(2 * size) == 0)
                {
                    size *= 2;
                    level++;
                }

                Blake3Compress.HashChunks(rest, size, _key, _chunkCounter, _flags, cvs);
                for (int n = size / 2; n >= 1; n /= 2)
                {
                    Blake3Compress.HashParents(cvs[..(16 * n)], n, _key, _flags, cvs);
                }

                _chunkCounter += (ulong)size;
                PushSubtree(cvs[..8], level, _chunkCounter);
                done += size;
            }
            else
            {
                // Up to the next 16-chunk boundary, one chunk at a time into the stack.
                int count = (int)Math.Min((ulong)remaining, SubtreeChunks - (_chunkCounter % SubtreeChunks));
                Blake3Compress.HashChunks(rest, count, _key, _chunkCounter, _flags, cvs);
                for (int i = 0; i < count; i++)
                {
                    _chunkCounter++;
                    PushSubtree(cvs.Slice(8 * i, 8), 0, _chunkCounter);
                }

                done += count;
            }
        }

        StartChunk(_chunkCounter);
        return done;
    }

    /// <summary>
    /// Pushes the chaining value of a completed subtree of 2^<paramref name="level"/> chunks, the
    /// chunks before and including it numbering <paramref name="totalChunks"/>, merging completed
    /// pairs (the reference add_chunk_chaining_value, generalized to whole subtrees).
    /// </summary>
    private void PushSubtree(ReadOnlySpan<uint> subtreeCv, int level, ulong totalChunks)
    {
        Span<uint> pair = stackalloc uint[16];
        subtreeCv[..8].CopyTo(pair[8..]);
        totalChunks >>= level;
        while ((totalChunks & 1) == 0)
        {
            _stackLength--;
            ((Span<uint>)_stack).Slice(8 * _stackLength, 8).CopyTo(pair);
            Blake3Compress.HashParents(pair, 1, _key, _flags, pair[8..]);
            totalChunks >>= 1;
        }

        pair[8..].CopyTo(((Span<uint>)_stack).Slice(8 * _stackLength, 8));
        _stackLength++;
    }

    private void StartChunk(ulong counter)
    {
        ((ReadOnlySpan<uint>)_key).CopyTo(_chunkCv);
        ((Span<uint>)_block).Clear();
        _blockLength = 0;
        _blocksCompressed = 0;
        _chunkCounter = counter;
    }

    private readonly uint StartFlag => _blocksCompressed == 0 ? Blake3Compress.ChunkStart : 0;

    private void UpdateChunk(ReadOnlySpan<byte> input)
    {
        Span<byte> block = MemoryMarshal.AsBytes((Span<uint>)_block);
        while (!input.IsEmpty)
        {
            if (_blockLength == Blake3Compress.BlockLength)
            {
                Blake3Compress.CompressInPlace(_chunkCv, block, _chunkCounter, Blake3Compress.BlockLength, _flags | StartFlag);
                _blocksCompressed++;
                _blockLength = 0;
                block.Clear();
            }

            int take = Math.Min(Blake3Compress.BlockLength - _blockLength, input.Length);
            input[..take].CopyTo(block[_blockLength..]);
            _blockLength += take;
            input = input[take..];
        }
    }

    private readonly Blake3OutputNode ChunkOutput()
    {
        var node = new Blake3OutputNode
        {
            InputCv = _chunkCv,
            Counter = _chunkCounter,
            BlockLength = (uint)_blockLength,
            Flags = _flags | StartFlag | Blake3Compress.ChunkEnd,
        };
        Blake3Compress.ReadWordsLittleEndian(MemoryMarshal.AsBytes((ReadOnlySpan<uint>)_block), node.Block);
        return node;
    }

    /// <summary>The root output node of everything hashed so far (does not change the state).</summary>
    internal readonly Blake3OutputNode RootNode()
    {
        Blake3OutputNode node = ChunkOutput();
        Span<uint> cv = stackalloc uint[8];
        for (int i = _stackLength - 1; i >= 0; i--)
        {
            node.ChainingValue(cv);
            var parent = new Blake3OutputNode
            {
                InputCv = _key,
                Counter = 0,
                BlockLength = Blake3Compress.BlockLength,
                Flags = _flags | Blake3Compress.Parent,
            };
            Span<uint> block = parent.Block;
            ((ReadOnlySpan<uint>)_stack).Slice(8 * i, 8).CopyTo(block);
            cv.CopyTo(block[8..]);
            node = parent;
        }

        return node;
    }
}
