using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Crypto;
using Nexus.Hosting;
using Spectre.Console;

namespace Nexus.Node;

/// <summary>
/// <c>nexus devnet</c>: starts N nodes as separate processes on loopback, connected in a chosen
/// topology, then runs the main job end to end — routes converge, channels open between neighbours, traffic flows through relays
/// (lottery wins become channel updates), channels settle, and every node's ledger converges to
/// the same balances — with a live display and a summary table.
/// </summary>
internal static class DevnetCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var nodes = new Option<int>("--nodes", "-n") { Description = "How many nodes (2-32).", DefaultValueFactory = _ => 5 };
        var topology = new Option<string>("--topology", "-t") { Description = "line, ring, star or full.", DefaultValueFactory = _ => "line" };
        var basePort = new Option<int>("--base-port") { Description = "TCP port of node 0; node i listens on base+i (127.0.0.1 only).", DefaultValueFactory = _ => 4300 };
        var packets = new Option<int>("--packets") { Description = "Packets each node sends to the others.", DefaultValueFactory = _ => 300 };
        var timeout = new Option<int>("--timeout") { Description = "Seconds allowed for each phase.", DefaultValueFactory = _ => 120 };
        var dataDir = new Option<DirectoryInfo>("--data-dir", "-d") { Description = "Where the nodes keep their data (default: a new temporary directory, removed afterwards)." };
        var chain = new Option<bool>("--chain") { Description = "Run a Nexus.Chain network of validators instead (see --validators, --blocks)." };
        var validators = new Option<int>("--validators") { Description = "With --chain: how many validators (1-16).", DefaultValueFactory = _ => 4 };
        var blocks = new Option<ulong?>("--blocks") { Description = "With --chain: stop once every validator has finalized this height (default: run until Ctrl+C)." };
        var command = new Command("devnet", "Run a local network of nodes on loopback and show routing, lottery wins, channel updates and settled balances; with --chain, a network of chain validators.")
        {
            nodes, topology, basePort, packets, timeout, dataDir, chain, validators, blocks,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(chain))
            {
                int n = parse.GetValue(validators);
                int port = parse.GetResult(basePort) is { Implicit: false } ? parse.GetValue(basePort) : ChainDevnet.DefaultBasePort;
                if (ChainDevnet.Validate(n, port) is { } invalid)
                {
                    error.WriteLine($"nexus devnet --chain: {invalid}");
                    return NexusCli.Failed;
                }

                return await ChainDevnet.RunAsync(n, port, parse.GetValue(blocks), TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.GetValue(dataDir)?.FullName, output, error, cancellationToken).ConfigureAwait(false);
            }

            if (parse.GetResult(validators) is { Implicit: false } || parse.GetResult(blocks) is { Implicit: false })
            {
                error.WriteLine("nexus devnet: --validators and --blocks need --chain.");
                return NexusCli.Failed;
            }

            var settings = new DevnetSettings(
                parse.GetValue(nodes), parse.GetValue(topology) ?? "line", parse.GetValue(basePort), parse.GetValue(packets),
                TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.GetValue(dataDir)?.FullName);
            if (settings.Validate() is { } problem)
            {
                error.WriteLine($"nexus devnet: {problem}");
                return NexusCli.Failed;
            }

            await using var devnet = new Devnet(settings, output);
            try
            {
                return await devnet.RunAsync(cancellationToken).ConfigureAwait(false) ? NexusCli.Ok : NexusCli.Failed;
            }
            catch (DevnetException e)
            {
                error.WriteLine($"nexus devnet: {e.Message}");
                return NexusCli.Failed;
            }
        });
        return command;
    }
}

internal sealed record DevnetSettings(int Nodes, string Topology, int BasePort, int Packets, TimeSpan PhaseTimeout, string? DataDirectory)
{
    public string? Validate() =>
        Nodes is < 2 or > 32 ? "--nodes must be from 2 to 32."
        : Topology is not ("line" or "ring" or "star" or "full") ? $"--topology '{Topology}' is not line, ring, star or full."
        : BasePort is < 1024 || BasePort + Nodes > 65535 ? "--base-port must leave room for every node between 1024 and 65535."
        : Packets is < 1 or > 100_000 ? "--packets must be from 1 to 100000."
        : null;

