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
    private byte[] _readBuffer = [];
    private int _readOffset;
    private int _readCount;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_readCount == 0)
        {
            byte[] header = new byte[4];
            if (!await ReadExactly(header, cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }

            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (length < LinkSession.OverheadInBytes || length > MaxPlaintext + LinkSession.OverheadInBytes)
            {
                throw new InvalidDataException("Frame length out of range.");
            }

            byte[] packet = new byte[length];
            if (!await ReadExactly(packet, cancellationToken).ConfigureAwait(false))
            {
                throw new EndOfStreamException();
            }

            _readBuffer = new byte[length - LinkSession.OverheadInBytes];
            if (session.TryOpen(packet, default, _readBuffer, out int written) != LinkOpenStatus.Ok)
            {
                throw new InvalidDataException("A frame failed authentication.");
            }

            _readOffset = 0;
            _readCount = written;
            if (written == 0)
            {
                return await ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
        }

        int n = Math.Min(buffer.Length, _readCount);
        _readBuffer.AsMemory(_readOffset, n).CopyTo(buffer);
        _readOffset += n;
        _readCount -= n;
        return n;
    }

    private async ValueTask<bool> ReadExactly(Memory<byte> buffer, CancellationToken ct)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await inner.ReadAsync(buffer[total..], ct).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            total += n;
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
