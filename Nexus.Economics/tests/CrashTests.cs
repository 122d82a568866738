using Nexus.Crypto;

namespace Nexus.Economics.Tests;

/// <summary>
/// Write-ahead persistence: a node killed at any point of a channel update (in-process restart over
/// its RocksDB directory) loses no dual-signed state and never reuses a sequence.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private static readonly ChannelTerms Terms = new(WinProbability.FromOdds(100), 5);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nexus-econ-crash-" + Guid.NewGuid().ToString("n"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    public static TheoryData<int> CrashSeeds => [.. Enumerable.Range(1, 12)];

    [Theory]
    [MemberData(nameof(CrashSeeds))]
    public async Task A_crash_at_a_random_point_of_an_update_loses_no_dual_signed_state_and_reuses_no_sequence(int seed)
    {
        var random = new Random(seed);
        using var sim = new Simulation(2, seedBase: 800, dataRoot: Path.Combine(_root, seed.ToString()));
        var channel = await sim.Open(0, 1, 100_000, 100_000, Terms);
        var id = channel.Id;

        // Every signature either side releases: (signer side, sequence) → the signed bytes 0..71.
        var signed = new Dictionary<(ChannelParty, ulong), string>();
        int messageIndex = 0, crashAt = -1, crashNode = -1;
        bool crashed = false;
        sim.Network.Filter = (from, _, bytes) =>
        {
            if (ChannelMessage.TryParse(bytes.Span, out var m) && m.Type is ChannelMessageType.UpdateRequest or ChannelMessageType.UpdateAccept)
            {
                foreach (var side in new[] { ChannelParty.A, ChannelParty.B })
                {
                    if (m.State.SignatureOf(side) != default)
                    {
                        var content = Convert.ToHexString(m.State.ToArray().AsSpan(0, 72));
                        if (signed.TryGetValue((side, m.State.Sequence), out var earlier))
                        {
                            Assert.Equal(earlier, content); // a sequence is never signed twice with different content
                        }

                        signed[(side, m.State.Sequence)] = content;
                    }
                }
            }

            // At the chosen message the network loses it and one side dies right there.
            if (!crashed && messageIndex++ == crashAt)
            {
                crashed = true;
                return false;
            }

            return true;
        };

        for (int round = 0; round < 6; round++)
        {
            int payer = random.Next(2);
            crashAt = messageIndex + random.Next(2); // the request or its accept
            crashNode = random.Next(2);
            crashed = false;
            ulong[] beforeLatest = [Seq(sim[0]), Seq(sim[1])];
            await sim[payer].PayAsync(id, (ulong)random.Next(1, 500));
            await sim.Pump();
            ulong bestDualSigned = Math.Max(Seq(sim[0]), Seq(sim[1]));
            ulong heldByCrashed = Seq(sim[crashNode]);

            sim.CrashAndRestart(crashNode);
            Assert.Equal(heldByCrashed, Seq(sim[crashNode])); // nothing it held is lost

            await sim[0].ResumeAsync();
            await sim[1].ResumeAsync();
            await sim.Pump();
            Assert.True(Channel(sim[0]).Latest == Channel(sim[1]).Latest, $"round {round}: both sides hold the same dual-signed state");
            Assert.True(Seq(sim[0]) >= bestDualSigned && Seq(sim[0]) >= Math.Max(beforeLatest[0], beforeLatest[1]));
            Assert.True(Channel(sim[0]).Latest.VerifyBoth(Key(sim, ChannelParty.A), Key(sim, ChannelParty.B), Terms));
            Assert.False(Channel(sim[0]).HasPendingUpdate || Channel(sim[1]).HasPendingUpdate);
        }

        // Balances still add up after all the crashes.
        Assert.Equal(200_000UL, Channel(sim[0]).Latest.Capacity);

        ulong Seq(EconomicsNode node) => Channel(node).Latest.Sequence;
        PaymentChannel Channel(EconomicsNode node) => node.TryGetChannel(id, out var c) ? c! : throw new InvalidOperationException();
        Ed25519PublicKey Key(Simulation s, ChannelParty side) => s.Keys[channel.LocalSide == side ? 0 : 1].PublicKey;
    }

    [Fact]
    public async Task Settlements_and_channels_survive_a_restart_over_RocksDB()
    {
        using var sim = new Simulation(2, seedBase: 900, dataRoot: Path.Combine(_root, "settle"));
        var channel = await sim.Open(0, 1, 10_000, 0, Terms);
        await sim[0].PayAsync(channel.Id, 1_234);
        await sim.Pump();
        await sim[0].SettleAsync(channel.Id);
        await sim.Pump();
        var restarted = sim.CrashAndRestart(1);
        Assert.True(restarted.TryGetChannel(channel.Id, out var back));
        Assert.Equal(channel.Latest, back!.Latest);
        Assert.Equal(channel.LastSettlement, back.LastSettlement);
        Assert.Equal(ChannelStatus.Open, back.Status);
        Assert.Equal(1_000_000 + 1_234, restarted.GetBalance(sim.Hashes[1]));
        Assert.Equal(1, restarted.Ledger.Count);
    }
}
