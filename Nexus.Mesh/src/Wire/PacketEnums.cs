namespace Nexus.Mesh;

/// <summary>Reticulum header type (flags bit 6). Source: RNS <c>Packet.HEADER_1</c>/<c>HEADER_2</c>.</summary>
public enum HeaderType : byte
{
    /// <summary>One address: <c>flags hops destination[16] context data</c> (19 bytes before data).</summary>
    Header1 = 0,

    /// <summary>Two addresses: <c>flags hops transport_id[16] destination[16] context data</c> (35 bytes before data).</summary>
    Header2 = 1,
}

/// <summary>Reticulum propagation type (flags bit 4). Source: RNS <c>Transport.BROADCAST</c>/<c>TRANSPORT</c>.</summary>
public enum PropagationType : byte
{
    /// <summary>Broadcast: sent to whoever hears it (HEADER_1 packets).</summary>
    Broadcast = 0,

    /// <summary>Transport: addressed to the transport node named in the transport id (HEADER_2 packets).</summary>
    Transport = 1,
}

/// <summary>Reticulum destination type (flags bits 3–2). Source: RNS <c>Destination.SINGLE/GROUP/PLAIN/LINK</c>.</summary>
public enum DestinationType : byte
{
    /// <summary>One identity; traffic is encrypted to its X25519 key. Hash = SHA-256(name hash ‖ identity hash)[0..16].</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Reticulum's term (Destination.SINGLE).")]
    Single = 0,

    /// <summary>A group sharing a symmetric key. Hash derived like <see cref="Single"/> when an identity is given.</summary>
    Group = 1,

    /// <summary>Unencrypted, no identity. Hash = SHA-256(name hash)[0..16].</summary>
    Plain = 2,

    /// <summary>An established link; the destination hash is the 16-byte link id.</summary>
    Link = 3,
}

/// <summary>Reticulum packet type (flags bits 1–0). Source: RNS <c>Packet.DATA/ANNOUNCE/LINKREQUEST/PROOF</c>.</summary>
public enum PacketType : byte
{
    /// <summary>Data.</summary>
    Data = 0,

    /// <summary>Announce of a destination (public key, name hash, random hash, signature, app data).</summary>
    Announce = 1,

    /// <summary>Link request.</summary>
    LinkRequest = 2,

    /// <summary>Proof (packet proof or link proof).</summary>
    Proof = 3,
}

/// <summary>
/// Reticulum packet context byte values (RNS 1.4.2 <c>Packet.*</c> context constants, confirmed by
/// the captured vectors in <c>shared/vectors/reticulum</c>).
/// </summary>
public enum PacketContext : byte
{
    /// <summary>0x00: generic data.</summary>
    None = 0x00,

    /// <summary>0x01: a resource data packet.</summary>
    Resource = 0x01,

    /// <summary>0x02: a resource advertisement.</summary>
    ResourceAdvertisement = 0x02,

    /// <summary>0x03: a resource part request.</summary>
    ResourceRequest = 0x03,

    /// <summary>0x04: a resource hashmap update.</summary>
    ResourceHashmapUpdate = 0x04,

    /// <summary>0x05: a resource proof.</summary>
    ResourceProof = 0x05,

    /// <summary>0x06: a resource initiator cancel.</summary>
    ResourceInitiatorCancel = 0x06,

    /// <summary>0x07: a resource receiver cancel.</summary>
    ResourceReceiverCancel = 0x07,

    /// <summary>0x08: a cache request.</summary>
    CacheRequest = 0x08,

    /// <summary>0x09: a request over a link.</summary>
    Request = 0x09,

    /// <summary>0x0A: a response over a link.</summary>
    Response = 0x0A,

    /// <summary>0x0B: a path response (an announce answering a path request).</summary>
    PathResponse = 0x0B,

    /// <summary>0x0C: a command.</summary>
    Command = 0x0C,

    /// <summary>0x0D: a command status.</summary>
    CommandStatus = 0x0D,

    /// <summary>0x0E: link channel data.</summary>
    Channel = 0x0E,

    /// <summary>0xE0: a NEXUS gossip message in a signed neighbour envelope (not a Reticulum value; NEXUS leaves context values open, see docs/protocol/gossip-and-congestion.md).</summary>
    NexusGossip = 0xE0,

    /// <summary>0xE1: a NEXUS 3-byte CongestionSignal in a signed neighbour envelope, sent one hop upstream (docs/protocol/gossip-and-congestion.md).</summary>
    NexusCongestion = 0xE1,

    /// <summary>0xFA: link keepalive.</summary>
    Keepalive = 0xFA,

    /// <summary>0xFB: link peer identification proof.</summary>
    LinkIdentify = 0xFB,

    /// <summary>0xFC: link close.</summary>
    LinkClose = 0xFC,

    /// <summary>0xFD: link packet proof.</summary>
    LinkProof = 0xFD,

    /// <summary>0xFE: link request round-trip time measurement.</summary>
    LinkRequestRtt = 0xFE,

    /// <summary>0xFF: link request proof.</summary>
    LinkRequestProof = 0xFF,
}
