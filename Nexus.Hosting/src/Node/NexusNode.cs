using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;
using Nexus.Mesh;
using Nexus.Mesh.Gossip;

namespace Nexus.Hosting;

/// <summary>
/// A running Nexus node: its identity, peer list and local control API, composed from the Nexus
/// packages. Start one with <see cref="StartAsync"/>, stop it with <see cref="DisposeAsync"/>
/// (state is flushed before it returns).
/// <para>
/// Data directory layout: <c>identity</c> (mode 0600, created on first start), <c>peers.json</c>,
/// <c>control.sock</c> (the JSON-RPC control socket, mode 0600, while running), <c>economics/</c>
/// (RocksDB: channels and the settlement ledger, synced on every write, so a kill -9 loses nothing
/// that was signed).
/// </para>
/// Control methods: <c>status</c> (see <see cref="GetStatus"/>), <c>peer.list</c>,
/// <c>peer.add</c> / <c>peer.remove</c> with params <c>{"tcp": "address:port"}</c> or
/// <c>{"trusted": "&lt;32 hex digits&gt;"}</c>, <c>shutdown</c> (see <see cref="ShutdownRequested"/>),
/// <c>send</c> <c>{"destination": "&lt;nexus.node destination&gt;", "data_hex": "..."}</c> (see <see cref="SendAsync"/>),
/// <c>traffic</c> <c>{"destinations": [...], "packets": N}</c> (sends N app messages round-robin in the
/// background; <c>counters.traffic_done</c> becomes 1 when done), <c>settle</c> (see <see cref="SettleAllAsync"/>).
/// </summary>
public sealed partial class NexusNode : IAsyncDisposable
{
    private readonly NodeOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly List<MeshInterface> _interfaces = [];
    private ControlServer? _control;
    private ITimer? _announceTimer;
    private int _announcesSent;

    private NexusNode(NodeOptions options, NodeIdentity identity, PeerStore peers, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _options = options;
        Identity = identity;
        Peers = peers;
        _logger = loggerFactory.CreateLogger<NexusNode>();
        _time = time;
        _startedAt = time.GetTimestamp();
        Mesh = new MeshTransport(identity, new MeshTransportOptions
        {
            AnnounceInterval = TimeSpan.FromSeconds(options.AnnounceIntervalSeconds),
        }, time, loggerFactory.CreateLogger<MeshTransport>());
        Destination = Mesh.RegisterDestination(identity, AppName, CompactPathCost.ForOrigin(0, 0, 10_000_000));
        Gossip = new MeshGossipService(Mesh, identity, new GossipOptions(), time, loggerFactory);
    }

    /// <summary>The app name of a node's own destination: <c>nexus.node</c> (destination hash = Reticulum's SINGLE destination of the identity for this name).</summary>
    public const string AppName = "nexus.node";

    /// <summary>The mesh transport: interfaces, routing table, announces.</summary>
    public MeshTransport Mesh { get; }

    /// <summary>
    /// The node's gossip (spec 01-mesh §5–§6) over <see cref="Mesh"/>: direct neighbours from beacons,
    /// 60-s rounds, the announce topic (this node's destination; gossip-learned paths go into the
    /// routing table). Other layers register their topics here with
    /// <see cref="MeshGossipService.AddTopic"/> (topic ids other than 1).
    /// </summary>
    public MeshGossipService Gossip { get; }

    /// <summary>This node's own destination (<see cref="AppName"/>), announced on every interface.</summary>
    public Destination Destination { get; }

    /// <summary>The node's identity (its 16-byte hash names it on the mesh).</summary>
    public NodeIdentity Identity { get; }

    /// <summary>The persistent peer list; changes through the control API apply live.</summary>
    public PeerStore Peers { get; }

    /// <summary>Cancelled when a client asks the node to stop (control method <c>shutdown</c>); the host should then dispose the node.</summary>
    public CancellationToken ShutdownRequested => _shutdown.Token;

    /// <summary>The options the node runs with.</summary>
    public NodeOptions Options => _options;

