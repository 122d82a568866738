using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;
using Nexus.Mesh.Congestion;

namespace Nexus.Mesh.Gossip;

/// <summary>What the gossip service knows about one direct neighbour.</summary>
/// <param name="Id">The neighbour's transport id (identity hash, 16 bytes).</param>
/// <param name="Interface">The interface gossip to it leaves through (the fastest it was heard on).</param>
/// <param name="Status">Gossip failure-detection status.</param>
/// <param name="BytesSent">Gossip bytes sent to it (whole packets: header, envelope, message).</param>
public sealed record GossipNeighbourInfo(Hash128 Id, MeshInterface Interface, NeighbourStatus Status, long BytesSent);

/// <summary>
/// Runs a <see cref="GossipEngine"/> over a <see cref="MeshTransport"/> (docs/protocol/gossip-and-congestion.md,
/// "Gossip on the transport"). Direct neighbours are discovered from the transport's signed beacons
/// (hops 0, never relayed) and added with their interface's bit rate — on a half-duplex shared
/// channel (LoRa) the budget is split over the stations heard on it. Messages travel one hop as
/// HEADER_1 DATA packets with context <see cref="PacketContext.NexusGossip"/> (0xE0) to the
/// neighbour's <c>nexus.gossip</c> destination, inside a signed envelope:
/// <code>sender transport id 16 ‖ stamp u64 LE 8 ‖ gossip message ‖ Ed25519 signature 64
/// over "nexus.gossip" ‖ destination hash 16 ‖ sender 16 ‖ stamp 8 ‖ message</code>
/// The signature is checked against the key of the sender's beacon; stamps must increase per
/// sender (replays are dropped). Sends are paced by <see cref="GossipEngine.TimeUntilSendable"/> on
/// the <see cref="TimeProvider"/>, rounds run on its timer after <see cref="Start"/>.
/// <para>
/// The <see cref="Announces"/> topic (id 1) carries this node's registered destinations and feeds the
/// transport's <see cref="MeshTransport.Routes"/>: each destination's best gossip path becomes a
/// <see cref="RoutingEntry"/> (next hop, interface, cost, latency, bandwidth, hop count, reliability,
/// expiry = now + 3 × the refresh interval, which is the transport's announce interval but at least
/// one round), refreshed every round; a neighbour marked down makes its rows stale, an evicted one
/// removes them. A hop's cost is relay cost × m + (m − 1) μNXS/B with m the quadratic congestion
/// multiplier of the interface's <see cref="MeshInterface.QueueFill"/>, so a congested link raises
/// the cost of every route through it at the next round.
/// </para>
/// Other layers add topics with <see cref="AddTopic"/> and push items with <see cref="Publish"/>.
/// Everything runs under the transport's lock, so the service is thread-safe.
/// </summary>
public sealed partial class MeshGossipService : IGossipPublisher, IDisposable
{
    /// <summary>The full name of a node's gossip destination: <c>nexus.gossip</c> (SINGLE, of the transport identity).</summary>
    public const string DestinationName = "nexus.gossip";

    /// <summary>Envelope bytes around each message: sender 16 + stamp 8 + signature 64 = 88.</summary>
    public const int EnvelopeSize = 16 + 8 + 64;

    /// <summary>The largest gossip message the envelope leaves room for in one HEADER_1 packet: 481 − 88 = 393 bytes.</summary>
    public const int MaxMessageSize = MeshConstants.MaxHeader1DataSize - EnvelopeSize;

    private static readonly Meter s_meter = new("Nexus.Mesh");
    private static readonly Counter<long> s_rejected = s_meter.CreateCounter<long>("nexus.mesh.gossip.envelope_rejected", "{packet}", "Gossip packets dropped: unknown sender, bad signature, replayed stamp, malformed.");

