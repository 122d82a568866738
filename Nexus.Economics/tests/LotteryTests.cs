using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;

namespace Nexus.Economics.Tests;

/// <summary>The relay lottery of decision D6 and spec 02-economics section 1.</summary>
public class LotteryTests
{
    private static readonly ChannelId Channel = ChannelId.Parse("00112233445566778899aabbccddeeff");

    private static Ed25519PrivateKey KeyFromSeed(int seed)
    {
        var bytes = new byte[32];
        new Random(seed).NextBytes(bytes);
        return Ed25519PrivateKey.Import(bytes);
    }

    private static Hash256 RandomPacketHash(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return new Hash256(bytes);
    }

    [Fact]
    public void The_spec_worked_example_pays_500_micro_nxs_per_win_at_5_per_packet_and_one_in_a_hundred()
    {
        var p = WinProbability.FromOdds(100);
        Assert.Equal(184467440737095516UL, p.Target);
        Assert.Equal(500UL, p.RewardFor(5));
        Assert.Equal(0.01, p.Probability, 12);
        Assert.Equal(50UL, WinProbability.FromOdds(10).RewardFor(5));
        Assert.Equal(25UL, WinProbability.Maximum.RewardFor(5));
        Assert.Equal(50_000UL, WinProbability.Minimum.RewardFor(5));
        Assert.Equal(WinProbability.FromOdds(4), WinProbability.FromProbability(0.25));
        Assert.Throws<ArgumentOutOfRangeException>(() => WinProbability.FromProbability(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WinProbability.FromProbability(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WinProbability(0));
        Assert.Throws<OverflowException>(() => new WinProbability(1).RewardFor(2));
    }

    [Fact]
    public void The_win_test_reads_the_first_eight_bytes_of_beta_little_endian()
    {
        var p = new WinProbability(0x0100);
        var beta = new byte[64];
        beta[0] = 0xff; // 0x00000000000000ff < 0x100
        Assert.True(p.IsWin(beta));
        beta[1] = 0x01; // 0x1ff
        Assert.False(p.IsWin(beta));
        beta[1] = 0x00;
        beta[8] = 0xff; // bytes past the first 8 do not matter
        Assert.True(p.IsWin(beta));
    }

    public static TheoryData<int, int> Seeds => new() { { 100, 1 }, { 100, 2 }, { 100, 3 }, { 100, 4 }, { 100, 5 }, { 10, 1 }, { 10, 2 }, { 10, 3 }, { 10, 4 }, { 10, 5 } };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_thousand_relayed_packets_win_within_two_sigma_and_every_win_is_paid_once(int odds, int seed)
    {
        using var relay = KeyFromSeed(seed);
        var p = WinProbability.FromOdds((ulong)odds);
        var payer = new WinClaimVerifier(Channel, relay.PublicKey, p);
        var random = new Random(seed * 7919);
        int wins = 0;
        ulong paid = 0;
        for (int n = 0; n < 1000; n++)
        {
            var packet = RandomPacketHash(random);
            payer.RecordForwarded(packet);
            if (RelayLottery.TryWin(relay, packet, Channel, p, out var claim))
            {
                wins++;
                Assert.Equal(WinClaimStatus.Valid, payer.Verify(claim, 5, out var reward));
                paid += reward;
                Assert.Equal(WinClaimStatus.AlreadyPaid, payer.Verify(claim, 5, out _));
            }
        }

        double expected = 1000.0 / odds;
        double sigma = Math.Sqrt(1000 * p.Probability * (1 - p.Probability));
        Assert.InRange(wins, expected - (2 * sigma), expected + (2 * sigma));
        Assert.Equal((ulong)wins * p.RewardFor(5), paid);
    }

    [Fact]
    public void Forged_claims_are_refused_bad_proof_wrong_packet_other_relay_wrong_channel_and_losers()
    {
        using var relay = KeyFromSeed(11);
        using var other = KeyFromSeed(12);
        var p = WinProbability.FromOdds(5);
        var random = new Random(99);

        // Find a winning packet the payer forwarded, and one it never forwarded.
        WinClaim Win(Ed25519PrivateKey key, out Hash256 packet)
        {
            while (true)
            {
                packet = RandomPacketHash(random);
                if (RelayLottery.TryWin(key, packet, Channel, p, out var claim))
                {
                    return claim;
                }
            }
        }

        var payer = new WinClaimVerifier(Channel, relay.PublicKey, p);
        var genuine = Win(relay, out var packet);
        payer.RecordForwarded(packet);

        // Bad proof: one flipped bit of pi.
        var wire = new byte[WinClaim.SizeInBytes];
        genuine.WriteTo(wire);
        wire[^1] ^= 0x01;
        Assert.True(WinClaim.TryRead(wire, out var tampered));
        Assert.Equal(WinClaimStatus.BadProof, payer.Verify(tampered, 5, out var reward));
        Assert.Equal(0UL, reward);

        // Wrong packet: a genuine win for a packet the payer never forwarded.
        var unforwarded = Win(relay, out _);
        Assert.Equal(WinClaimStatus.UnknownPacket, payer.Verify(unforwarded, 5, out _));

        // Another relay's proof for a packet the payer did forward.
        var foreign = Win(other, out var otherPacket);
        payer.RecordForwarded(otherPacket);
        Assert.Equal(WinClaimStatus.BadProof, payer.Verify(foreign, 5, out _));

        // A claim moved to another channel.
        var elsewhere = new WinClaim(genuine.PacketHash, ChannelId.Parse("ffeeddccbbaa99887766554433221100"), genuine.Proof);
        Assert.Equal(WinClaimStatus.WrongChannel, payer.Verify(elsewhere, 5, out _));

        // A valid proof that did not win.
        Hash256 loser;
        VrfProof loserProof;
        var alpha = new byte[RelayLottery.AlphaSizeInBytes];
        do
        {
            loser = RandomPacketHash(random);
            RelayLottery.WriteAlpha(loser, Channel, alpha);
            loserProof = Ecvrf.Prove(relay, alpha);
        }
        while (RelayLottery.CheckProof(relay.PublicKey, new WinClaim(loser, Channel, loserProof), p) != WinClaimStatus.NotAWin);
        payer.RecordForwarded(loser);
        Assert.Equal(WinClaimStatus.NotAWin, payer.Verify(new WinClaim(loser, Channel, loserProof), 5, out _));

        // The genuine claim is still good, once.
        Assert.Equal(WinClaimStatus.Valid, payer.Verify(genuine, 5, out reward));
        Assert.Equal(25UL, reward);
        Assert.Equal(WinClaimStatus.AlreadyPaid, payer.Verify(genuine, 5, out _));
        Assert.False(WinClaim.TryRead(wire.AsSpan(1), out _));
    }

    [Fact]
    public void A_claim_is_paid_at_the_probability_agreed_when_the_packet_was_forwarded()
    {
        using var relay = KeyFromSeed(21);
        var payer = new WinClaimVerifier(Channel, relay.PublicKey, WinProbability.FromOdds(5));
        var random = new Random(5);
        Hash256 packet;
        WinClaim claim;
        do
        {
            packet = RandomPacketHash(random);
        }
        while (!RelayLottery.TryWin(relay, packet, Channel, WinProbability.FromOdds(5), out claim));

        payer.RecordForwarded(packet);
        payer.Probability = WinProbability.FromOdds(10_000); // a later dual-signed update
        Assert.Equal(WinClaimStatus.Valid, payer.Verify(claim, 5, out var reward));
        Assert.Equal(25UL, reward);
    }

    [Fact]
    public void The_payer_remembers_a_bounded_number_of_forwarded_packets()
    {
        using var relay = KeyFromSeed(31);
        var payer = new WinClaimVerifier(Channel, relay.PublicKey, WinProbability.FromOdds(5), capacity: 100);
        var random = new Random(1);
        var first = RandomPacketHash(random);
        payer.RecordForwarded(first);
        for (int i = 0; i < 1000; i++)
        {
            payer.RecordForwarded(RandomPacketHash(random));
        }

        Assert.Equal(100, payer.Count);
        Assert.Equal(WinClaimStatus.UnknownPacket, payer.Verify(new WinClaim(first, Channel, default), 5, out _));
    }

    [Theory]
    [InlineData(50, 0.01)] // 10 packets/min
    [InlineData(5, 0.1)] // 1 packet/min
    [InlineData(1, 0.2)] // 0.2/min → 0.5, clamped to 1/5
    [InlineData(50_000, 0.0001)] // 10^4/min → 10^-5, clamped to 1/10,000
    [InlineData(0, 0.2)] // nothing observed → 1/5
    public void Adaptive_difficulty_follows_the_spec_derived_vectors(int packetsInFiveMinutes, double expected)
    {
        var clock = new FakeTimeProvider();
        var difficulty = new AdaptiveDifficulty(clock);
        for (int second = 0; second < 300; second++)
        {
            int share = (packetsInFiveMinutes * (second + 1) / 300) - (packetsInFiveMinutes * second / 300);
            difficulty.Record(share);
            if (second < 299)
            {
                clock.Advance(TimeSpan.FromSeconds(1)); // the last reading is still inside the first bucket's window
            }
        }

        Assert.Equal(expected, difficulty.Probability.Probability, 6);
    }

    [Fact]
    public void Adaptive_difficulty_forgets_traffic_older_than_five_minutes()
    {
        var clock = new FakeTimeProvider();
        var difficulty = new AdaptiveDifficulty(clock);
        difficulty.Record(1000);
        Assert.Equal(200, difficulty.ObservedPacketsPerMinute);
        clock.Advance(TimeSpan.FromSeconds(150));
        difficulty.Record(500);
        Assert.Equal(300, difficulty.ObservedPacketsPerMinute);
        clock.Advance(TimeSpan.FromSeconds(151));
        Assert.Equal(100, difficulty.ObservedPacketsPerMinute);
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, difficulty.ObservedPacketsPerMinute);
        Assert.Equal(WinProbability.Maximum, difficulty.Probability);
    }
}
