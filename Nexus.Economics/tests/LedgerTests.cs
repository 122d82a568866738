using CsCheck;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Nexus.Crypto;

namespace Nexus.Economics.Tests;

/// <summary>The CRDT ledger (decision D7) and settlement validation (spec 02-economics sections 3 and 4).</summary>
public class LedgerTests
{
    // Six parties and a pool of signed settlements over a few channels, built once (signing is the slow part).
    private static readonly ChannelKeyCache Keys = new();
    private static readonly (Ed25519PrivateKey Key, Hash128 Hash)[] Parties = [.. Enumerable.Range(1, 6).Select(i => Fixtures.Party(100 + i, Keys))];
    private static readonly Dictionary<Hash128, ulong> Base = Parties.ToDictionary(p => p.Hash, _ => 1_000UL);
    private static readonly SettlementRecord[] Pool = BuildPool();

    private static SettlementRecord[] BuildPool()
    {
        var random = new Random(5);
        var pool = new List<SettlementRecord>();
        for (int channel = 0; channel < 6; channel++)
        {
            var x = Parties[channel % 6];
            var y = Parties[(channel + 1 + channel / 3) % 6];
            for (ulong seq = 1; seq <= 4; seq++)
            {
                // Cumulative amounts, sometimes large enough to overdraw the 1,000 μNXS base.
                pool.Add(Fixtures.Settlement(x, y, random.Next(-900, 1400), seq, channel));
            }
        }

        return [.. pool];
    }

    private static CrdtLedger LedgerOf(IEnumerable<SettlementRecord> records)
    {
        var ledger = new CrdtLedger(epochBalances: Base);
        foreach (var r in records)
        {
            ledger.TryAdd(r, r.ComputeHash());
        }

        return ledger;
    }

    private static string Fingerprint(CrdtLedger ledger) =>
        string.Join(",", ledger.GetBalances().OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}:{kv.Value}"))
        + "|" + string.Join(",", ledger.GetRecords().Select(r => r.ComputeHash()).Order());

    private static readonly Gen<SettlementRecord[]> Subsets = Gen.Int[0, Pool.Length].SelectMany(n => Gen.Shuffle(Pool, n));

    [Fact]
    public void Merge_is_commutative_associative_and_idempotent()
    {
        Gen.Select(Subsets, Subsets, Subsets).Sample(t =>
        {
            var (x, y, z) = t;
            var ab = LedgerOf(x);
            ab.Merge(LedgerOf(y));
            var ba = LedgerOf(y);
            ba.Merge(LedgerOf(x));
            Assert.Equal(Fingerprint(ab), Fingerprint(ba));

            var left = LedgerOf(x);
            left.Merge(LedgerOf(y));
            left.Merge(LedgerOf(z));
            var yz = LedgerOf(y);
            yz.Merge(LedgerOf(z));
            var right = LedgerOf(x);
            right.Merge(yz);
            Assert.Equal(Fingerprint(left), Fingerprint(right));

            var once = LedgerOf(x);
            string before = Fingerprint(once);
            Assert.Equal(0, once.Merge(LedgerOf(x)));
            Assert.Equal(before, Fingerprint(once));
        }, iter: 60);
    }

    [Fact]
    public void Any_delivery_order_of_the_same_settlements_gives_identical_balances_and_no_overdraft()
    {
        Gen.Select(Subsets, Gen.Int).Sample(t =>
        {
            var (records, seed) = t;
            var shuffled = records.OrderBy(_ => new Random(seed).Next()).ToArray();
            var random = new Random(seed);
            var reordered = records.OrderBy(_ => random.Next()).ToArray();
            var one = LedgerOf(records);
            var two = LedgerOf(reordered);
            var three = new CrdtLedger(epochBalances: Base);
            foreach (var r in shuffled.Concat(reordered))
            {
                three.TryAdd(r, r.ComputeHash()); // duplicates included
            }

            Assert.Equal(Fingerprint(one), Fingerprint(two));
            Assert.Equal(Fingerprint(one), Fingerprint(three));
            Assert.All(one.GetBalances().Values, b => Assert.True(b >= 0));
        }, iter: 80);
    }