    private readonly MeshTransport _transport;
    private readonly NodeIdentity _identity;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate;
    private readonly Hash128 _self;
    private readonly Hash128 _ownDestination;
    private readonly Dictionary<Hash128, Peer> _peers = [];
    private readonly Dictionary<MeshInterface, long> _bytesByInterface = [];
    private readonly Dictionary<MeshInterface, long> _packetsByInterface = [];
    private readonly List<byte> _extraTopics = [];
    private readonly List<Hash128> _evicted = [];
    private readonly Dictionary<string, long> _rejected = [];
    private readonly TimeSpan _routeLifetime;
    private ulong _lastStamp;
    private ITimer? _rounds;
    private bool _disposed;

    /// <summary>Creates the service and attaches it to the transport (beacon and context 0xE0 hooks).</summary>
    /// <param name="transport">The transport (one gossip service per transport).</param>
    /// <param name="identity">The transport's identity (signs envelopes and announces; caller keeps ownership).</param>
    /// <param name="options">Engine settings (defaults when null); the service overrides <see cref="GossipOptions.PacketOverheadBytes"/> (19 + 88) and <see cref="GossipOptions.MaxMessageBytes"/> (393) on its own copy.</param>
    /// <param name="timeProvider">The clock (system when null).</param>
    /// <param name="loggerFactory">Logging (none when null).</param>
    /// <exception cref="ArgumentException"><paramref name="identity"/> is not the transport's identity.</exception>
    /// <exception cref="InvalidOperationException">The transport already has a gossip service.</exception>
    public MeshGossipService(MeshTransport transport, NodeIdentity identity, GossipOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(identity);
        if (new Hash128(identity.Hash) != transport.TransportId)
        {
            throw new ArgumentException("The gossip identity must be the transport's identity.", nameof(identity));
        }

        if (transport.NeighbourHeard is not null || transport.GossipReceived is not null)
        {
            throw new InvalidOperationException("The transport already has a gossip service.");
        }

        _transport = transport;
        _identity = identity;
        _time = timeProvider ?? TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<MeshGossipService>();
        _gate = transport.Gate;
        _self = transport.TransportId;
        _ownDestination = DestinationHash.Compute(DestinationName, _self);
        var o = options ?? new GossipOptions();

        // Refreshes travel in rounds: a refresh interval shorter than a round would only make paths expire between rounds.
        var refresh = transport.Options.AnnounceInterval > o.RoundInterval ? transport.Options.AnnounceInterval : o.RoundInterval;
        _routeLifetime = 3 * refresh;
        Options = new GossipOptions
        {
            RoundInterval = o.RoundInterval,
            FalsePositiveRate = o.FalsePositiveRate,
            Budget = o.Budget,
            MaxQueuedMessages = o.MaxQueuedMessages,
            HardMaxQueuedMessages = o.HardMaxQueuedMessages,
            DownAfterRounds = o.DownAfterRounds,
            EvictAfterRounds = o.EvictAfterRounds,
            PacketOverheadBytes = MeshConstants.Header1Size + EnvelopeSize,
            MaxMessageBytes = Math.Min(o.MaxMessageBytes, MaxMessageSize),
        };
        Engine = new GossipEngine(Options, _time, loggerFactory.CreateLogger<GossipEngine>());
        Announces = new AnnounceGossipTopic(_time, HopCostToward, ValidateAnnounce, refresh);
        Announces.RouteChanged += OnRouteChanged;
        Engine.AddTopic(Announces);
        Engine.OutboundReady += id =>
        {
            if (_peers.TryGetValue(id, out var peer))
            {
                Pump(peer);
            }
        };
        Engine.NeighbourStatusChanged += OnNeighbourStatus;
        transport.NeighbourHeard = OnNeighbourHeard;
        transport.GossipReceived = OnGossipPacket;
    }

    /// <summary>
    /// Raised when a direct neighbour is added (first beacon heard), changes status (down after 3
    /// silent rounds, up again when heard), moves to another interface, or is evicted and forgotten
    /// (<see cref="GossipNeighbourChangeKind"/>); <see cref="Neighbours"/> already reflects the change.
    /// Raised through the transport's event queue, like <see cref="MeshTransport.PathChanged"/>: after the
    /// transport's lock is released (never under it, so a handler may call <see cref="Neighbours"/> or
    /// <see cref="Publish"/>), on the thread that made the change (an interface's receive thread for a
    /// beacon or gossip packet, the round timer's thread for failure detection) or on the thread already
    /// raising that transport's events; one at a time, in the order the changes happened. A handler that
    /// throws is logged at warning level and skipped; gossip goes on.
    /// </summary>
    public event EventHandler<GossipNeighbourChangedEventArgs>? NeighbourChanged;

