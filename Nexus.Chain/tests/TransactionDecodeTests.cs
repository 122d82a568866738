using CsCheck;
using Google.Protobuf;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

/// <summary>
/// <see cref="Transaction.TryDecode(ReadOnlySpan{byte}, out Transaction?, out string?)"/> walks the
/// protobuf framing itself; it must accept exactly what the strict Google.Protobuf reference path
/// (<see cref="Transaction.TryDecodeReference"/>) accepts and yield the same transaction.
/// </summary>
public sealed class TransactionDecodeTests
{
    private static readonly Ed25519PrivateKey[] Keys = Enumerable.Range(0, 8).Select(TestChain.Key).ToArray();

    /// <summary>Chain ids of 1-64 UTF-8 bytes: ASCII, multi-byte and arbitrary characters.</summary>
    private static readonly Gen<string> ChainIds = Gen.Select(Gen.Int[0, 2], Gen.String[Gen.Char.AlphaNumeric, 1, 64], Gen.String[1, 20])
        .Select((kind, ascii, any) => kind switch { 0 => ascii, 1 => "nexus-ü✓-" + ascii, _ => any })
        .Where(s => System.Text.Encoding.UTF8.GetByteCount(s) is > 0 and <= ChainLimits.MaxChainIdBytes);

    private static readonly Gen<ulong> Numbers = Gen.Select(Gen.Int[0, 3], Gen.ULong).Select((kind, n) => kind switch { 0 => 0UL, 1 => n % 200, 2 => ulong.MaxValue - (n % 3), _ => n });

    /// <summary>Valid signed transactions of both kinds.</summary>
    private static readonly Gen<Transaction> Valid =
        Gen.Select(Gen.Int[0, 7], ChainIds, Numbers, Gen.Int[-1, 7], Numbers, Numbers, Gen.Bool, Gen.Byte.Array[0, 80])
            .Select((from, chainId, nonce, to, amount, fee, update, payload) =>
            {
                Ed25519PublicKey? recipient = to < 0 ? null : Keys[to].PublicKey;
                var kind = update || recipient is null ? TransactionKind.ValidatorUpdate : TransactionKind.Transfer;
                return Transaction.Create(Keys[from], chainId, nonce, recipient, amount, fee, kind, payload);
            });

    /// <summary>
    /// Canonical TransactionProto encodings of arbitrary field values (wrong key and signature lengths,
    /// unknown kinds, missing fields, over-long chain ids): canonical framing, often invalid content.
    /// </summary>
    private static readonly Gen<byte[]> ArbitraryProtos =
        Gen.Select(Gen.String[0, 30], Gen.OneOf(Gen.Byte.Array[32], Gen.Byte.Array[0, 40]), Numbers, Gen.OneOf(Gen.Byte.Array[0], Gen.Byte.Array[32], Gen.Byte.Array[0, 40]), Numbers, Numbers, Gen.Select(Gen.Int[0, 3], Gen.UInt).Select((k, n) => k < 3 ? (uint)k : n), Gen.OneOf(Gen.Byte.Array[64], Gen.Byte.Array[0, 70]))
            .Select((chainId, sender, nonce, recipient, amount, fee, kind, signature) => new TransactionProto
            {
                ChainId = chainId,
                Sender = ByteString.CopyFrom(sender),
                Nonce = nonce,
                Recipient = ByteString.CopyFrom(recipient),
                Amount = amount,
                Fee = fee,
                Kind = kind,
                Signature = ByteString.CopyFrom(signature),
            }.ToByteArray());

