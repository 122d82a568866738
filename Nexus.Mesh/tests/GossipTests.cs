using System.Buffers.Binary;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;
using Nexus.Mesh.Gossip;

namespace Nexus.Mesh.Tests;

public class GossipTests
{
    private static Hash128 Id(byte b)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes[15] = b;
        return new Hash128(bytes);
    }

    private static GossipItem Item(int key, ulong version, int valueLength = 20)
    {
        var k = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(k, key);
        var v = new byte[valueLength];
        v.AsSpan().Fill((byte)key);
        return new GossipItem(k, version, v);
    }

    [Fact]
    public void Delta_messages_round_trip_and_fit_one_packet() =>
        Gen.Select(Gen.Int[1, 64], Gen.ULong, Gen.Int[0, 384]).Array[0, 40].Sample(specs =>
        {
            var items = specs.Select((s, i) => new GossipItem(Enumerable.Repeat((byte)i, s.Item1).ToArray(), s.Item2, new byte[s.Item3])).ToList();
            var messages = GossipMessage.WriteDeltas(7, items);
            var back = new List<GossipItem>();
            foreach (var m in messages)
            {
                Assert.InRange(m.Length, 4, MeshConstants.Mdu);
                Assert.True(GossipMessage.TryReadDelta(m, out var topic, out var parsed));
                Assert.Equal(7, topic);
                back.AddRange(parsed!);
            }

            Assert.Equal(items.Count, back.Count);
            for (int i = 0; i < items.Count; i++)
            {
                Assert.True(items[i].Key.Span.SequenceEqual(back[i].Key.Span));
                Assert.Equal(items[i].Version, back[i].Version);
                Assert.True(items[i].Value.Span.SequenceEqual(back[i].Value.Span));
            }
        });

    [Fact]
    public void Gossip_parsers_never_throw_on_arbitrary_bytes() =>
        Gen.Byte.Array[0, 600].Sample(bytes =>
        {
            GossipMessage.TryReadDelta(bytes, out _, out _);
            GossipMessage.TryReadSummary(bytes, out _);
            GossipMessage.TryPeek(bytes, out _, out _);
        }, iter: 5000);

    [Fact]
    public void Summary_layout_is_header_then_salted_filter()
    {
        var salt = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(salt, 42);
        var filter = new BloomFilter(128, 7, salt);
        filter.Add([1, 2, 3]);
        var bytes = GossipMessage.WriteSummary(new GossipSummary(9, 42, 1, 3, true, filter));
        Assert.Equal(new byte[] { 1, 9, 42, 0, 0, 0, 1, 0, 3, 0, 1 }, bytes[..11]);
        Assert.True(GossipMessage.TryReadSummary(bytes, out var back));
        Assert.Equal((9, 42u, 1, 3, true), (back!.TopicId, back.Round, back.SliceIndex, back.SliceCount, back.IsPull));
        Assert.True(back.Filter.MayContain([1, 2, 3]));
        bytes[10] = 2; // reserved flag bit
        Assert.False(GossipMessage.TryReadSummary(bytes, out _));
    }

    [Fact]
    public void Store_merge_is_a_crdt() =>
        Gen.Select(Gen.Int[0, 5], Gen.ULong[0, 4], Gen.Int[0, 3]).Array[0, 12].Sample(ops =>
        {
            var items = ops.Select(o => Item(o.Item1, o.Item2, o.Item3)).ToArray();
            static string Digest(GossipStore s) => string.Join(",", s.Snapshot().OrderBy(i => BinaryPrimitives.ReadInt32LittleEndian(i.Key.Span)).Select(i => $"{BinaryPrimitives.ReadInt32LittleEndian(i.Key.Span)}:{i.Version}:{Convert.ToHexString(i.Value.Span)}"));
            var forward = new GossipStore(1, "t", GossipTier.Services);
            var backward = new GossipStore(1, "t", GossipTier.Services);
            foreach (var i in items)
            {
                forward.Merge(Id(1), i);
                forward.Merge(Id(1), i); // idempotent
            }

            foreach (var i in items.Reverse())
            {
                backward.Merge(Id(2), i);
            }

            Assert.Equal(Digest(forward), Digest(backward));
        });

    private static (GossipEngine A, GossipEngine B, GossipStore SA, GossipStore SB) Pair(FakeTimeProvider clock, double bps, GossipTier tier = GossipTier.Economic)
    {
        var a = new GossipEngine(new GossipOptions(), clock);
        var b = new GossipEngine(new GossipOptions(), clock);
        var sa = new GossipStore(5, "settlements", tier);
        var sb = new GossipStore(5, "settlements", tier);
        a.AddTopic(sa);
        b.AddTopic(sb);
        a.AddNeighbour(Id(2), bps);
        b.AddNeighbour(Id(1), bps);
        return (a, b, sa, sb);
    }

    /// <summary>Moves every message the budget allows from each side to the other, advancing the clock to when budget is available.</summary>
    private static long Exchange(FakeTimeProvider clock, GossipEngine a, GossipEngine b, TimeSpan limit)
    {
        long bytes = 0;
        var end = clock.GetUtcNow() + limit;
        while (clock.GetUtcNow() < end)
        {
            bool moved = false;
            while (a.TryDequeue(Id(2), out var m))
            {
                bytes += m!.Length + MeshConstants.Header1Size;
                b.Receive(Id(1), m);
                moved = true;
            }

            while (b.TryDequeue(Id(1), out var m))
            {
                bytes += m!.Length + MeshConstants.Header1Size;
                a.Receive(Id(2), m);
                moved = true;
            }

            var wait = TimeSpan.FromTicks(Math.Min(a.TimeUntilSendable(Id(2)).Ticks, b.TimeUntilSendable(Id(1)).Ticks));
            if (!moved && wait == TimeSpan.MaxValue)
            {
                break;
            }

            clock.Advance(wait > TimeSpan.Zero && wait < TimeSpan.MaxValue ? wait : TimeSpan.FromMilliseconds(100));
        }

        return bytes;
    }

    [Fact]
    public void One_round_sends_exactly_what_the_neighbour_lacks()
    {
        var clock = new FakeTimeProvider();
        var (a, b, sa, sb) = Pair(clock, 10_000_000);
        for (int i = 0; i < 300; i++)
        {
            sa.Set(Item(i, 1));
            if (i < 250)
            {
                sb.Set(Item(i, 1));
            }
        }

        sb.Set(Item(1000, 1));
        a.RunRound();
        b.RunRound();
        Exchange(clock, a, b, TimeSpan.FromSeconds(30));
        Assert.Equal(301, sa.Count);
        Assert.Equal(301, sb.Count);
    }

    [Fact]
    public void Newer_versions_replace_older_ones_through_gossip()
    {
        var clock = new FakeTimeProvider();
        var (a, b, sa, sb) = Pair(clock, 10_000_000);
        sa.Set(Item(1, 5));
        sb.Set(Item(1, 3));
        a.RunRound();
        b.RunRound();
        Exchange(clock, a, b, TimeSpan.FromSeconds(30));
        Assert.True(sb.TryGet(Item(1, 0).Key.Span, out var held));
        Assert.Equal(5ul, held.Version);
    }

    [Fact]
    public void Ten_thousand_items_sync_in_slices_within_the_tier_budget()
    {
        var clock = new FakeTimeProvider();
        var (a, b, sa, sb) = Pair(clock, 1_000_000);
        for (int i = 0; i < 10_000; i++)
        {
            sa.Set(Item(i, 1, 4));
            if (i % 10 != 0)
            {
                sb.Set(Item(i, 1, 4));
            }
        }

        long bytes = 0;
        int rounds = 0;
        while (sb.Count < 10_000 && rounds < 10)
        {
            a.RunRound();
            b.RunRound();
            bytes += Exchange(clock, a, b, TimeSpan.FromSeconds(60));
            rounds++;
        }

        Assert.Equal(10_000, sb.Count);
        // Tier 2 is 3 % of 1 Mbit/s = 3750 B/s, for both directions together at most 2 × that.
        Assert.True(bytes <= 2 * 3750 * 60 * rounds, $"{bytes} bytes in {rounds} rounds");
    }

    [Fact]
    public void Budget_never_lets_a_tier_exceed_its_share()
    {
        var clock = new FakeTimeProvider();
        var budget = new GossipLinkBudget(5469, new GossipBudgetOptions(), clock);
        long sent = 0;
        for (int ms = 0; ms < 600_000; ms += 100)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            while (budget.TryConsume(GossipTier.Critical, 231))
            {
                sent += 231;
            }
        }

        Assert.True(sent <= 5469 / 8.0 * 0.03 * 600, $"{sent}");
        Assert.True(sent >= 5469 / 8.0 * 0.03 * 600 - 500);
    }

    [Fact]
    public void Constrained_links_make_tiers_3_and_4_pull_only_and_cap_filters_at_256_bytes()
    {
        var clock = new FakeTimeProvider();
        var lora = new GossipLinkBudget(1000, new GossipBudgetOptions(), clock);
        var wifi = new GossipLinkBudget(10_000_000, new GossipBudgetOptions(), clock);
        Assert.True(lora.IsPullOnly(GossipTier.Services) && lora.IsPullOnly(GossipTier.Social));
        Assert.False(lora.IsPullOnly(GossipTier.Critical) || lora.IsPullOnly(GossipTier.Economic));
        Assert.False(wifi.IsPullOnly(GossipTier.Social));
        Assert.Equal(256, lora.MaxFilterBytes);

        var (a, b, sa, sb) = Pair(clock, 1000, GossipTier.Services);
        for (int i = 0; i < 20; i++)
        {
            sa.Set(Item(i, 1));
        }

        a.RunRound();
        b.RunRound();
        Assert.Equal(0, a.QueuedFor(Id(2)));
        Exchange(clock, a, b, TimeSpan.FromMinutes(5));
        Assert.Equal(0, sb.Count);
        b.Pull(Id(1), 5);
        Exchange(clock, a, b, TimeSpan.FromMinutes(30));
        Assert.Equal(20, sb.Count);
    }

    [Fact]
    public void Constrained_summaries_stay_under_256_bytes_of_filter()
    {
        var clock = new FakeTimeProvider();
        var (a, _, sa, _) = Pair(clock, 1000, GossipTier.Critical);
        for (int i = 0; i < 2000; i++)
        {
            sa.Set(Item(i, 1));
        }

        a.RunRound();
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.True(a.TryDequeue(Id(2), out var summary));
        Assert.True(GossipMessage.TryReadSummary(summary, out var parsed));
        Assert.True(parsed!.Filter.BitCount / 8 <= 256);
        Assert.True(parsed.SliceCount > 1);
        Assert.Equal(1, a.QueuedFor(Id(2)) + 1); // one slice per round on constrained links
    }

    [Fact]
    public void Summaries_are_salted_with_the_round_number()
    {
        var clock = new FakeTimeProvider();
        var (a, _, sa, _) = Pair(clock, 10_000_000);
        sa.Set(Item(1, 1));
        a.RunRound();
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(a.TryDequeue(Id(2), out var first));
        a.RunRound();
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(a.TryDequeue(Id(2), out var second));
        GossipMessage.TryReadSummary(first, out var s1);
        GossipMessage.TryReadSummary(second, out var s2);
        Assert.Equal(1u, s1!.Round);
        Assert.Equal(2u, s2!.Round);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(s1.Filter.Salt));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(s2.Filter.Salt));
    }

    [Fact]
    public void Silent_neighbours_go_down_after_3_rounds_and_are_evicted_after_10()
    {
        var clock = new FakeTimeProvider();
        var (a, _, _, _) = Pair(clock, 10_000_000);
        var seen = new List<NeighbourStatus>();
        a.NeighbourStatusChanged += (_, s) => seen.Add(s);
        for (int r = 0; r < 11; r++)
        {
            clock.Advance(TimeSpan.FromSeconds(60));
            a.RunRound();
            if (r == 1)
            {
                Assert.Empty(seen);
            }
        }

        Assert.Equal([NeighbourStatus.Down, NeighbourStatus.Evicted], seen);
        Assert.Equal(NeighbourStatus.Evicted, a.StatusOf(Id(2)));
    }

    [Fact]
    public void Rounds_run_on_the_clock_timer()
    {
        var clock = new FakeTimeProvider();
        using var engine = new GossipEngine(new GossipOptions { RoundInterval = TimeSpan.FromSeconds(10) }, clock);
        engine.Start();
        clock.Advance(TimeSpan.FromSeconds(35));
        Assert.Equal(3u, engine.Round);
    }

    [Fact]
    public void Malformed_messages_are_dropped_without_throwing()
    {
        var clock = new FakeTimeProvider();
        var (a, _, _, _) = Pair(clock, 10_000_000);
        Assert.False(a.Receive(Id(2), [2, 5, 9, 0, 1]));
        Assert.False(a.Receive(Id(2), [1, 99]));
        Assert.False(a.Receive(Id(9), [2, 5, 0, 0]));
        Assert.True(a.Receive(Id(2), [2, 5, 0, 0]));
    }

    [Fact]
    public void Tier_shares_above_ten_percent_are_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new GossipEngine(new GossipOptions { Budget = new GossipBudgetOptions { SocialShare = 0.05 } }, new FakeTimeProvider()));
}
