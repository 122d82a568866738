namespace Nexus.Mesh;

/// <summary>Reticulum wire constants (RNS 1.4.2 <c>Reticulum.MTU</c> etc.; decision D1).</summary>
public static class MeshConstants
{
    /// <summary>Maximum packet size on the wire in bytes: 500 (RNS <c>Reticulum.MTU</c>).</summary>
    public const int Mtu = 500;

    /// <summary>Bytes before the data of a HEADER_1 packet: flags 1 + hops 1 + destination 16 + context 1 = 19.</summary>
    public const int Header1Size = 19;

    /// <summary>Bytes before the data of a HEADER_2 packet: flags 1 + hops 1 + transport id 16 + destination 16 + context 1 = 35.</summary>
    public const int Header2Size = 35;

    /// <summary>Maximum data bytes of a HEADER_1 packet: <see cref="Mtu"/> − 19 = 481.</summary>
    public const int MaxHeader1DataSize = Mtu - Header1Size;

    /// <summary>RNS MDU: 500 − 35 (maximum header) − 1 (IFAC minimum) = 464 bytes of data that always fit.</summary>
    public const int Mdu = Mtu - Header2Size - 1;

    /// <summary>Size of an address (destination hash, transport id, identity hash) in bytes: 16.</summary>
    public const int AddressSize = 16;

    /// <summary>Size of a name hash in bytes: 10 (SHA-256(full name)[0..10]).</summary>
    public const int NameHashSize = 10;

    /// <summary>Maximum hops a packet may have travelled before it is no longer forwarded: 128 (RNS <c>Transport.PATHFINDER_M</c>, spec hop limit).</summary>
    public const int MaxHops = 128;

    /// <summary>Frames of this many bytes or fewer are dropped on receive (RNS drops frames ≤ 19 bytes): 19.</summary>
    public const int MinFrameSize = 19;
}
