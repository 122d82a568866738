using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Nexus.Chain;
using Nexus.Crypto;
using Spectre.Console;

namespace Nexus.Node;

/// <summary>
/// The ledger chain commands (issue 7): <c>chain</c> runs a validator or full node of Nexus.Chain,
/// <c>wallet new|balance|send</c> talks to a node's JSON-RPC, <c>devnet-chain</c> runs N validators on
/// loopback in this process. Amounts are in μNXS.
/// </summary>
internal static class ChainCommands
{
    /// <summary>The commands to register on the root command.</summary>
    public static IEnumerable<Command> Create(TextWriter output, TextWriter error) =>
        [Chain(output, error), Wallet(output, error), ChainDevnet.Create(output, error)];

    private static Command Chain(TextWriter output, TextWriter error)
    {
        var dataDir = new Option<DirectoryInfo>("--data-dir", "-d") { Description = "Where the block store (RocksDB) lives.", Required = true };
        var genesis = new Option<FileInfo>("--genesis", "-g") { Description = "The chain's genesis JSON file.", Required = true };
        var identity = new Option<FileInfo>("--identity", "-i") { Description = "The node identity file (nexus keygen); a validator when its Ed25519 key is in the validator set.", Required = true };
        var listen = new Option<string>("--listen", "-l") { Description = "Address:port for peer TCP connections (default 127.0.0.1:26656).", DefaultValueFactory = _ => "127.0.0.1:26656" };
        var peers = new Option<string[]>("--peer", "-p") { Description = "Address:port of another node (repeatable).", AllowMultipleArgumentsPerToken = false };
        var rpcPort = new Option<int?>("--rpc-port") { Description = "Serve JSON-RPC on http://127.0.0.1:PORT/ (off when omitted)." };
        var retained = new Option<int>("--retained-states") { Description = "Keep this many past states for chain_getStateProof at recent heights (default 0: current state only; costs memory and GC time).", DefaultValueFactory = _ => 0 };
        var command = new Command("chain", "Run a Nexus.Chain validator or full node in the foreground until Ctrl+C.")
        {
            dataDir, genesis, identity, listen, peers, rpcPort, retained,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            Genesis g;
            NodeIdentity id;
            IPEndPoint endpoint;
            try
            {
                g = Genesis.FromJson(File.ReadAllText(parse.GetValue(genesis)!.FullName));
                endpoint = IPEndPoint.Parse(parse.GetValue(listen)!);
                id = IdentityFile.Load(parse.GetValue(identity)!.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ChainFormatException or System.Text.Json.JsonException)
            {
                error.WriteLine($"nexus chain: {e.Message}");
                return NexusCli.Failed;
            }

            using (id)
            {
                ChainNode node;
                try
                {
                    node = new ChainNode(new ChainNodeOptions
                    {
                        DataDirectory = parse.GetValue(dataDir)!.FullName,
                        Genesis = g,
                        Identity = id,
                        ListenEndPoint = endpoint,
                        Peers = parse.GetValue(peers) ?? [],
                        RpcPort = parse.GetValue(rpcPort),
                        RetainedStates = Math.Max(0, parse.GetValue(retained)),
                    });
                    node.Start();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or HttpListenerException or RocksDbSharp.RocksDbException or ArgumentException)
                {
                    error.WriteLine($"nexus chain: {e.Message}");
                    return NexusCli.Failed;
                }

                await using (node.ConfigureAwait(false))
                {
                    bool validator = node.Store.State.Validators.Contains(node.PublicKey);
                    output.WriteLine($"Chain {g.ChainId}: {(validator ? "validator" : "full node")} {node.PublicKey} on {node.Network.LocalEndPoint}, height {node.Store.Height}{(node.Rpc is { } rpc ? $", JSON-RPC {rpc.Url}" : "")}");
                    node.Application.BlockCommitted += (block, _) =>
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"height {block.Height}  {block.Transactions.Count} tx  {block.Hash}"));
                    try
                    {
                        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            }

            return NexusCli.Ok;
        });
        return command;
    }

