using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Nexus.Economics.Tests;

/// <summary><see cref="EconomicsNode.ChannelChanged"/> over the in-memory network on a fake clock.</summary>
public sealed class ChannelEventTests
{
    private static readonly ChannelTerms Hundred = new(WinProbability.FromOdds(100), 5);

    private sealed record Seen(ChannelChangedEventArgs Args, bool UnderLock, ChannelStatus VisibleStatus);

    // Records a node's channel events, with whether the handler ran under the node's lock and what the
    // node itself showed for the channel at that moment (a call back into the node).
    private static List<Seen> Record(EconomicsNode node)
    {
        var seen = new List<Seen>();
        node.ChannelChanged += (sender, e) =>
        {
            Assert.Same(node, sender);
            Assert.True(node.TryGetChannel(e.Channel, out var channel));
            seen.Add(new Seen(e, node.IsLockHeld, channel!.Status));
        };
        return seen;
    }

    [Fact]
    public async Task Open_update_settle_dispute_and_close_raise_ChannelChanged_on_both_sides_outside_the_lock()
    {
        using var sim = new Simulation(2, seedBase: 900);
        var atOpener = Record(sim[0]);
        var atPeer = Record(sim[1]);

        var channel = await sim.Open(0, 1, 10_000, 2_000, Hundred);
        Assert.Equal([(ChannelChangeKind.Opening, ChannelStatus.Opening), (ChannelChangeKind.Opened, ChannelStatus.Open)],
            atOpener.Select(s => (s.Args.Change, s.Args.Status)));
        var opened = Assert.Single(atPeer).Args;
        Assert.Equal((ChannelChangeKind.Opened, channel.Id, sim.Hashes[0], ChannelStatus.Open, 0UL, 2_000UL, 10_000UL),
            (opened.Change, opened.Channel, opened.Peer, opened.Status, opened.Sequence, opened.LocalBalance, opened.PeerBalance));
        Assert.Equal(sim.Hashes[1], atOpener[0].Args.Peer);

        await sim[0].PayAsync(channel.Id, 700);
        Assert.Equal(2, atOpener.Count); // proposed, not yet countersigned: no change
        await sim.Pump();
        var paid = atOpener[^1].Args;
        Assert.Equal((ChannelChangeKind.Updated, 1UL, 9_300UL, 2_700UL), (paid.Change, paid.Sequence, paid.LocalBalance, paid.PeerBalance));
        Assert.Equal((ChannelChangeKind.Updated, 1UL, 2_700UL), (atPeer[^1].Args.Change, atPeer[^1].Args.Sequence, atPeer[^1].Args.LocalBalance));
        Assert.True(paid.Latest.IsDualSigned);

        await sim[1].SettleAsync(channel.Id);
        await sim.Pump();
        Assert.Equal((ChannelChangeKind.Settled, 1UL), (atOpener[^1].Args.Change, atOpener[^1].Args.LastSettlement!.Value.FinalSequence));
        Assert.Equal(ChannelChangeKind.Settled, atPeer[^1].Args.Change);
        Assert.Equal(ChannelStatus.Open, atPeer[^1].Args.Status);

        sim.Time.Advance(sim.Options.EpochLength * 4);
        await sim[1].AbandonAsync(channel.Id);
        Assert.Equal((ChannelChangeKind.Closing, ChannelStatus.Closing), (atPeer[^1].Args.Change, atPeer[^1].Args.Status));
        await sim.Pump();
        Assert.Equal((ChannelChangeKind.Closing, ChannelStatus.Closing), (atOpener[^1].Args.Change, atOpener[^1].Args.Status));

        sim.Time.Advance(sim.Options.DisputeWindow);
        await sim[0].TickAsync();
        await sim[1].TickAsync();
        Assert.Equal((ChannelChangeKind.Closed, ChannelStatus.Closed, 1UL), (atOpener[^1].Args.Change, atOpener[^1].Args.Status, atOpener[^1].Args.Sequence));
        Assert.Equal((ChannelChangeKind.Closed, ChannelStatus.Closed), (atPeer[^1].Args.Change, atPeer[^1].Args.Status));
        await sim[0].TickAsync(); // closed once
        Assert.Equal(
            [ChannelChangeKind.Opening, ChannelChangeKind.Opened, ChannelChangeKind.Updated, ChannelChangeKind.Settled, ChannelChangeKind.Closing, ChannelChangeKind.Closed],
            atOpener.Select(s => s.Args.Change));

        Assert.All(atOpener.Concat(atPeer), s => Assert.False(s.UnderLock));
        Assert.All(atOpener.Concat(atPeer), s => Assert.Equal(s.Args.Status, s.VisibleStatus));
        Assert.All(atOpener.Concat(atPeer), s => Assert.Equal(channel.Id, s.Args.Channel));
    }