    [Fact]
    public void Balances_derive_from_the_latest_cumulative_settlement_per_channel_and_a_duplicate_changes_nothing()
    {
        var (alice, bob) = (Parties[0], Parties[1]);
        var ledger = new CrdtLedger(epochBalances: Base);
        var first = Fixtures.Settlement(alice, bob, 300, 1, channelNonce: 77);
        var second = Fixtures.Settlement(alice, bob, 500, 4, channelNonce: 77);
        Assert.Equal(SettlementStatus.Accepted, ledger.TryAdd(first, first.ComputeHash()));
        Assert.Equal(700, ledger.GetBalance(alice.Hash));
        Assert.Equal(1300, ledger.GetBalance(bob.Hash));
        Assert.Equal(SettlementStatus.Accepted, ledger.TryAdd(second, second.ComputeHash()));
        Assert.Equal(500, ledger.GetBalance(alice.Hash)); // cumulative: 500 in total, not 800
        Assert.Equal(1500, ledger.GetBalance(bob.Hash));
        Assert.Equal(SettlementStatus.Duplicate, ledger.TryAdd(second, second.ComputeHash()));
        Assert.Equal(500, ledger.GetBalance(alice.Hash));

        // Replay protection: a final_sequence not above the last settled one is rejected.
        var stale = Fixtures.Settlement(alice, bob, 10, 3, channelNonce: 77);
        var same = Fixtures.Settlement(alice, bob, 20, 4, channelNonce: 77);
        Assert.True(same.ComputeHash().CompareTo(second.ComputeHash()) != 0);
        Assert.Equal(SettlementStatus.Replayed, ledger.TryAdd(stale, stale.ComputeHash()));
        Assert.Equal(500, ledger.GetBalance(alice.Hash));
        Assert.True(ledger.TryGetEffective(second.Channel, out var effective) && effective.FinalSequence == 4);
    }

    [Fact]
    public void An_overdraft_is_excluded_deterministically_and_applies_once_funding_arrives()
    {
        var (a, b, c) = (Parties[2], Parties[3], Parties[4]);
        var zero = new Dictionary<Hash128, ulong> { [b.Hash] = 100 };
        var ledger = new CrdtLedger(epochBalances: zero);
        var events = new List<LedgerEventArgs>();
        ledger.Changed += (_, e) => events.Add(e);
        var spend = Fixtures.Settlement(a, c, 400, 1, channelNonce: 900); // a has nothing yet
        var fund = Fixtures.Settlement(b, a, 100, 1, channelNonce: 901);
        var fundMore = Fixtures.Settlement(b, a, 300, 1, channelNonce: 902);

        Assert.Equal(SettlementStatus.Overdrawn, ledger.TryAdd(spend, spend.ComputeHash()));
        Assert.Equal(0, ledger.GetBalance(a.Hash));
        Assert.True(ledger.IsExcluded(spend.ComputeHash()));
        Assert.Equal(SettlementStatus.Accepted, ledger.TryAdd(fund, fund.ComputeHash()));
        Assert.Equal(100, ledger.GetBalance(a.Hash)); // still not enough for 400
        // b cannot pay both: the rule excludes b's outgoing settlement with the highest hash, whichever arrived last.
        ledger.TryAdd(fundMore, fundMore.ComputeHash());
        var excludedFunding = fund.ComputeHash().CompareTo(fundMore.ComputeHash()) > 0 ? fund : fundMore;
        Assert.True(ledger.IsExcluded(excludedFunding.ComputeHash()));
        Assert.All(ledger.GetBalances().Values, v => Assert.True(v >= 0));
        var reversed = new CrdtLedger(epochBalances: zero);
        foreach (var r in new[] { fundMore, fund, spend })
        {
            reversed.TryAdd(r, r.ComputeHash());
        }

        Assert.Equal(ledger.GetBalances().OrderBy(kv => kv.Key), reversed.GetBalances().OrderBy(kv => kv.Key));

        var rich = new CrdtLedger(epochBalances: new Dictionary<Hash128, ulong> { [b.Hash] = 400 });
        foreach (var r in new[] { spend, fund, fundMore })
        {
            rich.TryAdd(r, r.ComputeHash());
        }

        Assert.Equal(0, rich.GetBalance(a.Hash)); // 100 + 300 in, 400 out
        Assert.Equal(400, rich.GetBalance(c.Hash));
        Assert.False(rich.IsExcluded(spend.ComputeHash()));
        Assert.Contains(events, e => e.Kind == LedgerEventKind.Applied && e.Record == fund);
    }

