using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Crypto;
using Nexus.Hosting;

namespace Nexus.Node.Tests;

/// <summary>
/// The `nexus` CLI as separate processes on loopback: the devnet runs the whole main job, and a
/// node killed with SIGKILL restarts with its identity, channels and ledger.
/// </summary>
public sealed class NodeProcessTests : IDisposable
{
    private static readonly string NexusDll = Path.Combine(AppContext.BaseDirectory, "nexus.dll");
    private readonly string _dir = Directory.CreateTempSubdirectory("nx-proc-").FullName;
    private readonly List<Process> _processes = [];

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            process.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Devnet_of_5_nodes_converges_wins_the_lottery_and_settles_to_identical_balances()
    {
        int basePort = TestPorts.FreeRange(5);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { NexusDll, "devnet", "--nodes", "5", "--base-port", basePort.ToString(CultureInfo.InvariantCulture), "--timeout", "150", "--data-dir", Path.Combine(_dir, "devnet") })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await process.WaitForExitAsync(timeout.Token);
        string output = await stdout;

        Assert.True(process.ExitCode == 0, $"devnet exited with {process.ExitCode}:\n{output}\n{await stderr}");
        Assert.Contains("routes converge", output, StringComparison.Ordinal);
        Assert.Contains("ledgers agree", output, StringComparison.Ordinal);
        Assert.Contains("devnet summary", output, StringComparison.Ordinal);
        Assert.Contains("the main job works", output, StringComparison.Ordinal);
        Assert.DoesNotContain("✗", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_killed_with_SIGKILL_restarts_with_identity_channels_and_ledger_intact()
    {
        // Line a - b - c: b relays a's packets to c, wins the lottery on its channel with a, and settles.
        int port = TestPorts.FreeRange(3);
        var identities = new[] { "a", "b", "c" }.Select(name =>
        {
            Directory.CreateDirectory(Path.Combine(_dir, name));
            using var identity = NodeIdentity.Generate();
            IdentityFile.Save(identity, Path.Combine(_dir, name, "identity"));
            return identity.ToString();
        }).ToArray();
        string genesis = string.Join(", ", identities.Select(h => $"\"{h}\" = 1000000"));
        for (int i = 0; i < 3; i++)
        {
            string config = $"announce_interval_s = 2\nwin_odds = 5\ngenesis_balances = {{ {genesis} }}\n[[interfaces]]\ntype = \"tcp_server\"\nlisten = \"127.0.0.1:{port + i}\"\n"
                + (i > 0 ? $"[[interfaces]]\ntype = \"tcp_client\"\nconnect = \"127.0.0.1:{port + i - 1}\"\n" : "");
            File.WriteAllText(Path.Combine(_dir, Name(i), "node.toml"), config);
        }

        var nodes = Enumerable.Range(0, 3).Select(StartNode).ToArray();
        var c = await WaitAsync(2, s => s["destination"]?.GetValue<string>() is not null);
        string cDestination = c["destination"]!.GetValue<string>();
        await WaitAsync(0, s => s["routes"]!.AsArray().Any(r => r!["destination"]!.GetValue<string>() == cDestination)
            && s["channels"]!.AsArray().Any(ch => ch!["status"]!.GetValue<string>() == "open"));
        await WaitAsync(1, s => s["channels"]!.AsArray().Count(ch => ch!["status"]!.GetValue<string>() == "open") == 2);

        await CallAsync(0, "traffic", new JsonObject { ["destinations"] = new JsonArray(cDestination), ["packets"] = 60 });
        await WaitAsync(0, s => Counter(s, "traffic_done") == 1 && Counter(s, "econ_backlog") == 0);
        var b = await WaitAsync(1, s => Counter(s, "econ_backlog") == 0 && Counter(s, "lottery_wins") > 0);
        await CallAsync(1, "settle", null);
        b = await WaitAsync(1, s => Counter(s, "open_settlements") == 0 && Counter(s, "settlements") > 0);

        nodes[1].Kill(); // SIGKILL: no shutdown, no flush
        await nodes[1].WaitForExitAsync();
        StartNode(1);
        var restarted = await WaitAsync(1, s => s["channels"] is JsonArray);

        Assert.Equal(identities[1], restarted["identity"]!["hash"]!.GetValue<string>());
        Assert.Equal(Channels(b), Channels(restarted));
        Assert.Equal(b["balances"]!.ToJsonString(), restarted["balances"]!.ToJsonString());
        Assert.True(Counter(restarted, "settlements") > 0);
        Assert.Contains(restarted["balances"]!.AsArray(), x => x!["balance_unxs"]!.GetValue<long>() > 1_000_000);
    }

    private static string Name(int i) => ((char)('a' + i)).ToString();

    private static string Channels(JsonObject status) =>
        string.Join(";", status["channels"]!.AsArray().Select(ch => $"{ch!["channel_id"]}:{ch["peer"]}:{ch["sequence"]}:{ch["balance_mine_unxs"]}:{ch["balance_theirs_unxs"]}:{ch["settled_sequence"]}").Order(StringComparer.Ordinal));

    private static long Counter(JsonObject status, string name) => status["counters"]?[name]?.GetValue<long>() ?? 0;

    private Process StartNode(int i)
    {
        string dir = Path.Combine(_dir, Name(i));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { NexusDll, "node", "--config", Path.Combine(dir, "node.toml"), "--data-dir", dir })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    private async Task<JsonElement> CallAsync(int node, string method, JsonNode? parameters)
    {
        await using var client = await ControlClient.ConnectAsync(Path.Combine(_dir, Name(node), "control.sock"));
        return await client.CallAsync(method, parameters);
    }

    // Polls a node's status (over its control socket) until the condition holds; 120 s at most.
    private async Task<JsonObject> WaitAsync(int node, Func<JsonObject, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        JsonObject? last = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            try
            {
                last = JsonNode.Parse((await CallAsync(node, "status", null)).GetRawText())!.AsObject();
                if (condition(last))
                {
                    return last;
                }
            }
            catch (ControlException)
            {
                // Not up yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"node {Name(node)}: condition not met; last status: {last?.ToJsonString()}");
    }
}
