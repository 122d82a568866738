using System.Buffers;

namespace Nexus.Mesh;

/// <summary>Serialises Reticulum packets: header (19 or 35 bytes, see <see cref="PacketHeader"/>) ‖ data.</summary>
public static class PacketWriter
{
    /// <summary>Size of a packet with this header and <paramref name="dataLength"/> bytes of data.</summary>
    /// <param name="header">The header.</param>
    /// <param name="dataLength">Data length in bytes.</param>
    /// <returns>Header size + data length.</returns>
    public static int GetSize(in PacketHeader header, int dataLength) => header.Size + dataLength;

    /// <summary>Writes a packet into a span.</summary>
    /// <param name="header">The header.</param>
    /// <param name="data">The data.</param>
    /// <param name="destination">At least <see cref="GetSize"/> bytes.</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentException">The packet would exceed 500 bytes (RNS MTU), or <paramref name="destination"/> is too short.</exception>
    public static int Write(in PacketHeader header, ReadOnlySpan<byte> data, Span<byte> destination) => Write(header, data, destination, MeshConstants.Mtu);

    /// <summary>Writes a packet into a span, allowing up to <paramref name="maxSize"/> bytes (a link MTU).</summary>
    /// <param name="header">The header.</param>
    /// <param name="data">The data.</param>
    /// <param name="destination">At least <see cref="GetSize"/> bytes.</param>
    /// <param name="maxSize">Largest allowed packet in bytes.</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentException">The packet would exceed <paramref name="maxSize"/>, or <paramref name="destination"/> is too short.</exception>
    public static int Write(in PacketHeader header, ReadOnlySpan<byte> data, Span<byte> destination, int maxSize)
    {
        var size = GetSize(header, data.Length);
        if (size > maxSize)
        {
            throw new ArgumentException($"A packet of {size} bytes exceeds the MTU of {maxSize}.", nameof(data));
        }

        if (destination.Length < size)
        {
            throw new ArgumentException($"The packet needs {size} bytes.", nameof(destination));
        }

        var offset = header.WriteTo(destination);
        data.CopyTo(destination[offset..]);
        return size;
    }

    /// <summary>Writes a packet to a buffer writer (one <c>GetSpan</c>/<c>Advance</c>).</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="header">The header.</param>
    /// <param name="data">The data.</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentException">The packet would exceed 500 bytes (RNS MTU).</exception>
    public static int Write(IBufferWriter<byte> writer, in PacketHeader header, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var size = GetSize(header, data.Length);
        var written = Write(header, data, writer.GetSpan(size));
        writer.Advance(written);
        return written;
    }

    /// <summary>Writes a packet into a new array.</summary>
    /// <param name="header">The header.</param>
    /// <param name="data">The data.</param>
    /// <param name="maxSize">Largest allowed packet in bytes (default 500).</param>
    /// <returns>The packet bytes.</returns>
    /// <exception cref="ArgumentException">The packet would exceed <paramref name="maxSize"/>.</exception>
    public static byte[] ToArray(in PacketHeader header, ReadOnlySpan<byte> data, int maxSize = MeshConstants.Mtu)
    {
        var buffer = new byte[GetSize(header, data.Length)];
        Write(header, data, buffer, maxSize);
        return buffer;
    }
}
