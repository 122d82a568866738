using System.Globalization;
using System.Net;
using System.Text.Json;
using Nexus.Crypto;
using Tomlyn;
using Tomlyn.Model;

namespace Nexus.Hosting;

/// <summary>
/// Reads a node configuration file (TOML, or JSON when the file name ends in <c>.json</c>) into
/// <see cref="NodeOptions"/>. Every setting is optional; unknown settings are errors (a typo must
/// not silently fall back to a default). The schema, in TOML:
/// <code>
/// data_dir = "/var/lib/nexus"            # default: NodeOptions.DefaultDataDirectory
/// identity = "/var/lib/nexus/identity"   # default: &lt;data_dir&gt;/identity
/// control_socket = "/run/nexus.sock"     # default: &lt;data_dir&gt;/control.sock
/// price_per_packet_unxs = 10             # μNXS per relayed packet
/// announce_interval_s = 1800
/// metrics = "127.0.0.1:9464"             # Prometheus text endpoint; absent = off
/// trusted_peers = ["&lt;32 hex digits&gt;"]  # identity hashes
/// win_odds = 1000                        # relay lottery p = 1/1000 on channels this node opens (5..10000)
/// channel_deposit_unxs = 100000          # each side's opening balance, μNXS
/// auto_open_channels = true              # open a channel with every direct nexus.node neighbour
/// genesis_balances = { "&lt;identity hash&gt;" = 1000000 }  # ledger base, μNXS; same on every node
///
/// [[interfaces]]
/// type = "tcp_server"                    # tcp_server | tcp_client | udp | serial
/// listen = "127.0.0.1:4242"              # tcp_server, udp
/// # connect = "10.0.0.2:4242"            # tcp_client
/// # forward = "255.255.255.255:4300"     # udp
/// # port = "/dev/ttyUSB0"  baud = 115200 # serial
/// name = "lan"                           # optional
/// </code>
/// Without an <c>interfaces</c> list the default TCP server on 127.0.0.1:4242 is used.
/// </summary>
public static class NodeConfigFile
{
    private static readonly string[] TopLevelKeys =
        ["data_dir", "identity", "control_socket", "price_per_packet_unxs", "announce_interval_s", "metrics", "trusted_peers", "interfaces",
         "win_odds", "channel_deposit_unxs", "auto_open_channels", "genesis_balances"];

