using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;
using Nexus.Mesh;

namespace Nexus.Economics.Tests;

/// <summary>
/// Channel messages over NEXUS links (<see cref="LinkChannelTransport"/>): two (or three) mesh
/// transports on in-memory interfaces and a fake clock, each with a link manager, a link transport
/// and an economics node.
/// </summary>
public class LinkTransportTests
{
    private static readonly ChannelTerms Terms = new(WinProbability.FromOdds(100), 5);

    private sealed class Peer : IDisposable
    {
        public Peer(string name, FakeTimeProvider time, LinkRekeyPolicy? rekey, LinkChannelTransportOptions? options, Action<NexusLinkManager>? beforeTransport = null)
        {
            Name = name;
            Identity = NodeIdentity.Generate();
            Hash = new Hash128(Identity.Hash);
            Mesh = new MeshTransport(Identity, new MeshTransportOptions { Seed = name.Length }, time);
            Links = new NexusLinkManager(Mesh, Identity, time, rekey);
            beforeTransport?.Invoke(Links);
            Transport = new LinkChannelTransport(Links, Hash, options, Keys, time);
            Node = new EconomicsNode(Identity.SigningKey, Hash, Transport, null, new EconomicsOptions { MaxResponderDepositMicroNxs = ulong.MaxValue },
                keys: Keys, epochBalances: new Dictionary<Hash128, ulong>(), timeProvider: time);
            Transport.Attach(Node);
        }

        public string Name { get; }

        public NodeIdentity Identity { get; }

        public Hash128 Hash { get; }

        public IdentityPublicKey PublicKey => IdentityPublicKey.FromIdentity(Identity);

        public MeshTransport Mesh { get; }

        public NexusLinkManager Links { get; }

        public ChannelKeyCache Keys { get; } = new();

        public LinkChannelTransport Transport { get; }

        public EconomicsNode Node { get; }

        public void Dispose()
        {
            Node.Dispose();
            Transport.Dispose();
            Links.Dispose();
            Mesh.Dispose();
            Identity.Dispose();
        }
    }

    private sealed class Net : IDisposable
    {
        public Net(LinkRekeyPolicy? rekey = null, LinkChannelTransportOptions? options = null, Action<NexusLinkManager>? beforeB = null)
        {
            A = new Peer("alice", Time, rekey, options);
            B = new Peer("bob-node", Time, rekey, options, beforeB);
            Wire(A, B);

            // A knows B's identity (from an announce); B learns A's key only from the link.
            A.Transport.LearnIdentity(B.PublicKey);
            A.Keys.Learn(B.Hash, B.PublicKey.SigningKey);
            A.Links.Announce();
            B.Links.Announce();
            Time.Advance(TimeSpan.FromSeconds(2));
        }

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

        public Peer A { get; }

        public Peer B { get; }

        public List<Peer> Extra { get; } = [];

        public void Wire(Peer x, Peer y)
        {
            var (ix, iy) = InMemoryInterface.CreatePair($"{x.Name}-{y.Name}", $"{y.Name}-{x.Name}", Time, TimeSpan.FromMilliseconds(5));
            x.Mesh.AddInterface(ix);
            y.Mesh.AddInterface(iy);
            ix.StartAsync().AsTask().GetAwaiter().GetResult();
            iy.StartAsync().AsTask().GetAwaiter().GetResult();
        }

        /// <summary>Advances the clock in 50 ms steps, delivering inbound messages, until the condition holds.</summary>
        public async Task RunUntil(Func<bool> condition, TimeSpan? limit = null)
        {
            var end = Time.GetUtcNow() + (limit ?? TimeSpan.FromSeconds(30));
            while (!condition())
            {
                Assert.True(Time.GetUtcNow() < end, "timed out: " + Describe());
                Time.Advance(TimeSpan.FromMilliseconds(50));
                await A.Transport.DeliverPendingAsync();
                await B.Transport.DeliverPendingAsync();
            }
        }