    /// <summary>The edges (i connects to j, j &lt; i) of the topology.</summary>
    public IEnumerable<(int From, int To)> Edges()
    {
        for (int i = 1; i < Nodes; i++)
        {
            switch (Topology)
            {
                case "line":
                case "ring":
                    yield return (i, i - 1);
                    break;
                case "star":
                    yield return (i, 0);
                    break;
                default:
                    for (int j = 0; j < i; j++)
                    {
                        yield return (i, j);
                    }

                    break;
            }
        }

        if (Topology == "ring" && Nodes > 2)
        {
            yield return (Nodes - 1, 0);
        }
    }
}

internal sealed class DevnetException(string message) : Exception(message);

/// <summary>One devnet run: the node processes and the phases.</summary>
internal sealed class Devnet(DevnetSettings settings, TextWriter output) : IAsyncDisposable
{
    /// <summary>Every devnet account's genesis balance: 1,000,000 μNXS.</summary>
    public const long GenesisBalance = 1_000_000;

    /// <summary>The devnet's lottery odds: p = 1/10, so a few hundred relayed packets give wins.</summary>
    public const int WinOdds = 10;

    private readonly List<Process> _processes = [];
    private readonly List<string> _dirs = [];
    private readonly IAnsiConsole _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
    private string? _root;
    private bool _ownsRoot;

    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        _ownsRoot = settings.DataDirectory is null;
        _root = settings.DataDirectory ?? Directory.CreateTempSubdirectory("nexus-devnet-").FullName;
        _console.MarkupLine($"[bold]nexus devnet[/]: {settings.Nodes} nodes, {settings.Topology} topology, ports {settings.BasePort}-{settings.BasePort + settings.Nodes - 1} on 127.0.0.1, data in {Markup.Escape(_root)}");
        StartNodes();
        var statuses = await WaitForControlAsync(cancellationToken).ConfigureAwait(false);
        var destinations = statuses.Select((s, i) => s?["destination"]?.GetValue<string>() ?? throw new DevnetException($"node {i} reports no destination (is it a node of another version?)")).ToArray();

        // Phase 1: routes converge (every node has a route to every other node's destination).
        bool converged = await PhaseAsync("routes converge", s => Routes(s, destinations), settings.Nodes - 1, cancellationToken).ConfigureAwait(false);
        if (!converged)
        {
            return Summary(await StatusesAsync(cancellationToken).ConfigureAwait(false), "routes did not converge");
        }

        // Phase 1b: every node has an open channel with each direct neighbour. Channels open over NEXUS
        // links once the neighbours know each other, which can take longer than routing (gossip
        // converges routes within seconds); traffic sent before that would earn nothing.
        var degree = new int[settings.Nodes];
        foreach (var (from, to) in settings.Edges())
        {
            degree[from]++;
            degree[to]++;
        }

        bool open = await WaitAsync("channels open", all => all.Select((s, i) => OpenChannelPeers(s) >= degree[i]).All(ok => ok), cancellationToken, s => Math.Min(OpenChannelPeers(s), 1), 1).ConfigureAwait(false);
        if (!open)
        {
            return Summary(await StatusesAsync(cancellationToken).ConfigureAwait(false), "channels did not open");
        }

        // Phase 2: traffic: every node sends packets to every other node; relays play the lottery.
        for (int i = 0; i < settings.Nodes; i++)
        {
            var targets = new JsonArray([.. destinations.Where((_, j) => j != i).Select(d => (JsonNode?)d)]);
            await CallAsync(i, "traffic", new JsonObject { ["destinations"] = targets, ["packets"] = settings.Packets }, cancellationToken).ConfigureAwait(false);
        }

        // Done when every node has sent its packets and every relay has played them and finished its channel updates.
        bool delivered = await PhaseAsync("traffic delivered", s => Counter(s, "traffic_done") == 1 && Counter(s, "econ_backlog") == 0 ? 1 : 0, 1, cancellationToken).ConfigureAwait(false);
        var afterTraffic = await StatusesAsync(cancellationToken).ConfigureAwait(false);
        long wins = afterTraffic.Sum(s => Counter(s, "lottery_wins"));
        if (!delivered || wins == 0 && settings.Nodes > 2)
        {
            return Summary(afterTraffic, delivered ? "no lottery win occurred" : "traffic was not delivered");
        }