    private static Command Wallet(TextWriter output, TextWriter error)
    {
        var rpc = new Option<string>("--rpc", "-r") { Description = "The node's JSON-RPC URL.", DefaultValueFactory = _ => "http://127.0.0.1:26700/" };

        var file = new Option<FileInfo>("--output", "-o") { Description = "Where to write the wallet (an identity file, mode 0600).", Required = true };
        var force = new Option<bool>("--force", "-f") { Description = "Replace an existing file (its key is lost)." };
        var create = new Command("new", "Create a wallet key and print its address (the 32-byte Ed25519 public key, hex).") { file, force };
        create.SetAction(parse =>
        {
            try
            {
                using var identity = NodeIdentity.Generate();
                IdentityFile.Save(identity, parse.GetValue(file)!.FullName, overwrite: parse.GetValue(force));
                output.WriteLine($"Address {identity.SigningKey.PublicKey}");
                return NexusCli.Ok;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"nexus wallet new: {e.Message}");
                return NexusCli.Failed;
            }
        });

        var address = new Argument<string>("address") { Description = "64 hex digits, or a wallet file." };
        var balance = new Command("balance", "Print an account's balance (μNXS) and nonce.") { address, rpc };
        balance.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var account = ResolveAddress(parse.GetValue(address)!);
                var url = RpcUrl(parse.GetValue(rpc)!);
                string amount = (string)(await CallAsync(url, "chain_getBalance", [account.ToString()], cancellationToken).ConfigureAwait(false))!;
                string nonce = (string)(await CallAsync(url, "chain_getNonce", [account.ToString()], cancellationToken).ConfigureAwait(false))!;
                var table = new Table().AddColumns("address", "balance (μNXS)", "nonce");
                table.AddRow(account.ToString(), amount, nonce);
                Console(output).Write(table);
                return NexusCli.Ok;
            }
            catch (WalletException e)
            {
                error.WriteLine($"nexus wallet balance: {e.Message}");
                return NexusCli.Failed;
            }
        });

        var wallet = new Option<FileInfo>("--wallet", "-w") { Description = "The sender's wallet file.", Required = true };
        var to = new Option<string>("--to") { Description = "The recipient: 64 hex digits, or a wallet file.", Required = true };
        var amountOption = new Option<ulong>("--amount", "-a") { Description = "μNXS to send.", Required = true };
        var fee = new Option<ulong>("--fee") { Description = "Fee in μNXS.", DefaultValueFactory = _ => 1 };
        var chainId = new Option<string>("--chain-id") { Description = "The chain id (default: read from block 1 over JSON-RPC)." };
        var send = new Command("send", "Sign a transfer with the next nonce, submit it over JSON-RPC and print its hash.") { wallet, to, amountOption, fee, chainId, rpc };
        send.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var url = RpcUrl(parse.GetValue(rpc)!);
                var recipient = ResolveAddress(parse.GetValue(to)!);
                using var identity = LoadWallet(parse.GetValue(wallet)!.FullName);
                string chain = parse.GetValue(chainId)
                    ?? (string?)(await CallAsync(url, "chain_getBlockByHeight", ["1"], cancellationToken).ConfigureAwait(false))?["chainId"]
                    ?? throw new WalletException("the node has no block yet to read the chain id from; pass --chain-id.");
                var nonceText = (string)(await CallAsync(url, "chain_getNonce", [identity.SigningKey.PublicKey.ToString()], cancellationToken).ConfigureAwait(false))!;
                var tx = Transaction.Create(identity.SigningKey, chain, ulong.Parse(nonceText, CultureInfo.InvariantCulture), recipient, parse.GetValue(amountOption), parse.GetValue(fee));
                var result = await CallAsync(url, "chain_sendTransaction", [Convert.ToHexStringLower(tx.Encoded.Span)], cancellationToken).ConfigureAwait(false);
                output.WriteLine($"Sent {tx.Hash} ({result?["status"]}), nonce {tx.Nonce}");
                return NexusCli.Ok;
            }
            catch (WalletException e)
            {
                error.WriteLine($"nexus wallet send: {e.Message}");
                return NexusCli.Failed;
            }
            catch (ArgumentException e)
            {
                error.WriteLine($"nexus wallet send: {e.Message}");
                return NexusCli.Failed;
            }
        });

        return new Command("wallet", "Ledger chain accounts: create a key, read a balance, send a transfer.") { create, balance, send };
    }

    private static Uri RpcUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : throw new WalletException($"--rpc '{text}' is not an http:// URL.");

    private static IAnsiConsole Console(TextWriter output) => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });

    private static NodeIdentity LoadWallet(string path)
    {
        try
        {
            return IdentityFile.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new WalletException(e.Message);
        }
    }

    /// <summary>64 hex digits, or the address of a wallet file.</summary>
    private static Ed25519PublicKey ResolveAddress(string text)
    {
        if (text.Length == 64 && text.All(char.IsAsciiHexDigit))
        {
            return Ed25519PublicKey.Parse(text);
        }

        if (File.Exists(text))
        {
            using var identity = LoadWallet(text);
            return identity.SigningKey.PublicKey;
        }

        throw new WalletException($"'{text}' is neither 64 hex digits nor a wallet file.");
    }

    /// <summary>One JSON-RPC 2.0 call; the result, or a <see cref="WalletException"/> with the node's error or the connection failure.</summary>
    private static async Task<JsonNode?> CallAsync(Uri url, string method, string[] args, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            using var response = await http.PostAsJsonAsync(url, new { jsonrpc = "2.0", id = 1, method, @params = args }, cancellationToken).ConfigureAwait(false);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            if (body?["error"] is { } e)
            {
                throw new WalletException($"the node rejected {method}: {e["message"]}");
            }

            return body?["result"];
        }
        catch (HttpRequestException e)
        {
            throw new WalletException($"no chain node answers at {url} ({e.Message}). Start one with 'nexus chain --rpc-port' or 'nexus devnet-chain'.");
        }
        catch (System.Text.Json.JsonException)
        {
            throw new WalletException($"{url} does not speak JSON-RPC.");
        }
    }

    private sealed class WalletException(string message) : Exception(message);
}

