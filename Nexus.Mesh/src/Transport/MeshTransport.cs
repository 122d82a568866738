using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;
using Nexus.Mesh.Congestion;

namespace Nexus.Mesh;

/// <summary>Receives data addressed to a local destination.</summary>
/// <param name="destination">The local destination hash.</param>
/// <param name="data">The packet data (valid only during the call).</param>
/// <param name="source">The interface it arrived on.</param>
public delegate void MeshDataHandler(Hash128 destination, ReadOnlySpan<byte> data, MeshInterface source);

/// <summary>
/// A Reticulum-compatible transport node (docs/protocol/mesh-transport.md): validates and
/// rebroadcasts announces (duplicate filter by packet hash, hop limit 128, per-destination rate
/// limit, jittered rebroadcast as HEADER_2 with one retransmission unless a neighbour was heard
/// repeating it), keeps a bounded <see cref="RoutingTable"/>, answers and forwards path requests,
/// forwards HEADER_2 packets addressed to its <see cref="TransportId"/> along the path its
/// <see cref="PathPolicy"/> scores best, carries relay path costs out of the signed announce
/// (decision D2, docs/protocol/path-cost.md), and detects dead neighbours by signed beacons.
/// Announce signatures are verified before the lock (interfaces verify in parallel) and copies of an
/// announce already validated skip the verification; the rest of inbound processing is serialised
/// by one lock (deterministic under a fake clock); peers cannot
/// make it throw — malformed input is counted in <see cref="MeshMetrics"/> and dropped.
/// </summary>
public sealed partial class MeshTransport : IDisposable
{
    /// <summary>Full name of the beacon PLAIN destination: <c>nexus.beacon</c>.</summary>
    public const string BeaconName = "nexus.beacon";

    /// <summary>Full name of the path-cost update PLAIN destination: <c>nexus.pathcost</c>.</summary>
    public const string PathCostName = "nexus.pathcost";

    /// <summary>Full name of RNS's path request PLAIN destination.</summary>
    public const string PathRequestName = "rnstransport.path.request";

    private static readonly Hash128 BeaconHash = DestinationHash.ComputePlain(BeaconName);
    private static readonly Hash128 PathCostHash = DestinationHash.ComputePlain(PathCostName);
    private static readonly Hash128 PathRequestHash = DestinationHash.ComputePlain(PathRequestName);

    private readonly object _gate = new();
    private readonly NodeIdentity _identity;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly List<MeshInterface> _interfaces = [];
    private readonly Dictionary<Hash128, LocalDestination> _local = [];
    private readonly HashSet<Hash256> _seen = [];
    private readonly Queue<Hash256> _seenOrder = new();
    private readonly Dictionary<Hash128, DateTimeOffset> _lastRebroadcast = [];
    private readonly Dictionary<(Hash128, MeshInterface), DateTimeOffset> _neighbours = [];

    // Path requests this node forwarded for a destination it had no path to (RNS discovery path requests):
    // the interface that asked, until the answer comes back through here or 15 s pass (RNS PATH_REQUEST_TIMEOUT).
    private readonly Dictionary<Hash128, (MeshInterface Requester, DateTimeOffset Expires)> _discoveryRequests = [];
    private static readonly TimeSpan DiscoveryRequestTimeout = TimeSpan.FromSeconds(15);
    private readonly Dictionary<Hash256, PendingRebroadcast> _pending = [];
    private readonly ValidatedAnnounceCache _validatedAnnounces = new(4_096);
    private long _announceSignatureChecks;
    private bool _disposed;
    private readonly ITimer _maintenance;
    private readonly MeshMetrics _metrics;
    private DateTimeOffset _nextBeacon;