    [Fact]
    public void Validator_drops_forged_settlements_silently_and_counts_them()
    {
        var ledger = new CrdtLedger(epochBalances: Base);
        using var metrics = new EconomicsMetrics();
        using var dropped = new MetricCollector<long>(metrics.Meter, "nexus.economics.settlements.dropped");
        var validator = new SettlementValidator(ledger, Keys, null, metrics);
        var good = Fixtures.Settlement(Parties[0], Parties[1], 50, 1, channelNonce: 5000);
        var bytes = good.ToArray();
        bytes[130] ^= 0x20; // sig_b
        Assert.Equal(SettlementStatus.BadSignature, validator.Submit(bytes));
        bytes = good.ToArray();
        bytes[50] ^= 1; // amount changed after signing
        Assert.Equal(SettlementStatus.BadSignature, validator.Submit(bytes));
        using var stranger = Fixtures.Key(999);
        var strangerHash = Fixtures.NodeHash(999);
        var unknown = strangerHash.CompareTo(good.PartyA) > 0
            ? new SettlementRecord(good.Channel, good.PartyA, strangerHash, 1, 1)
            : new SettlementRecord(good.Channel, strangerHash, good.PartyA, 1, 1);
        Assert.Equal(SettlementStatus.UnknownParty, validator.Submit(unknown.Sign(ChannelParty.A, stranger).Sign(ChannelParty.B, stranger)));
        Assert.Equal(SettlementStatus.Malformed, validator.Submit(new byte[191]));
        Assert.Equal(0, ledger.Count);
        Assert.Equal(4, validator.Dropped);
        Assert.Equal(4, dropped.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Contains(dropped.GetMeasurementSnapshot(), m => (string?)m.Tags["reason"] == "BadSignature");

        Assert.Equal(SettlementStatus.Accepted, validator.Submit(good));
        Assert.Equal(SettlementStatus.Duplicate, validator.Submit(good.ToArray()));
        Assert.Equal(4, validator.Dropped);
    }

    [Fact]
    public void Batch_validation_in_parallel_matches_one_by_one()
    {
        var records = Pool.Concat([Fixtures.Settlement(Parties[0], Parties[5], 1, 1, 6000)]).ToList();
        var tampered = records[3].ToArray();
        tampered[50] ^= 4; // amount changed after signing
        SettlementRecord.TryRead(tampered, out var forged);
        records.Insert(7, forged);
        records.Add(records[0]); // duplicate inside the batch

        var batchLedger = new CrdtLedger(epochBalances: Base);
        var statuses = new SettlementValidator(batchLedger, Keys).SubmitBatch(records);
        var singleLedger = new CrdtLedger(epochBalances: Base);
        var single = new SettlementValidator(singleLedger, Keys);
        var one = records.Select(r => single.Submit(r)).ToArray();
        Assert.Equal(one, statuses);
        Assert.Equal(SettlementStatus.BadSignature, statuses[7]);
        Assert.Equal(SettlementStatus.Duplicate, statuses[^1]);
        Assert.Equal(Fingerprint(singleLedger), Fingerprint(batchLedger));
    }

    [Fact]
    public void Ledger_reloads_its_GSet_from_the_store()
    {
        var store = new InMemoryLedgerStore();
        var ledger = new CrdtLedger(store, Base);
        foreach (var r in Pool.Take(10))
        {
            ledger.TryAdd(r, r.ComputeHash());
        }

        var reloaded = new CrdtLedger(store, Base);
        Assert.Equal(Fingerprint(ledger), Fingerprint(reloaded));
    }
}
