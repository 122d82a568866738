using System.Buffers;
using System.Buffers.Binary;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>
/// A duplex stream over a D3 <see cref="LinkSession"/>: every write is sealed into frames of
/// u32 LE length ‖ sealed packet (at most 64 KiB of plaintext each); reads open and reassemble them.
/// A frame that fails to open (forged, replayed, malformed or oversized) ends the stream with
/// <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class SecureStream(Stream inner, LinkSession session) : Stream
{
    private const int MaxPlaintext = 64 * 1024;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private const int MaxFrame = 4 + MaxPlaintext + LinkSession.OverheadInBytes;

    // Ciphertext as received: frames are parsed out of it in place, and one socket read can bring several
    // (a 2-frame buffer, compacted when a frame would not fit). Plaintext of the current frame is opened
    // into a fixed buffer. Both are allocated once per connection, not per frame.
    private readonly byte[] _received = new byte[2 * MaxFrame];
    private readonly byte[] _plaintext = new byte[MaxPlaintext];
    private int _receivedStart;
    private int _receivedEnd;
    private int _readOffset;
    private int _readCount;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_readCount == 0)
        {
            if (!await Fill(4, cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }

            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(_received.AsSpan(_receivedStart));
            if (length < LinkSession.OverheadInBytes || length > MaxPlaintext + LinkSession.OverheadInBytes)
            {
                throw new InvalidDataException("Frame length out of range.");
            }

            if (!await Fill(4 + length, cancellationToken).ConfigureAwait(false))
            {
                throw new EndOfStreamException();
            }

            if (session.TryOpen(_received.AsSpan(_receivedStart + 4, length), default, _plaintext, out int written) != LinkOpenStatus.Ok)
            {
                throw new InvalidDataException("A frame failed authentication.");
            }

            _receivedStart += 4 + length;
            _readOffset = 0;
            _readCount = written; // an empty frame loops for the next one
        }

        int n = Math.Min(buffer.Length, _readCount);
        _plaintext.AsMemory(_readOffset, n).CopyTo(buffer);
        _readOffset += n;
        _readCount -= n;
        return n;
    }

    /// <summary>Reads from the inner stream until <paramref name="count"/> received bytes are buffered; false at a clean end of stream.</summary>
    private async ValueTask<bool> Fill(int count, CancellationToken ct)
    {
        if (_receivedEnd - _receivedStart >= count)
        {
            return true;
        }

        if (_received.Length - _receivedStart < count)
        {
            // Compact: the partial frame moves to the front (count ≤ MaxFrame, so it then fits).
            Buffer.BlockCopy(_received, _receivedStart, _received, 0, _receivedEnd - _receivedStart);
            _receivedEnd -= _receivedStart;
            _receivedStart = 0;
        }

        while (_receivedEnd - _receivedStart < count)
        {
            int n = await inner.ReadAsync(_received.AsMemory(_receivedEnd), ct).ConfigureAwait(false);
            if (n == 0)
            {
                if (_receivedEnd != _receivedStart)
                {
                    throw new EndOfStreamException();
                }

                return false;
            }

            _receivedEnd += n;
        }

        return true;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!buffer.IsEmpty)
            {
                var chunk = buffer[..Math.Min(buffer.Length, MaxPlaintext)];
                byte[] frame = ArrayPool<byte>.Shared.Rent(4 + chunk.Length + LinkSession.OverheadInBytes);
                try
                {
                    int sealedLength = session.Seal(chunk.Span, default, frame.AsSpan(4));
                    BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)sealedLength);
                    await inner.WriteAsync(frame.AsMemory(0, 4 + sealedLength), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame);
                }

                buffer = buffer[chunk.Length..];
            }

            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            session.Dispose();
            _writeLock.Dispose();
        }

        base.Dispose(disposing);
    }
}
