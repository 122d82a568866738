using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace Nexus.Mesh;

/// <summary>The framing a byte-stream interface uses.</summary>
public enum StreamFraming
{
    /// <summary>Reticulum HDLC (TCP interfaces).</summary>
    Hdlc = 0,

    /// <summary>KISS (serial interfaces, RNS TCP with <c>kiss_framing = yes</c>).</summary>
    Kiss = 1,
}

/// <summary>
/// Base for interfaces over a byte stream (TCP, serial): reads with a <see cref="PipeReader"/> and
/// de-frames with <see cref="Hdlc"/> or <see cref="Kiss"/>, writes framed packets through a
/// <see cref="PipeWriter"/> from a bounded send queue (256 packets; <see cref="MeshInterface.TrySend"/>
/// returns false when full).
/// </summary>
public abstract class StreamInterface : MeshInterface
{
    private readonly Channel<byte[]> _sendQueue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private volatile bool _connected;

    /// <summary>Creates the interface.</summary>
    /// <param name="name">Name.</param>
    /// <param name="bitrateBitsPerSecond">Nominal bitrate in bit/s.</param>
    /// <param name="framing">HDLC or KISS.</param>
    protected StreamInterface(string name, long bitrateBitsPerSecond, StreamFraming framing)
        : base(name, bitrateBitsPerSecond)
    {
        Framing = framing;
    }

    /// <summary>The framing in use.</summary>
    public StreamFraming Framing { get; }

    /// <inheritdoc />
    public override bool IsOnline => _connected;

    /// <inheritdoc />
    protected override bool TrySendCore(ReadOnlySpan<byte> frame) => _connected && _sendQueue.Writer.TryWrite(frame.ToArray());

    /// <summary>Runs read and write loops over <paramref name="stream"/> until it closes or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="stream">A connected duplex stream.</param>
    /// <param name="cancellationToken">Stops the loops.</param>
    /// <returns>A task that completes when the stream ends.</returns>
    protected async Task RunStreamAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _connected = true;
        var writeLoop = RunWriteLoopAsync(writer, linked);
        OnWentOnline();
        try
        {
            await ReadLoopAsync(reader, linked.Token).ConfigureAwait(false);
        }
        finally
        {
            _connected = false;
            await linked.CancelAsync().ConfigureAwait(false);
            await writeLoop.ConfigureAwait(false);
            await reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                // Completed with an exception, the writer discards what a cancelled flush left in the
                // pipe instead of writing it: the connection is closing (often because the peer went
                // away), and that write could block on a dead socket with no way to cancel it.
                await writer.CompleteAsync(new OperationCanceledException("the connection is closing")).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
    }

    // The write loop ends the connection when it fails (a broken pipe, a closed stream): the read
    // side would otherwise keep the interface online with every send going nowhere.
    private async Task RunWriteLoopAsync(PipeWriter writer, CancellationTokenSource connection)
    {
        try
        {
            await WriteLoopAsync(writer, connection.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }

        // RunStreamAsync disposes the source only after awaiting this loop.
        await connection.CancelAsync().ConfigureAwait(false);
    }

    private async Task ReadLoopAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var frame = new byte[HardwareMtu + 64];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (true)
                {
                    var status = Framing == StreamFraming.Hdlc ? Hdlc.TryReadFrame(ref buffer, frame, out var n) : Kiss.TryReadFrame(ref buffer, frame, out n);
                    if (status == FrameStatus.NeedMoreData)
                    {
                        break;
                    }

                    if (status == FrameStatus.Frame)
                    {
                        OnFrameReceived(frame.AsSpan(0, n));
                    }
                    else
                    {
                        CountDroppedFrame();
                    }
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task WriteLoopAsync(PipeWriter writer, CancellationToken cancellationToken)
    {
        var queue = _sendQueue.Reader;
        while (await queue.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (queue.TryRead(out var packet))
            {
                if (Framing == StreamFraming.Hdlc)
                {
                    Hdlc.Encode(writer, packet);
                }
                else
                {
                    Kiss.Encode(writer, packet);
                }
            }

            var flush = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCompleted)
            {
                return;
            }
        }
    }
}