    [Fact]
    public async Task A_dispute_reports_closing_and_a_newer_dual_signed_state_as_an_update()
    {
        using var sim = new Simulation(2, seedBase: 950);
        var channel = await sim.Open(0, 1, 10_000, 0, Hundred);
        await sim[0].PayAsync(channel.Id, 100);
        await sim.Pump();
        var atRelay = Record(sim[1]);

        // Node 0 submits a dual-signed state newer than node 1 holds (as if node 1's own accept had
        // been lost before it was stored): node 1 starts closing, then takes the newer state.
        var keyOf = (ChannelParty side) => sim.Keys[side == channel.LocalSide ? 0 : 1];
        var newer = channel.Latest.Transfer(channel.LocalSide, 50, channel.Latest.Sequence + 1)
            .Sign(ChannelParty.A, keyOf(ChannelParty.A), Hundred).Sign(ChannelParty.B, keyOf(ChannelParty.B), Hundred);
        await sim[1].ReceiveAsync(sim.Hashes[0], ChannelMessage.Dispute(Hundred, newer).ToArray());

        Assert.Equal([(ChannelChangeKind.Closing, 1UL, 100UL), (ChannelChangeKind.Updated, 2UL, 150UL)],
            atRelay.Select(s => (s.Args.Change, s.Args.Sequence, s.Args.LocalBalance)));
        Assert.All(atRelay, s => Assert.Equal(ChannelStatus.Closing, s.Args.Status));

        // A dispute with the state a node already holds: closing only.
        var atPayer = Record(sim[0]);
        await sim[0].ReceiveAsync(sim.Hashes[1], ChannelMessage.Dispute(Hundred, channel.Latest).ToArray());
        Assert.Equal([(ChannelChangeKind.Closing, 1UL)], atPayer.Select(s => (s.Args.Change, s.Args.Sequence)));
    }

    [Fact]
    public async Task A_throwing_ChannelChanged_handler_is_logged_and_the_protocol_and_other_handlers_go_on()
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(logs)]);
        using var sim = new Simulation(2, seedBase: 990, loggerFactory: loggerFactory);
        int thrown = 0;
        sim[0].ChannelChanged += (_, _) =>
        {
            thrown++;
            throw new InvalidOperationException("subscriber bug");
        };
        var seen = Record(sim[0]);

        var channel = await sim.Open(0, 1, 10_000, 0, Hundred);
        await sim[0].PayAsync(channel.Id, 250);
        await sim.Pump();

        Assert.Equal(3, thrown);
        Assert.Equal([ChannelChangeKind.Opening, ChannelChangeKind.Opened, ChannelChangeKind.Updated], seen.Select(s => s.Args.Change));
        Assert.Equal(250UL, channel.PeerBalance);
        Assert.True(sim[1].TryGetChannel(channel.Id, out var atPeer) && atPeer!.LocalBalance == 250);
        var warnings = logs.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.All(warnings, w => Assert.IsType<InvalidOperationException>(w.Exception));
        Assert.All(warnings, w => Assert.Contains(nameof(EconomicsNode.ChannelChanged), w.Message, StringComparison.Ordinal));
    }
}
