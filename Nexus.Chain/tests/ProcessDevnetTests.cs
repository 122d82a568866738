using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

/// <summary>Four validators as separate processes on 127.0.0.1; one is killed with SIGKILL and restarted.</summary>
public sealed class ProcessDevnetTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nexus-chain-procs-" + Guid.NewGuid().ToString("N"));
    private readonly Process?[] _procs = new Process?[4];

    public void Dispose()
    {
        foreach (var p in _procs)
        {
            if (p is { HasExited: false }) p.Kill();
            p?.Dispose();
        }

        try { Directory.Delete(_root, true); } catch (IOException) { }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task<ulong?> Height(int rpcPort)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var r = await http.PostAsJsonAsync($"http://127.0.0.1:{rpcPort}/", new { jsonrpc = "2.0", id = 1, method = "chain_blockNumber" });
            return ulong.Parse((string)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["result"]!);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<string?> BlockHash(int rpcPort, ulong height)
    {
        using var http = new HttpClient();
        var r = await http.PostAsJsonAsync($"http://127.0.0.1:{rpcPort}/", new { jsonrpc = "2.0", id = 1, method = "chain_getBlockByHeight", @params = new[] { height.ToString() } });
        return (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["result"]?["hash"];
    }

    /// <summary>
    /// A child validator's committed height, from the "height N" lines it prints on each commit (and "started N"
    /// for its store height at start): waits complete on those lines, no polling.
    /// </summary>
    private sealed class HeightWatch
    {
        private readonly object _gate = new();
        private readonly List<(ulong Height, TaskCompletionSource Done)> _waiters = new();
        private ulong _height;

        public void Follow(Process process) => _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                int space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space > 0 && line[..space] is "height" or "started" && ulong.TryParse(line[(space + 1)..], out ulong h))
                {
                    Report(h);
                }
            }
        });

        public async Task<bool> WaitAsync(ulong height, int seconds = 90)
        {
            Task wait;
            lock (_gate)
            {
                if (_height >= height) return true;
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((height, done));
                wait = done.Task;
            }

            try
            {
                await wait.WaitAsync(TimeSpan.FromSeconds(seconds));
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        private void Report(ulong height)
        {
            List<TaskCompletionSource> due = new();
            lock (_gate)
            {
                _height = Math.Max(_height, height);
                _waiters.RemoveAll(w =>
                {
                    if (w.Height > _height) return false;
                    due.Add(w.Done);
                    return true;
                });
            }

            foreach (var d in due) d.TrySetResult();
        }
    }

    [Fact]
    public async Task Four_validator_processes_finalize_and_a_SIGKILLed_node_restarts_and_catches_up()
    {
        Directory.CreateDirectory(_root);
        var identities = Enumerable.Range(0, 4).Select(_ => NodeIdentity.Generate()).ToArray();
        var genesis = new Genesis
        {
            ChainId = "nexus-procs",
            TimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000,
            Accounts = identities.Select(i => KeyValuePair.Create(i.SigningKey.PublicKey, 1_000_000UL)).ToArray(),
            Validators = identities.Select(i => new Validator(i.SigningKey.PublicKey, 10)).ToArray(),
            Parameters = new ChainParameters(identities[0].SigningKey.PublicKey, 1, 50),
        };
        string genesisFile = Path.Combine(_root, "genesis.json");
        File.WriteAllText(genesisFile, genesis.ToJson());
        int[] p2p = Enumerable.Range(0, 4).Select(_ => FreePort()).ToArray();
        int[] rpc = Enumerable.Range(0, 4).Select(_ => FreePort()).ToArray();
        for (int i = 0; i < 4; i++)
        {
            IdentityFile.Save(identities[i], Path.Combine(_root, $"id{i}"));
            identities[i].Dispose();
        }

        var watches = Enumerable.Range(0, 4).Select(_ => new HeightWatch()).ToArray();
        Process Start(int i)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Nexus.Chain.TestNode.dll"));
            foreach (var a in new[] { "node", Path.Combine(_root, $"n{i}"), genesisFile, Path.Combine(_root, $"id{i}"), p2p[i].ToString(), rpc[i].ToString() }) psi.ArgumentList.Add(a);
            for (int j = 0; j < i; j++) psi.ArgumentList.Add($"127.0.0.1:{p2p[j]}");
            var process = Process.Start(psi)!;
            watches[i].Follow(process);
            return process;
        }

        for (int i = 0; i < 4; i++) _procs[i] = Start(i);
        Assert.All(await Task.WhenAll(watches.Select(w => w.WaitAsync(5))), Assert.True);

        // SIGKILL node 3 and remember what it had finalized.
        ulong killedAt = (await Height(rpc[3]))!.Value;
        var finalized = new List<string>();
        for (ulong h = 1; h <= killedAt; h++) finalized.Add((await BlockHash(rpc[3], h))!);
        _procs[3]!.Kill();
        await _procs[3]!.WaitForExitAsync();
        _procs[3]!.Dispose();
        _procs[3] = null;

        // Three of four keep finalizing.
        ulong before = (await Height(rpc[0]))!.Value;
        Assert.True(await watches[0].WaitAsync(before + 5));

        // Restart: it reopens its RocksDB store and catches up by sync.
        watches[3] = new HeightWatch();
        _procs[3] = Start(3);
        ulong target = (await Height(rpc[0]))!.Value + 2;
        Assert.True(await watches[3].WaitAsync(target));
        for (ulong h = 1; h <= killedAt; h++)
        {
            Assert.Equal(finalized[(int)h - 1], await BlockHash(rpc[3], h));
        }

        for (ulong h = 1; h <= target; h++)
        {
            Assert.Equal(await BlockHash(rpc[0], h), await BlockHash(rpc[3], h));
        }
    }
}
