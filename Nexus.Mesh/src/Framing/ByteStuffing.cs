using System.Buffers;

namespace Nexus.Mesh;

/// <summary>Shared byte-stuffing engine for <see cref="Hdlc"/> and <see cref="Kiss"/>.</summary>
internal static class ByteStuffing
{
    /// <summary>
    /// Finds the next complete frame (delimiter, body, delimiter) in <paramref name="buffer"/>, unescapes
    /// the body into <paramref name="destination"/> and advances the buffer to the closing delimiter
    /// (which may open the next frame). Bytes before the first delimiter are discarded. An incomplete
    /// frame longer than <paramref name="maxPending"/> bytes is dropped so memory stays bounded.
    /// </summary>
    internal static FrameStatus TryReadFrame(ref ReadOnlySequence<byte> buffer, Span<byte> destination, out int written, byte delimiter, byte escape, Func<byte, int> unescape, int maxPending, bool kiss)
    {
        written = 0;
        while (true)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryAdvanceTo(delimiter, advancePastDelimiter: false))
            {
                buffer = buffer.Slice(buffer.End);
                return FrameStatus.NeedMoreData;
            }

            var opening = reader.Position;
            reader.Advance(1);
            if (!reader.TryReadTo(out ReadOnlySequence<byte> body, delimiter, advancePastDelimiter: false))
            {
                buffer = buffer.Slice(opening);
                if (buffer.Length > maxPending)
                {
                    buffer = buffer.Slice(buffer.End);
                }

                return FrameStatus.NeedMoreData;
            }

            buffer = buffer.Slice(reader.Position);
            if (body.IsEmpty)
            {
                continue;
            }

            var bodyReader = new SequenceReader<byte>(body);
            if (kiss)
            {
                bodyReader.TryRead(out var command);
                if ((command & 0x0F) != 0x00)
                {
                    continue; // not a data frame (KISS command byte: port in the high nibble, command 0 = data)
                }
            }

            var count = 0;
            var ok = true;
            while (bodyReader.TryRead(out var b))
            {
                if (b == escape)
                {
                    if (!bodyReader.TryRead(out var next))
                    {
                        break;
                    }

                    var decoded = unescape(next);
                    b = decoded < 0 ? next : (byte)decoded;
                }

                if (count >= destination.Length)
                {
                    ok = false;
                    break;
                }

                destination[count++] = b;
            }

            if (!ok)
            {
                return FrameStatus.Oversized;
            }

            if (count == 0)
            {
                continue;
            }

            written = count;
            return FrameStatus.Frame;
        }
    }
}

/// <summary>The outcome of reading one frame from a byte stream.</summary>
public enum FrameStatus
{
    /// <summary>No complete frame yet; keep the remaining buffer and read more.</summary>
    NeedMoreData = 0,

    /// <summary>A frame was decoded into the destination.</summary>
    Frame,

    /// <summary>A complete frame was larger than the destination; it was skipped (count it as a drop).</summary>
    Oversized,
}
