using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

/// <summary>Real TCP and HTTP on 127.0.0.1 with the system clock: four validators as ChainNodes in this process.</summary>
public sealed class LoopbackNetworkTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nexus-chain-net-" + Guid.NewGuid().ToString("N"));
    private readonly List<NodeIdentity> _identities = Enumerable.Range(0, 6).Select(_ => NodeIdentity.Generate()).ToList();
    private readonly ChainNode?[] _nodes = new ChainNode?[4];
    private readonly List<string> _addresses = new();
    private Genesis _genesis = null!;

    public Task InitializeAsync()
    {
        var validators = _identities.Take(4).Select(i => new Validator(i.SigningKey.PublicKey, 10)).ToArray();
        _genesis = new Genesis
        {
            ChainId = "nexus-loopback",
            TimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000,
            Accounts = [.. _identities.Select(i => KeyValuePair.Create(i.SigningKey.PublicKey, 1_000_000UL)), KeyValuePair.Create(TestChain.Key(4).PublicKey, 1_000_000UL)],
            Validators = validators,
            Parameters = new ChainParameters(TestChain.Key(1000).PublicKey, 1, 50),
        };
        for (int i = 0; i < 4; i++)
        {
            _nodes[i] = StartNode(i);
        }

        return Task.CompletedTask;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private ChainNode StartNode(int i, int? port = null)
    {
        var node = new ChainNode(new ChainNodeOptions
        {
            DataDirectory = Path.Combine(_root, "n" + i),
            Genesis = _genesis,
            Identity = _identities[i],
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port ?? 0),
            Peers = _addresses.Take(i).ToArray(),
            RpcPort = FreePort(),
            Consensus = new TendermintOptions { CommitTimeout = TimeSpan.FromMilliseconds(50) },
            SyncWrites = false,
            RetainedStates = 64, // state proofs at past heights over RPC
        });
        node.Start();
        if (port is null)
        {
            _addresses.Add("127.0.0.1:" + node.Network.LocalEndPoint!.Port);
        }

        return node;
    }

    public async Task DisposeAsync()
    {
        foreach (var n in _nodes)
        {
            if (n is not null) await n.DisposeAsync();
        }

        foreach (var i in _identities) i.Dispose();
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }

    /// <summary>Waits for every given node to commit <paramref name="height"/> (commit notification, no polling).</summary>
    private static async Task<bool> Committed(ulong height, params ChainNode?[] nodes)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await Task.WhenAll(nodes.Select(n => n!.WaitForHeightAsync(height, cts.Token).AsTask()));
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits for a peer-table condition (connected, score, ban), re-checked on every
    /// <see cref="PeerNetwork.PeersChanged"/>; the deadline only bounds a hang.
    /// </summary>
    private static async Task<bool> Eventually(PeerNetwork network, Func<bool> condition, int seconds = 60)
    {
        var met = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged()
        {
            if (condition())
            {
                met.TrySetResult();
            }
        }

        network.PeersChanged += OnChanged;
        try
        {
            if (condition())
            {
                return true;
            }

            await met.Task.WaitAsync(TimeSpan.FromSeconds(seconds));
            return true;
        }
        catch (TimeoutException)
        {
            return condition();
        }
        finally
        {
            network.PeersChanged -= OnChanged;
        }
    }

    private static async Task<JsonNode> Rpc(ChainNode node, string method, params object[] args)
    {
        using var http = new HttpClient();
        var response = await http.PostAsJsonAsync(node.Rpc!.Url, new { jsonrpc = "2.0", id = 1, method, @params = args });
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task Validators_finalize_over_tcp_serve_rpc_score_bad_peers_and_a_restarted_node_catches_up()
    {
        Assert.True(await Committed(3, _nodes), "heights: " + string.Join(",", _nodes.Select(n => n!.Store.Height)));

        // JSON-RPC: subscribe to the transaction's status over WebSocket, send it over HTTP, read it back.
        var tx = Transaction.Create(TestChain.Key(4), _genesis.ChainId, 0, _identities[4].SigningKey.PublicKey, 1234, 5);
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri(_nodes[0]!.Rpc!.Url.ToString().Replace("http", "ws", StringComparison.Ordinal)), default);
        await ws.SendAsync(Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"chain_subscribe\",\"params\":[\"txStatus\",\"{tx.Hash}\"]}}"), WebSocketMessageType.Text, true, default);
        var buffer = new byte[65536];
        var ack = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, (await ws.ReceiveAsync(buffer, default)).Count))!;
        Assert.NotNull(ack["result"]);

        var sent = await Rpc(_nodes[3]!, "chain_sendTransaction", Convert.ToHexStringLower(tx.Encoded.Span));
        Assert.Equal(tx.Hash.ToString(), (string?)sent["result"]!["hash"]);
        var bad = await Rpc(_nodes[3]!, "chain_sendTransaction", "0a0b0c");
        Assert.Equal(-32000, (int)bad["error"]!["code"]!);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var note = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, (await ws.ReceiveAsync(buffer, cts.Token)).Count))!;
        Assert.Equal("chain_subscription", (string?)note["method"]);
        Assert.Equal("committed", (string?)note["params"]!["result"]!["status"]);

        var location = _nodes[0]!.Store.GetLocation(tx.Hash);
        Assert.NotNull(location);
        Assert.True(await Committed(location.Value.Height, _nodes));
        Assert.All(_nodes, n => Assert.Equal(location, n!.Store.GetLocation(tx.Hash)));
        var balance = await Rpc(_nodes[1]!, "chain_getBalance", _identities[4].SigningKey.PublicKey.ToString());
        Assert.Equal("1001234", (string?)balance["result"]);
        var got = await Rpc(_nodes[2]!, "chain_getTransaction", tx.Hash.ToString());
        Assert.Equal("committed", (string?)got["result"]!["status"]);
        Assert.Equal("Success", (string?)got["result"]!["receipt"]!["status"]);
        var nonce = await Rpc(_nodes[2]!, "chain_getNonce", TestChain.Key(4).PublicKey.ToString());
        Assert.Equal("1", (string?)nonce["result"]);
        var proofJson = (await Rpc(_nodes[0]!, "chain_getStateProof", TestChain.Key(4).PublicKey.ToString()))["result"]!;
        var proof = StateProof.Decode(Convert.FromHexString((string)proofJson["proof"]!));
        var header = _nodes[0]!.Store.GetHeader(ulong.Parse((string)proofJson["height"]!))!;
        Assert.True(proof.Verify(header.StateRoot));
        Assert.Equal(1_000_000UL - 1239, proof.Account!.Value.Balance);
        var earlyJson = (await Rpc(_nodes[0]!, "chain_getStateProof", TestChain.Key(4).PublicKey.ToString(), "1"))["result"]!;
        Assert.Equal("1", (string?)earlyJson["height"]);
        Assert.True(StateProof.Decode(Convert.FromHexString((string)earlyJson["proof"]!)).Verify(_nodes[0]!.Store.GetHeader(1)!.StateRoot));
        Assert.Equal(-32602, (int)(await Rpc(_nodes[0]!, "chain_getStateProof", TestChain.Key(4).PublicKey.ToString(), "999999"))["error"]!["code"]!);
        var block = await Rpc(_nodes[0]!, "chain_getBlockByHeight", "1");
        Assert.Equal(_nodes[0]!.Store.GetHeader(1)!.Hash.ToString(), (string?)block["result"]!["hash"]);
        Assert.Equal(-32601, (int)(await Rpc(_nodes[0]!, "chain_nope"))["error"]!["code"]!);

        // A peer that sends malformed protobuf loses score and is banned.
        await using (var rogueNode = await ConnectOutsider(4, "rogue"))
        {
            rogueNode.Network.SendRaw(0, [0x0a, 0xff, 0xff]);
            Assert.True(await Eventually(_nodes[0]!.Network, () => _nodes[0]!.Network.Peers.FirstOrDefault(p => p.PublicKey == _identities[4].SigningKey.PublicKey) is not { Score: 100 }));
            for (int i = 0; i < 6; i++) rogueNode.Network.SendRaw(0, [0x12, 0x01, 0x08]);
            Assert.True(await Eventually(_nodes[0]!.Network, () => _nodes[0]!.Network.IsBanned(_identities[4].SigningKey.PublicKey)));
        }

        // Gossip: a transaction with a bad signature costs the sending peer score (checked on the verifier threads,
        // penalized by the gossip thread); a gossip frame over the batch bound is refused and the connection dropped.
        await using (var gossiper = await ConnectOutsider(5, "gossiper"))
        {
            var key = _identities[5].SigningKey.PublicKey;
            gossiper.Network.SendRaw(1, BatchWithBadSignature());
            Assert.True(await Eventually(_nodes[0]!.Network, () => _nodes[0]!.Network.Peers.FirstOrDefault(p => p.PublicKey == key) is { Score: < 100 }));
            gossiper.Network.SendRaw(1, new byte[2 * 1024 * 1024]);
            Assert.True(await Eventually(_nodes[0]!.Network, () => !_nodes[0]!.Network.Peers.Any(p => p.PublicKey == key)));
        }

        // Stop a validator; the other three continue; restart it on its data directory and it catches up.
        ulong before = _nodes[3]!.Store.Height;
        var finalized = Enumerable.Range(1, (int)before).Select(h => _nodes[3]!.Store.GetHeader((ulong)h)!.Hash).ToArray();
        int port = int.Parse(_addresses[3].Split(':')[1]);
        await _nodes[3]!.DisposeAsync();
        _nodes[3] = null;
        Assert.True(await Committed(before + 5, _nodes[0]));
        _nodes[3] = StartNode(3, port);
        ulong target = _nodes[0]!.Store.Height + 2;
        Assert.True(await Committed(target, _nodes[3]));
        for (int h = 1; h <= finalized.Length; h++)
        {
            Assert.Equal(finalized[h - 1], _nodes[3]!.Store.GetHeader((ulong)h)!.Hash);
            Assert.Equal(_nodes[0]!.Store.GetHeader((ulong)h)!.Hash, _nodes[3]!.Store.GetHeader((ulong)h)!.Hash);
        }
    }

    /// <summary>Starts a non-validator node with identity <paramref name="identity"/> dialing validator 0, once both ends see the connection.</summary>
    private async Task<ChainNode> ConnectOutsider(int identity, string name)
    {
        var node = new ChainNode(new ChainNodeOptions
        {
            DataDirectory = Path.Combine(_root, name),
            Genesis = _genesis,
            Identity = _identities[identity],
            Peers = [_addresses[0]],
            SyncWrites = false,
        });
        node.Start();
        var key = _identities[identity].SigningKey.PublicKey;
        Assert.True(await Eventually(_nodes[0]!.Network, () => _nodes[0]!.Network.Peers.Any(p => p.PublicKey == key)));
        // Both ends must have registered the connection, or SendRaw finds no peer to write to.
        Assert.True(await Eventually(node.Network, () => node.Network.Peers.Any(p => p.PublicKey == _identities[0].SigningKey.PublicKey)));
        return node;
    }

    /// <summary>A TransactionBatchProto holding one well-formed transfer whose signature's last byte is flipped.</summary>
    private static byte[] BatchWithBadSignature()
    {
        byte[] tx = TestChain.Transfer(6, 7, 0, 5).Encoded.ToArray();
        tx[^1] ^= 1; // the signature is the last field
        Assert.True(Transaction.TryDecode(tx, out var decoded, out _) && !decoded!.VerifySignature()); // well-formed, badly signed
        var batch = new byte[ProtoWriter.LengthDelimitedSize(tx.Length)];
        new ProtoWriter(batch).WriteBytesField(1, tx);
        return batch;
    }
}