    /// <summary>Creates a transport node.</summary>
    /// <param name="identity">The transport identity (its hash is the transport id); the caller keeps ownership.</param>
    /// <param name="options">Settings (defaults when null).</param>
    /// <param name="timeProvider">The clock (system when null).</param>
    /// <param name="logger">Logger (none when null).</param>
    /// <param name="meterFactory">Meter factory for <see cref="MeshMetrics"/> (standalone meter when null).</param>
    public MeshTransport(NodeIdentity identity, MeshTransportOptions? options = null, TimeProvider? timeProvider = null, ILogger<MeshTransport>? logger = null, IMeterFactory? meterFactory = null)
    {
        _identity = identity ?? throw new ArgumentNullException(nameof(identity));
        Options = options ?? new MeshTransportOptions();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _events = new SerialEventQueue(_logger);
        _random = new Random(Options.Seed);
        TransportId = new Hash128(identity.Hash);
        PublicKey = IdentityPublicKey.FromIdentity(identity);
        Routes = new RoutingTable(Options.MaxDestinations, Options.MaxPathsPerDestination);
        _metrics = new MeshMetrics(meterFactory, () => Routes.PathCount, () => LinkCount);
        _nextBeacon = _time.GetUtcNow() + Options.BeaconInterval;
        _maintenance = _time.CreateTimer(_ => Maintain(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>The settings.</summary>
    public MeshTransportOptions Options { get; }

    /// <summary>This transport's instruments (meter <c>Nexus.Mesh</c>).</summary>
    public MeshMetrics Metrics => _metrics;

    /// <summary>This node's transport id: its identity hash.</summary>
    public Hash128 TransportId { get; }

    /// <summary>This node's identity public key.</summary>
    public IdentityPublicKey PublicKey { get; }

    /// <summary>The routing table (read it under no concurrent inbound traffic, e.g. in simulations).</summary>
    public RoutingTable Routes { get; }

    /// <summary>Number of established NEXUS links attached through <see cref="LinkCount"/> bookkeeping.</summary>
    public int LinkCount { get; internal set; }

    /// <summary>Called for data addressed to a registered local destination.</summary>
    public MeshDataHandler? DataReceived { get; set; }

    /// <summary>Packets dropped, by reason (also exported as metrics).</summary>
    public IReadOnlyDictionary<string, long> Drops => _drops;

    private readonly Dictionary<string, long> _drops = [];

    /// <summary>Announce validations that ran the Ed25519 verification (copies of an announce already validated do not).</summary>
    internal long AnnounceSignatureChecks => Interlocked.Read(ref _announceSignatureChecks);

    /// <summary>Neighbours currently known, counted per (neighbour, interface).</summary>
    internal int NeighbourCount
    {
        get
        {
            lock (_gate)
            {
                return _neighbours.Count;
            }
        }
    }

    /// <summary>Packets forwarded as a relay.</summary>
    public long Forwarded { get; private set; }

    /// <summary>
    /// Attaches an interface (and, for a <see cref="TcpServerInterface"/>, every client it spawns;
    /// a spawned client's interface is detached with <see cref="RemoveInterface"/> when its client disconnects).
    /// </summary>
    /// <param name="iface">The interface.</param>
    public void AddInterface(MeshInterface iface)
    {
        ArgumentNullException.ThrowIfNull(iface);
        iface.PacketReceived = ProcessInbound;
        iface.WentOnline = BeaconOnConnect;
        if (iface is TcpServerInterface server)
        {
            server.InterfaceSpawned += AddInterface;
            server.InterfaceClosed += RemoveInterface;
        }

        lock (_gate)
        {
            _interfaces.Add(iface);
            AttachScheduler(iface);
            SendBeacon(iface);
        }
    }

    // A (re)connected stream interface: beacon at once so the neighbour knows us without waiting an interval.
    private void BeaconOnConnect(MeshInterface iface)
    {
        lock (_gate)
        {
            if (!_disposed && _interfaces.Contains(iface))
            {
                SendBeacon(iface);
            }
        }
    }

    /// <summary>Detaches an interface and drops every path through it (for a <see cref="TcpServerInterface"/>, stops attaching new clients; those already attached are detached when they disconnect).</summary>
    /// <param name="iface">The interface.</param>
    public void RemoveInterface(MeshInterface iface)
    {
        ArgumentNullException.ThrowIfNull(iface);
        if (iface is TcpServerInterface server)
        {
            // Clients spawned before stay attached until they disconnect (InterfaceClosed stays subscribed).
            server.InterfaceSpawned -= AddInterface;
        }

        lock (_gate)
        {
            _interfaces.Remove(iface);
            DetachScheduler(iface);
            iface.PacketReceived = null;
            iface.WentOnline = null;
            foreach (var e in Routes.Snapshot())
            {
                if (e.Interface == iface)
                {
                    Routes.Remove(e);
                }
            }

            // Neighbours heard only through it are forgotten now rather than at beacon eviction: a TCP
            // server detaches every disconnected client, so reconnect churn would otherwise pile them up.
            List<(Hash128, MeshInterface)>? gone = null;
            foreach (var key in _neighbours.Keys)
            {
                if (key.Item2 == iface)
                {
                    (gone ??= []).Add(key);
                }
            }

            RemoveNeighbours(gone);
            QueuePathChanges();
        }

        RaiseQueuedEvents();
    }

    /// <summary>Registers a SINGLE destination owned by <paramref name="owner"/> so that data to it is delivered to <see cref="DataReceived"/> and path requests for it are answered.</summary>
    /// <param name="owner">The owning identity (kept by the caller; must outlive the transport).</param>
    /// <param name="fullName">App name and aspects.</param>
    /// <param name="originCost">The starting path cost to announce in the NEXUS extension (null: plain RNS announce without the extension).</param>
    /// <param name="handler">Receives this destination's data instead of <see cref="DataReceived"/> (null: use <see cref="DataReceived"/>).</param>
    /// <returns>The destination.</returns>
    public Destination RegisterDestination(NodeIdentity owner, string fullName, CompactPathCost? originCost = null, MeshDataHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var destination = Destination.CreateSingle(IdentityPublicKey.FromIdentity(owner), fullName);
        lock (_gate)
        {
            _local[destination.Hash] = new LocalDestination(owner, fullName, originCost, handler);
        }

        return destination;
    }

    /// <summary>Announces a registered destination on every interface (HEADER_1, hops 0).</summary>
    /// <param name="destination">The destination hash.</param>
    /// <exception cref="ArgumentException">The destination is not registered.</exception>
    public void Announce(Hash128 destination)
    {
        lock (_gate)
        {
            var raw = BuildLocalAnnounce(destination, PacketContext.None);
            foreach (var iface in _interfaces)
            {
                Transmit(iface, raw, TrafficPriority.Interactive);
            }
        }
    }

    /// <summary>Sends data to a destination along the best known path (HEADER_1 when it is a direct neighbour, HEADER_2 via the next hop otherwise). When no path is known a path request goes out and the call returns false.</summary>
    /// <param name="destination">The destination hash.</param>
    /// <param name="data">Up to 465 bytes (HEADER_2 limit).</param>
    /// <param name="policy">Path policy (options default when null).</param>
    /// <param name="destinationType">Destination type bits of the packet (SINGLE by default).</param>
    /// <param name="context">Context byte.</param>
    /// <param name="priority">The packet's class in the outbound interface's <see cref="LinkScheduler"/> (spec 01-mesh §7; default P2 <see cref="TrafficPriority.Standard"/>). Ignored on interfaces that are not scheduled (<see cref="MeshTransportOptions.ScheduleInterfacesUpToBitsPerSecond"/>).</param>
    /// <returns>Whether the packet was handed to an interface or queued in its scheduler (a queued packet may still be dropped later: deadline or overflow, counted in <see cref="Drops"/>).</returns>
    /// <exception cref="ArgumentException">The data is too long.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="priority"/> is not a defined class.</exception>
    public bool Send(Hash128 destination, ReadOnlySpan<byte> data, PathPolicy? policy = null, DestinationType destinationType = DestinationType.Single, PacketContext context = PacketContext.None, TrafficPriority priority = TrafficPriority.Standard)
    {
        if ((byte)priority > (byte)TrafficPriority.Bulk)
        {
            throw new ArgumentOutOfRangeException(nameof(priority), priority, "Priorities are P0..P3.");
        }

        if (data.Length > MeshConstants.Mtu - MeshConstants.Header2Size)
        {
            throw new ArgumentException("At most 465 bytes of data fit a transported packet.", nameof(data));
        }

        lock (_gate)
        {
            var route = Routes.Select(destination, policy ?? Options.DefaultPolicy);
            if (route is null)
            {
                RequestPathLocked(destination, null);
                return false;
            }

            var header = route.IsDirect
                ? new PacketHeader(PacketType.Data, destinationType, destination, context)
                : new PacketHeader(PacketType.Data, destinationType, destination, context, 0, route.NextHop);
            Span<byte> buffer = stackalloc byte[MeshConstants.Mtu];
            var n = PacketWriter.Write(header, data, buffer);
            if (!Transmit(route.Interface, buffer[..n], priority))
            {
                return false;
            }

            RaisePacketSent(buffer[..n], route);
            return true;
        }
    }

    /// <summary>Sends an RNS path request for a destination on every interface.</summary>
    /// <param name="destination">The destination hash.</param>
    public void RequestPath(Hash128 destination)
    {
        lock (_gate)
        {
            RequestPathLocked(destination, null);
        }
    }

    /// <summary>
    /// Processes one received packet (what interfaces call). Never throws for any input: malformed
    /// packets, bad announces, duplicates and packets without a route are dropped and counted.
    /// </summary>
    /// <param name="source">The interface it arrived on.</param>
    /// <param name="raw">The packet bytes.</param>
    public void ProcessInbound(MeshInterface source, ReadOnlySpan<byte> raw)
    {
        // Parsing and announce signature checks happen before the transport lock is taken, so
        // interfaces receiving on different threads verify in parallel (both are pure).
        var parsed = Packet.TryParse(raw, out var packet);
        var verdict = AnnounceValidationResult.Malformed;
        Hash256 announceHash = default;
        if (parsed && packet.Header.PacketType == PacketType.Announce)
        {
            verdict = PrevalidateAnnounce(packet, out announceHash);
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            ProcessInboundLocked(source, parsed, packet, verdict, announceHash);
            QueuePathChanges();
        }

        RaiseQueuedEvents();
    }

    private void ProcessInboundLocked(MeshInterface source, bool parsed, in Packet packet, AnnounceValidationResult verdict, Hash256 announceHash)
    {
        _metrics.PacketIn();
        if (!parsed)
        {
            Drop("malformed");
            return;
        }

        var header = packet.Header;
        var hops = (byte)Math.Min(255, header.Hops + 1);
        if (header.Context == PacketContext.NexusGossip && header.PacketType == PacketType.Data && header.HeaderType == HeaderType.Header1)
        {
            HandleGossip(source, packet);
            return;
        }

        if (header.Context == PacketContext.NexusCongestion && header.PacketType == PacketType.Data && header.HeaderType == HeaderType.Header1)
        {
            HandleCongestionSignal(source, packet);
            return;
        }

        switch (header.PacketType)
        {
            case PacketType.Announce:
                HandleAnnounce(source, packet, hops, verdict, announceHash);
                return;
            case PacketType.Data when header.DestinationType == DestinationType.Plain && header.HeaderType == HeaderType.Header1:
                HandlePlain(source, packet);
                return;
        }

        if (header.HeaderType == HeaderType.Header2)
        {
            if (header.TransportId != TransportId)
            {
                return; // overheard: addressed to another transport node
            }

            Forward(packet, hops, source);
            return;
        }

        if (_local.TryGetValue(header.DestinationHash, out var local))
        {
            (local.Handler ?? DataReceived)?.Invoke(header.DestinationHash, packet.Data, source);
            return;
        }

        Drop("not_for_us");
    }

    /// <summary>Stops timers; pending rebroadcasts and beacons are cancelled (nothing is signed after this returns, so the caller may dispose the identity).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var pending in _pending.Values)
            {
                pending.Timer?.Dispose();
            }

            _pending.Clear();
            foreach (var queue in _queues.Values)
            {
                queue.Timer?.Dispose();
                queue.Detached = true;
            }
        }

        _maintenance.Dispose();
        _metrics.Dispose();
    }

    private void Forward(in Packet packet, byte hops, MeshInterface source)
    {
        var header = packet.Header;
        if (hops >= MeshConstants.MaxHops)
        {
            Drop("hop_limit");
            return;
        }

        var route = Routes.Select(header.DestinationHash, Options.DefaultPolicy);
        if (route is null)
        {
            Drop("no_route");
            return;
        }

        var next = route.IsDirect ? header.WithoutTransport().WithHops(hops) : header.WithTransport(route.NextHop).WithHops(hops);
        Span<byte> buffer = stackalloc byte[MeshConstants.Mtu];
        var offset = next.WriteTo(buffer);
        var data = packet.Data;
        if (offset + data.Length > buffer.Length)
        {
            Drop("mtu");
            return;
        }

        data.CopyTo(buffer[offset..]);
        if (Transmit(route.Interface, buffer[..(offset + data.Length)], Options.RelayPriority, source))
        {
            Forwarded++;
            RaisePacketRelayed(packet, source, route);
        }
        else
        {
            Drop("interface_refused");
        }
    }

    /// <summary>
    /// Validates a parsed inbound announce outside the transport lock: own-echo check, then the
    /// validated-announce cache or the full validation (destination hash + Ed25519 signature).
    /// </summary>
    /// <returns><see cref="AnnounceValidationResult.Malformed"/> for anything that is not a
    /// parseable announce (the locked path counts it), otherwise the verdict.</returns>
    private AnnounceValidationResult PrevalidateAnnounce(in Packet packet, out Hash256 packetHash)
    {
        packetHash = default;
        if (packet.Header.PacketType != PacketType.Announce || !Mesh.Announce.TryParse(packet, out var announce))
        {
            return AnnounceValidationResult.Malformed;
        }

        packetHash = packet.GetHash();
        var header = packet.Header;
        if (header.HeaderType == HeaderType.Header2 && header.TransportId == TransportId)
        {
            return AnnounceValidationResult.Valid; // our own rebroadcast echoed back: ignored under the lock
        }

        if (_validatedAnnounces.Contains(packetHash, header.ContextFlag))
        {
            return AnnounceValidationResult.Valid;
        }

        Interlocked.Increment(ref _announceSignatureChecks);
        var verdict = announce.Validate();
        if (verdict == AnnounceValidationResult.Valid)
        {
            _validatedAnnounces.Add(packetHash, header.ContextFlag);
        }

        return verdict;
    }

    private void HandleAnnounce(MeshInterface source, in Packet packet, byte hops, AnnounceValidationResult verdict, Hash256 hash)
    {
        if (!Mesh.Announce.TryParse(packet, out var announce))
        {
            _metrics.Announce("malformed");
            Drop("malformed_announce");
            return;
        }

        var header = packet.Header;
        if (header.HeaderType == HeaderType.Header2 && header.TransportId == TransportId)
        {
            return; // our own rebroadcast echoed back
        }

        if (_pending.TryGetValue(hash, out var pending) && hops > pending.Hops)
        {
            pending.HeardRepeated = true; // a neighbour carried it onward: no retransmission needed
        }

        if (_local.ContainsKey(header.DestinationHash))
        {
            return;
        }

        if (verdict != AnnounceValidationResult.Valid)
        {
            _metrics.Announce(verdict == AnnounceValidationResult.InvalidSignature ? "invalid_signature" : "destination_mismatch");
            Drop("invalid_announce");
            LogAnnounceDropped(header.DestinationHash, source.Name, verdict);
            return;
        }

        _metrics.Announce("valid");
        RaiseAnnounceValidated(announce, hops, source);
        var now = _time.GetUtcNow();
        var nextHop = header.HeaderType == HeaderType.Header2 ? header.TransportId : IdentityPublicKey.ComputeHash(announce.PublicKey);
        var entry = Routes.Upsert(header.DestinationHash, nextHop, source);
        entry.Hops = hops;
        var originCost = NexusExtension.TryParse(announce.AppData, out var ext) ? ext.PathCost : new CompactPathCost(0, 0, byte.MaxValue, 0);
        if (!entry.AnnounceRandomHash.AsSpan().SequenceEqual(announce.RandomHash) || header.HeaderType == HeaderType.Header1)
        {
            // A new emission: start from the origin's signed cost until the relay's update arrives.
            entry.PathCost = originCost;
        }

        entry.FromGossip = false;
        entry.AnnounceRandomHash = announce.RandomHash.ToArray();
        entry.AnnounceData = packet.Data.ToArray();
        entry.AnnounceContextFlag = header.ContextFlag;
        entry.LastUpdated = now;
        entry.Expires = now + (3 * Options.AnnounceInterval);
        entry.IsStale = false;
        if (entry.Reliability == 0)
        {
            entry.Reliability = 128;
        }

        if (!Remember(hash))
        {
            return; // already seen: the path is learned, no second rebroadcast
        }

        // A path request this node forwarded is answered: pass the answer back to the interface that asked
        // (path responses are otherwise not rebroadcast, so a requester two hops away would never get it).
        if (_discoveryRequests.Remove(header.DestinationHash, out var waiting) && now <= waiting.Expires
            && waiting.Requester != source && _interfaces.Contains(waiting.Requester))
        {
            var response = new PacketHeader(PacketType.Announce, DestinationType.Single, header.DestinationHash, PacketContext.PathResponse, hops, TransportId, header.ContextFlag);
            Transmit(waiting.Requester, PacketWriter.ToArray(response, packet.Data), TrafficPriority.Interactive);
        }

        if (announce.IsPathResponse || hops >= MeshConstants.MaxHops)
        {
            return;
        }

        if (_lastRebroadcast.TryGetValue(header.DestinationHash, out var last) && now - last < Options.AnnounceRateLimit)
        {
            Drop("announce_rate_limited");
            return;
        }

        _lastRebroadcast[header.DestinationHash] = now;
        var relayed = PacketWriter.ToArray(header.WithTransport(TransportId).WithHops(hops), packet.Data);
        var state = new PendingRebroadcast(relayed, source, hops, header.DestinationHash, announce.RandomHash.ToArray(), entry);
        _pending[hash] = state;
        var jitter = TimeSpan.FromTicks((long)(_random.NextDouble() * Options.RebroadcastJitter.Ticks)) + TimeSpan.FromMilliseconds(1);
        ITimer? timer = null;
        timer = _time.CreateTimer(
            _ =>
            {
                lock (_gate)
                {
                    if (_disposed)
                    {
                        timer!.Dispose();
                        return; // a callback already queued when the transport was disposed
                    }

                    Rebroadcast(state);
                    if (state.Attempts == 1)
                    {
                        timer!.Change(Options.RetransmitDelay + TimeSpan.FromTicks((long)(_random.NextDouble() * 4 * Options.RebroadcastJitter.Ticks)), Timeout.InfiniteTimeSpan);
                    }
                    else
                    {
                        timer!.Dispose();
                        _pending.Remove(hash);
                    }
                }
            },
            null,
            jitter,
            Timeout.InfiniteTimeSpan);
        state.Timer = timer;
    }

    private void Rebroadcast(PendingRebroadcast state)
    {
        state.Attempts++;
        if (state.Attempts > 1 && state.HeardRepeated)
        {
            return;
        }

        _metrics.Announce("rebroadcast");
        foreach (var iface in _interfaces)
        {
            if (iface == state.Source)
            {
                continue;
            }

            Transmit(iface, state.Packet, TrafficPriority.Interactive);
            var cost = state.Entry.PathCost.AddHop(Options.RelayCostMicroNxsPerByte, iface.LatencyMs, iface.BitrateBitsPerSecond);
            Transmit(iface, BuildPathCostUpdate(state.Destination, state.RandomHash, cost), TrafficPriority.Interactive);
        }
    }

    private void HandlePlain(MeshInterface source, in Packet packet)
    {
        var destination = packet.Header.DestinationHash;
        if (destination == BeaconHash)
        {
            HandleBeacon(source, packet.Data);
        }
        else if (destination == PathCostHash)
        {
            HandlePathCostUpdate(source, packet.Data);
        }
        else if (destination == PathRequestHash)
        {
            HandlePathRequest(source, packet.Data);
        }
    }

    // Beacon data: transport public key 64 ‖ u64 LE time (ms) ‖ Ed25519 signature 64 over "nexus.beacon" ‖ first 72 bytes.
    private void SendBeacon(MeshInterface iface)
    {
        Span<byte> data = stackalloc byte[136];
        PublicKey.AsSpan().CopyTo(data);
        BinaryPrimitives.WriteUInt64LittleEndian(data[64..], (ulong)_time.GetUtcNow().ToUnixTimeMilliseconds());
        Span<byte> signed = stackalloc byte[12 + 72];
        "nexus.beacon"u8.CopyTo(signed);
        data[..72].CopyTo(signed[12..]);
        _identity.SigningKey.Sign(signed, data[72..]);
        Span<byte> buffer = stackalloc byte[MeshConstants.Header1Size + 136];
        var n = PacketWriter.Write(new PacketHeader(PacketType.Data, DestinationType.Plain, BeaconHash), data, buffer);
        Transmit(iface, buffer[..n], TrafficPriority.Interactive);
    }

    private void HandleBeacon(MeshInterface source, ReadOnlySpan<byte> data)
    {
        if (data.Length != 136)
        {
            Drop("malformed_beacon");
            return;
        }

        Span<byte> signed = stackalloc byte[12 + 72];
        "nexus.beacon"u8.CopyTo(signed);
        data[..72].CopyTo(signed[12..]);
        if (!new Ed25519PublicKey(data.Slice(32, 32)).Verify(signed, data[72..]))
        {
            Drop("bad_beacon_signature");
            return;
        }

        var neighbour = IdentityPublicKey.ComputeHash(data[..64]);
        var key = (neighbour, source);
        if (_neighbours.Count >= Options.MaxDestinations && !_neighbours.ContainsKey(key))
        {
            Drop("neighbour_table_full");
            return;
        }

        bool isNew = !_neighbours.ContainsKey(key);
        _neighbours[key] = _time.GetUtcNow();
        RememberNeighbourKey(neighbour, data[..64]);
        if (isNew)
        {
            // Answer a neighbour heard for the first time at once, so both ends know each other
            // without waiting a beacon interval (only on first contact: no beacon storms).
            SendBeacon(source);
        }

        RaiseNeighbourHeard(neighbour, data[..64], source);
        foreach (var e in Routes.Snapshot())
        {
            if (e.NextHop == neighbour && e.Interface == source)
            {
                e.Reliability = (byte)(e.Reliability + ((255 - e.Reliability + 7) / 8));
                if (e.IsStale && e.Expires > _time.GetUtcNow())
                {
                    e.IsStale = false;
                }

                Routes.Touch(e.Destination); // reliability and staleness weigh in the best path
            }
        }
    }

    // Path-cost update data (docs/protocol/path-cost.md): destination 16 ‖ random hash 10 ‖ CompactPathCost 6 ‖
    // relay public key 64 ‖ Ed25519 signature 64 over "nexus.pathcost" ‖ first 96 bytes.
    private byte[] BuildPathCostUpdate(Hash128 destination, byte[] randomHash, CompactPathCost cost)
    {
        Span<byte> data = stackalloc byte[160];
        destination.WriteTo(data);
        randomHash.CopyTo(data[16..]);
        cost.WriteTo(data[26..]);
        PublicKey.AsSpan().CopyTo(data[32..]);
        Span<byte> signed = stackalloc byte[14 + 96];
        "nexus.pathcost"u8.CopyTo(signed);
        data[..96].CopyTo(signed[14..]);
        _identity.SigningKey.Sign(signed, data[96..]);
        return PacketWriter.ToArray(new PacketHeader(PacketType.Data, DestinationType.Plain, PathCostHash), data);
    }

    private void HandlePathCostUpdate(MeshInterface source, ReadOnlySpan<byte> data)
    {
        if (data.Length != 160)
        {
            Drop("malformed_path_cost");
            return;
        }

        var relay = IdentityPublicKey.ComputeHash(data.Slice(32, 64));
        var destination = new Hash128(data[..16]);
        RoutingEntry? entry = null;
        foreach (var e in Routes.GetPaths(destination))
        {
            if (e.NextHop == relay && e.Interface == source && e.AnnounceRandomHash.AsSpan().SequenceEqual(data.Slice(16, 10)))
            {
                entry = e;
            }
        }

        if (entry is null)
        {
            Drop("unmatched_path_cost");
            return;
        }

        Span<byte> signed = stackalloc byte[14 + 96];
        "nexus.pathcost"u8.CopyTo(signed);
        data[..96].CopyTo(signed[14..]);
        if (!new Ed25519PublicKey(data.Slice(64, 32)).Verify(signed, data[96..]))
        {
            Drop("bad_path_cost_signature");
            return;
        }

        CompactPathCost.TryRead(data[26..], out var cost);
        entry.PathCost = cost;
        Routes.Touch(destination);
    }

    // RNS path request data: destination 16 ‖ [requesting transport id 16] ‖ tag (up to 16).
    private void HandlePathRequest(MeshInterface source, ReadOnlySpan<byte> data)
    {
        if (data.Length < 17)
        {
            Drop("malformed_path_request");
            return;
        }

        var destination = new Hash128(data[..16]);
        Span<byte> key = stackalloc byte[data.Length];
        data.CopyTo(key);
        if (!Remember(Sha2.Sha256(key)))
        {
            return;
        }

        if (_local.ContainsKey(destination))
        {
            Transmit(source, BuildLocalAnnounce(destination, PacketContext.PathResponse), TrafficPriority.Interactive);
            return;
        }

        var route = Routes.Select(destination, Options.DefaultPolicy);
        if (route is not null && route.AnnounceData.Length > 0)
        {
            var header = new PacketHeader(PacketType.Announce, DestinationType.Single, destination, PacketContext.PathResponse, route.Hops, TransportId, route.AnnounceContextFlag);
            Transmit(source, PacketWriter.ToArray(header, route.AnnounceData), TrafficPriority.Interactive);
            return;
        }

        if (_discoveryRequests.Count < Options.MaxDestinations || _discoveryRequests.ContainsKey(destination))
        {
            _discoveryRequests[destination] = (source, _time.GetUtcNow() + DiscoveryRequestTimeout);
        }

        foreach (var iface in _interfaces)
        {
            if (iface != source)
            {
                Transmit(iface, PacketWriter.ToArray(new PacketHeader(PacketType.Data, DestinationType.Plain, PathRequestHash), data), TrafficPriority.Interactive, source);
            }
        }
    }

    // Under _gate: drops the given (neighbour, interface) entries and what is kept per neighbour.
    private void RemoveNeighbours(List<(Hash128, MeshInterface)>? gone)
    {
        if (gone is null)
        {
            return;
        }

        foreach (var key in gone)
        {
            _neighbours.Remove(key);
            ForgetNeighbour(key.Item1, key.Item2);
        }
    }

    private void RequestPathLocked(Hash128 destination, MeshInterface? except)
    {
        Span<byte> data = stackalloc byte[48];
        destination.WriteTo(data);
        TransportId.WriteTo(data[16..]);
        RandomNumberGenerator.Fill(data[32..]);
        Remember(Sha2.Sha256(data));
        var raw = PacketWriter.ToArray(new PacketHeader(PacketType.Data, DestinationType.Plain, PathRequestHash), data);
        foreach (var iface in _interfaces)
        {
            if (iface != except)
            {
                Transmit(iface, raw, TrafficPriority.Interactive);
            }
        }
    }

    private byte[] BuildLocalAnnounce(Hash128 destination, PacketContext context)
    {
        if (!_local.TryGetValue(destination, out var local))
        {
            throw new ArgumentException($"Destination {destination} is not registered.", nameof(destination));
        }

        var appData = local.OriginCost is { } cost ? NexusExtension.ToArray(cost) : [];
        return AnnounceBuilder.Build(local.Owner, local.FullName, AnnounceBuilder.NewRandomHash(_time), [], appData, context);
    }

    private void Maintain()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var now = _time.GetUtcNow();
            if (now >= _nextBeacon)
            {
                // Jitter (up to 2 s, seeded) keeps neighbours on a shared radio channel from beaconing in lockstep.
                _nextBeacon = now + Options.BeaconInterval - TimeSpan.FromMilliseconds(_random.Next(0, 2000));
                foreach (var iface in _interfaces)
                {
                    SendBeacon(iface);
                }
            }

            RenewCongestionSignals(now);
            if (_discoveryRequests.Count > 0)
            {
                foreach (var (destination, request) in _discoveryRequests.ToArray())
                {
                    if (now > request.Expires)
                    {
                        _discoveryRequests.Remove(destination);
                    }
                }
            }

            var down = Options.BeaconInterval * Options.MissedBeaconsUntilDown;
            var evict = Options.BeaconInterval * Options.MissedBeaconsUntilEviction;
            List<(Hash128, MeshInterface)>? gone = null;
            foreach (var (key, heard) in _neighbours)
            {
                var silent = now - heard;
                if (silent < down)
                {
                    continue;
                }

                foreach (var e in Routes.Snapshot())
                {
                    if (e.NextHop != key.Item1 || e.Interface != key.Item2)
                    {
                        continue;
                    }

                    if (silent > evict)
                    {
                        Routes.Remove(e);
                    }
                    else if (!e.IsStale)
                    {
                        e.IsStale = true;
                        e.Reliability /= 2;
                        Routes.Touch(e.Destination);
                        LogNeighbourDown(key.Item1, key.Item2.Name, e.Destination);
                    }
                }

                if (silent > evict)
                {
                    (gone ??= []).Add(key);
                }
            }

            RemoveNeighbours(gone);

            foreach (var e in Routes.Snapshot())
            {
                if (now > e.Expires + Options.AnnounceInterval)
                {
                    Routes.Remove(e);
                }
                else if (now > e.Expires && !e.IsStale)
                {
                    e.IsStale = true;
                    Routes.Touch(e.Destination);
                }
            }

            QueuePathChanges();
        }