    /// <summary>
    /// Starts a node: creates the data directory (mode 0700), loads the identity (or creates one on
    /// first start), opens the peer list and serves the control socket.
    /// </summary>
    /// <param name="options">The node options (see <see cref="NodeOptions"/> for the defaults).</param>
    /// <param name="loggerFactory">Logging; null for none.</param>
    /// <param name="time">The clock; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="NodeStartException">The identity file is corrupt or unreadable, the peer list is invalid, the data directory is not writable, or another node runs with the same control socket; the message is one line and nothing on disk was changed.</exception>
    public static async Task<NexusNode> StartAsync(NodeOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        time ??= TimeProvider.System;
        try
        {
            Directory.CreateDirectory(options.DataDirectory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(options.DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NodeStartException($"Cannot use data directory {options.DataDirectory}: {e.Message}", e);
        }

        NodeIdentity identity = LoadOrCreateIdentity(options.ResolvedIdentityPath);
        PeerStore peers;
        try
        {
            peers = PeerStore.Open(Path.Combine(options.DataDirectory, "peers.json"));
        }
        catch (NodeConfigException e)
        {
            identity.Dispose();
            throw new NodeStartException(e.Message, e);
        }

        var node = new NexusNode(options, identity, peers, loggerFactory, time);
        try
        {
            node._control = new ControlServer(options.ResolvedControlSocketPath, node.ControlMethods(), loggerFactory.CreateLogger<ControlServer>());
            node._control.Start();
            node.StartEconomics(loggerFactory);
        }
        catch (IOException e)
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw new NodeStartException(e.Message, e);
        }
        catch (NodeStartException)
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        try
        {
            await node.StartInterfacesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NodeStartException)
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        LogStarted(node._logger, identity, options.DataDirectory);
        cancellationToken.ThrowIfCancellationRequested();
        return node;
    }

    private async Task StartInterfacesAsync(CancellationToken cancellationToken)
    {
        var configured = _options.Interfaces.ToList();
        foreach (var peer in Peers.TcpPeers)
        {
            if (!configured.Any(i => i.Kind == NodeInterfaceKind.TcpClient && Equals(i.Endpoint, peer)))
            {
                configured.Add(new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpClient, Endpoint = peer });
            }
        }

        foreach (var config in configured)
        {
            await AddInterfaceAsync(config, cancellationToken).ConfigureAwait(false);
        }

        // Gossip this node's destination to beacon-discovered neighbours, rounds every 60 s.
        Gossip.Originate(Destination.Hash);
        Gossip.Start();

        // Announce now, again quickly while links come up (1, 2, 4, 8 s), then every interval.
        Mesh.Announce(Destination.Hash);
        _announceTimer = _time.CreateTimer(_ => AnnounceTick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private void AnnounceTick()
    {
        int tick = Interlocked.Increment(ref _announcesSent);
        Enqueue(new Work(WorkKind.Maintain, default, default, null));
        bool early = tick is 1 or 2 or 4 or 8;
        if (early || tick % Math.Max(1, _options.AnnounceIntervalSeconds) == 0)
        {
            Mesh.Announce(Destination.Hash);
        }
    }

    private async Task<MeshInterface> AddInterfaceAsync(NodeInterfaceOptions config, CancellationToken cancellationToken)
    {
        MeshInterface iface = config.Kind switch
        {
            NodeInterfaceKind.TcpServer => new TcpServerInterface(config.DisplayName, config.Endpoint!),
            NodeInterfaceKind.TcpClient => new TcpClientInterface(config.DisplayName, config.Endpoint!.Address.ToString(), config.Endpoint.Port, _time),
            NodeInterfaceKind.Udp => new UdpInterface(config.DisplayName, config.Endpoint!, config.Forward!),
            _ => new SerialKissInterface(config.DisplayName, config.SerialPort!, config.BaudRate),
        };
        try
        {
            if (iface is TcpServerInterface server)
            {
                // A new client: tell it who we are right away.
                server.InterfaceSpawned += _ => Mesh.Announce(Destination.Hash);
            }

            Mesh.AddInterface(iface);
            await iface.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Mesh.RemoveInterface(iface);
            await iface.DisposeAsync().ConfigureAwait(false);
            throw new NodeStartException($"Cannot start interface {config.DisplayName}: {e.Message.Split('\n')[0]}", e);
        }

        lock (_interfaces)
        {
            _interfaces.Add(iface);
        }

        return iface;
    }

    private static NodeIdentity LoadOrCreateIdentity(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                return IdentityFile.Load(path);
            }

            var identity = NodeIdentity.Generate();
            IdentityFile.Save(identity, path);
            return identity;
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            throw new NodeStartException($"Cannot use identity file {path}: {e.Message.Split('\n')[0]} (restore it from your backup, or move it away to create a new identity).", e);
        }
    }