    /// <summary>The engine settings in force (the service's copy).</summary>
    public GossipOptions Options { get; }

    /// <summary>The engine. Call it only under the transport's lock — prefer the service's methods, which take it.</summary>
    internal GossipEngine Engine { get; }

    /// <summary>The announce topic (id 1): own destinations out, gossip-learned paths in (also installed in the transport's routing table).</summary>
    public AnnounceGossipTopic Announces { get; }

    /// <summary>The current round number.</summary>
    public uint Round
    {
        get
        {
            lock (_gate)
            {
                return Engine.Round;
            }
        }
    }

    /// <summary>Gossip packets dropped by reason: <c>unknown_sender</c> (no beacon heard from it yet), <c>bad_signature</c>, <c>replayed</c>, <c>malformed</c>, <c>engine</c> (the engine refused the message).</summary>
    public IReadOnlyDictionary<string, long> Rejected
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, long>(_rejected);
            }
        }
    }

    /// <summary>
    /// Registers a topic so its items ride on this node's gossip (for example a settlement topic of
    /// Nexus.Economics). Neighbours already known get a pull for it at once. The topic's methods are
    /// called under the transport's lock; an item is sent only if its key and value together take at
    /// most 378 bytes (one delta of <see cref="MaxMessageSize"/> bytes), larger ones are counted as
    /// <c>nexus.mesh.gossip.oversize</c> and skipped.
    /// </summary>
    /// <param name="topic">The topic; its <see cref="IGossipTopic.Id"/> must be unused (1 is the announce topic).</param>
    /// <exception cref="ArgumentException">The id is taken.</exception>
    public void AddTopic(IGossipTopic topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        lock (_gate)
        {
            Engine.AddTopic(topic);
            _extraTopics.Add(topic.Id);
            foreach (var id in _peers.Keys)
            {
                Engine.Pull(id, topic.Id);
            }
        }

        _transport.RaiseQueuedEvents();
    }

    /// <summary>Pushes a topic's current item for <paramref name="key"/> to every neighbour now (within each link's budget); rounds repair what is lost. Safe from any thread (takes the transport's lock), so the service can be handed to a topic as its <see cref="IGossipPublisher"/>.</summary>
    /// <param name="topic">A registered topic.</param>
    /// <param name="key">The item key (1–64 bytes).</param>
    /// <param name="except">A neighbour to skip (the one the item came from), or null.</param>
    public void Publish(IGossipTopic topic, ReadOnlySpan<byte> key, Hash128? except = null)
    {
        lock (_gate)
        {
            Engine.Publish(topic, key, except);
        }

        _transport.RaiseQueuedEvents();
    }

    /// <summary>
    /// Starts gossiping a destination registered on the transport: its announce (signed now and again
    /// at every refresh, one announce interval apart) is pushed to every neighbour with the
    /// destination's origin cost (or zero cost when it has none).
    /// </summary>
    /// <param name="destination">A destination registered with <see cref="MeshTransport.RegisterDestination"/>.</param>
    /// <exception cref="ArgumentException">The destination is not registered, or was originated less than a second ago (the sequence is the announce's emission second).</exception>
    public void Originate(Hash128 destination)
    {
        lock (_gate)
        {
            var (_, originCost) = _transport.BuildAnnounce(destination);
            Announces.Originate(destination, () => _transport.BuildAnnounce(destination).Announce, originCost ?? CompactPathCost.ForOrigin(0, 0, 1e9), Engine);
        }

        _transport.RaiseQueuedEvents();
    }

    /// <summary>Runs <see cref="RunRound"/> every <see cref="GossipOptions.RoundInterval"/> on the clock, the first one interval from now.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _rounds ??= _time.CreateTimer(_ => RunRound(), null, Options.RoundInterval, Options.RoundInterval);
        }
    }

    /// <summary>Runs one gossip round now: failure detection, refreshes, summaries to every neighbour, then re-installs every gossip path in the routing table with the current hop costs (congestion).</summary>
    public void RunRound()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            Engine.RunRound();
            ForgetEvicted();
            SyncRoutes();
        }

        _transport.RaiseQueuedEvents();
    }

    /// <summary>The known direct neighbours.</summary>
    /// <returns>A snapshot, in no particular order.</returns>
    public IReadOnlyList<GossipNeighbourInfo> Neighbours()
    {
        lock (_gate)
        {
            var list = new List<GossipNeighbourInfo>(_peers.Count);
            foreach (var peer in _peers.Values)
            {
                list.Add(new GossipNeighbourInfo(peer.Id, peer.Interface, Engine.StatusOf(peer.Id), peer.BytesSent));
            }

            return list;
        }
    }

    /// <summary>Gossip bytes this node handed to an interface (whole packets as counted by <see cref="MeshInterface.BytesSent"/> without IFAC).</summary>
    /// <param name="iface">The interface.</param>
    /// <returns>Bytes since the service started (0 for an interface never used).</returns>
    public long BytesSentOn(MeshInterface iface)
    {
        lock (_gate)
        {
            return _bytesByInterface.GetValueOrDefault(iface);
        }
    }

    /// <summary>Gossip packets this node handed to an interface.</summary>
    /// <param name="iface">The interface.</param>
    /// <returns>Packets since the service started.</returns>
    public long PacketsSentOn(MeshInterface iface)
    {
        lock (_gate)
        {
            return _packetsByInterface.GetValueOrDefault(iface);
        }
    }

    /// <summary>Stops the round and pacing timers and detaches from the transport.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _rounds?.Dispose();
            foreach (var peer in _peers.Values)
            {
                peer.Pacer.Dispose();
            }

            Engine.Dispose();
            _transport.NeighbourHeard = null;
            _transport.GossipReceived = null;
        }
    }

    private HopCost HopCostToward(Hash128 neighbour)
    {
        var iface = _peers.TryGetValue(neighbour, out var peer) ? peer.Interface : null;
        if (iface is null)
        {
            return new HopCost(double.MaxValue, ushort.MaxValue, 1);
        }

        double multiplier = DynamicCost.Multiplier((long)(_transport.CongestionFill(iface, neighbour) * 1_000_000), 1_000_000);
        return new HopCost(_transport.Options.RelayCostMicroNxsPerByte * multiplier + CongestionFloor(multiplier), iface.LatencyMs, iface.BitrateBitsPerSecond);
    }

    // A relay with a base cost of 0 would make congestion invisible (0 × 2 = 0): a congested hop then
    // costs at least (multiplier − 1) μNXS/B, so a saturated free link still loses to an idle one.
    private static double CongestionFloor(double multiplier) => multiplier - 1;

    private bool ValidateAnnounce(Hash128 destination, ReadOnlyMemory<byte> announce) => _transport.IsValidGossipAnnounce(destination, announce.Span);

    private void OnNeighbourHeard(Hash128 id, ReadOnlyMemory<byte> publicKey, MeshInterface iface)
    {
        if (_disposed || id == _self)
        {
            return;
        }

        if (_peers.TryGetValue(id, out var peer))
        {
            // Move to this interface when it is faster, or when the current one went away (a TCP
            // client reconnecting through a new server-spawned interface).
            if (peer.Interface != iface && (iface.BitrateBitsPerSecond > peer.Interface.BitrateBitsPerSecond
                || !peer.Interface.IsOnline || !_transport.InterfacesSnapshot().Contains(peer.Interface)))
            {
                var old = peer.Interface;
                peer.Interface = iface;
                Rebudget(old);
                Rebudget(iface);
                SyncRoutes();
                QueueNeighbourChanged(GossipNeighbourChangeKind.InterfaceChanged, peer, Engine.StatusOf(id));
            }

            return;
        }

        peer = new Peer(id, IdentityPublicKey.FromBytes(publicKey.Span), iface, DestinationHash.Compute(DestinationName, id));
        peer.Pacer = _time.CreateTimer(_ => PumpLocked(peer), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _peers[id] = peer;
        Engine.AddNeighbour(id, Math.Max(1, iface.BitrateBitsPerSecond), sharedChannel: iface.IsHalfDuplex);
        Rebudget(iface);
        LogNeighbourAdded(id, iface.Name);
        QueueNeighbourChanged(GossipNeighbourChangeKind.Added, peer, Engine.StatusOf(id));

        // First contact: ask for everything we lack in every topic (the neighbour answers with deltas).
        foreach (var topicId in TopicIds())
        {
            Engine.Pull(id, topicId);
        }
    }

    private List<byte> TopicIds()
    {
        var ids = new List<byte> { Announces.Id };
        foreach (var id in _extraTopics)
        {
            ids.Add(id);
        }

        return ids;
    }

    // Every station heard on a shared channel shares its capacity: each end budgets rate / (s·(s − 1)).
    private void Rebudget(MeshInterface iface)
    {
        if (!iface.IsHalfDuplex)
        {
            return;
        }

        int stations = 1;
        foreach (var p in _peers.Values)
        {
            stations += p.Interface == iface ? 1 : 0;
        }

        foreach (var p in _peers.Values)
        {
            if (p.Interface == iface)
            {
                Engine.SetNeighbourLink(p.Id, Math.Max(1, iface.BitrateBitsPerSecond), sharedChannel: true, Math.Max(2, stations));
            }
        }
    }

    // Raised inside the engine's round (eviction happens only there): the neighbour is forgotten
    // once the round is over (see RunRound), when the engine's neighbour list may change.
    private void OnNeighbourStatus(Hash128 id, NeighbourStatus status)
    {
        if (status == NeighbourStatus.Evicted)
        {
            _evicted.Add(id);
        }
        else if (_peers.TryGetValue(id, out var peer))
        {
            QueueNeighbourChanged(GossipNeighbourChangeKind.StatusChanged, peer, status);
        }
    }

    // Under the transport's lock: queued on the transport's event queue, raised once the lock is released.
    private void QueueNeighbourChanged(GossipNeighbourChangeKind change, Peer peer, NeighbourStatus status) =>
        _transport.Events.Enqueue(nameof(NeighbourChanged), NeighbourChanged, this,
            new GossipNeighbourChangedEventArgs(change, new GossipNeighbourInfo(peer.Id, peer.Interface, status, peer.BytesSent)));

    private void ForgetEvicted()
    {
        foreach (var id in _evicted)
        {
            if (_peers.Remove(id, out var peer))
            {
                peer.Pacer.Dispose();
                Engine.RemoveNeighbour(id);
                Rebudget(peer.Interface);
                LogNeighbourEvicted(id);
                QueueNeighbourChanged(GossipNeighbourChangeKind.Removed, peer, NeighbourStatus.Evicted);
            }
        }

        _evicted.Clear();
    }

    private void OnRouteChanged(Hash128 destination, RouteView? route)
    {
        MeshInterface? iface = route is not null && _peers.TryGetValue(route.NextHop, out var peer) ? peer.Interface : null;
        _transport.SetGossipRoute(destination, iface is null ? null : route, iface, _time.GetUtcNow() + _routeLifetime);
    }

    private void SyncRoutes()
    {
        foreach (var route in Announces.Routes())
        {
            OnRouteChanged(route.Destination, route);
        }
    }

    private void PumpLocked(Peer peer)
    {
        lock (_gate)
        {
            if (!_disposed && _peers.TryGetValue(peer.Id, out var current) && current == peer)
            {
                Pump(peer);
            }
        }
    }

    private void Pump(Peer peer)
    {
        Span<byte> buffer = stackalloc byte[MeshConstants.Mtu];
        while (Engine.TryDequeue(peer.Id, out var message))
        {
            if (message!.Length > MaxMessageSize)
            {
                continue; // cannot happen with the engine's MaxMessageBytes; never overrun the packet
            }

            int n = Seal(peer, message, buffer);
            if (_transport.TransmitOn(peer.Interface, buffer[..n]))
            {
                peer.BytesSent += n;
                _bytesByInterface[peer.Interface] = _bytesByInterface.GetValueOrDefault(peer.Interface) + n;
                _packetsByInterface[peer.Interface] = _packetsByInterface.GetValueOrDefault(peer.Interface) + 1;
            }
        }

        var wait = Engine.TimeUntilSendable(peer.Id);
        if (wait != TimeSpan.MaxValue)
        {
            peer.Pacer.Change(wait + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
        }
    }

    // Packet: HEADER_1 DATA SINGLE to the neighbour's nexus.gossip, context 0xE0, data = envelope.
    private int Seal(Peer peer, byte[] message, Span<byte> buffer)
    {
        ulong now = (ulong)_time.GetUtcNow().ToUnixTimeMilliseconds();
        _lastStamp = Math.Max(now, _lastStamp + 1);
        Span<byte> data = stackalloc byte[EnvelopeSize + message.Length];
        _self.WriteTo(data);
        BinaryPrimitives.WriteUInt64LittleEndian(data[16..], _lastStamp);
        message.CopyTo(data[24..]);
        Span<byte> signed = stackalloc byte[12 + 16 + 24 + message.Length];
        WriteSigned(peer.Destination, data[..(24 + message.Length)], signed);
        _identity.SigningKey.Sign(signed, data[(24 + message.Length)..]);
        return PacketWriter.Write(new PacketHeader(PacketType.Data, DestinationType.Single, peer.Destination, PacketContext.NexusGossip), data, buffer);
    }

    private static void WriteSigned(Hash128 destination, ReadOnlySpan<byte> body, Span<byte> signed)
    {
        "nexus.gossip"u8.CopyTo(signed);
        destination.WriteTo(signed[12..]);
        body.CopyTo(signed[28..]);
    }

    private void OnGossipPacket(MeshInterface source, Hash128 destination, ReadOnlyMemory<byte> packetData)
    {
        if (_disposed || destination != _ownDestination)
        {
            return; // overheard on a shared channel: addressed to another node
        }

        var data = packetData.Span;
        if (data.Length < EnvelopeSize + 2)
        {
            Reject("malformed");
            return;
        }

        var sender = new Hash128(data[..16]);
        if (!_peers.TryGetValue(sender, out var peer))
        {
            Reject("unknown_sender");
            return;
        }

        int bodyLength = data.Length - 64;
        Span<byte> signed = stackalloc byte[28 + bodyLength];
        WriteSigned(destination, data[..bodyLength], signed);
        if (!peer.Key.SigningKey.Verify(signed, data[bodyLength..]))
        {
            Reject("bad_signature");
            return;
        }

        ulong stamp = BinaryPrimitives.ReadUInt64LittleEndian(data[16..]);
        if (stamp <= peer.LastStampIn)
        {
            Reject("replayed");
            return;
        }

        peer.LastStampIn = stamp;
        if (!Engine.Receive(sender, data[24..bodyLength]))
        {
            Reject("engine");
        }
    }

    private void Reject(string reason)
    {
        _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
        s_rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Gossip neighbour {Neighbour} on {Interface}")]
    private partial void LogNeighbourAdded(Hash128 neighbour, string @interface);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gossip neighbour {Neighbour} evicted")]
    private partial void LogNeighbourEvicted(Hash128 neighbour);

    private sealed class Peer(Hash128 id, IdentityPublicKey key, MeshInterface iface, Hash128 destination)
    {
        public Hash128 Id { get; } = id;

        public IdentityPublicKey Key { get; } = key;

        public MeshInterface Interface { get; set; } = iface;

        public Hash128 Destination { get; } = destination;

        public ITimer Pacer { get; set; } = null!;

        public ulong LastStampIn { get; set; }

        public long BytesSent { get; set; }
    }
}
