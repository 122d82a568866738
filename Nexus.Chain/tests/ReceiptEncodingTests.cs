using CsCheck;
using Google.Protobuf;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

/// <summary>The hand-written receipt encoder must produce exactly Google.Protobuf's canonical bytes (the receipts root depends on them).</summary>
public sealed class ReceiptEncodingTests
{
    private static readonly Gen<string> Text = Gen.Select(Gen.Int[0, 3], Gen.String[Gen.Char.AlphaNumeric, 0, 80], Gen.String[0, 20])
        .Select((kind, ascii, any) => kind switch { 0 => "", 1 => ascii, 2 => "ünïcødé ✓ " + ascii, _ => any });

    private static readonly Gen<Receipt> Receipts =
        Gen.Select(Gen.Byte.Array[32], Gen.Int[0, 2], Gen.ULong, Gen.Select(Text, Gen.Select(Text, Text).Array[0, 4]).Array[0, 3])
            .Select((hash, status, fee, events) => new Receipt(new Hash256(hash), (ReceiptStatus)status, fee % 3 == 0 ? 0 : fee,
                events.Select(e => new ChainEvent(e.Item1, e.Item2.Select(a => KeyValuePair.Create(a.Item1, a.Item2)).ToArray())).ToArray()));

    [Fact]
    public void Encode_matches_the_protobuf_encoding_and_the_list_round_trips()
    {
        Receipts.Array[0, 6].Sample(receipts =>
        {
            var list = new ReceiptListProto();
            foreach (var r in receipts)
            {
                Assert.Equal(r.ToProto().ToByteArray(), r.Encode());
                list.Receipts.Add(r.ToProto());
            }

            byte[] encodedList = Receipt.EncodeList(receipts);
            Assert.Equal(list.ToByteArray(), encodedList);
            var decoded = Receipt.DecodeList(encodedList);
            Assert.Equal(receipts.Length, decoded.Length);
            for (int i = 0; i < decoded.Length; i++)
            {
                Assert.Equal(receipts[i].Encode(), decoded[i].Encode());
            }
        }, iter: 500);
    }

