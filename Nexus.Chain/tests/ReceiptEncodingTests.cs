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
}
