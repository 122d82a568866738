using Nexus.Crypto;
using Nexus.Mesh.Gossip;

namespace Nexus.Mesh;

/// <summary>The transport side of <see cref="MeshGossipService"/>: neighbour discovery, the NEXUS gossip context, and gossip-learned paths.</summary>
public sealed partial class MeshTransport
{
    /// <summary>The transport's lock: the gossip service runs under it, so inbound packets, rounds and sends are serialised with the transport.</summary>
    internal object Gate => _gate;

    /// <summary>Called (under <see cref="Gate"/>) for every valid beacon: neighbour transport id, its 64-byte public key, the interface.</summary>
    internal Action<Hash128, ReadOnlyMemory<byte>, MeshInterface>? NeighbourHeard { get; set; }

    /// <summary>Called (under <see cref="Gate"/>) for a HEADER_1 DATA packet with context <see cref="PacketContext.NexusGossip"/>: interface, destination hash, data.</summary>
    internal Action<MeshInterface, Hash128, ReadOnlyMemory<byte>>? GossipReceived { get; set; }

    /// <summary>A snapshot of the attached interfaces.</summary>
    internal List<MeshInterface> InterfacesSnapshot()
    {
        lock (_gate)
        {
            return [.. _interfaces];
        }
    }

    /// <summary>Hands a packet to one interface (counted like every transmission; P2 in a scheduled interface's queue).</summary>
    internal bool TransmitOn(MeshInterface iface, ReadOnlySpan<byte> raw, Congestion.TrafficPriority priority = Congestion.TrafficPriority.Standard)
    {
        lock (_gate)
        {
            return Transmit(iface, raw, priority);
        }
    }

    /// <summary>A freshly signed announce (HEADER_1, hops 0) of a registered local destination and its origin cost.</summary>
    /// <exception cref="ArgumentException">The destination is not registered.</exception>
    internal (byte[] Announce, CompactPathCost? OriginCost) BuildAnnounce(Hash128 destination)
    {
        lock (_gate)
        {
            var raw = BuildLocalAnnounce(destination, PacketContext.None);
            return (raw, _local[destination].OriginCost);
        }
    }

    /// <summary>
    /// Installs the gossip topic's best path to a destination as a routing-table row (or removes the
    /// gossip-installed rows when <paramref name="route"/> is null), so <see cref="PathPolicy"/>
    /// selection and forwarding use it. Rows learned from RNS announces are left alone.
    /// </summary>
    internal void SetGossipRoute(Hash128 destination, RouteView? route, MeshInterface? iface, DateTimeOffset expires)
    {
        lock (_gate)
        {
            if (_local.ContainsKey(destination))
            {
                return;
            }

            var paths = Routes.GetPaths(destination);
            for (int i = paths.Count - 1; i >= 0; i--)
            {
                var e = paths[i];
                if (e.FromGossip && (route is null || e.NextHop != route.NextHop || e.Interface != iface))
                {
                    Routes.Remove(e);
                }
            }

            if (route is not null && iface is not null)
            {
                UpsertGossipRoute(destination, route, iface, expires);
            }

            QueuePathChanges();
        }

        RaiseQueuedEvents();
    }

    private void UpsertGossipRoute(Hash128 destination, RouteView route, MeshInterface iface, DateTimeOffset expires)
    {
        var entry = Routes.Upsert(destination, route.NextHop, iface);
        entry.FromGossip = true;
        entry.Hops = route.Cost.HopCount;
        entry.PathCost = route.Cost;
        entry.LastUpdated = _time.GetUtcNow();
        entry.Expires = expires;
        entry.IsStale = route.IsStale;
        if (entry.Reliability == 0)
        {
            entry.Reliability = 128;
        }

        if (Packet.TryParse(route.Announce.Span, out var packet) && Mesh.Announce.TryParse(packet, out var announce))
        {
            entry.AnnounceData = packet.Data.ToArray();
            entry.AnnounceContextFlag = packet.Header.ContextFlag;
            entry.AnnounceRandomHash = announce.RandomHash.ToArray();
        }
    }

    /// <summary>
    /// Whether a gossip-carried announce is valid for <paramref name="destination"/>: an origin's
    /// HEADER_1 announce whose destination hash and signature check (through the validated-announce
    /// cache, so an announce already seen by flooding or in another gossip copy is not verified twice).
    /// </summary>
    internal bool IsValidGossipAnnounce(Hash128 destination, ReadOnlySpan<byte> raw) =>
        Packet.TryParse(raw, out var packet) && packet.Header.HeaderType == HeaderType.Header1
        && packet.Header.DestinationHash == destination
        && PrevalidateAnnounce(packet, out _) == AnnounceValidationResult.Valid;

    private void HandleGossip(MeshInterface source, in Packet packet)
    {
        if (GossipReceived is not { } handler)
        {
            Drop("no_gossip_service");
            return;
        }

        handler(source, packet.Header.DestinationHash, packet.Data.ToArray());
    }

    private void RaiseNeighbourHeard(Hash128 neighbour, ReadOnlySpan<byte> publicKey, MeshInterface source) =>
        NeighbourHeard?.Invoke(neighbour, publicKey.ToArray(), source);
}