/// <summary>
/// <c>nexus devnet-chain --validators N</c>: N validators as ChainNodes in this process on loopback
/// (real TCP, D3 handshake, RocksDB), a genesis with a funded faucet wallet, JSON-RPC on
/// consecutive ports; writes genesis.json, the validator identities and faucet.wallet into the data
/// directory, shows a table once every validator has finalized the requested height, and then runs
/// until Ctrl+C (or stops with <c>--blocks</c>).
/// </summary>
internal static class ChainDevnet
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var validators = new Option<int>("--validators", "-n") { Description = "How many validators (1-16).", DefaultValueFactory = _ => 4 };
        var basePort = new Option<int>("--base-port") { Description = "Validator i listens on base+i and serves JSON-RPC on base+100+i (127.0.0.1).", DefaultValueFactory = _ => DefaultBasePort };
        var blocks = new Option<ulong?>("--blocks") { Description = "Stop once every validator has finalized this height (default: run until Ctrl+C)." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds allowed to reach the first table.", DefaultValueFactory = _ => 120 };
        var dataDir = new Option<DirectoryInfo>("--data-dir", "-d") { Description = "Where the validators keep their data (default: a new temporary directory, removed afterwards)." };
        var command = new Command("devnet-chain", "Run a local Nexus.Chain network of N validators on loopback with a funded faucet wallet.")
        {
            validators, basePort, blocks, timeout, dataDir,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            int n = parse.GetValue(validators);
            int port = parse.GetValue(basePort);
            if (Validate(n, port) is { } invalid)
            {
                error.WriteLine($"nexus devnet-chain: {invalid}");
                return NexusCli.Failed;
            }

            return await RunAsync(n, port, parse.GetValue(blocks), TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.GetValue(dataDir)?.FullName, output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Validator i's chain port is base+i; its JSON-RPC port base+100+i.</summary>
    public const int DefaultBasePort = 26600;

    /// <summary>Checks the validator count and base port; null when both are usable, else the one-line problem.</summary>
    public static string? Validate(int validators, int basePort) =>
        validators is < 1 or > 16 ? "--validators must be from 1 to 16."
        : basePort is < 1024 || basePort + 100 + validators > 65535 ? "--base-port must leave room for every validator and RPC port between 1024 and 65535."
        : null;

    public static async Task<int> RunAsync(int count, int basePort, ulong? stopAt, TimeSpan timeout, string? dataDir, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        bool ownsRoot = dataDir is null;
        string root = dataDir ?? Directory.CreateTempSubdirectory("nexus-devnet-chain-").FullName;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var identities = new List<NodeIdentity>();
        var nodes = new List<ChainNode>();
        try
        {
            Directory.CreateDirectory(root);
            for (int i = 0; i < count; i++)
            {
                string file = Path.Combine(root, $"validator{i}.identity");
                identities.Add(File.Exists(file) ? IdentityFile.Load(file) : Saved(NodeIdentity.Generate(), file));
            }

            string faucetFile = Path.Combine(root, "faucet.wallet");
            using var faucet = File.Exists(faucetFile) ? IdentityFile.Load(faucetFile) : Saved(NodeIdentity.Generate(), faucetFile);
            string genesisFile = Path.Combine(root, "genesis.json");
            var genesis = File.Exists(genesisFile) ? Genesis.FromJson(File.ReadAllText(genesisFile)) : new Genesis
            {
                ChainId = "nexus-devnet",
                TimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000,
                Accounts = [KeyValuePair.Create(faucet.SigningKey.PublicKey, 1_000_000_000_000_000UL)],
                Validators = [.. identities.Select(i => new Validator(i.SigningKey.PublicKey, 10))],
                Parameters = new ChainParameters(faucet.SigningKey.PublicKey, 1, 50),
            };
            File.WriteAllText(genesisFile, genesis.ToJson());

            console.MarkupLine($"[bold]nexus devnet-chain[/]: {count} validators of {Markup.Escape(genesis.ChainId)} on 127.0.0.1:{basePort}-{basePort + count - 1}, JSON-RPC on {basePort + 100}-{basePort + 100 + count - 1}, data in {Markup.Escape(root)}");
            for (int i = 0; i < count; i++)
            {
                var node = new ChainNode(new ChainNodeOptions
                {
                    DataDirectory = Path.Combine(root, $"validator{i}"),
                    Genesis = genesis,
                    Identity = identities[i],
                    ListenEndPoint = new IPEndPoint(IPAddress.Loopback, basePort + i),
                    Peers = [.. Enumerable.Range(0, i).Select(j => $"127.0.0.1:{basePort + j}")],
                    RpcPort = basePort + 100 + i,
                    Consensus = new TendermintOptions { CommitTimeout = TimeSpan.FromMilliseconds(200) },
                });
                nodes.Add(node);
                node.Start();
            }

            ulong first = Math.Max(1, stopAt ?? 1);
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                limit.CancelAfter(timeout);
                if (!await WaitForHeightAsync(nodes, first, limit.Token).ConfigureAwait(false))
                {
                    console.Write(Table(nodes));
                    error.WriteLine(cancellationToken.IsCancellationRequested ? "nexus devnet-chain: stopped." : $"nexus devnet-chain: the validators did not all finalize height {first} within {timeout.TotalSeconds:0} s (see the table).");
                    return NexusCli.Failed;
                }
            }

            console.Write(Table(nodes));
            console.MarkupLine($"Faucet wallet {Markup.Escape(faucetFile)} (address {faucet.SigningKey.PublicKey}); try: nexus wallet send --wallet {Markup.Escape(faucetFile)} --to <address> --amount 1000 --rpc {nodes[0].Rpc!.Url}");
            if (stopAt is null)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            return NexusCli.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or System.Net.Sockets.SocketException or HttpListenerException or RocksDbSharp.RocksDbException or ChainFormatException)
        {
            error.WriteLine($"nexus devnet-chain: {e.Message}");
            return NexusCli.Failed;
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var identity in identities)
            {
                identity.Dispose();
            }

            if (ownsRoot)
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static NodeIdentity Saved(NodeIdentity identity, string path)
    {
        IdentityFile.Save(identity, path);
        return identity;
    }

    private static async Task<bool> WaitForHeightAsync(List<ChainNode> nodes, ulong height, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (nodes.Any(n => n.Store.Height < height))
            {
                await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static Table Table(List<ChainNode> nodes)
    {
        var table = new Table().AddColumns("validator", "public key", "listen", "JSON-RPC", "peers", "height");
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            table.AddRow(i.ToString(CultureInfo.InvariantCulture), n.PublicKey.ToString()[..16] + "…", n.Network.LocalEndPoint?.ToString() ?? "-",
                n.Rpc?.Url.ToString() ?? "-", n.Network.Peers.Count.ToString(CultureInfo.InvariantCulture), n.Store.Height.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }
}