        RaiseQueuedEvents();
    }

    private bool Remember(Hash256 hash)
    {
        if (!_seen.Add(hash))
        {
            return false;
        }

        _seenOrder.Enqueue(hash);
        while (_seenOrder.Count > Options.PacketHashCacheSize)
        {
            _seen.Remove(_seenOrder.Dequeue());
        }

        return true;
    }

    private void Drop(string reason)
    {
        _drops[reason] = _drops.GetValueOrDefault(reason) + 1;
        _metrics.Dropped(reason);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped announce for {Destination} on {Interface}: {Verdict}")]
    private partial void LogAnnounceDropped(Hash128 destination, string @interface, AnnounceValidationResult verdict);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Neighbour {Neighbour} on {Interface} is down; path to {Destination} is stale")]
    private partial void LogNeighbourDown(Hash128 neighbour, string @interface, Hash128 destination);

    private sealed record LocalDestination(NodeIdentity Owner, string FullName, CompactPathCost? OriginCost, MeshDataHandler? Handler);

    private sealed class PendingRebroadcast(byte[] packet, MeshInterface source, byte hops, Hash128 destination, byte[] randomHash, RoutingEntry entry)
    {
        public byte[] Packet { get; } = packet;

        public MeshInterface Source { get; } = source;

        public byte Hops { get; } = hops;

        public Hash128 Destination { get; } = destination;

        public byte[] RandomHash { get; } = randomHash;

        public RoutingEntry Entry { get; } = entry;

        public int Attempts { get; set; }

        public bool HeardRepeated { get; set; }

        public ITimer? Timer { get; set; }
    }
}
