using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nexus.Hosting;
using Spectre.Console;

namespace Nexus.Node;

/// <summary>The <c>node</c>, <c>status</c> and <c>peer</c> commands.</summary>
internal static class NodeCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Option<DirectoryInfo> DataDirOption() => new("--data-dir", "-d")
    {
        Description = "The node's data directory (default: $NEXUS_HOME, else nexus under the user's local data folder).",
    };

    public static Command Node(TextWriter output, TextWriter error)
    {
        var config = new Option<FileInfo>("--config", "-c") { Description = "A TOML or JSON configuration file (optional; embedded defaults otherwise)." };
        var dataDir = DataDirOption();
        var listen = new Option<string>("--listen", "-l") { Description = "Address:port of the TCP server interface (default 127.0.0.1:4242)." };
        var peers = new Option<string[]>("--peer", "-p") { Description = "Address:port of a node to connect to (repeatable).", AllowMultipleArgumentsPerToken = false };
        var metrics = new Option<string>("--metrics") { Description = "Serve Prometheus metrics (text format) at http://<address:port>/metrics, e.g. 127.0.0.1:9464 (default: off)." };
        var command = new Command("node", "Run a node in the foreground until Ctrl+C (no configuration needed).") { config, dataDir, listen, peers, metrics };
        command.SetAction(async (parse, cancellationToken) =>
        {
            NodeOptions options;
            try
            {
                options = parse.GetValue(config) is { } file ? NodeConfigFile.Load(file.FullName) : new NodeOptions();
                if (parse.GetValue(dataDir) is { } dir)
                {
                    options = options with { DataDirectory = dir.FullName };
                }

                if (parse.GetValue(listen) is { } address)
                {
                    var endpoint = PeerStore.ParseEndpoint(address);
                    options = options with
                    {
                        Interfaces = [.. options.Interfaces.Where(i => i.Kind != NodeInterfaceKind.TcpServer), new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpServer, Endpoint = endpoint }],
                    };
                }

                if (parse.GetValue(metrics) is { } metricsAddress)
                {
                    options = options with { MetricsEndpoint = PeerStore.ParseEndpoint(metricsAddress) };
                }

                var peerEndpoints = (parse.GetValue(peers) ?? []).Select(PeerStore.ParseEndpoint).ToList();
                if (peerEndpoints.Count > 0)
                {
                    options = options with
                    {
                        Interfaces = [.. options.Interfaces, .. peerEndpoints.Select(p => new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpClient, Endpoint = p })],
                    };
                }
            }
            catch (Exception e) when (e is NodeConfigException or FormatException)
            {
                error.WriteLine($"nexus node: {e.Message}");
                return NexusCli.Failed;
            }

            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
            using var host = builder.Build();

            // Start the node before the host, so a start failure is one line, not a host stack trace.
            NexusNode node;
            try
            {
                node = await NexusNode.StartAsync(options, host.Services.GetRequiredService<ILoggerFactory>(), TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
            catch (NodeStartException e)
            {
                error.WriteLine($"nexus node: {e.Message}");
                return NexusCli.Failed;
            }

            await using (node.ConfigureAwait(false))
            {
                using var metricServer = MetricsEndpoint.TryStart(options.MetricsEndpoint, error);
                if (options.MetricsEndpoint is not null && metricServer is null)
                {
                    return NexusCli.Failed;
                }

                output.WriteLine($"node {node.Identity} running; data in {options.DataDirectory}; Ctrl+C to stop");
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, node.ShutdownRequested);
                await host.RunAsync(stop.Token).ConfigureAwait(false);
            }

            return NexusCli.Ok;
        });
        return command;
    }

    public static Command Status(TextWriter output, TextWriter error)
    {
        var dataDir = DataDirOption();
        var json = new Option<bool>("--json") { Description = "Print the raw status JSON instead of tables." };
        var command = new Command("status", "Show a running node's identity, interfaces, routes, channels and balances.") { dataDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var status = await CallAsync(parse.GetValue(dataDir), "status", null, cancellationToken).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(status, Indented));
                }
                else
                {
                    StatusView.Render(status, output);
                }

                return NexusCli.Ok;
            }
            catch (ControlException e)
            {
                error.WriteLine($"nexus status: {e.Message}");
                return NexusCli.Failed;
            }
        });
        return command;
    }

    public static Command Peer(TextWriter output, TextWriter error)
    {
        var command = new Command("peer", "Manage a running node's static TCP peers and trusted identities (applied live, saved in peers.json).");
        foreach (var (name, method, description) in new[]
                 {
                     ("add", "peer.add", "Add a TCP peer (address:port) or a trusted identity hash."),
                     ("remove", "peer.remove", "Remove a TCP peer or a trusted identity hash."),
                 })
        {
            var dataDir = DataDirOption();
            var target = new Argument<string>("peer") { Description = "address:port of a TCP peer, or a 32-hex-digit identity hash to trust." };
            var sub = new Command(name, description) { dataDir, target };
            sub.SetAction(async (parse, cancellationToken) =>
            {
                string value = parse.GetValue(target)!;
                var parameters = value.Contains(':', StringComparison.Ordinal) ? new JsonObject { ["tcp"] = value } : new JsonObject { ["trusted"] = value };
                try
                {
                    var result = await CallAsync(parse.GetValue(dataDir), method, parameters, cancellationToken).ConfigureAwait(false);
                    output.WriteLine(result.GetProperty("changed").GetBoolean() ? $"{name}: {value}" : $"{name}: {value} (no change)");
                    return NexusCli.Ok;
                }
                catch (ControlException e)
                {
                    error.WriteLine($"nexus peer {name}: {e.Message}");
                    return NexusCli.Failed;
                }
            });
            command.Subcommands.Add(sub);
        }

        var listDir = DataDirOption();
        var list = new Command("list", "List TCP peers and trusted identities.") { listDir };
        list.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var peers = await CallAsync(parse.GetValue(listDir), "peer.list", null, cancellationToken).ConfigureAwait(false);
                foreach (var tcp in peers.GetProperty("tcp").EnumerateArray())
                {
                    output.WriteLine($"tcp      {tcp.GetString()}");
                }

                foreach (var trusted in peers.GetProperty("trusted").EnumerateArray())
                {
                    output.WriteLine($"trusted  {trusted.GetString()}");
                }

                return NexusCli.Ok;
            }
            catch (ControlException e)
            {
                error.WriteLine($"nexus peer list: {e.Message}");
                return NexusCli.Failed;
            }
        });
        command.Subcommands.Add(list);
        return command;
    }

    private static async Task<JsonElement> CallAsync(DirectoryInfo? dataDir, string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        var options = dataDir is null ? new NodeOptions() : new NodeOptions { DataDirectory = dataDir.FullName };
        await using var client = await ControlClient.ConnectAsync(options.ResolvedControlSocketPath, cancellationToken).ConfigureAwait(false);
        return await client.CallAsync(method, parameters, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Renders the <c>status</c> JSON as tables.</summary>
internal static class StatusView
{
    public static void Render(JsonElement status, TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;
        var identity = status.GetProperty("identity");
        console.WriteLine($"identity  {identity.GetProperty("hash").GetString()}   destination {(status.TryGetProperty("destination", out var d) ? d.GetString() : "-")}   uptime {status.GetProperty("uptime_s").GetInt64()} s   data {status.GetProperty("data_dir").GetString()}");
        Table("interfaces", status, ["name", "kind", "online", "packets_in", "packets_out", "bytes_in", "bytes_out"], console);
        Table("routes", status, ["destination", "next_hop", "interface", "cost", "latency_ms", "bandwidth_bps", "hops", "expires_s"], console);
        Table("channels", status, ["peer", "balance_mine_unxs", "balance_theirs_unxs", "sequence", "p"], console);
        Table("balances", status, ["account", "balance_unxs"], console);
        if (status.TryGetProperty("counters", out var counters))
        {
            console.WriteLine("counters  " + string.Join("   ", counters.EnumerateObject().Select(c => $"{c.Name} {c.Value}")));
        }

        if (status.TryGetProperty("peers", out var peers))
        {
            console.WriteLine($"peers     tcp: {string.Join(", ", peers.GetProperty("tcp").EnumerateArray().Select(p => p.GetString()))}   trusted: {string.Join(", ", peers.GetProperty("trusted").EnumerateArray().Select(p => p.GetString()))}");
        }
    }

    private static void Table(string name, JsonElement status, string[] columns, IAnsiConsole console)
    {
        if (!status.TryGetProperty(name, out var rows) || rows.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var table = new Table { Title = new TableTitle(name), Border = TableBorder.Simple };
        foreach (var column in columns)
        {
            table.AddColumn(column);
        }

        foreach (var row in rows.EnumerateArray())
        {
            table.AddRow([.. columns.Select(c => Markup.Escape(row.TryGetProperty(c, out var v) ? v.ToString() : ""))]);
        }

        if (rows.GetArrayLength() == 0)
        {
            console.WriteLine($"{name}: none");
            return;
        }

        console.Write(table);
    }
}
