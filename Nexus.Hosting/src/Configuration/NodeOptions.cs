using System.Net;
using Nexus.Crypto;

namespace Nexus.Hosting;

/// <summary>
/// Everything a node needs to run. The defaults are the embedded defaults: no configuration file
/// is needed — data in <see cref="DefaultDataDirectory"/>, one TCP server interface on
/// 127.0.0.1:4242, the control socket in the data directory, no metrics endpoint.
/// </summary>
public sealed record NodeOptions
{
    /// <summary>The environment variable that overrides the default data directory: <c>NEXUS_HOME</c>.</summary>
    public const string HomeVariable = "NEXUS_HOME";

    /// <summary>The default TCP port of the server interface: 4242 (Reticulum's customary TCP port).</summary>
    public const int DefaultTcpPort = 4242;

    /// <summary>
    /// The default data directory: <c>$NEXUS_HOME</c> if set, else <c>nexus</c> under the user's
    /// local data folder (<c>~/.local/share/nexus</c> on Linux, <c>%LOCALAPPDATA%\nexus</c> on Windows).
    /// </summary>
    public static string DefaultDataDirectory =>
        Environment.GetEnvironmentVariable(HomeVariable) is { Length: > 0 } home
            ? Path.GetFullPath(home)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "nexus");

    /// <summary>The node's data directory (identity, RocksDB stores, control socket).</summary>
    public string DataDirectory { get; init; } = DefaultDataDirectory;

    /// <summary>The identity file; null means <c>identity</c> in <see cref="DataDirectory"/> (created on first start).</summary>
    public string? IdentityPath { get; init; }

    /// <summary>The control socket (a Unix domain socket); null means <c>control.sock</c> in <see cref="DataDirectory"/>.</summary>
    public string? ControlSocketPath { get; init; }

    /// <summary>The mesh interfaces. Default: one TCP server on 127.0.0.1:4242.</summary>
    public IReadOnlyList<NodeInterfaceOptions> Interfaces { get; init; } =
        [new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpServer, Endpoint = new IPEndPoint(IPAddress.Loopback, DefaultTcpPort) }];

    /// <summary>Identity hashes (16 bytes) of trusted peers: their traffic is relayed without payment.</summary>
    public IReadOnlyList<Hash128> TrustedPeers { get; init; } = [];

    /// <summary>The price this node charges per relayed packet, in μNXS (default 10).</summary>
    public ulong PricePerPacketMicroNxs { get; init; } = 10;

    /// <summary>
    /// The relay-lottery odds this node offers on the channels it opens: p = 1 / odds (default 1,000;
    /// the channel protocol accepts 5 to 10,000). A win pays <see cref="PricePerPacketMicroNxs"/> × odds.
    /// </summary>
    public ulong WinOdds { get; init; } = 1_000;

    /// <summary>Each side's opening balance of a channel this node opens with a direct neighbour, μNXS (default 100,000).</summary>
    public ulong ChannelDepositMicroNxs { get; init; } = 100_000;

    /// <summary>
    /// Whether the node opens a payment channel with every direct neighbour that announces a
    /// <c>nexus.node</c> destination (default true). Only the side with the lower identity hash opens.
    /// </summary>
    public bool AutoOpenChannels { get; init; } = true;

    /// <summary>
    /// The ledger's genesis balances (the epoch-0 base of every account, μNXS; each at most 2^63 − 1),
    /// keyed by identity hash. Every node of a network must use the same map, or their ledgers cannot
    /// agree. Default empty: every account starts at 0, so a settlement that leaves its payer below 0
    /// is excluded by the ledger's overdraft rule.
    /// </summary>
    public IReadOnlyDictionary<Hash128, ulong> GenesisBalances { get; init; } = new Dictionary<Hash128, ulong>();

    /// <summary>The interval between this node's own announces, in seconds (default 1,800: the spec's 30-minute refresh).</summary>
    public int AnnounceIntervalSeconds { get; init; } = 1_800;

    /// <summary>Where to serve Prometheus metrics (text format, <c>/metrics</c>); null disables the endpoint.</summary>
    public IPEndPoint? MetricsEndpoint { get; init; }

    /// <summary>The identity file path after defaults.</summary>
    public string ResolvedIdentityPath => IdentityPath ?? Path.Combine(DataDirectory, "identity");

    /// <summary>The control socket path after defaults.</summary>
    public string ResolvedControlSocketPath => ControlSocketPath ?? Path.Combine(DataDirectory, "control.sock");
}
