using System.Net;
using System.Net.Sockets;
using Nexus.Crypto;
using Nexus.Economics;

namespace Nexus.Hosting.Tests;

/// <summary>
/// Three real nodes in a line on loopback TCP (A — B — C): channel messages between neighbours ride
/// NEXUS links, and a settlement between A and B reaches C, which has no channel with A, on the
/// settlement gossip topic.
/// </summary>
public sealed class EconomicsTransportTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("nx-econ-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Channel conditions are awaited on EconomicsNode.ChannelChanged of the given nodes (re-checked on every change).
    private static async Task WaitForChannels(Func<bool> condition, string what, params NexusNode[] nodes)
    {
        using var waiter = new ConditionWaiter(condition);
        foreach (var node in nodes)
        {
            waiter.On<ChannelChangedEventArgs>(h => node.Economics.ChannelChanged += h, h => node.Economics.ChannelChanged -= h);
        }

        await waiter.WaitAsync(what, TimeSpan.FromSeconds(90));
    }

    // Ledger conditions are awaited on EconomicsNode.LedgerChanged (re-checked on every change).
    private static async Task WaitForLedger(EconomicsNode node, Func<bool> condition, string what)
    {
        using var waiter = new ConditionWaiter(condition)
            .On<LedgerEventArgs>(h => node.LedgerChanged += h, h => node.LedgerChanged -= h);
        await waiter.WaitAsync(what, TimeSpan.FromSeconds(90));
    }

    private static long Counter(NexusNode node, string name) =>
        node.GetStatus()["counters"]![name] is { } value ? long.Parse(value.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : 0;

    [Fact]
    public async Task Channel_updates_ride_a_NEXUS_link_and_settlements_reach_a_third_node()
    {
        var names = new[] { "a", "b", "c" };
        var hashes = new Hash128[3];
        for (int i = 0; i < 3; i++)
        {
            Directory.CreateDirectory(Path.Combine(_dir.FullName, names[i]));
            using var identity = NodeIdentity.Generate();
            IdentityFile.Save(identity, Path.Combine(_dir.FullName, names[i], "identity"));
            hashes[i] = new Hash128(identity.Hash);
        }

        var genesis = hashes.ToDictionary(h => h, _ => 1_000_000UL);
        int portA = FreePort(), portB = FreePort();
        NodeOptions Options(int i, params NodeInterfaceOptions[] interfaces) => new()
        {
            DataDirectory = Path.Combine(_dir.FullName, names[i]),
            Interfaces = interfaces,
            GenesisBalances = genesis,
        };

        await using var a = await NexusNode.StartAsync(Options(0,
            new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpServer, Endpoint = new IPEndPoint(IPAddress.Loopback, portA) }));
        await using var b = await NexusNode.StartAsync(Options(1,
            new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpServer, Endpoint = new IPEndPoint(IPAddress.Loopback, portB) },
            new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpClient, Endpoint = new IPEndPoint(IPAddress.Loopback, portA) }));
        await using var c = await NexusNode.StartAsync(Options(2,
            new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpClient, Endpoint = new IPEndPoint(IPAddress.Loopback, portB) }));

        // Neighbours open channels by themselves (the lower hash opens) once their announces cross.
        PaymentChannel? ab = null;
        await WaitForChannels(
            () => a.Economics.TryGetChannelWith(b.Account, out ab) && ab!.Status == ChannelStatus.Open
                && b.Economics.TryGetChannelWith(c.Account, out var bc) && bc!.Status == ChannelStatus.Open
                && b.Economics.TryGetChannelWith(a.Account, out var ba) && ba!.Status == ChannelStatus.Open,
            "channels A–B and B–C",
            a, b);
        Assert.False(a.Economics.TryGetChannelWith(c.Account, out _));

        await a.Economics.PayAsync(ab!.Id, 1_234);
        await WaitForChannels(() => !ab.HasPendingUpdate && ab.Latest.Sequence >= 1, "the payment A → B", a);
        Assert.True(b.Economics.TryGetChannelWith(a.Account, out var atB) && atB!.PeerBalance == ab.LocalBalance);

        // The channel messages rode one authenticated link between A and B.
        Assert.True(a.ChannelLinks.TryGetLink(b.Account, out var linkAtA));
        Assert.True(b.ChannelLinks.TryGetLink(a.Account, out var linkAtB));
        Assert.Equal(linkAtA!.LinkId, linkAtB!.LinkId);
        Assert.Equal(Nexus.Mesh.NexusLinkState.Established, linkAtA.State);
        Assert.Equal(b.Account, linkAtA.Peer!.Hash);
        Assert.True(a.ChannelLinks.MessagesSent >= 2); // OpenRequest or OpenAccept, and the payment
        Assert.True(b.ChannelLinks.MessagesReceived >= 2);
        Assert.True(Counter(a, "links_established") >= 1);
        Assert.Equal(a.ChannelLinks.MessagesSent, Counter(a, "link_messages_sent"));
        foreach (var node in new[] { a, b, c })
        {
            Assert.Equal(0, Counter(node, "messages_malformed"));
            Assert.Equal(0, Counter(node, "link_dropped_party_mismatch"));
        }

        // C is no neighbour of A: it knows A's key from A's announce, by RNS rebroadcast or, when B's
        // rebroadcast rate limit held that back, from gossip (where a path to A also appears).
        using (var keyAtC = new ConditionWaiter(() => c.Economics.Keys.TryGet(a.Account, out _))
            .On<Nexus.Mesh.PathChangedEventArgs>(h => c.Mesh.PathChanged += h, h => c.Mesh.PathChanged -= h))
        {
            await keyAtC.WaitAsync("A's key at C", TimeSpan.FromSeconds(90));
        }

        // Settle A–B: the record reaches C, and all three ledgers agree.
        var settledAtA = WaitForLedger(a.Economics, () => a.Economics.Ledger.Count >= 1, "the settlement at A");
        Assert.True(await a.SettleAllAsync() >= 1);
        await settledAtA;
        var record = a.Economics.Ledger.GetRecords().Single(r => r.PartyA == a.Account || r.PartyB == a.Account);
        await WaitForLedger(c.Economics, () => c.Economics.Ledger.Contains(record.ComputeHash()), "the A–B settlement at C");
        Assert.True(Counter(c, "settlement_gossip_accepted") >= 1); // C took it from gossip (there is no other path)
        long expected = 1_000_000 - 1_234;
        Assert.Equal(expected, c.Economics.GetBalance(a.Account));
        Assert.Equal(a.Economics.GetBalance(a.Account), c.Economics.GetBalance(a.Account));
        Assert.Equal(b.Economics.GetBalance(b.Account), c.Economics.GetBalance(b.Account));
    }
}
