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

    private static async Task<bool> Eventually(Func<Task<bool>> condition, int seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return true;
            // The validators are child processes: ChainNode.WaitForHeightAsync cannot reach into them, and their
            // WebSocket newHeads stream would need a reconnecting client per restart, so this bounded poll of the
            // JSON-RPC (chain_blockNumber) stays. No duration is asserted.
            await Task.Delay(100);
        }

        return await condition();
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

        Process Start(int i)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Nexus.Chain.TestNode.dll"));
            foreach (var a in new[] { "node", Path.Combine(_root, $"n{i}"), genesisFile, Path.Combine(_root, $"id{i}"), p2p[i].ToString(), rpc[i].ToString() }) psi.ArgumentList.Add(a);
            for (int j = 0; j < i; j++) psi.ArgumentList.Add($"127.0.0.1:{p2p[j]}");
            return Process.Start(psi)!;
        }

        for (int i = 0; i < 4; i++) _procs[i] = Start(i);
        Assert.True(await Eventually(async () => (await Task.WhenAll(rpc.Select(Height))).All(h => h >= 5)));

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
        Assert.True(await Eventually(async () => await Height(rpc[0]) >= before + 5));

        // Restart: it reopens its RocksDB store and catches up by sync.
        _procs[3] = Start(3);
        ulong target = (await Height(rpc[0]))!.Value + 2;
        Assert.True(await Eventually(async () => await Height(rpc[3]) >= target));
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
