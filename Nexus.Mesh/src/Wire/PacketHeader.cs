
using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>
/// The header of a Reticulum packet (decision D1; RNS 1.4.2 <c>Packet.pack</c>):
/// byte 0 = flags <c>IFAC(7) | header_type(6) | context_flag(5) | propagation(4) |
/// destination_type(3–2) | packet_type(1–0)</c>, byte 1 = hops; HEADER_1 then has the 16-byte
/// destination hash, HEADER_2 the 16-byte transport id followed by the destination hash; one context
/// byte follows. <see cref="Size"/> is 19 (HEADER_1) or 35 (HEADER_2).
/// </summary>
public readonly struct PacketHeader : IEquatable<PacketHeader>
{
    /// <summary>Creates a header from its fields.</summary>
    /// <param name="packetType">Packet type (bits 1–0).</param>
    /// <param name="destinationType">Destination type (bits 3–2).</param>
    /// <param name="destinationHash">The 16-byte destination hash (or link id).</param>
    /// <param name="context">The context byte.</param>
    /// <param name="hops">Hops travelled so far (0 when created).</param>
    /// <param name="transportId">For HEADER_2 (transport) packets, the 16-byte identity hash of the next transport node; <see langword="null"/> for HEADER_1.</param>
    /// <param name="contextFlag">Flags bit 5 (on an announce: a 32-byte ratchet is present).</param>
    public PacketHeader(PacketType packetType, DestinationType destinationType, Hash128 destinationHash, PacketContext context = PacketContext.None, byte hops = 0, Hash128? transportId = null, bool contextFlag = false)
    {
        var headerType = transportId.HasValue ? 0x40 : 0;
        var propagation = transportId.HasValue ? 0x10 : 0;
        Flags = (byte)(headerType | (contextFlag ? 0x20 : 0) | propagation | (((int)destinationType & 3) << 2) | ((int)packetType & 3));
        Hops = hops;
        TransportId = transportId ?? default;
        DestinationHash = destinationHash;
        Context = context;
    }

    private PacketHeader(byte flags, byte hops, Hash128 transportId, Hash128 destinationHash, PacketContext context)
    {
        Flags = flags;
        Hops = hops;
        TransportId = transportId;
        DestinationHash = destinationHash;
        Context = context;
    }

    /// <summary>The raw flags byte.</summary>
    public byte Flags { get; }

    /// <summary>Hops travelled (byte 1). Incremented by each receiving node; not covered by the packet hash.</summary>
    public byte Hops { get; }

    /// <summary>Flags bit 7: an interface access code follows the hops byte (an RNS interface access code).</summary>
    public bool IfacFlag => (Flags & 0x80) != 0;

    /// <summary>Flags bit 6.</summary>
    public HeaderType HeaderType => (HeaderType)((Flags >> 6) & 1);

    /// <summary>Flags bit 5 (on an announce: a 32-byte ratchet key is present).</summary>
    public bool ContextFlag => (Flags & 0x20) != 0;

    /// <summary>Flags bit 4.</summary>
    public PropagationType PropagationType => (PropagationType)((Flags >> 4) & 1);

    /// <summary>Flags bits 3–2.</summary>
    public DestinationType DestinationType => (DestinationType)((Flags >> 2) & 3);

    /// <summary>Flags bits 1–0.</summary>
    public PacketType PacketType => (PacketType)(Flags & 3);

    /// <summary>The transport id (next transport node's identity hash) of a HEADER_2 packet; <see cref="Hash128.Zero"/> for HEADER_1.</summary>
    public Hash128 TransportId { get; }

    /// <summary>The 16-byte destination hash (or link id for LINK packets).</summary>
    public Hash128 DestinationHash { get; }

    /// <summary>The context byte.</summary>
    public PacketContext Context { get; }

    /// <summary>Encoded size in bytes: 19 for HEADER_1, 35 for HEADER_2.</summary>
    public int Size => HeaderType == HeaderType.Header2 ? MeshConstants.Header2Size : MeshConstants.Header1Size;

    /// <summary>This header with another hop count.</summary>
    /// <param name="hops">The new hop count.</param>
    /// <returns>A copy with <see cref="Hops"/> replaced.</returns>
    public PacketHeader WithHops(byte hops) => new(Flags, hops, TransportId, DestinationHash, Context);

    /// <summary>
    /// This header as a HEADER_2 transport packet to <paramref name="transportId"/> (sets header type
    /// and propagation bits, keeps the rest), as a transport node forwards towards a next hop.
    /// </summary>
    /// <param name="transportId">The next transport node's identity hash.</param>
    /// <returns>The rewritten header.</returns>
    public PacketHeader WithTransport(Hash128 transportId) => new((byte)(Flags | 0x50), Hops, transportId, DestinationHash, Context);

    /// <summary>This header as a HEADER_1 broadcast packet (clears header type and propagation bits and the transport id), as the last transport hop delivers it.</summary>
    /// <returns>The rewritten header.</returns>
    public PacketHeader WithoutTransport() => new((byte)(Flags & ~0x50), Hops, default, DestinationHash, Context);

    /// <summary>Reads a header from the start of a packet.</summary>
    /// <param name="source">The packet bytes (at least 19 bytes, or 35 for HEADER_2).</param>
    /// <param name="header">The header on success.</param>
    /// <returns><see langword="false"/> when <paramref name="source"/> is too short; never throws.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out PacketHeader header)
    {
        header = default;
        if (source.Length < MeshConstants.Header1Size)
        {
            return false;
        }

        var flags = source[0];
        if ((flags & 0x40) != 0)
        {
            if (source.Length < MeshConstants.Header2Size)
            {
                return false;
            }

            header = new PacketHeader(flags, source[1], new Hash128(source.Slice(2, 16)), new Hash128(source.Slice(18, 16)), (PacketContext)source[34]);
            return true;
        }

        header = new PacketHeader(flags, source[1], default, new Hash128(source.Slice(2, 16)), (PacketContext)source[18]);
        return true;
    }

    /// <summary>Writes the header.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    /// <returns>Bytes written (<see cref="Size"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public int WriteTo(Span<byte> destination)
    {
        var size = Size;
        if (destination.Length < size)
        {
            throw new ArgumentException($"The header needs {size} bytes.", nameof(destination));
        }

        destination[0] = Flags;
        destination[1] = Hops;
        if (size == MeshConstants.Header2Size)
        {
            TransportId.WriteTo(destination[2..]);
            DestinationHash.WriteTo(destination[18..]);
            destination[34] = (byte)Context;
        }
        else
        {
            DestinationHash.WriteTo(destination[2..]);
            destination[18] = (byte)Context;
        }

        return size;
    }

    /// <inheritdoc />
    public bool Equals(PacketHeader other) =>
        Flags == other.Flags && Hops == other.Hops && TransportId == other.TransportId && DestinationHash == other.DestinationHash && Context == other.Context;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PacketHeader other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Flags, Hops, TransportId, DestinationHash, Context);

    /// <summary>Compares two headers field by field.</summary>
    /// <param name="left">The first header.</param>
    /// <param name="right">The second header.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(PacketHeader left, PacketHeader right) => left.Equals(right);

    /// <summary>Compares two headers field by field.</summary>
    /// <param name="left">The first header.</param>
    /// <param name="right">The second header.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(PacketHeader left, PacketHeader right) => !left.Equals(right);

    /// <summary>A short description, e.g. <c>ANNOUNCE SINGLE H1 hops=0 dst=… ctx=None</c>.</summary>
    public override string ToString() =>
        $"{PacketType} {DestinationType} {HeaderType} hops={Hops} dst={DestinationHash}" + (HeaderType == HeaderType.Header2 ? $" via={TransportId}" : string.Empty) + $" ctx={Context}";

}