    /// <summary>The largest configuration file read: 1 MiB.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>Reads and validates a configuration file.</summary>
    /// <param name="path">A <c>.toml</c> or <c>.json</c> file.</param>
    /// <returns>The options, with defaults for every absent setting.</returns>
    /// <exception cref="NodeConfigException">The file is missing, unreadable, larger than 1 MiB, not valid TOML/JSON, or a setting is unknown, of the wrong type or out of range; the message is one line.</exception>
    public static NodeOptions Load(string path)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new NodeConfigException($"{path}: configuration file not found.");
            }

            if (info.Length > MaxFileBytes)
            {
                throw new NodeConfigException($"{path}: configuration file is {info.Length} bytes; the limit is {MaxFileBytes}.");
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NodeConfigException($"{path}: cannot read the configuration file: {e.Message}", e);
        }

        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ParseJson(text, path) : ParseToml(text, path);
    }

    /// <summary>Parses TOML configuration text.</summary>
    /// <param name="text">The TOML document.</param>
    /// <param name="source">A name for messages (usually the file path).</param>
    /// <exception cref="NodeConfigException">Invalid TOML or an invalid setting; the message is one line.</exception>
    public static NodeOptions ParseToml(string text, string source = "config")
    {
        TomlTable table;
        try
        {
            table = TomlSerializer.Deserialize<TomlTable>(text)!;
        }
        catch (TomlException e)
        {
            throw new NodeConfigException($"{source}: not valid TOML: {FirstLine(e.Message)}", e);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or InvalidOperationException or IndexOutOfRangeException)
        {
            // Tomlyn 2.10 throws these on some malformed escapes and numbers instead of TomlException.
            throw new NodeConfigException($"{source}: not valid TOML: {FirstLine(e.Message)}", e);
        }

        return Build(ToTree(table), source);
    }

    /// <summary>Parses JSON configuration text (the same keys as TOML).</summary>
    /// <param name="text">The JSON document (an object).</param>
    /// <param name="source">A name for messages (usually the file path).</param>
    /// <exception cref="NodeConfigException">Invalid JSON or an invalid setting; the message is one line.</exception>
    public static NodeOptions ParseJson(string text, string source = "config")
    {
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new NodeConfigException($"{source}: the configuration must be a JSON object.");
            }

            return Build(ToTree(doc.RootElement), source);
        }
        catch (JsonException e)
        {
            throw new NodeConfigException($"{source}: not valid JSON: line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}: {FirstLine(e.Message)}", e);
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    // The two syntaxes map to one tree: Dictionary<string, object?>, List<object?>, string, long, double, bool.
    private static object? ToTree(object? value) => value switch
    {
        TomlTable t => t.ToDictionary(kv => kv.Key, kv => ToTree(kv.Value), StringComparer.Ordinal),
        TomlTableArray a => a.Select(x => ToTree(x)).ToList(),
        TomlArray a => a.Select(ToTree).ToList(),
        _ => value,
    };

    private static object? ToTree(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => ToTree(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => e.EnumerateArray().Select(ToTree).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static NodeOptions Build(object? tree, string source)
    {
        var root = (Dictionary<string, object?>)tree!;
        foreach (var key in root.Keys)
        {
            if (!TopLevelKeys.Contains(key))
            {
                throw new NodeConfigException($"{source}: unknown setting '{key}' (known: {string.Join(", ", TopLevelKeys)}).");
            }
        }

        var options = new NodeOptions();
        if (root.TryGetValue("data_dir", out var dataDir))
        {
            options = options with { DataDirectory = Path.GetFullPath(String(dataDir, source, "data_dir")) };
        }

        if (root.TryGetValue("identity", out var identity))
        {
            options = options with { IdentityPath = Path.GetFullPath(String(identity, source, "identity")) };
        }

        if (root.TryGetValue("control_socket", out var socket))
        {
            options = options with { ControlSocketPath = Path.GetFullPath(String(socket, source, "control_socket")) };
        }

        if (root.TryGetValue("price_per_packet_unxs", out var price))
        {
            options = options with { PricePerPacketMicroNxs = (ulong)Integer(price, source, "price_per_packet_unxs", 0, long.MaxValue) };
        }

        if (root.TryGetValue("announce_interval_s", out var interval))
        {
            options = options with { AnnounceIntervalSeconds = (int)Integer(interval, source, "announce_interval_s", 1, 86_400) };
        }

        if (root.TryGetValue("metrics", out var metrics))
        {
            options = options with { MetricsEndpoint = Endpoint(metrics, source, "metrics") };
        }

        if (root.TryGetValue("trusted_peers", out var peers))
        {
            var list = new List<Hash128>();
            int i = 0;
            foreach (var peer in List(peers, source, "trusted_peers"))
            {
                string hex = String(peer, source, $"trusted_peers[{i}]");
                if (!Hash128.TryParse(hex, out var hash))
                {
                    throw new NodeConfigException($"{source}: trusted_peers[{i}]: '{hex}' is not an identity hash (32 hex digits).");
                }

                list.Add(hash);
                i++;
            }

            options = options with { TrustedPeers = list };
        }

        if (root.TryGetValue("win_odds", out var odds))
        {
            options = options with { WinOdds = (ulong)Integer(odds, source, "win_odds", 5, 10_000) };
        }

        if (root.TryGetValue("channel_deposit_unxs", out var deposit))
        {
            options = options with { ChannelDepositMicroNxs = (ulong)Integer(deposit, source, "channel_deposit_unxs", 0, long.MaxValue) };
        }

        if (root.TryGetValue("auto_open_channels", out var autoOpen))
        {
            options = options with
            {
                AutoOpenChannels = autoOpen as bool? ?? throw new NodeConfigException($"{source}: auto_open_channels: expected true or false."),
            };
        }

        if (root.TryGetValue("genesis_balances", out var genesis))
        {
            if (genesis is not Dictionary<string, object?> table)
            {
                throw new NodeConfigException($"{source}: genesis_balances: expected a table of identity hash = μNXS.");
            }

            var balances = new Dictionary<Hash128, ulong>();
            foreach (var (account, amount) in table)
            {
                if (!Hash128.TryParse(account, out var hash))
                {
                    throw new NodeConfigException($"{source}: genesis_balances: '{account}' is not an identity hash (32 hex digits).");
                }

                balances[hash] = (ulong)Integer(amount, source, $"genesis_balances.{account}", 0, long.MaxValue);
            }

            options = options with { GenesisBalances = balances };
        }

        if (root.TryGetValue("interfaces", out var interfaces))
        {
            var list = new List<NodeInterfaceOptions>();
            int i = 0;
            foreach (var item in List(interfaces, source, "interfaces"))
            {
                list.Add(Interface(item, source, $"interfaces[{i}]"));
                i++;
            }

            options = options with { Interfaces = list };
        }

        return options;
    }

    private static NodeInterfaceOptions Interface(object? item, string source, string at)
    {
        if (item is not Dictionary<string, object?> table)
        {
            throw new NodeConfigException($"{source}: {at}: expected a table.");
        }

        string type = table.TryGetValue("type", out var t) ? String(t, source, at + ".type") : throw new NodeConfigException($"{source}: {at}: 'type' is required (tcp_server, tcp_client, udp, serial).");
        string[] allowed = type switch
        {
            "tcp_server" => ["type", "name", "listen"],
            "tcp_client" => ["type", "name", "connect"],
            "udp" => ["type", "name", "listen", "forward"],
            "serial" => ["type", "name", "port", "baud"],
            _ => throw new NodeConfigException($"{source}: {at}.type: '{type}' is not one of tcp_server, tcp_client, udp, serial."),
        };
        foreach (var key in table.Keys)
        {
            if (!allowed.Contains(key))
            {
                throw new NodeConfigException($"{source}: {at}: unknown setting '{key}' for type {type} (known: {string.Join(", ", allowed)}).");
            }
        }

        string? name = table.TryGetValue("name", out var n) ? String(n, source, at + ".name") : null;
        IPEndPoint Required(string key) => table.TryGetValue(key, out var v) ? Endpoint(v, source, $"{at}.{key}") : throw new NodeConfigException($"{source}: {at}: '{key}' is required for type {type}.");
        return type switch
        {
            "tcp_server" => new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpServer, Name = name, Endpoint = Required("listen") },
            "tcp_client" => new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpClient, Name = name, Endpoint = Required("connect") },
            "udp" => new NodeInterfaceOptions { Kind = NodeInterfaceKind.Udp, Name = name, Endpoint = Required("listen"), Forward = Required("forward") },
            _ => new NodeInterfaceOptions
            {
                Kind = NodeInterfaceKind.Serial,
                Name = name,
                SerialPort = table.TryGetValue("port", out var p) ? String(p, source, at + ".port") : throw new NodeConfigException($"{source}: {at}: 'port' is required for type serial."),
                BaudRate = table.TryGetValue("baud", out var b) ? (int)Integer(b, source, at + ".baud", 300, 4_000_000) : 115_200,
            },
        };
    }

    private static string String(object? value, string source, string at) =>
        value is string s && s.Length > 0 ? s : throw new NodeConfigException($"{source}: {at}: expected a non-empty string.");

    private static long Integer(object? value, string source, string at, long min, long max) =>
        value is long l && l >= min && l <= max
            ? l
            : throw new NodeConfigException($"{source}: {at}: expected an integer from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");

    private static List<object?> List(object? value, string source, string at) =>
        value as List<object?> ?? throw new NodeConfigException($"{source}: {at}: expected a list.");

    private static IPEndPoint Endpoint(object? value, string source, string at)
    {
        string text = String(value, source, at);
        try
        {
            return PeerStore.ParseEndpoint(text);
        }
        catch (FormatException e)
        {
            throw new NodeConfigException($"{source}: {at}: {e.Message}", e);
        }
    }
}
