using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;

namespace Nexus.Hosting;

/// <summary>
/// A running Nexus node: its identity, peer list and local control API, composed from the Nexus
/// packages. Start one with <see cref="StartAsync"/>, stop it with <see cref="DisposeAsync"/>
/// (state is flushed before it returns).
/// <para>
/// Data directory layout: <c>identity</c> (mode 0600, created on first start), <c>peers.json</c>,
/// <c>control.sock</c> (the JSON-RPC control socket, mode 0600, while running).
/// </para>
/// Control methods: <c>status</c> (see <see cref="GetStatus"/>), <c>peer.list</c>,
/// <c>peer.add</c> / <c>peer.remove</c> with params <c>{"tcp": "address:port"}</c> or
/// <c>{"trusted": "&lt;32 hex digits&gt;"}</c>, <c>shutdown</c> (see <see cref="ShutdownRequested"/>).
/// </summary>
public sealed partial class NexusNode : IAsyncDisposable
{
    private readonly NodeOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private readonly CancellationTokenSource _shutdown = new();
    private ControlServer? _control;

    private NexusNode(NodeOptions options, NodeIdentity identity, PeerStore peers, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _options = options;
        Identity = identity;
        Peers = peers;
        _logger = loggerFactory.CreateLogger<NexusNode>();
        _time = time;
        _startedAt = time.GetTimestamp();
    }

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
        }
        catch (IOException e)
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw new NodeStartException(e.Message, e);
        }

        LogStarted(node._logger, identity, options.DataDirectory);
        cancellationToken.ThrowIfCancellationRequested();
        return node;
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
    /// The node's status as JSON: <c>identity</c> (hash, public keys), <c>uptime_s</c>,
    /// <c>data_dir</c>, <c>interfaces</c>, <c>peers</c> (see <see cref="PeerStore.ToJson"/>).
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
            ["uptime_s"] = (long)_time.GetElapsedTime(_startedAt).TotalSeconds,
            ["data_dir"] = _options.DataDirectory,
            ["interfaces"] = new JsonArray([.. _options.Interfaces.Select(i => (JsonNode?)new JsonObject { ["name"] = i.DisplayName, ["kind"] = i.Kind.ToString() })]),
            ["peers"] = Peers.ToJson(),
        };
        return status;
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

        LogStopped(_logger, Identity);
        _shutdown.Dispose();
        Identity.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Identity} started with data directory {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, NodeIdentity identity, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Identity} stopped")]
    private static partial void LogStopped(ILogger logger, NodeIdentity identity);
}
