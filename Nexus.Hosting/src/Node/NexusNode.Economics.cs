using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Nexus.Crypto;
using Nexus.Economics;
using Nexus.Mesh;
using Nexus.Mesh.Gossip;

namespace Nexus.Hosting;

/// <summary>
/// The node's economics: one <see cref="EconomicsNode"/> wired to the mesh.
/// <para>
/// Accounts: the economics layer names every party by its 16-byte <b>identity hash</b> (the mesh's
/// transport id and next-hop hash), so the lottery payer, the relay and the channel peer are all the
/// hashes the routing table already uses; a party's <c>nexus.node</c> destination is derived from it.
/// </para>
/// <para>
/// Channel messages travel over NEXUS links (decision D3): the node runs a <see cref="NexusLinkManager"/>
/// (its <c>nexus.link</c> destination is announced with the node's) and a <see cref="LinkChannelTransport"/>
/// that opens a link to a neighbour on demand, reuses it, replaces it when it dies, and hands inbound
/// messages to the economics node with the link's authenticated peer (docs/protocol/channels.md,
/// "Carriage over NEXUS links"). Neighbour identities come from validated announces.
/// </para>
/// <para>
/// Settlements travel on the node's gossip (<see cref="NexusNode.Gossip"/>) as a
/// <see cref="SettlementGossipTopic"/> (topic 2, tier 2): merged through the settlement validator,
/// pushed to neighbours as soon as they are accepted, and repaired by every round's Bloom summaries
/// (docs/protocol/channels.md, "Settlement gossip").
/// </para>
/// <para>
/// Wire of the node's <c>nexus.node</c> destination: kind 0x01 (1 byte) ‖ sender identity hash 16 ‖
/// app data. Any other kind (including the former 0x02 channel and 0x03 settlement envelopes) is
/// counted as malformed. The app message sender is a claim, not authenticated.
/// </para>
/// </summary>
public sealed partial class NexusNode
{
    private const byte KindApp = 0x01;
    private static readonly byte[] NodeNameHash = DestinationHash.NameHash(AppName);

    /// <summary>The largest app message <see cref="SendAsync"/> carries: 448 bytes (465 data bytes of a transported packet − 1 kind byte − 16 sender bytes).</summary>
    public const int MaxMessageSize = MeshConstants.Mtu - MeshConstants.Header2Size - 1 - Hash128.SizeInBytes;