    [Fact]
    public void A_transfer_receipt_has_the_known_layout()
    {
        var hash = new Hash256(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var receipt = new Receipt(hash, ReceiptStatus.Success, 300, [new ChainEvent("t", [KeyValuePair.Create("a", "é")])]);
        byte[] expected = [0x0A, 0x20, .. Enumerable.Range(0, 32).Select(i => (byte)i), 0x18, 0xAC, 0x02,
            0x22, 0x0C, 0x0A, 0x01, (byte)'t', 0x12, 0x07, 0x0A, 0x01, (byte)'a', 0x12, 0x02, 0xC3, 0xA9];
        Assert.Equal(expected, receipt.Encode());
    }

    private static ChainEvent TransferEvent(Ed25519PublicKey from, Ed25519PublicKey to, ulong amount) =>
        new("transfer", [KeyValuePair.Create("from", from.ToString()), KeyValuePair.Create("to", to.ToString()), KeyValuePair.Create("amount", amount.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    private static readonly Gen<ulong> Amounts = Gen.Select(Gen.Int[0, 3], Gen.ULong).Select((kind, n) => kind switch { 0 => 0UL, 1 => n % 1000, 2 => ulong.MaxValue - (n % 2), _ => n });

    /// <summary>Compact transfer receipts (as execution makes them), with the explicit receipt they stand for.</summary>
    private static readonly Gen<(Receipt Compact, Receipt Explicit)> Transfers =
        Gen.Select(Gen.Byte.Array[32], Amounts, Gen.Byte.Array[32], Gen.Byte.Array[32], Amounts).Select((hash, fee, from, to, amount) =>
        {
            Ed25519PublicKey f = new(from), t = new(to);
            return (Receipt.ForTransfer(new Hash256(hash), fee, f, t, amount), new Receipt(new Hash256(hash), ReceiptStatus.Success, fee, new[] { TransferEvent(f, t, amount) }));
        });

    /// <summary>Validator-update receipts as execution makes them (success with the event, or a failure status without).</summary>
    private static readonly Gen<Receipt> Updates =
        Gen.Select(Gen.Byte.Array[32], Amounts, Gen.Byte.Array[32], Amounts, Gen.Int[0, 2]).Select((hash, fee, key, power, status) =>
            new Receipt(new Hash256(hash), (ReceiptStatus)status, fee, status != 0 ? [] : [new ChainEvent("validator_update", [
                KeyValuePair.Create("public_key", Convert.ToHexStringLower(key)), KeyValuePair.Create("power", power.ToString(System.Globalization.CultureInfo.InvariantCulture))])]));

    private static readonly Gen<Receipt> Mixed = Gen.OneOf(Transfers.Select(t => t.Compact), Transfers.Select(t => t.Explicit), Updates, Receipts);

    [Fact]
    public void Transfer_and_validator_update_receipts_encode_as_protobuf_and_the_list_and_root_match()
    {
        Mixed.Array[0, 8].Sample(receipts =>
        {
            var list = new ReceiptListProto();
            var leaves = new Hash256[receipts.Length];
            for (int i = 0; i < receipts.Length; i++)
            {
                byte[] reference = receipts[i].ToProto().ToByteArray();
                Assert.Equal(reference, receipts[i].Encode());
                list.Receipts.Add(receipts[i].ToProto());
                leaves[i] = MerkleTree.HashLeaf(reference);
            }

            Assert.Equal(list.ToByteArray(), Receipt.EncodeList(receipts, out var root));
            Assert.Equal(MerkleTree.ComputeRoot(leaves), root);
            Assert.Equal(root, Receipt.ComputeRoot(receipts));
        }, iter: 500);
    }

    [Fact]
    public void A_compact_transfer_receipt_is_the_receipt_with_the_transfer_event_spelled_out()
    {
        Transfers.Sample(pair =>
        {
            var (compact, spelled) = pair;
            Assert.Equal(spelled.Encode(), compact.Encode());
            Assert.Equal(spelled, compact);
            Assert.Equal(compact, spelled);
            Assert.Equal(spelled.GetHashCode(), compact.GetHashCode());
            var e = Assert.Single(compact.Events);
            Assert.Equal("transfer", e.Type);
            Assert.Equal(spelled.Events[0].Attributes, e.Attributes);
            Assert.Same(compact.Events, compact.Events);
            Assert.Equal(spelled.ToString(), compact.ToString());
        }, iter: 300);
    }

    [Fact]
    public void Receipt_equality_compares_events_by_content_and_with_replaces_them()
    {
        var hash = Blake3.Hash("tx"u8);
        Ed25519PublicKey from = TestChain.Key(1).PublicKey, to = TestChain.Key(2).PublicKey;
        var compact = Receipt.ForTransfer(hash, 3, from, to, 500);
        Assert.Equal(Receipt.ForTransfer(hash, 3, from, to, 500), compact);
        Assert.NotEqual(Receipt.ForTransfer(hash, 3, from, to, 501), compact);
        Assert.NotEqual(Receipt.ForTransfer(hash, 3, to, from, 500), compact);
        Assert.NotEqual(Receipt.ForTransfer(hash, 4, from, to, 500), compact);
        Assert.NotEqual(new Receipt(hash, ReceiptStatus.Success, 3, []), compact);

        var replaced = compact with { Events = [] };
        Assert.Empty(replaced.Events);
        Assert.NotEqual(compact, replaced);
        Assert.Equal(new Receipt(hash, ReceiptStatus.Success, 3, []).Encode(), replaced.Encode());

        var refunded = compact with { FeePaid = 0 };
        Assert.Equal(new Receipt(hash, ReceiptStatus.Success, 0, [TransferEvent(from, to, 500)]).Encode(), refunded.Encode());
        var clone = compact with { };
        Assert.Equal(compact, clone);
        Assert.Equal(compact.Encode(), clone.Encode());
        Assert.True(new EventListComparer().Equals(compact.Events, clone.Events));

        var (h, status, fee, events) = compact;
        Assert.Equal((hash, ReceiptStatus.Success, 3UL), (h, status, fee));
        Assert.Equal("500", Assert.Single(events).Attributes[2].Value);
    }

    [Fact]
    public void A_known_transfer_block_keeps_its_receipts_root()
    {
        // Receipts root of the two-transfer block below, as computed by the Google.Protobuf encoding of
        // the spelled-out events (the definition the direct writer must keep).
        var genesis = TestChain.Genesis();
        var state = genesis.CreateState();
        var (block, result) = BlockExecutor.Propose(state, [TestChain.Transfer(4, 5, 0, 10), TestChain.Transfer(6, 7, 0, 123456)], [], null, TestChain.Key(1).PublicKey, genesis.TimeUnixMs + 1000);
        Assert.Equal(2, block.Transactions.Count);
        var leaves = result.Receipts.Select((r, i) => MerkleTree.HashLeaf(new Receipt(r.TransactionHash, r.Status, r.FeePaid,
            [TransferEvent(block.Transactions[i].Sender, block.Transactions[i].Recipient!.Value, block.Transactions[i].Amount)]).ToProto().ToByteArray())).ToArray();
        Assert.Equal(MerkleTree.ComputeRoot(leaves), block.Header.ReceiptsRoot);
        Assert.Equal("5d07484adb1c84a6d4061797395c5905239c5dab1ed6353c6068e2d3c93bc58d", block.Header.ReceiptsRoot.ToString());
        Assert.True(BlockExecutor.Execute(state, block).IsValid);
    }

    private sealed class EventListComparer : IEqualityComparer<IReadOnlyList<ChainEvent>?>
    {
        public bool Equals(IReadOnlyList<ChainEvent>? x, IReadOnlyList<ChainEvent>? y) =>
            x is not null && y is not null && x.Count == y.Count && x.Zip(y).All(p => p.First.Type == p.Second.Type && p.First.Attributes.SequenceEqual(p.Second.Attributes));

        public int GetHashCode(IReadOnlyList<ChainEvent>? obj) => obj?.Count ?? 0;
    }
}