    /// <summary>A valid encoding with its chain id field replaced by arbitrary bytes (mostly invalid UTF-8).</summary>
    private static readonly Gen<byte[]> RawChainIds =
        Gen.Select(Valid, Gen.Byte.Array[0, 70], Gen.Int[0, 1]).Select((tx, id, multibyte) =>
        {
            var proto = tx.ToProto();
            proto.ChainId = "";
            byte[] rest = proto.ToByteArray();
            byte[] chainId = multibyte == 0 ? id : [0xC3, 0xA9, .. id];
            return (byte[])[0x0A, .. Varint((ulong)chainId.Length), .. chainId, .. rest];
        });

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }

    /// <summary>Random damage (to valid encodings, arbitrary canonical protos or random bytes): overwrite, insert, delete, truncate, append, or splice in a well-formed field.</summary>
    private static readonly Gen<byte[]> Mutated =
        Gen.Select(Gen.OneOf(Valid.Select(t => t.Encoded.ToArray()), ArbitraryProtos, Gen.Byte.Array[0, 300]), Gen.Int[0, 6], Gen.Int[0, 10_000], Gen.Byte.Array[1, 12], Gen.Int[1, 15], Numbers)
            .Select((bytes, op, at, extra, field, number) =>
            {
                int pos = bytes.Length == 0 ? 0 : at % (bytes.Length + 1);
                var list = bytes.ToList();
                switch (op)
                {
                    case 0 when list.Count > 0:
                        list[Math.Min(pos, list.Count - 1)] = extra[0];
                        break;
                    case 1:
                        list.InsertRange(pos, extra);
                        break;
                    case 2 when list.Count > 0:
                        list.RemoveRange(Math.Min(pos, list.Count - 1), Math.Min(extra.Length, list.Count - Math.Min(pos, list.Count - 1)));
                        break;
                    case 3:
                        list.RemoveRange(pos, list.Count - pos);
                        break;
                    case 4:
                        list.AddRange(extra);
                        break;
                    case 5:
                        // A well-formed varint field (possibly a default, a duplicate or out of order).
                        list.InsertRange(pos, [(byte)(field << 3), .. Varint(number)]);
                        break;
                    default:
                        // A well-formed length-delimited field.
                        list.InsertRange(pos, [(byte)((field << 3) | 2), (byte)extra.Length, .. extra]);
                        break;
                }

                return list.ToArray();
            });

    private static void AssertSame(Transaction expected, Transaction actual)
    {
        Assert.Equal(expected.Hash, actual.Hash);
        Assert.Equal(expected.Encoded.ToArray(), actual.Encoded.ToArray());
        Assert.Equal(expected.ChainId, actual.ChainId);
        Assert.Equal(expected.Sender, actual.Sender);
        Assert.Equal(expected.Nonce, actual.Nonce);
        Assert.Equal(expected.Recipient, actual.Recipient);
        Assert.Equal(expected.Amount, actual.Amount);
        Assert.Equal(expected.Fee, actual.Fee);
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
        Assert.Equal(expected.Signature, actual.Signature);
        Assert.Equal(expected.Size, actual.Size);
        Assert.Equal(expected.TotalCost, actual.TotalCost);
    }

    /// <summary>Both decoders accept or both reject; when they accept, the transactions are the same.</summary>
    /// <returns>True if both accepted.</returns>
    private static bool AssertAgree(byte[] bytes)
    {
        bool reference = Transaction.TryDecodeReference(bytes, out var expected, out var referenceError);
        bool direct = Transaction.TryDecode(bytes, out var actual, out var error);
        Assert.True(reference == direct, $"reference {(reference ? "accepts" : $"rejects ({referenceError})")}, direct {(direct ? "accepts" : $"rejects ({error})")}: {Convert.ToHexString(bytes)}");
        if (direct)
        {
            Assert.Null(error);
            AssertSame(expected!, actual!);
            Assert.Equal(expected!.VerifySignature(), actual!.VerifySignature());
        }
        else
        {
            Assert.Null(actual);
            Assert.False(string.IsNullOrEmpty(error));
            Assert.Equal(error, Assert.Throws<ChainFormatException>(() => Transaction.Decode(bytes)).Message);
        }

        return direct;
    }

    /// <summary>Runs <see cref="AssertAgree"/> over samples and checks both outcomes occurred.</summary>
    private static void AssertAgreeOnBothOutcomes(Gen<byte[]> inputs, int iter)
    {
        int accepted = 0, rejected = 0;
        inputs.Sample(bytes =>
        {
            if (AssertAgree(bytes)) Interlocked.Increment(ref accepted); else Interlocked.Increment(ref rejected);
        }, iter: iter);
        Assert.True(accepted > 0 && rejected > 0, $"accepted {accepted}, rejected {rejected}");
    }

    [Fact]
    public void Valid_transactions_decode_identically_through_both_decoders()
    {
        Valid.Sample(tx =>
        {
            byte[] bytes = tx.Encoded.ToArray();
            Assert.True(Transaction.TryDecode(bytes, out var direct, out var error), error);
            Assert.True(Transaction.TryDecodeReference(bytes, out var reference, out _));
            AssertSame(tx, direct!);
            AssertSame(reference!, direct!);
            Assert.True(direct!.VerifySignature());
            Assert.True(Transaction.TryDecode(bytes, Blake3.Hash(bytes), out var withKnownId, out _));
            AssertSame(tx, withKnownId!);
        }, iter: 300);
    }

    [Fact]
    public void Arbitrary_field_values_are_accepted_or_rejected_identically()
    {
        AssertAgreeOnBothOutcomes(ArbitraryProtos, 3000);
    }

    [Fact]
    public void Arbitrary_chain_id_bytes_are_accepted_or_rejected_identically()
    {
        AssertAgreeOnBothOutcomes(RawChainIds, 1000);
    }

    [Fact]
    public void Mutated_encodings_are_accepted_or_rejected_identically()
    {
        AssertAgreeOnBothOutcomes(Mutated, 5000);
    }

    [Fact]
    public void Edge_encodings_are_accepted_or_rejected_identically()
    {
        byte[] valid = TestChain.Transfer(1, 2, 7, 500, 3).Encoded.ToArray();
        byte[][] cases =
        [
            [],
            [0x00],
            valid,
            [.. valid, 0x00],
            valid[..^1],
            [0x38, 0x00, .. valid],                                     // kind 0 written before the chain id
            [.. valid[..^66], 0x4A, 0xC0, 0x00, .. valid[^64..]],       // non-minimal signature length
            [.. valid[..^66], 0xCA, 0x00, 0x40, .. valid[^64..]],       // non-minimal tag
            new byte[ChainLimits.MaxTransactionBytes + 1],
        ];
        foreach (var bytes in cases)
        {
            _ = AssertAgree(bytes);
        }

        // Kind as a 5-byte varint above 32 bits, and as the largest 32-bit value.
        var proto = TransactionProto.Parser.ParseFrom(valid);
        proto.Signature = ByteString.Empty;
        proto.Kind = 0;
        byte[] unsigned = proto.ToByteArray();
        byte[] signature = valid[^66..];
        _ = AssertAgree([.. unsigned, 0x38, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, .. signature]);
        _ = AssertAgree([.. unsigned, 0x38, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, .. signature]);
        _ = AssertAgree([.. unsigned, 0x38, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, .. signature]);
    }

    [Fact]
    public void Decoding_reuses_the_chain_id_string_of_the_previous_transaction()
    {
        // Other tests decode other chain ids concurrently and may replace the cached one between two
        // decodes, so the pair is tried a few times; without the cache the strings are never the same.
        byte[] first = TestChain.Transfer(1, 2, 0, 5).Encoded.ToArray(), second = TestChain.Transfer(3, 4, 9, 6).Encoded.ToArray();
        bool same = false;
        for (int attempt = 0; attempt < 100 && !same; attempt++)
        {
            var a = Transaction.Decode(first);
            var b = Transaction.Decode(second);
            Assert.Equal(TestChain.ChainId, b.ChainId);
            same = ReferenceEquals(a.ChainId, b.ChainId);
        }

        Assert.True(same);
    }

    [Fact]
    public void Transactions_decoded_from_a_block_are_views_into_the_block_encoding()
    {
        var genesis = TestChain.Genesis();
        var (block, _) = BlockExecutor.Propose(genesis.CreateState(), [TestChain.Transfer(4, 5, 0, 10), TestChain.Transfer(6, 7, 0, 20)], [], null, TestChain.Key(1).PublicKey, genesis.TimeUnixMs + 1000);
        var decoded = Block.Decode(block.Encode().Span);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(decoded.Encode(), out var blockBytes));
        Assert.Equal(2, decoded.Transactions.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(decoded.Transactions[i].Encoded, out var txBytes));
            Assert.Same(blockBytes.Array, txBytes.Array);
            AssertSame(block.Transactions[i], decoded.Transactions[i]);
            Assert.True(decoded.Transactions[i].VerifySignature());
        }
    }

    [Fact]
    public void The_payload_of_a_decoded_transaction_is_its_field_inside_the_encoding()
    {
        var tx = Transaction.Create(Keys[1], TestChain.ChainId, 3, null, 0, 2, TransactionKind.ValidatorUpdate, BlockExecutor.EncodeValidatorUpdate(Keys[2].PublicKey, 7));
        var decoded = Transaction.Decode(tx.Encoded.Span);
        Assert.Equal(BlockExecutor.EncodeValidatorUpdate(Keys[2].PublicKey, 7), decoded.Payload.ToArray());
        Assert.True(decoded.VerifySignature());
    }
}