    private readonly Channel<Work> _work = Channel.CreateBounded<Work>(new BoundedChannelOptions(16_384) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Dictionary<MeshInterface, Hash128> _neighbours = [];
    private readonly Dictionary<ChannelId, (ulong Sequence, int Age)> _settling = [];
    private readonly ChannelKeyCache _keys = new();
    private readonly CancellationTokenSource _stopping = new();
    private RocksDbEconomicsStore? _store;
    private EconomicsNode? _economics;
    private NexusLinkManager? _links;
    private LinkChannelTransport? _channelLinks;
    private SettlementGossipTopic? _settlements;
    private Task? _workLoop;
    private Task? _linkLoop;
    private Task? _traffic;
    private long _messagesIn;
    private long _messagesOut;
    private long _lotteryWins;
    private long _trafficDone;
    private long _workDropped;
    private long _unroutable;
    private long _ticks;
    private long _malformed;

    /// <summary>Raised for every app message that arrives for this node's destination (on a background thread; handlers must not block).</summary>
    public event EventHandler<NexusMessageEventArgs>? MessageReceived;

    /// <summary>The node's payment channels, relay lottery and ledger (persisted under <c>&lt;data_dir&gt;/economics</c>).</summary>
    /// <exception cref="InvalidOperationException">Read before <see cref="StartAsync"/> returned.</exception>
    public EconomicsNode Economics => _economics ?? throw new InvalidOperationException("The node is not started.");

    /// <summary>The node's identity hash: its account in channels and in the ledger.</summary>
    public Hash128 Account => Mesh.TransportId;

    /// <summary>The <c>nexus.node</c> destination hash of a node, from its 16-byte identity hash.</summary>
    /// <param name="identityHash">The node's identity hash.</param>
    /// <returns>SHA-256(name_hash("nexus.node") ‖ identity hash)[0..16].</returns>
    public static Hash128 NodeDestinationOf(in Hash128 identityHash) => DestinationHash.FromNameHash(NodeNameHash, identityHash);

    /// <summary>
    /// Sends one app message to another node's <c>nexus.node</c> destination (it is raised there as
    /// <see cref="MessageReceived"/>). Best effort, like any datagram: returns false when no path is
    /// known yet (a path request is sent; retry after it arrives) or the interface queue is full.
    /// </summary>
    /// <param name="destination">The receiving node's 16-byte <c>nexus.node</c> destination hash.</param>
    /// <param name="data">At most <see cref="MaxMessageSize"/> (448) bytes.</param>
    /// <param name="cancellationToken">Unused today; reserved for queued sends.</param>
    /// <returns>True when the packet was handed to an interface.</returns>
    /// <exception cref="ArgumentException"><paramref name="data"/> is longer than <see cref="MaxMessageSize"/>.</exception>
    public ValueTask<bool> SendAsync(Hash128 destination, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (data.Length > MaxMessageSize)
        {
            throw new ArgumentException($"An app message holds at most {MaxMessageSize} bytes.", nameof(data));
        }

        Span<byte> buffer = stackalloc byte[1 + Hash128.SizeInBytes + MaxMessageSize];
        buffer[0] = KindApp;
        Account.WriteTo(buffer[1..]);
        data.Span.CopyTo(buffer[(1 + Hash128.SizeInBytes)..]);
        bool sent = Mesh.Send(destination, buffer[..(1 + Hash128.SizeInBytes + data.Length)]);
        Interlocked.Increment(ref sent ? ref _messagesOut : ref _unroutable);
        return ValueTask.FromResult(sent);
    }

    private void StartEconomics(ILoggerFactory loggerFactory)
    {
        try
        {
            _store = new RocksDbEconomicsStore(Path.Combine(_options.DataDirectory, "economics"));
        }
        catch (Exception e) when (e is RocksDbSharp.RocksDbException or IOException or UnauthorizedAccessException)
        {
            throw new NodeStartException($"Cannot open the economics store in {Path.Combine(_options.DataDirectory, "economics")}: {e.Message.Split('\n')[0]}", e);
        }

        _links = new NexusLinkManager(Mesh, Identity, _time);
        _channelLinks = new LinkChannelTransport(_links, Account, keys: _keys, timeProvider: _time, loggerFactory: loggerFactory);
        _economics = new EconomicsNode(Identity.SigningKey, Account, _channelLinks, null, new EconomicsOptions
        {
            // A neighbour opening a channel may commit this node to the same deposit it would offer itself.
            MaxResponderDepositMicroNxs = _options.ChannelDepositMicroNxs,
        }, _store, _store, _keys,
            _options.GenesisBalances, _time, loggerFactory);
        _channelLinks.Attach(_economics);

        // Settlements ride the node's gossip (tier 2): validated on merge, pushed at once, repaired every round.
        _settlements = new SettlementGossipTopic(_economics.Validator, loggerFactory: loggerFactory);
        Gossip.AddTopic(_settlements);
        _economics.UseGossip(_settlements);
        _settlements.PublishRequested += () => Enqueue(new Work(WorkKind.PublishSettlements, default, default, null));
        Mesh.DataReceived = OnMeshData;
        Mesh.AnnounceValidated = OnAnnounceValidated;
        Gossip.Announces.RouteChanged += OnGossipRoute;
        Mesh.PacketSent = OnPacketSent;
        Mesh.PacketRelayed = OnPacketRelayed;
        _workLoop = Task.Run(RunWorkAsync);
        _linkLoop = Task.Run(() => _channelLinks.RunAsync(_stopping.Token));
    }

    /// <summary>The node's NEXUS link manager (channel messages ride its links).</summary>
    /// <exception cref="InvalidOperationException">Read before <see cref="StartAsync"/> returned.</exception>
    public NexusLinkManager Links => _links ?? throw new InvalidOperationException("The node is not started.");

    /// <summary>The transport carrying channel messages over <see cref="Links"/> (its counters show what rode a link).</summary>
    /// <exception cref="InvalidOperationException">Read before <see cref="StartAsync"/> returned.</exception>
    public LinkChannelTransport ChannelLinks => _channelLinks ?? throw new InvalidOperationException("The node is not started.");

    private async Task StopEconomicsAsync()
    {
        Mesh.DataReceived = null;
        Mesh.AnnounceValidated = null;
        Gossip.Announces.RouteChanged -= OnGossipRoute;
        Mesh.PacketSent = null;
        Mesh.PacketRelayed = null;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _work.Writer.TryComplete();
        _channelLinks?.Dispose();
        foreach (var task in new[] { _workLoop, _traffic, _linkLoop })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        _economics?.Dispose();
        _links?.Dispose();
        _store?.Dispose();
        _stopping.Dispose();
    }

    private void Enqueue(in Work work)
    {
        if (!_work.Writer.TryWrite(work))
        {
            Interlocked.Increment(ref _workDropped);
        }
    }

    // Mesh callbacks: run under the transport's lock; they only parse, learn keys and queue.
    // A destination learned from gossip carries its origin's signed announce (the announce topic checked
    // its signature before holding it): learn that identity's key as from an RNS announce. Otherwise a
    // party whose RNS announce has not reached this node (a relay rate-limits rebroadcasts per
    // destination) stays unknown, and its settlements arriving by gossip are rejected as UnknownParty
    // until a later round repairs them (up to a minute; seen in the three-node economics test).
    private void OnGossipRoute(Hash128 destination, RouteView? route)
    {
        if (route is not null && Packet.TryParse(route.Announce.Span, out var packet) && Announce.TryParse(packet, out var announce))
        {
            _keys.LearnIdentity(announce.PublicKey, announce.NameHash);
        }
    }

    private void OnAnnounceValidated(Hash128 destination, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> nameHash, byte hops, MeshInterface source)
    {
        var peer = _keys.LearnIdentity(publicKey, nameHash);
        if (hops > 1 || !nameHash.SequenceEqual(NodeNameHash))
        {
            return;
        }

        lock (_neighbours)
        {
            _neighbours[source] = peer;
        }

        _channelLinks?.LearnIdentity(IdentityPublicKey.FromBytes(publicKey));

        if (_options.AutoOpenChannels && Account.CompareTo(peer) < 0)
        {
            Enqueue(new Work(WorkKind.Open, peer, default, null));
        }
    }

    private void OnPacketSent(in Hash256 packetHash, Hash128 nextHop, bool nextHopIsDestination, MeshInterface outbound)
    {
        if (!nextHopIsDestination)
        {
            Enqueue(new Work(WorkKind.Forwarded, nextHop, packetHash, null));
        }
    }

    private void OnPacketRelayed(in Hash256 packetHash, MeshInterface inbound, Hash128 nextHop, bool nextHopIsDestination, MeshInterface outbound)
    {
        if (!nextHopIsDestination)
        {
            Enqueue(new Work(WorkKind.Forwarded, nextHop, packetHash, null));
        }

        Hash128 payer;
        lock (_neighbours)
        {
            if (!_neighbours.TryGetValue(inbound, out payer))
            {
                return;
            }
        }

        Enqueue(new Work(WorkKind.Relayed, payer, packetHash, null));
    }

    private void OnMeshData(Hash128 destination, ReadOnlySpan<byte> data, MeshInterface source)
    {
        if (destination != Destination.Hash || data.IsEmpty)
        {
            return;
        }

        switch (data[0])
        {
            case KindApp when data.Length >= 1 + Hash128.SizeInBytes:
                Enqueue(new Work(WorkKind.App, new Hash128(data.Slice(1, Hash128.SizeInBytes)), default, data[(1 + Hash128.SizeInBytes)..].ToArray()));
                break;
            default:
                Interlocked.Increment(ref _malformed);
                break;
        }
    }

    private async Task RunWorkAsync()
    {
        var token = _stopping.Token;
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                try
                {
                    await HandleAsync(work, token).ConfigureAwait(false);
                }
                catch (InvalidOperationException e)
                {
                    LogWorkFailed(_logger, work.Kind, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async ValueTask HandleAsync(Work work, CancellationToken cancellationToken)
    {
        var economics = Economics;
        switch (work.Kind)
        {
            case WorkKind.Open:
                if (!economics.TryGetChannelWith(work.Peer, out _))
                {
                    var terms = new ChannelTerms(WinProbability.FromOdds(_options.WinOdds), _options.PricePerPacketMicroNxs);
                    await economics.OpenChannelAsync(work.Peer, _options.ChannelDepositMicroNxs, _options.ChannelDepositMicroNxs, terms, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                break;
            case WorkKind.Forwarded:
                economics.OnPacketForwarded(work.Peer, work.PacketHash);
                break;
            case WorkKind.Relayed:
                if (await economics.OnPacketRelayedAsync(work.Peer, work.PacketHash, cancellationToken).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref _lotteryWins);
                }

                break;
            case WorkKind.PublishSettlements:
                _settlements!.FlushPublishes(new GossipPublisher(Gossip));
                break;
            case WorkKind.App:
                Interlocked.Increment(ref _messagesIn);
                MessageReceived?.Invoke(this, new NexusMessageEventArgs(work.Peer, work.Data!));
                break;
            default:
                await MaintainAsync(cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    // Once a second (queued by the announce timer): dispute deadlines, resending stored proposals
    // after a restart or a lost message, and retrying settlements the peer did not countersign.
    private async ValueTask MaintainAsync(CancellationToken cancellationToken)
    {
        var economics = Economics;
        long tick = ++_ticks;
        if (tick is 1 or 2 or 4 or 8 || tick % Math.Max(1, _options.AnnounceIntervalSeconds) == 0)
        {
            Links.Announce(); // with the node's own announces: neighbours route link handshakes to it
        }

        await economics.TickAsync(cancellationToken).ConfigureAwait(false);
        if (tick % 5 == 2)
        {
            await economics.ResumeAsync(cancellationToken).ConfigureAwait(false);
        }

        List<ChannelId> retry = [];
        lock (_settling)
        {
            foreach (var (id, (sequence, age)) in _settling.ToArray())
            {
                if (economics.TryGetChannel(id, out var c) && c!.LastSettlement is { } last && last.FinalSequence >= sequence)
                {
                    _settling.Remove(id);
                }
                else if (age >= 3)
                {
                    retry.Add(id);
                }
                else
                {
                    _settling[id] = (sequence, age + 1);
                }
            }
        }

        foreach (var id in retry)
        {
            await SettleChannelAsync(id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Settles every open channel whose state changed since its last settlement (see
    /// <see cref="EconomicsNode.SettleAsync"/>); settlements the peer does not countersign are retried
    /// every 3 s until it does. Counted as <c>open_settlements</c> in the status until then.
    /// </summary>
    /// <param name="cancellationToken">Cancels sends.</param>
    /// <returns>How many channels were asked to settle.</returns>
    public async Task<int> SettleAllAsync(CancellationToken cancellationToken = default)
    {
        int count = 0;
        foreach (var channel in Economics.Channels)
        {
            if (await SettleChannelAsync(channel.Id, cancellationToken).ConfigureAwait(false))
            {
                count++;
            }
        }

        return count;
    }

    private async ValueTask<bool> SettleChannelAsync(ChannelId id, CancellationToken cancellationToken)
    {
        var economics = Economics;
        if (!economics.TryGetChannel(id, out var c) || c!.Status != ChannelStatus.Open || c.Latest.Sequence == 0
            || (c.LastSettlement is { } last && last.FinalSequence >= c.Latest.Sequence))
        {
            lock (_settling)
            {
                _settling.Remove(id);
            }

            return false;
        }

        try
        {
            var record = await economics.SettleAsync(id, cancellationToken).ConfigureAwait(false);
            lock (_settling)
            {
                _settling[id] = (record.FinalSequence, 0);
            }

            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // settled or closed meanwhile
        }
    }

    private int OpenSettlements()
    {
        var economics = Economics;
        int open = 0;
        lock (_settling)
        {
            foreach (var (id, (sequence, _)) in _settling)
            {
                if (!economics.TryGetChannel(id, out var c) || c!.LastSettlement is not { } last || last.FinalSequence < sequence)
                {
                    open++;
                }
            }
        }

        return open;
    }

    private void StartTraffic(Hash128[] destinations, int packets)
    {
        Interlocked.Exchange(ref _trafficDone, 0);
        var previous = _traffic;
        _traffic = Task.Run(async () =>
        {
            if (previous is not null)
            {
                await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            var token = _stopping.Token;
            byte[] payload = new byte[32];
            for (int k = 0; k < packets && !token.IsCancellationRequested; k++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(payload, k);
                await SendAsync(destinations[k % destinations.Length], payload, token).ConfigureAwait(false);
                if (k % 10 == 9)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(5), _time, token).ConfigureAwait(false);
                }
            }

            Interlocked.Exchange(ref _trafficDone, 1);
        });
    }

    private JsonObject TrafficMethod(JsonElement? parameters)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } p
            || !p.TryGetProperty("destinations", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0
            || !p.TryGetProperty("packets", out var count) || !count.TryGetInt32(out int packets) || packets is < 1 or > 1_000_000)
        {
            throw new ControlException(ControlException.InvalidParams, "Expected {\"destinations\": [\"<destination hash>\", ...], \"packets\": 1..1000000}.");
        }

        var destinations = new Hash128[list.GetArrayLength()];
        int i = 0;
        foreach (var item in list.EnumerateArray())
        {
            destinations[i++] = ParseHash(item, "destinations[]");
        }

        StartTraffic(destinations, packets);
        return new JsonObject { ["started"] = true, ["packets"] = packets };
    }

    private async ValueTask<JsonNode?> SendMethod(JsonElement? parameters, CancellationToken cancellationToken)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } p || !p.TryGetProperty("destination", out var d) || !p.TryGetProperty("data_hex", out var hex)
            || hex.ValueKind != JsonValueKind.String)
        {
            throw new ControlException(ControlException.InvalidParams, "Expected {\"destination\": \"<destination hash>\", \"data_hex\": \"<hex>\"}.");
        }

        var destination = ParseHash(d, "destination");
        byte[] data;
        try
        {
            data = Convert.FromHexString(hex.GetString()!);
        }
        catch (FormatException)
        {
            throw new ControlException(ControlException.InvalidParams, "data_hex is not hexadecimal.");
        }

        if (data.Length > MaxMessageSize)
        {
            throw new ControlException(ControlException.InvalidParams, $"data_hex holds {data.Length} bytes; at most {MaxMessageSize} fit a message.");
        }

        return new JsonObject { ["sent"] = await SendAsync(destination, data, cancellationToken).ConfigureAwait(false) };
    }

    private static Hash128 ParseHash(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.String && Hash128.TryParse(value.GetString(), out var hash)
            ? hash
            : throw new ControlException(ControlException.InvalidParams, $"{name}: expected a destination hash (32 hex digits).");

    private JsonArray ChannelsJson()
    {
        var channels = new JsonArray();
        foreach (var c in Economics.Channels)
        {
            channels.Add(new JsonObject
            {
                ["peer"] = c.Peer.ToString(),
                ["channel_id"] = Convert.ToHexStringLower(c.Id.ToArray()),
                ["status"] = c.Status.ToString().ToLowerInvariant(),
                ["balance_mine_unxs"] = c.LocalBalance,
                ["balance_theirs_unxs"] = c.PeerBalance,
                ["sequence"] = c.Latest.Sequence,
                ["p"] = c.Terms.Probability.Probability,
                ["price_unxs"] = c.Terms.PerPacketCostMicroNxs,
                ["settled_sequence"] = c.LastSettlement?.FinalSequence ?? 0,
            });
        }

        return channels;
    }

    private JsonArray BalancesJson()
    {
        var balances = new JsonArray();
        foreach (var (account, balance) in Economics.Ledger.GetBalances().OrderBy(kv => kv.Key))
        {
            balances.Add(new JsonObject { ["account"] = account.ToString(), ["balance_unxs"] = balance });
        }

        return balances;
    }

    private void AddEconomicsCounters(JsonObject counters)
    {
        long updates = 0;
        long unsettled = 0;
        long backlog = _work.Reader.Count;
        foreach (var c in Economics.Channels)
        {
            updates += (long)c.UpdateCount; // dual-signed updates completed (sequences burnt by refused proposals do not count)
            unsettled += c.Status == ChannelStatus.Open && c.Latest.Sequence > (c.LastSettlement?.FinalSequence ?? 0) ? 1 : 0;
            backlog += c.HasPendingUpdate ? 1 : 0;
        }

        counters["lottery_wins"] = Interlocked.Read(ref _lotteryWins);
        counters["channel_updates"] = updates;
        counters["settlements"] = Economics.Ledger.Count;
        counters["open_settlements"] = OpenSettlements();
        counters["unsettled_channels"] = unsettled;
        counters["econ_backlog"] = backlog;
        counters["links_established"] = Links.EstablishedCount;
        counters["link_messages_sent"] = ChannelLinks.MessagesSent;
        counters["link_messages_received"] = ChannelLinks.MessagesReceived;
        counters["links_opened"] = ChannelLinks.LinksOpened;
        foreach (var (reason, count) in ChannelLinks.Dropped)
        {
            counters["link_dropped_" + reason] = count;
        }

        counters["settlement_gossip_accepted"] = _settlements!.Accepted;
        foreach (var (reason, count) in _settlements.Rejected)
        {
            counters["settlement_gossip_rejected_" + reason] = count;
        }

        counters["messages_in"] = Interlocked.Read(ref _messagesIn);
        counters["messages_out"] = Interlocked.Read(ref _messagesOut);
        counters["messages_unroutable"] = Interlocked.Read(ref _unroutable);
        counters["messages_malformed"] = Interlocked.Read(ref _malformed);
        counters["traffic_done"] = Interlocked.Read(ref _trafficDone);
        counters["work_dropped"] = Interlocked.Read(ref _workDropped);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Economics work {Kind} failed: {Reason}")]
    private static partial void LogWorkFailed(ILogger logger, WorkKind kind, string reason);

    private enum WorkKind
    {
        Open,
        Forwarded,
        Relayed,
        PublishSettlements,
        App,
        Maintain,
    }

    private readonly record struct Work(WorkKind Kind, Hash128 Peer, Hash256 PacketHash, byte[]? Data);

    /// <summary>Pushes through the node's gossip service, which takes the transport's lock around the engine.</summary>
    private sealed class GossipPublisher(MeshGossipService service) : IGossipPublisher
    {
        public void Publish(IGossipTopic topic, ReadOnlySpan<byte> key, Hash128? except = null) => service.Publish(topic, key);
    }
}

/// <summary>An app message that arrived for this node (<see cref="NexusNode.MessageReceived"/>).</summary>
/// <param name="sender">The sender's claimed 16-byte identity hash (not authenticated).</param>
/// <param name="data">The message bytes (at most <see cref="NexusNode.MaxMessageSize"/>).</param>
public sealed class NexusMessageEventArgs(Hash128 sender, ReadOnlyMemory<byte> data) : EventArgs
{
    /// <summary>The sender's claimed 16-byte identity hash (carried in the message; not authenticated).</summary>
    public Hash128 Sender { get; } = sender;

    /// <summary>The message bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;
}
