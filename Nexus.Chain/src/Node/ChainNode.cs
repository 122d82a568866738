using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>Settings of a <see cref="ChainNode"/>.</summary>
public sealed class ChainNodeOptions
{
    /// <summary>Directory for the RocksDB store (created if missing).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The chain genesis.</summary>
    public required Genesis Genesis { get; init; }

    /// <summary>
    /// This node's identity: its Ed25519 key authenticates peer connections and, if it is in the
    /// validator set, signs proposals and votes (a full node otherwise). Not owned.
    /// </summary>
    public required NodeIdentity Identity { get; init; }

    /// <summary>Peer-to-peer listen address (e.g. 127.0.0.1:26656); null to only dial out.</summary>
    public IPEndPoint? ListenEndPoint { get; init; }

    /// <summary>Peers to dial, host:port.</summary>
    public IReadOnlyList<string> Peers { get; init; } = [];

    /// <summary>JSON-RPC port on 127.0.0.1, or null for no RPC.</summary>
    public int? RpcPort { get; init; }

    /// <summary>Consensus timeouts.</summary>
    public TendermintOptions Consensus { get; init; } = new();

    /// <summary>Mempool limits.</summary>
    public MempoolOptions Mempool { get; init; } = new();

    /// <summary>Committed states kept for state proofs at recent heights (see <see cref="ChainApplication.RetainedStates"/>); default 0.</summary>
    public int RetainedStates { get; init; }

    /// <summary>Peer scoring and rate limits (ListenEndPoint and Peers above are copied in).</summary>
    public PeerNetworkOptions Network { get; init; } = new();

    /// <summary>Most transactions per proposed block; default 20,000.</summary>
    public int MaxBlockTransactions { get; init; } = 20_000;

    /// <summary>Sync the RocksDB WAL per block; default true.</summary>
    public bool SyncWrites { get; init; } = true;

    /// <summary>Clock; default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logger factory; default none.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}

/// <summary>
/// A complete chain node: RocksDB <see cref="BlockStore"/>, <see cref="ChainApplication"/> (state and
/// mempool), <see cref="TendermintEngine"/>, <see cref="PeerNetwork"/> over TCP and an optional
/// <see cref="JsonRpcServer"/>. A restarted node reopens its store and catches up from peers through
/// consensus sync. This is what the reference node's <c>nexus chain</c> and <c>nexus devnet --chain</c> run.
/// </summary>
public sealed class ChainNode : IAsyncDisposable
{
    private readonly ChainNodeOptions _options;

    /// <summary>Opens the store and wires the components (nothing runs until <see cref="Start"/>).</summary>
    /// <param name="options">Settings.</param>
    /// <exception cref="InvalidDataException">The data directory holds another chain or is inconsistent.</exception>
    public ChainNode(ChainNodeOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Store = BlockStore.Open(options.DataDirectory, options.Genesis, options.SyncWrites);
        Application = new ChainApplication(options.Genesis, Store, options.Mempool, options.MaxBlockTransactions) { RetainedStates = options.RetainedStates };
        Engine = new TendermintEngine(Application, options.Identity.SigningKey, options.Consensus, options.TimeProvider, options.LoggerFactory.CreateLogger<TendermintEngine>());
        var net = options.Network;
        net.ListenEndPoint = options.ListenEndPoint;
        foreach (var p in options.Peers) net.Peers.Add(p);
        Network = new PeerNetwork(Application, Engine, options.Identity, net, options.TimeProvider, options.LoggerFactory.CreateLogger<PeerNetwork>());
        Application.Broadcaster = Network.Broadcast;
        Application.Sender = Network.SendTo;
        if (options.RpcPort is { } port)
        {
            Rpc = new JsonRpcServer(Application, Store, port, options.LoggerFactory.CreateLogger<JsonRpcServer>());
        }
    }

    /// <summary>The durable store.</summary>
    public BlockStore Store { get; }

    /// <summary>State, mempool and evidence.</summary>
    public ChainApplication Application { get; }

    /// <summary>The consensus engine.</summary>
    public TendermintEngine Engine { get; }

    /// <summary>Peer connections.</summary>
    public PeerNetwork Network { get; }

    /// <summary>The JSON-RPC server, or null.</summary>
    public JsonRpcServer? Rpc { get; }

    /// <summary>This node's Ed25519 key (its validator key if it is in the set).</summary>
    public Ed25519PublicKey PublicKey => _options.Identity.SigningKey.PublicKey;

    /// <summary>
    /// Raised after each block this node commits (written to <see cref="Store"/>, state advanced), with
    /// its commit and receipts, once per height in height order, on the consensus thread: handlers must
    /// not block (hand work off instead). Blocks caught up by sync are raised too.
    /// </summary>
    public event Action<CommittedBlock>? BlockCommitted
    {
        add => Application.Committed += value;
        remove => Application.Committed -= value;
    }

    /// <summary>
    /// Completes when this node has committed <paramref name="height"/> (at once if it already has);
    /// the replacement for polling <see cref="BlockStore.Height"/>.
    /// </summary>
    /// <param name="height">The height to wait for (≥ 1).</param>
    /// <param name="cancellationToken">Ends the wait early.</param>
    /// <returns>A task that completes after the block at <paramref name="height"/> is committed.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first (thrown by the returned task).</exception>
    public ValueTask WaitForHeightAsync(ulong height, CancellationToken cancellationToken = default) =>
        Application.WaitForHeightAsync(height, cancellationToken);

    /// <summary>Starts networking, RPC and consensus.</summary>
    public void Start()
    {
        Network.Start();
        Rpc?.Start();
        Engine.Start();
    }

    /// <summary>Stops everything and closes the store.</summary>
    /// <returns>Completion.</returns>
    public async ValueTask DisposeAsync()
    {
        Engine.Dispose();
        if (Rpc is not null) await Rpc.DisposeAsync().ConfigureAwait(false);
        await Network.DisposeAsync().ConfigureAwait(false);
        Store.Dispose();
    }
}
