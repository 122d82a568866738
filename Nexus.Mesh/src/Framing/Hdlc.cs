using System.Buffers;

namespace Nexus.Mesh;

/// <summary>
/// Reticulum's HDLC-like framing for TCP and pipe interfaces (RNS 1.4.2 <c>TCPInterface.HDLC</c>,
/// decision D1): <c>0x7E ‖ escape(packet) ‖ 0x7E</c>, where escaping replaces 0x7D with
/// <c>7D 5D</c> first and then 0x7E with <c>7D 5E</c> (escape 0x7D, XOR 0x20); no CRC. A closing
/// flag may also open the next frame.
/// </summary>
public static class Hdlc
{
    /// <summary>Frame delimiter: 0x7E.</summary>
    public const byte Flag = 0x7E;

    /// <summary>Escape byte: 0x7D.</summary>
    public const byte Escape = 0x7D;

    /// <summary>XOR applied to an escaped byte: 0x20.</summary>
    public const byte EscapeMask = 0x20;

    /// <summary>Largest framed size of a packet of <paramref name="packetLength"/> bytes: 2 + 2 × length.</summary>
    /// <param name="packetLength">Packet length in bytes.</param>
    /// <returns>The worst-case framed length.</returns>
    public static int MaxFramedLength(int packetLength) => 2 + (2 * packetLength);

    /// <summary>Frames a packet into a span.</summary>
    /// <param name="packet">The packet.</param>
    /// <param name="destination">At least <see cref="MaxFramedLength"/> bytes.</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public static int Encode(ReadOnlySpan<byte> packet, Span<byte> destination)
    {
        if (destination.Length < MaxFramedLength(packet.Length))
        {
            throw new ArgumentException("The destination is shorter than the worst-case framed length.", nameof(destination));
        }

        var o = 0;
        destination[o++] = Flag;
        foreach (var b in packet)
        {
            if (b is Flag or Escape)
            {
                destination[o++] = Escape;
                destination[o++] = (byte)(b ^ EscapeMask);
            }
            else
            {
                destination[o++] = b;
            }
        }

        destination[o++] = Flag;
        return o;
    }

    /// <summary>Frames a packet into a buffer writer.</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="packet">The packet.</param>
    /// <returns>Bytes written.</returns>
    public static int Encode(IBufferWriter<byte> writer, ReadOnlySpan<byte> packet)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var written = Encode(packet, writer.GetSpan(MaxFramedLength(packet.Length)));
        writer.Advance(written);
        return written;
    }

    /// <summary>
    /// Reads the next frame from a stream buffer (for <see cref="System.IO.Pipelines.PipeReader"/>
    /// loops): on <see cref="FrameStatus.Frame"/> the unescaped packet is in
    /// <paramref name="destination"/>[..<paramref name="written"/>]. <paramref name="buffer"/> is
    /// advanced past consumed bytes; garbage before a flag is discarded and a pending frame longer
    /// than 2 × (destination length) + 2 bytes is dropped, so memory stays bounded. Never throws.
    /// </summary>
    /// <param name="buffer">Unconsumed stream bytes; updated.</param>
    /// <param name="destination">Receives the packet (e.g. 500 bytes for the RNS MTU).</param>
    /// <param name="written">Packet length on <see cref="FrameStatus.Frame"/>.</param>
    /// <returns>What was found.</returns>
    public static FrameStatus TryReadFrame(ref ReadOnlySequence<byte> buffer, Span<byte> destination, out int written) =>
        ByteStuffing.TryReadFrame(ref buffer, destination, out written, Flag, Escape, static b => b ^ EscapeMask, MaxFramedLength(destination.Length), kiss: false);
}
