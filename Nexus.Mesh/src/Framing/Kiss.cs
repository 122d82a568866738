using System.Buffers;

namespace Nexus.Mesh;

/// <summary>
/// KISS framing for serial (and KISS-mode TCP) interfaces (RNS 1.4.2 <c>KISS</c>, decision D1):
/// <c>FEND 0xC0 ‖ command 0x00 (data, port 0) ‖ escape(packet) ‖ FEND</c>, where escaping replaces
/// 0xDB (FESC) with <c>DB DD</c> (TFESC) first and then 0xC0 (FEND) with <c>DB DC</c> (TFEND).
/// Frames with another command byte are skipped when reading.
/// </summary>
public static class Kiss
{
    /// <summary>Frame end: 0xC0.</summary>
    public const byte Fend = 0xC0;

    /// <summary>Frame escape: 0xDB.</summary>
    public const byte Fesc = 0xDB;

    /// <summary>Transposed frame end: 0xDC.</summary>
    public const byte Tfend = 0xDC;

    /// <summary>Transposed frame escape: 0xDD.</summary>
    public const byte Tfesc = 0xDD;

    /// <summary>Command byte of a data frame on port 0: 0x00.</summary>
    public const byte CommandData = 0x00;

    /// <summary>Largest framed size of a packet of <paramref name="packetLength"/> bytes: 3 + 2 × length.</summary>
    /// <param name="packetLength">Packet length in bytes.</param>
    /// <returns>The worst-case framed length.</returns>
    public static int MaxFramedLength(int packetLength) => 3 + (2 * packetLength);

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
        destination[o++] = Fend;
        destination[o++] = CommandData;
        foreach (var b in packet)
        {
            if (b == Fesc)
            {
                destination[o++] = Fesc;
                destination[o++] = Tfesc;
            }
            else if (b == Fend)
            {
                destination[o++] = Fesc;
                destination[o++] = Tfend;
            }
            else
            {
                destination[o++] = b;
            }
        }

        destination[o++] = Fend;
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
    /// Reads the next data frame from a stream buffer; same contract as
    /// <see cref="Hdlc.TryReadFrame"/> (bounded, never throws). Non-data command frames are skipped.
    /// </summary>
    /// <param name="buffer">Unconsumed stream bytes; updated.</param>
    /// <param name="destination">Receives the packet.</param>
    /// <param name="written">Packet length on <see cref="FrameStatus.Frame"/>.</param>
    /// <returns>What was found.</returns>
    public static FrameStatus TryReadFrame(ref ReadOnlySequence<byte> buffer, Span<byte> destination, out int written) =>
        ByteStuffing.TryReadFrame(ref buffer, destination, out written, Fend, Fesc, static b => b switch { Tfend => Fend, Tfesc => Fesc, _ => -1 }, MaxFramedLength(destination.Length), kiss: true);
}