        // Phase 3: settle every channel and wait until every ledger has the same balances.
        for (int i = 0; i < settings.Nodes; i++)
        {
            await CallAsync(i, "settle", null, cancellationToken).ConfigureAwait(false);
        }

        bool settled = await WaitAsync("ledgers agree", all => all.All(s => Counter(s, "open_settlements") == 0 && Counter(s, "unsettled_channels") == 0) && all.Select(BalancesKey).Distinct(StringComparer.Ordinal).Count() == 1 && BalancesKey(all[0]).Length > 0, cancellationToken).ConfigureAwait(false);
        return Summary(await StatusesAsync(cancellationToken).ConfigureAwait(false), settled ? null : "ledgers did not converge");
    }

    private void StartNodes()
    {
        string host = Environment.ProcessPath ?? "dotnet";
        bool viaDotnet = Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        var edges = settings.Edges().ToList();

        // Identities first: every node's ledger starts from the same genesis balances, keyed by identity hash.
        var accounts = new List<string>();
        for (int i = 0; i < settings.Nodes; i++)
        {
            string dir = Path.Combine(_root!, $"node{i}");
            Directory.CreateDirectory(dir);
            _dirs.Add(dir);
            string identityPath = Path.Combine(dir, "identity");
            using var identity = File.Exists(identityPath) ? IdentityFile.Load(identityPath) : NodeIdentity.Generate();
            if (!File.Exists(identityPath))
            {
                IdentityFile.Save(identity, identityPath);
            }

            accounts.Add(identity.ToString());
        }

        string genesis = string.Join(", ", accounts.Select(a => $"\"{a}\" = {GenesisBalance.ToString(CultureInfo.InvariantCulture)}"));
        for (int i = 0; i < settings.Nodes; i++)
        {
            string dir = _dirs[i];
            var config = new StringBuilder();
            config.AppendLine("announce_interval_s = 5");
            config.AppendLine(CultureInfo.InvariantCulture, $"win_odds = {WinOdds}");
            config.AppendLine(CultureInfo.InvariantCulture, $"genesis_balances = {{ {genesis} }}");
            config.AppendLine(CultureInfo.InvariantCulture, $"[[interfaces]]\ntype = \"tcp_server\"\nlisten = \"127.0.0.1:{settings.BasePort + i}\"");
            foreach (var (_, to) in edges.Where(e => e.From == i))
            {
                config.AppendLine(CultureInfo.InvariantCulture, $"[[interfaces]]\ntype = \"tcp_client\"\nconnect = \"127.0.0.1:{settings.BasePort + to}\"");
            }

            File.WriteAllText(Path.Combine(dir, "node.toml"), config.ToString());
            var start = new ProcessStartInfo(host)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (viaDotnet)
            {
                start.ArgumentList.Add(typeof(NexusCli).Assembly.Location);
            }

            foreach (var arg in new[] { "node", "--config", Path.Combine(dir, "node.toml"), "--data-dir", dir })
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start) ?? throw new DevnetException("could not start a node process.");
            var log = new StreamWriter(Path.Combine(dir, "node.log")) { AutoFlush = true };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _processes.Add(process);
        }
    }

    private async Task<JsonObject?[]> WaitForControlAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < settings.PhaseTimeout)
        {
            foreach (var (process, i) in _processes.Select((p, i) => (p, i)))
            {
                if (process.HasExited)
                {
                    string log = File.Exists(Path.Combine(_dirs[i], "node.log")) ? File.ReadAllText(Path.Combine(_dirs[i], "node.log")).Trim() : "";
                    throw new DevnetException($"node {i} exited with code {process.ExitCode}: {log.Split('\n').LastOrDefault()}");
                }
            }

            var statuses = await StatusesAsync(cancellationToken).ConfigureAwait(false);
            if (statuses.All(s => s is not null))
            {
                return statuses;
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        throw new DevnetException($"the nodes did not start within {settings.PhaseTimeout.TotalSeconds} s (see node.log in {_root}).");
    }

    private async Task<bool> PhaseAsync(string name, Func<JsonObject?, long> progress, long target, CancellationToken cancellationToken) =>
        await WaitAsync(name, all => all.All(s => progress(s) >= target), cancellationToken, progress, target).ConfigureAwait(false);

    private async Task<bool> WaitAsync(string name, Func<JsonObject?[], bool> done, CancellationToken cancellationToken, Func<JsonObject?, long>? progress = null, long target = 1)
    {
        bool result = false;
        var clock = Stopwatch.StartNew();
        await _console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(name, maxValue: settings.Nodes * (double)target);
                while (clock.Elapsed < settings.PhaseTimeout)
                {
                    var all = await StatusesAsync(cancellationToken).ConfigureAwait(false);
                    task.Value = progress is null ? 0 : all.Sum(s => Math.Min(progress(s), target));
                    if (done(all))
                    {
                        task.Value = task.MaxValue;
                        result = true;
                        return;
                    }

                    await Task.Delay(250, cancellationToken).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        _console.MarkupLine(result ? $"[green]✓[/] {name} in {clock.Elapsed.TotalSeconds:F1} s" : $"[red]✗[/] {name}: not within {settings.PhaseTimeout.TotalSeconds} s");
        return result;
    }

    private bool Summary(JsonObject?[] statuses, string? failure)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle("devnet summary") };
        foreach (var column in new[] { "node", "destination", "routes", "relayed", "lottery wins", "channel updates", "settlements", "balance μNXS" })
        {
            table.AddColumn(column);
        }

        for (int i = 0; i < statuses.Length; i++)
        {
            var s = statuses[i];
            string destination = s?["destination"]?.GetValue<string>() ?? "?";
            string balance = s?["balances"]?.AsArray().FirstOrDefault(b => b?["account"]?.GetValue<string>() == s["identity"]?["hash"]?.GetValue<string>())?["balance_unxs"]?.ToString() ?? "-";
            table.AddRow(i.ToString(CultureInfo.InvariantCulture), destination, (s?["routes"]?.AsArray().Count ?? 0).ToString(CultureInfo.InvariantCulture),
                Counter(s, "packets_relayed").ToString(CultureInfo.InvariantCulture), Counter(s, "lottery_wins").ToString(CultureInfo.InvariantCulture),
                Counter(s, "channel_updates").ToString(CultureInfo.InvariantCulture), Counter(s, "settlements").ToString(CultureInfo.InvariantCulture), balance);
        }

        _console.Write(table);
        _console.MarkupLine(failure is null ? "[green]devnet: the main job works: routes converged, relays won the lottery, channels settled, ledgers agree.[/]" : $"[red]devnet failed: {Markup.Escape(failure)}[/]");
        return failure is null;
    }

    private static long Routes(JsonObject? status, string[] destinations)
    {
        var routes = status?["routes"]?.AsArray();
        return routes is null ? 0 : routes.Count(r => destinations.Contains(r?["destination"]?.GetValue<string>()));
    }

    private static int OpenChannelPeers(JsonObject? status) =>
        status?["channels"] is JsonArray channels
            ? channels.Where(c => c?["status"]?.GetValue<string>() == "open").Select(c => c?["peer"]?.GetValue<string>()).Distinct(StringComparer.Ordinal).Count()
            : 0;

    private static long Counter(JsonObject? status, string name) =>
        status?["counters"]?[name] is JsonValue v && v.TryGetValue(out long n) ? n : 0;

    private static string BalancesKey(JsonObject? status) =>
        status?["balances"] is JsonArray balances
            ? string.Join(";", balances.Select(b => $"{b?["account"]}={b?["balance_unxs"]}").Order(StringComparer.Ordinal))
            : "";

    private async Task<JsonObject?[]> StatusesAsync(CancellationToken cancellationToken)
    {
        var result = new JsonObject?[settings.Nodes];
        for (int i = 0; i < settings.Nodes; i++)
        {
            try
            {
                result[i] = JsonNode.Parse((await CallAsync(i, "status", null, cancellationToken).ConfigureAwait(false)).GetRawText()) as JsonObject;
            }
            catch (ControlException)
            {
                result[i] = null;
            }
        }

        return result;
    }

    private async Task<JsonElement> CallAsync(int node, string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        await using var client = await ControlClient.ConnectAsync(Path.Combine(_dirs[node], "control.sock"), cancellationToken).ConfigureAwait(false);
        return await client.CallAsync(method, parameters, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = 0; i < _processes.Count; i++)
        {
            try
            {
                await CallAsync(i, "shutdown", null, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ControlException)
            {
                // Already gone.
            }
        }

        foreach (var process in _processes)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        if (_ownsRoot && _root is not null)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean.
            }
        }
    }
}