    /// <summary>
    /// The node's status as JSON: <c>identity</c> (hash, public keys), <c>destination</c>, <c>uptime_s</c>,
    /// <c>data_dir</c>, <c>interfaces</c>, <c>routes</c> (destination, next_hop, interface, cost,
    /// latency_ms, bandwidth_bps, hops, expires_s), <c>peers</c> (see <see cref="PeerStore.ToJson"/>),
    /// <c>channels</c> (peer, channel_id, status, balance_mine_unxs, balance_theirs_unxs, sequence, p,
    /// price_unxs, settled_sequence), <c>balances</c> (account = identity hash, balance_unxs from the
    /// ledger, sorted by account) and <c>counters</c> (packets_relayed, gossip_round, gossip_neighbours,
    /// gossip_rejected_* (see <see cref="MeshGossipService.Rejected"/>), dropped_*, lottery_wins,
    /// channel_updates = Σ PaymentChannel.UpdateCount (dual-signed updates completed), settlements = ledger records, open_settlements,
    /// unsettled_channels (open channels changed since their last settlement), econ_backlog (queued
    /// economics work + proposals awaiting the peer; 0 when the channels are idle),
    /// messages_in/out/unroutable/malformed, traffic_done, work_dropped).
    /// </summary>
    public JsonObject GetStatus()
    {
        var status = new JsonObject
        {
            ["identity"] = new JsonObject
            {
                ["hash"] = Identity.ToString(),
                ["ed25519"] = Identity.SigningKey.PublicKey.ToString(),
                ["x25519"] = Identity.EncryptionKey.PublicKey.ToString(),
            },
            ["destination"] = Destination.Hash.ToString(),
            ["uptime_s"] = (long)_time.GetElapsedTime(_startedAt).TotalSeconds,
            ["data_dir"] = _options.DataDirectory,
            ["interfaces"] = InterfacesJson(),
            ["routes"] = RoutesJson(),
            ["peers"] = Peers.ToJson(),
            ["counters"] = CountersJson(),
        };
        if (_economics is not null)
        {
            status["channels"] = ChannelsJson();
            status["balances"] = BalancesJson();
        }

        return status;
    }

    private JsonArray InterfacesJson()
    {
        MeshInterface[] all;
        lock (_interfaces)
        {
            all = [.. _interfaces];
        }

        return new JsonArray([.. all.Select(i => (JsonNode?)new JsonObject
        {
            ["name"] = i.Name,
            ["kind"] = i.GetType().Name.Replace("Interface", "", StringComparison.Ordinal),
            ["online"] = i.IsOnline,
            ["packets_in"] = i.PacketsReceived,
            ["packets_out"] = i.PacketsSent,
            ["bytes_in"] = i.BytesReceived,
            ["bytes_out"] = i.BytesSent,
        })]);
    }

    private JsonArray RoutesJson()
    {
        var now = _time.GetUtcNow();
        var routes = new JsonArray();
        foreach (var best in Mesh.GetBestRoutes())
        {
            routes.Add(new JsonObject
            {
                ["destination"] = best.Destination.ToString(),
                ["next_hop"] = best.NextHop.ToString(),
                ["interface"] = best.Interface.Name,
                ["cost"] = double.IsFinite(best.Cost) ? Math.Round(best.Cost, 3) : null, // null: unknown (a plain RNS announce)
                ["latency_ms"] = best.LatencyMs,
                ["bandwidth_bps"] = double.IsFinite(best.BandwidthBitsPerSecond) ? (long)best.BandwidthBitsPerSecond : null,
                ["hops"] = (int)best.Hops,
                ["expires_s"] = (long)Math.Max(0, (best.Expires - now).TotalSeconds),
            });
        }

        return routes;
    }

