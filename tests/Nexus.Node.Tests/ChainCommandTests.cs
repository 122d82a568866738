using System.Net;
using System.Net.Sockets;
using Nexus.Chain;
using Nexus.Crypto;

namespace Nexus.Node.Tests;

/// <summary><c>nexus wallet</c> and <c>nexus devnet --chain</c> against real ChainNodes on 127.0.0.1.</summary>
public sealed class ChainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nx-chain-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = NexusCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public void Wallet_new_writes_a_key_file_whose_address_it_prints_and_never_overwrites_one_silently()
    {
        string file = Path.Combine(_dir, "alice.wallet");
        var (code, output, error) = Run("wallet", "new", "--output", file);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        using (var saved = IdentityFile.Load(file))
        {
            Assert.Equal($"Address {saved.SigningKey.PublicKey}", output.Trim());
        }

        var again = Run("wallet", "new", "--output", file);
        Assert.Equal(1, again.Code);
        Assert.StartsWith("nexus wallet new: ", again.Err, StringComparison.Ordinal);
        Assert.Single(again.Err.TrimEnd().Split('\n'));
        Assert.Equal(0, Run("wallet", "new", "--output", file, "--force").Code);
    }

    [Fact]
    public void Wallet_balance_without_a_node_is_one_line_telling_how_to_start_one()
    {
        var (code, output, error) = Run("wallet", "balance", new string('a', 64), "--rpc", $"http://127.0.0.1:{FreePort()}/");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("no chain node answers", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("neither 64 hex digits nor a wallet file", Run("wallet", "balance", "nope").Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wallet_send_moves_funds_on_a_running_validator_and_balance_shows_them()
    {
        string funded = Path.Combine(_dir, "funded.wallet");
        string target = Path.Combine(_dir, "target.wallet");
        Assert.Equal(0, Run("wallet", "new", "-o", funded).Code);
        Assert.Equal(0, Run("wallet", "new", "-o", target).Code);
        using var sender = IdentityFile.Load(funded);
        using var validator = NodeIdentity.Generate();
        var genesis = new Genesis
        {
            ChainId = "nexus-cli-test",
            TimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000,
            Accounts = [KeyValuePair.Create(sender.SigningKey.PublicKey, 1_000_000UL)],
            Validators = [new Validator(validator.SigningKey.PublicKey, 10)],
            Parameters = new ChainParameters(validator.SigningKey.PublicKey, 1, 50),
        };
        int rpcPort = FreePort();
        await using var node = new ChainNode(new ChainNodeOptions
        {
            DataDirectory = Path.Combine(_dir, "node"),
            Genesis = genesis,
            Identity = validator,
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            RpcPort = rpcPort,
            SyncWrites = false,
        });
        node.Start();
        string rpc = $"http://127.0.0.1:{rpcPort}/";

        // The chain id comes from block 1 over JSON-RPC: wait for its commit (the deadline only bounds a hang).
        using var recipient = IdentityFile.Load(target);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await node.WaitForHeightAsync(1, deadline.Token);
        var credited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.BlockCommitted += _ =>
        {
            if (node.Store.State.Accounts.Get(recipient.SigningKey.PublicKey).Balance != 0)
            {
                credited.TrySetResult();
            }
        };
        var sent = Run("wallet", "send", "--wallet", funded, "--to", target, "--amount", "1234", "--fee", "6", "--rpc", rpc);
        Assert.True(sent.Code == 0, sent.Err);
        Assert.StartsWith("Sent ", sent.Out, StringComparison.Ordinal);
        await credited.Task.WaitAsync(deadline.Token);

        var balance = Run("wallet", "balance", target, "--rpc", rpc);
        Assert.Equal(0, balance.Code);
        Assert.Contains("1234", balance.Out, StringComparison.Ordinal);
        var senderBalance = Run("wallet", "balance", sender.SigningKey.PublicKey.ToString(), "--rpc", rpc);
        Assert.Contains((1_000_000 - 1240).ToString(System.Globalization.CultureInfo.InvariantCulture), senderBalance.Out, StringComparison.Ordinal);

        var overspend = Run("wallet", "send", "--wallet", target, "--to", funded, "--amount", "999999", "--rpc", rpc);
        Assert.Equal(1, overspend.Code);
        Assert.StartsWith("nexus wallet send: the node rejected", overspend.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Devnet_chain_runs_validators_that_finalize_blocks_and_leaves_a_genesis_and_faucet_wallet()
    {
        string dir = Path.Combine(_dir, "devnet");
        var (code, output, error) = Run("devnet", "--chain", "--validators", "3", "--blocks", "2", "--base-port", TestPorts.FreeRange(3, secondOffset: 100).ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dir);
        Assert.True(code == 0, error + output);
        Assert.Contains("3 validators", output, StringComparison.Ordinal);
        var genesis = Genesis.FromJson(File.ReadAllText(Path.Combine(dir, "genesis.json")));
        Assert.Equal(3, genesis.Validators.Count);
        using var faucet = IdentityFile.Load(Path.Combine(dir, "faucet.wallet"));
        Assert.Contains(genesis.Accounts, a => a.Key == faucet.SigningKey.PublicKey && a.Value > 0);
        using var store = BlockStore.Open(Path.Combine(dir, "validator0"), genesis);
        Assert.True(store.Height >= 2);

        Assert.Equal(1, Run("devnet-chain", "--validators", "0").Code);
        var invalid = Run("devnet", "--chain", "--validators", "17");
        Assert.Equal(1, invalid.Code);
        Assert.Equal("nexus devnet --chain: --validators must be from 1 to 16.", invalid.Err.Trim());
        var withoutChain = Run("devnet", "--validators", "3");
        Assert.Equal(1, withoutChain.Code);
        Assert.Equal("nexus devnet: --validators and --blocks need --chain.", withoutChain.Err.Trim());
        var meshDevnet = Run("devnet", "--nodes", "1"); // the mesh devnet's own checks run, untouched by the chain options' defaults
        Assert.Equal("nexus devnet: --nodes must be from 2 to 32.", meshDevnet.Err.Trim());
    }
}
