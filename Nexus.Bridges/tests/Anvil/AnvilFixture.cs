using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Nexus.Bridges.Evm;
using Nexus.Bridges.Tests.Support;

namespace Nexus.Bridges.Tests.Anvil;

/// <summary>
/// Starts anvil (npm @foundry-rs/anvil-linux-amd64, installed by .ci/run into .tools/npm) on 127.0.0.1 with a free port,
/// compiles the test contract with solc-js, and kills the anvil process it started (by its own PID) when disposed.
/// Missing tools fail the tests with a clear message instead of skipping them.
/// </summary>
public sealed class AnvilFixture : IAsyncLifetime, IDisposable
{
    public const string DefaultKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    private Process? _anvil;

    public static string NpmRoot => Path.Combine(RepoPaths.Root, ".tools", "npm", "node_modules");

    public static string AnvilPath => Path.Combine(NpmRoot, "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");

    public static string SolcJsPath => Path.Combine(NpmRoot, "solc", "solc.js");

    public int Port { get; private set; }

    public Uri HttpEndpoint => new($"http://127.0.0.1:{Port}");

    public Uri WebSocketEndpoint => new($"ws://127.0.0.1:{Port}");

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public EthereumRpcClient Rpc { get; private set; } = null!;

    public ContractAbi StoreAbi { get; private set; } = null!;

    public byte[] StoreBytecode { get; private set; } = [];

    public async Task InitializeAsync()
    {
        if (!File.Exists(AnvilPath) || !File.Exists(SolcJsPath))
        {
            throw new InvalidOperationException(
                $"anvil or solc-js is not installed (looked for {AnvilPath} and {SolcJsPath}). Run .ci/run, or: " +
                "npm install --prefix .tools/npm --no-save @foundry-rs/anvil-linux-amd64@1.7.1 solc@0.8.37");
        }

        (StoreAbi, StoreBytecode) = await CompileAsync();

        Port = FreePort();
        var start = new ProcessStartInfo(AnvilPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--host", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--chain-id", "31337" })
        {
            start.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _anvil = new Process { StartInfo = start };
        _anvil.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Listening on", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        _anvil.ErrorDataReceived += (_, _) => { };
        _anvil.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("anvil exited during start-up."));
        _anvil.EnableRaisingEvents = true;
        _anvil.Start();
        _anvil.BeginOutputReadLine();
        _anvil.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Rpc = new EthereumRpcClient(Http, HttpEndpoint);
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        if (_anvil is { HasExited: false })
        {
            _anvil.Kill();
            _anvil.WaitForExit(10_000);
        }

        _anvil?.Dispose();
        _anvil = null;
        Http.Dispose();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<(ContractAbi, byte[])> CompileAsync()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nexus-bridges-solc-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        string script = Path.Combine(dir, "compile.js");
        await File.WriteAllTextAsync(script, """
            const solc = require(process.argv[2]);
            const fs = require('fs');
            const input = {
              language: 'Solidity',
              sources: { 'Store.sol': { content: fs.readFileSync(process.argv[3], 'utf8') } },
              settings: { evmVersion: 'cancun', optimizer: { enabled: true, runs: 200 },
                          outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } }
            };
            const out = JSON.parse(solc.compile(JSON.stringify(input)));
            if ((out.errors || []).some(e => e.severity === 'error')) { console.error(JSON.stringify(out.errors)); process.exit(1); }
            const c = out.contracts['Store.sol']['Store'];
            process.stdout.write(JSON.stringify({ abi: c.abi, bin: c.evm.bytecode.object }));
            """);
        string source = Path.Combine(dir, "Store.sol");
        await File.WriteAllTextAsync(source, StoreSource);
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(Path.Combine(NpmRoot, "solc"));
        start.ArgumentList.Add(source);
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        Task<string> stdout = node.StandardOutput.ReadToEndAsync();
        Task<string> stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        if (node.ExitCode != 0)
        {
            throw new InvalidOperationException("solc-js failed: " + await stderr);
        }

        using var doc = JsonDocument.Parse(await stdout);
        return (ContractAbi.Parse(doc.RootElement.GetProperty("abi").GetRawText()), Hex.Decode(doc.RootElement.GetProperty("bin").GetString()!));
    }

    public const string StoreSource = """
        // SPDX-License-Identifier: MIT
        pragma solidity ^0.8.20;

        contract Store {
            uint256 public value;                          // slot 0
            mapping(address => uint256) public balances;   // slot 1

            event ValueChanged(address indexed by, uint256 indexed oldValue, uint256 newValue, string note);

            constructor(uint256 initial) { value = initial; }

            function set(uint256 v, string calldata note) external {
                emit ValueChanged(msg.sender, value, v, note);
                value = v;
                balances[msg.sender] = v;
            }

            function get() external view returns (uint256) { return value; }
        }
        """;
}
