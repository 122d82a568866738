using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>
/// Called after an announce passed validation (signature and destination hash) and its path was
/// learned.
/// </summary>
/// <param name="destination">The announced 16-byte destination hash.</param>
/// <param name="publicKey">The announcing identity's 64-byte public key (X25519 32 ‖ Ed25519 32); valid only during the call.</param>
/// <param name="nameHash">The destination's 10-byte name hash; valid only during the call.</param>
/// <param name="hops">RNS hop count of the path it arrived on (1 = the announcer is a direct neighbour on <paramref name="source"/>).</param>
/// <param name="source">The interface it arrived on.</param>
public delegate void MeshAnnounceHandler(Hash128 destination, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> nameHash, byte hops, MeshInterface source);

/// <summary>Called after a packet left through an interface towards a next hop (origin or relay side).</summary>
/// <param name="packetHash">The packet's 32-byte RNS packet hash (SHA-256 of the hashable part: the same at every hop).</param>
/// <param name="nextHop">The 16-byte transport identity hash of the neighbour the packet was handed to.</param>
/// <param name="nextHopIsDestination">True when the neighbour is the destination itself (sent as HEADER_1, nobody relays it further).</param>
/// <param name="outbound">The interface the packet left through.</param>
public delegate void MeshHandOffHandler(in Hash256 packetHash, Hash128 nextHop, bool nextHopIsDestination, MeshInterface outbound);

/// <summary>Called after this transport relayed (forwarded) a packet addressed to it as transport node.</summary>
/// <param name="packetHash">The packet's 32-byte RNS packet hash.</param>
/// <param name="inbound">The interface the packet came in on (its neighbour is the upstream hop, i.e. the payer).</param>
/// <param name="nextHop">The 16-byte transport identity hash of the neighbour it was handed to.</param>
/// <param name="nextHopIsDestination">True when that neighbour is the destination itself.</param>
/// <param name="outbound">The interface it left through.</param>
public delegate void MeshRelayHandler(in Hash256 packetHash, MeshInterface inbound, Hash128 nextHop, bool nextHopIsDestination, MeshInterface outbound);

/// <summary>
/// Host hooks: observe validated announces, packets this transport originated and packets it relayed
/// (for example to feed a key cache and a relay lottery). Callbacks run on the receiving thread while
/// the transport's lock is held: they must be quick and must not call back into the transport (queue
/// the work instead). An exception thrown by a callback is caught and counted as the drop reason
/// <c>hook_exception</c>; it never reaches the transport. Packet hashes are computed only while a
/// hook is set.
/// </summary>
public sealed partial class MeshTransport
{
    /// <summary>Raised after a valid announce from another node (not this transport's own destinations).</summary>
    public MeshAnnounceHandler? AnnounceValidated { get; set; }

    /// <summary>Raised after <see cref="Send"/> handed a packet to a neighbour (the origin side of a payment).</summary>
    public MeshHandOffHandler? PacketSent { get; set; }

    /// <summary>Raised after a successful forward of a packet received as transport node (the relay side).</summary>
    public MeshRelayHandler? PacketRelayed { get; set; }

    private void RaiseAnnounceValidated(in Announce announce, byte hops, MeshInterface source)
    {
        if (AnnounceValidated is not { } handler)
        {
            return;
        }

        try
        {
            handler(announce.DestinationHash, announce.PublicKey, announce.NameHash, hops, source);
        }
#pragma warning disable CA1031 // A host callback must never break packet processing.
        catch (Exception)
#pragma warning restore CA1031
        {
            Drop("hook_exception");
        }
    }

    private void RaisePacketSent(ReadOnlySpan<byte> raw, RoutingEntry route)
    {
        if (PacketSent is not { } handler || !Packet.TryParse(raw, out var packet))
        {
            return;
        }

        try
        {
            handler(packet.GetHash(), route.NextHop, route.IsDirect, route.Interface);
        }
#pragma warning disable CA1031 // A host callback must never break packet processing.
        catch (Exception)
#pragma warning restore CA1031
        {
            Drop("hook_exception");
        }
    }

    private void RaisePacketRelayed(in Packet packet, MeshInterface inbound, RoutingEntry route)
    {
        if (PacketRelayed is not { } handler)
        {
            return;
        }

        try
        {
            handler(packet.GetHash(), inbound, route.NextHop, route.IsDirect, route.Interface);
        }
#pragma warning disable CA1031 // A host callback must never break packet processing.
        catch (Exception)
#pragma warning restore CA1031
        {
            Drop("hook_exception");
        }
    }
}