        public string Describe() => string.Join(" | ", new[] { A, B }.Select(p =>
            $"{p.Name}: opened {p.Transport.LinksOpened} sent {p.Transport.MessagesSent} received {p.Transport.MessagesReceived} dropped [{string.Join(",", p.Transport.Dropped.Select(kv => $"{kv.Key}={kv.Value}"))}] "
            + $"links {p.Links.EstablishedCount} rejected [{string.Join(",", p.Links.Rejected.Select(kv => $"{kv.Key}={kv.Value}"))}] mesh drops [{string.Join(",", p.Mesh.Drops.Select(kv => $"{kv.Key}={kv.Value}"))}] routes {p.Mesh.Routes.PathCount}"));

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
            foreach (var p in Extra)
            {
                p.Dispose();
            }
        }
    }

    private static async Task<PaymentChannel> OpenChannel(Net net)
    {
        var channel = await net.A.Node.OpenChannelAsync(net.B.Hash, 10_000, 10_000, Terms);
        await net.RunUntil(() => channel.Status == ChannelStatus.Open && net.B.Node.TryGetChannelWith(net.A.Hash, out _));
        return channel;
    }

    [Fact]
    public async Task Channel_messages_ride_one_authenticated_link_opened_on_demand_and_reused()
    {
        using var net = new Net();
        Assert.False(net.A.Transport.TryGetLink(net.B.Hash, out _));
        var channel = await OpenChannel(net);
        for (int i = 1; i <= 3; i++)
        {
            await net.A.Node.PayAsync(channel.Id, 100);
            await net.RunUntil(() => channel.Latest.Sequence == (ulong)i && !channel.HasPendingUpdate);
        }

        var record = await net.B.Node.SettleAsync(net.B.Node.Channels.Single().Id);
        await net.RunUntil(() => net.A.Node.Ledger.Count == 1 && net.B.Node.Ledger.Count == 1);

        Assert.Equal(9_700UL, channel.LocalBalance);
        Assert.True(net.B.Node.TryGetChannelWith(net.A.Hash, out var atB) && atB!.LocalBalance == 10_300);
        Assert.Equal(3UL, channel.UpdateCount); // three dual-signed updates, counted once by each side
        Assert.Equal(3UL, atB.UpdateCount);
        Assert.True(net.A.Node.Ledger.Contains(record.ComputeHash()));
        Assert.Equal(3UL, net.A.Node.Ledger.GetRecords().Single().FinalSequence);
        Assert.Equal(1, net.A.Transport.LinksOpened); // opened once, on the first message
        Assert.Equal(0, net.B.Transport.LinksOpened); // B answered over A's link
        Assert.True(net.A.Transport.TryGetLink(net.B.Hash, out var linkAtA));
        Assert.True(net.B.Transport.TryGetLink(net.A.Hash, out var linkAtB));
        Assert.Equal(linkAtA!.LinkId, linkAtB!.LinkId);
        Assert.Equal(net.B.Hash, linkAtA.Peer!.Hash);
        Assert.Equal(net.A.Hash, linkAtB.Peer!.Hash);
        Assert.Equal(1, net.A.Links.EstablishedCount);
        // open, 3 payments, settle accept from A; open accept, 3 accepts, settle request from B
        Assert.Equal(5, net.A.Transport.MessagesSent);
        Assert.Equal(5, net.B.Transport.MessagesSent);
        Assert.Equal(5, net.A.Transport.MessagesReceived);
        Assert.Equal(5, net.B.Transport.MessagesReceived);
        Assert.True(net.B.Keys.TryGet(net.A.Hash, out var learned) && learned == net.A.PublicKey.SigningKey); // from the handshake
        Assert.Empty(net.A.Transport.Dropped);
        Assert.Empty(net.B.Transport.Dropped);
    }

    [Fact]
    public async Task A_link_the_peer_forgot_is_replaced_and_the_pending_update_completes()
    {
        using var net = new Net();
        var channel = await OpenChannel(net);
        Assert.True(net.B.Transport.TryGetLink(net.A.Hash, out var link));
        link!.Dispose(); // B loses the link (as after a restart); A still holds its side
        await net.A.Node.PayAsync(channel.Id, 250);
        await net.RunUntil(() => net.B.Links.Rejected.ContainsKey("unknown_link"));
        Assert.True(channel.HasPendingUpdate);

        // The protocol resends its stored proposal; after StaleAfter (15 s) without an answer the link is replaced.
        net.Time.Advance(TimeSpan.FromSeconds(16));
        await net.A.Node.ResumeAsync();
        await net.RunUntil(() => !channel.HasPendingUpdate);
        Assert.False(channel.HasPendingUpdate);
        Assert.Equal(9_750UL, channel.LocalBalance);
        Assert.Equal(2, net.A.Transport.LinksOpened);
        Assert.Equal(1, net.A.Transport.Dropped["stale_link"]);
        Assert.True(net.A.Transport.TryGetLink(net.B.Hash, out var replacement));
        Assert.NotEqual(link.LinkId, replacement!.LinkId);
    }

    [Fact]
    public async Task A_link_due_for_rekey_is_rekeyed_in_place_and_keeps_carrying_updates()
    {
        using var net = new Net(rekey: new LinkRekeyPolicy(TimeSpan.FromMinutes(1), 1 << 20));
        var channel = await OpenChannel(net);
        Assert.True(net.A.Transport.TryGetLink(net.B.Hash, out var first));
        for (int i = 0; i < 3; i++)
        {
            net.Time.Advance(TimeSpan.FromSeconds(50));
            await net.A.Node.PayAsync(channel.Id, 10);
            await net.RunUntil(() => !channel.HasPendingUpdate);
        }

        Assert.Equal(9_970UL, channel.LocalBalance);
        Assert.Equal(1, net.A.Transport.LinksOpened);
        Assert.True(net.A.Transport.TryGetLink(net.B.Hash, out var same));
        Assert.Same(first, same);
        Assert.True(first!.Rekeys >= 1);
        Assert.Empty(net.A.Transport.Dropped);
    }

    [Fact]
    public async Task A_message_naming_parties_other_than_the_link_peer_is_refused_and_counted()
    {
        var chained = new List<byte[]>();
        using var net = new Net(beforeB: links => links.DataReceived = (_, d) => chained.Add(d.ToArray()));
        var mallory = new Peer("mallory", net.Time, null, null);
        net.Extra.Add(mallory);
        net.Wire(mallory, net.B);
        mallory.Links.Announce();
        net.B.Links.Announce();
        net.Time.Advance(TimeSpan.FromSeconds(2));
        var link = mallory.Links.Open(net.B.PublicKey);
        await net.RunUntil(() => link.State == NexusLinkState.Established);

        // A settlement between A and B, as if Mallory relayed it: B must not take it as from A.
        var record = Fixtures.Settlement((net.A.Identity.SigningKey, net.A.Hash), (net.B.Identity.SigningKey, net.B.Hash), 5, 1);
        Assert.True(link.Send([LinkChannelTransport.PayloadTag, .. ChannelMessage.SettleRequest(record).ToArray()]));
        Assert.True(link.Send([LinkChannelTransport.PayloadTag, 0x03, 0x00])); // not a channel message
        Assert.True(link.Send([0x01, 0x02, 0x03])); // another service's payload on the shared link
        await net.RunUntil(() => chained.Count == 1);

        Assert.Equal(1, net.B.Transport.Dropped["party_mismatch"]);
        Assert.Equal(1, net.B.Transport.Dropped["malformed"]);
        Assert.Equal(0, net.B.Transport.MessagesReceived);
        Assert.Equal(0, net.B.Transport.PendingInbound);
        Assert.Equal(new byte[] { 1, 2, 3 }, chained.Single());
        Assert.Empty(net.B.Node.Channels);
    }

    [Fact]
    public async Task Queues_are_bounded_both_ways()
    {
        using var net = new Net(options: new LinkChannelTransportOptions { OutboundQueueCapacity = 16, InboundQueueCapacity = 8 });
        var unknown = Fixtures.NodeHash(404);
        var reject = ChannelMessage.UpdateReject(default, 1, ChannelRejectReason.NotOpen).ToArray();

        // No identity for this neighbour yet: messages wait, bounded.
        for (int i = 0; i < 20; i++)
        {
            await net.A.Transport.SendAsync(unknown, reject);
        }

        Assert.Equal(4, net.A.Transport.Dropped["outbound_full"]);
        Assert.Equal(0, net.A.Transport.LinksOpened);

        // B's inbound queue holds 8 undelivered messages; the rest are dropped and counted.
        await net.A.Transport.SendAsync(net.B.Hash, reject);
        await net.RunUntil(() => net.B.Transport.MessagesReceived == 1);
        for (int i = 0; i < 20; i++)
        {
            await net.A.Transport.SendAsync(net.B.Hash, reject);
        }

        for (int i = 0; i < 200 && net.B.Transport.MessagesReceived + net.B.Transport.Dropped.GetValueOrDefault("inbound_full") < 21; i++)
        {
            net.Time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.Equal(1, net.A.Transport.LinksOpened);
        Assert.Equal(8, net.B.Transport.PendingInbound);
        Assert.Equal(9, net.B.Transport.MessagesReceived);
        Assert.Equal(12, net.B.Transport.Dropped["inbound_full"]);
        Assert.Equal(8, await net.B.Transport.DeliverPendingAsync());
        await Assert.ThrowsAsync<ArgumentException>(async () => await net.A.Transport.SendAsync(net.B.Hash, new byte[ChannelMessage.MaxSizeInBytes + 1]));
    }
}