    private JsonObject CountersJson()
    {
        var counters = new JsonObject
        {
            ["packets_relayed"] = Mesh.Forwarded,
            ["gossip_round"] = (long)Gossip.Round,
            ["gossip_neighbours"] = (long)Gossip.Neighbours().Count,
        };
        foreach (var (reason, count) in Gossip.Rejected)
        {
            counters["gossip_rejected_" + reason] = count;
        }

        foreach (var (reason, count) in Mesh.Drops)
        {
            counters["dropped_" + reason] = count;
        }

        if (_economics is not null)
        {
            AddEconomicsCounters(counters);
        }

        return counters;
    }

    private Dictionary<string, ControlMethod> ControlMethods() => new(StringComparer.Ordinal)
    {
        ["status"] = (_, _) => ValueTask.FromResult<JsonNode?>(GetStatus()),
        ["shutdown"] = async (_, _) =>
        {
            await _shutdown.CancelAsync().ConfigureAwait(false);
            return true;
        },
        ["peer.list"] = (_, _) => ValueTask.FromResult<JsonNode?>(Peers.ToJson()),
        ["peer.add"] = (p, _) => ValueTask.FromResult<JsonNode?>(ChangePeer(p, add: true)),
        ["peer.remove"] = (p, _) => ValueTask.FromResult<JsonNode?>(ChangePeer(p, add: false)),
        ["send"] = SendMethod,
        ["traffic"] = (p, _) => ValueTask.FromResult<JsonNode?>(TrafficMethod(p)),
        ["settle"] = async (_, ct) => new JsonObject { ["settling"] = await SettleAllAsync(ct).ConfigureAwait(false) },
    };

    private JsonObject ChangePeer(JsonElement? parameters, bool add)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } p)
        {
            throw new ControlException(ControlException.InvalidParams, "Expected {\"tcp\": \"address:port\"} or {\"trusted\": \"<identity hash>\"}.");
        }

        bool changed;
        if (p.TryGetProperty("tcp", out var tcp) && tcp.ValueKind == JsonValueKind.String)
        {
            System.Net.IPEndPoint endpoint;
            try
            {
                endpoint = PeerStore.ParseEndpoint(tcp.GetString()!);
            }
            catch (FormatException e)
            {
                throw new ControlException(ControlException.InvalidParams, e.Message);
            }

            changed = add ? Peers.AddTcpPeer(endpoint) : Peers.RemoveTcpPeer(endpoint);
        }
        else if (p.TryGetProperty("trusted", out var trusted) && trusted.ValueKind == JsonValueKind.String)
        {
            if (!Hash128.TryParse(trusted.GetString(), out var hash))
            {
                throw new ControlException(ControlException.InvalidParams, $"'{trusted.GetString()}' is not an identity hash (32 hex digits).");
            }

            changed = add ? Peers.AddTrusted(hash) : Peers.RemoveTrusted(hash);
        }
        else
        {
            throw new ControlException(ControlException.InvalidParams, "Expected {\"tcp\": \"address:port\"} or {\"trusted\": \"<identity hash>\"}.");
        }

        return new JsonObject { ["changed"] = changed, ["peers"] = Peers.ToJson() };
    }

    /// <summary>Stops the control API and releases the identity; state is flushed before this returns.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_control is not null)
        {
            await _control.DisposeAsync().ConfigureAwait(false);
            _control = null;
        }

        if (_announceTimer is not null)
        {
            await _announceTimer.DisposeAsync().ConfigureAwait(false);
        }

        await StopEconomicsAsync().ConfigureAwait(false);

        MeshInterface[] interfaces;
        lock (_interfaces)
        {
            interfaces = [.. _interfaces];
            _interfaces.Clear();
        }

        Gossip.Dispose();
        foreach (var iface in interfaces)
        {
            Mesh.RemoveInterface(iface);
            await iface.DisposeAsync().ConfigureAwait(false);
        }

        Mesh.Dispose();

        LogStopped(_logger, Identity);
        _shutdown.Dispose();
        Identity.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Identity} started with data directory {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, NodeIdentity identity, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Identity} stopped")]
    private static partial void LogStopped(ILogger logger, NodeIdentity identity);
}
