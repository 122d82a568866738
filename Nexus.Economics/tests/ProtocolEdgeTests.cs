using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Nexus.Crypto;

namespace Nexus.Economics.Tests;

/// <summary>Channel protocol corner cases: bursts of wins, concurrent proposals, refused opens, malformed input.</summary>
public class ProtocolEdgeTests
{
    private static readonly ChannelTerms Ten = new(WinProbability.FromOdds(10), 5);

    [Fact]
    public async Task Wins_arriving_while_an_update_is_in_flight_are_queued_and_each_paid_once()
    {
        using var sim = new Simulation(2, seedBase: 1100);
        var payer = await sim.Open(0, 1, 1_000_000, 0, Ten);
        var random = new Random(8);
        int wins = 0;
        for (int n = 0; n < 300; n++) // no pumping: every win after the first waits in the queue
        {
            var packet = Fixtures.PacketHash(random);
            sim[0].OnPacketForwarded(sim.Hashes[1], packet);
            wins += await sim[1].OnPacketRelayedAsync(sim.Hashes[0], packet) ? 1 : 0;
        }

        Assert.True(wins > 10);
        Assert.Equal(0UL, payer.Latest.Sequence);
        await sim.Pump();
        Assert.Equal((ulong)wins, payer.Latest.Sequence);
        Assert.Equal((ulong)wins * Ten.RewardMicroNxs, payer.PeerBalance);
        Assert.True(sim[1].TryGetChannelWith(sim.Hashes[0], out var relay));
        Assert.Equal(payer.Latest, relay!.Latest);
        Assert.True(relay.Difficulty.ObservedPacketsPerMinute > 0); // 300 packets in the last 5 minutes → 60/min
        Assert.Equal(WinProbability.FromProbability(0.1 / 60), relay.Difficulty.Probability);
    }

    [Fact]
    public async Task Concurrent_proposals_from_both_sides_never_share_a_sequence_and_both_payments_land()
    {
        using var sim = new Simulation(2, seedBase: 1200);
        var channel = await sim.Open(0, 1, 10_000, 10_000, Ten);
        for (int round = 0; round < 5; round++)
        {
            await sim[0].PayAsync(channel.Id, 100); // both propose the same next sequence ...
            await sim[1].PayAsync(channel.Id, 30);  // ... before either hears the other
            await sim.Pump();
        }

        Assert.True(sim[1].TryGetChannel(channel.Id, out var other));
        Assert.Equal(channel.Latest, other!.Latest);
        Assert.Equal(10_000UL - 5 * 100 + 5 * 30, channel.LocalBalance);
        Assert.True(channel.Latest.Sequence >= 10); // burnt sequences are skipped, never reused
        Assert.False(channel.HasPendingUpdate || other.HasPendingUpdate);
    }

    [Fact]
    public async Task A_channel_with_terms_outside_the_spec_band_is_refused_and_a_lost_accept_is_answered_again()
    {
        using var sim = new Simulation(3, seedBase: 1300);
        var refused = await sim[0].OpenChannelAsync(sim.Hashes[1], 1_000, 0, Ten with { Probability = WinProbability.FromOdds(2) });
        await sim.Pump();
        Assert.Equal(ChannelStatus.Opening, refused.Status);
        Assert.False(sim[1].TryGetChannel(refused.Id, out _));
        sim.Options.MaxResponderDepositMicroNxs = 99;
        var committing = await sim[2].OpenChannelAsync(sim.Hashes[1], 1_000, 100, Ten); // would commit node 1 to 100 μNXS
        await sim.Pump();
        Assert.Equal(ChannelStatus.Opening, committing.Status);
        sim.Options.MaxResponderDepositMicroNxs = 100;

        // The OpenAccept is lost; the opener resends its request and gets the same accept.
        sim.Network.Filter = (from, _, _) => from != sim.Hashes[2];
        var channel = await sim[0].OpenChannelAsync(sim.Hashes[2], 1_000, 0, Ten);
        await sim.Pump();
        Assert.Equal(ChannelStatus.Opening, channel.Status);
        sim.Network.Filter = null;
        await sim[0].ResumeAsync();
        await sim.Pump();
        Assert.Equal(ChannelStatus.Open, channel.Status);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await sim[0].OpenChannelAsync(sim.Hashes[2], 1, 0, Ten));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await sim[0].OpenChannelAsync(Fixtures.NodeHash(4242), 1, 0, Ten)); // unknown key
    }

    [Fact]
    public async Task Malformed_and_unexpected_messages_are_dropped_and_counted_never_thrown()
    {
        using var sim = new Simulation(2, seedBase: 1400);
        using var metrics = new MetricCollector<long>(null, EconomicsMetrics.MeterName, "nexus.economics.channel.messages.dropped");
        var channel = await sim.Open(0, 1, 1_000, 0, Ten);
        var random = new Random(4);
        for (int i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            if (bytes.Length > 0)
            {
                bytes[0] = (byte)random.Next(0, 10);
            }

            await sim[1].ReceiveAsync(sim.Hashes[0], bytes);
        }

        // A well-formed accept nobody asked for, and a settle request for a sequence that was never agreed.
        await sim[1].ReceiveAsync(sim.Hashes[0], ChannelMessage.UpdateAccept(Ten, channel.Latest).ToArray());
        await sim[1].ReceiveAsync(sim.Hashes[0], ChannelMessage.SettleRequest(new SettlementRecord(channel.Id, channel.Latest.PartyA, channel.Latest.PartyB, 5, 9)).ToArray());
        await sim.Pump();
        Assert.Equal(0UL, channel.Latest.Sequence);
        Assert.Null(channel.LastSettlement);
        Assert.True(metrics.GetMeasurementSnapshot().Count >= 202);
        Assert.Contains(metrics.GetMeasurementSnapshot(), m => (string?)m.Tags["reason"] == "malformed");
    }
}

/// <summary>Adaptive difficulty applied through a dual-signed terms update.</summary>
public class AdaptiveDifficultyTests
{
    [Fact]
    public async Task With_auto_adjust_the_relay_proposes_the_adaptive_p_and_the_payer_signs_it()
    {
        using var sim = new Simulation(2, seedBase: 1500);
        sim.Options.AutoAdjustDifficulty = true;
        var payer = await sim.Open(0, 1, 1_000_000, 0, new ChannelTerms(WinProbability.Maximum, 5)); // p = 1/5
        var random = new Random(6);
        for (int minute = 0; minute < 5; minute++)
        {
            for (int n = 0; n < 100; n++) // 100 packets per minute → p = 0.1 / 100 = 1/1000
            {
                var packet = Fixtures.PacketHash(random);
                sim[0].OnPacketForwarded(sim.Hashes[1], packet);
                await sim[1].OnPacketRelayedAsync(sim.Hashes[0], packet);
                await sim.Pump();
            }

            sim.Time.Advance(TimeSpan.FromMinutes(1));
        }

        ulong before = payer.Latest.Sequence;
        await sim[0].TickAsync(); // the payer relayed nothing: no proposal
        await sim.Pump();
        Assert.Equal(before, payer.Latest.Sequence);
        await sim[1].TickAsync();
        await sim.Pump();
        Assert.Equal(before + 1, payer.Latest.Sequence);
        Assert.Equal(WinProbability.FromProbability(0.1 / 80), payer.Terms.Probability); // 400 packets in the trailing 5 minutes
        Assert.Equal(1_000_000 - payer.LocalBalance, payer.PeerBalance);

        await sim[1].TickAsync(); // within a factor of 2 of the suggestion: nothing more
        await sim.Pump();
        Assert.Equal(before + 1, payer.Latest.Sequence);
    }
}
