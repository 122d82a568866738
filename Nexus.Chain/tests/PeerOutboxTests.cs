using System.Net;
using System.Net.Sockets;
using Nerdbank.Streams;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

// A peer that completes the handshake and then never reads must not make a node hold unbounded memory:
// what is queued for it is capped by PeerNetworkOptions.MaxQueuedBytesPerPeer.
public sealed class PeerOutboxTests : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nexus-outbox-").FullName;

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }

    [Fact]
    public async Task What_is_queued_for_a_peer_that_stopped_reading_stays_within_the_byte_cap()
    {
        using var nodeIdentity = NodeIdentity.Generate();
        using var stalledIdentity = NodeIdentity.Generate();
        var genesis = new Genesis
        {
            ChainId = "nexus-outbox",
            TimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000,
            Accounts = [KeyValuePair.Create(nodeIdentity.SigningKey.PublicKey, 1_000_000UL)],
            Validators = [new Validator(nodeIdentity.SigningKey.PublicKey, 10)],
            Parameters = new ChainParameters(TestChain.Key(1000).PublicKey, 1, 50),
        };
        const long cap = 2 * 1024 * 1024;
        await using var node = new ChainNode(new ChainNodeOptions
        {
            DataDirectory = Path.Combine(_root, "node"),
            Genesis = genesis,
            Identity = nodeIdentity,
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            SyncWrites = false,
            Network = new PeerNetworkOptions { MaxQueuedBytesPerPeer = cap },
        });
        node.Start();

        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Network.PeersChanged += () =>
        {
            if (node.Network.Peers.Any(p => p.PublicKey == stalledIdentity.SigningKey.PublicKey)) connected.TrySetResult();
        };

        // The stalled peer: TCP, the D3 handshake, the multiplexed channels, and then it never reads.
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, node.Network.LocalEndPoint!.Port);
        var stream = client.GetStream();
        using var handshake = LinkHandshake.CreateInitiator(stalledIdentity, System.Text.Encoding.UTF8.GetBytes("nexus-chain/" + genesis.ChainId));
        var init = new byte[LinkHandshake.InitiationSizeInBytes];
        handshake.WriteInitiation(init);
        await stream.WriteAsync(init);
        var response = new byte[LinkHandshake.ResponseSizeInBytes];
        await stream.ReadExactlyAsync(response);
        var confirmation = new byte[LinkHandshake.ConfirmationSizeInBytes];
        Assert.Equal(HandshakeStatus.Ok, handshake.ReadResponse(response, confirmation, out var session));
        await stream.WriteAsync(confirmation);
        await using var mx = await MultiplexingStream.CreateAsync(new SecureStream(stream, session!));
        using var consensus = await mx.OfferChannelAsync("consensus");
        using var gossip = await mx.OfferChannelAsync("tx");
        await connected.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // 100 MB for it: far more than the socket and the multiplexing window take while nobody reads.
        const int message = 512 * 1024;
        for (int i = 0; i < 200; i++)
        {
            node.Network.SendRaw(0, new byte[message]);
            long queued = node.Network.Peers.Single(p => p.PublicKey == stalledIdentity.SigningKey.PublicKey).QueuedBytes;
            Assert.InRange(queued, 0, cap);
        }

        Assert.InRange(node.Network.Peers.Single(p => p.PublicKey == stalledIdentity.SigningKey.PublicKey).QueuedBytes, cap - message, cap);
    }
}
