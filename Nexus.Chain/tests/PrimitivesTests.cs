using CsCheck;
using Google.Protobuf;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

public class PrimitivesTests
{
    private static readonly Gen<Transaction> GenTx =
        Gen.Select(Gen.Int[0, 50], Gen.Int[0, 50], Gen.ULong, Gen.ULong, Gen.ULong, Gen.Byte.Array[0, 40])
            .Select((from, to, nonce, amount, fee, payload) => Transaction.Create(TestChain.Key(from), TestChain.ChainId, nonce, TestChain.Key(to).PublicKey, amount, fee, TransactionKind.Transfer, payload));

    [Fact]
    public void Transaction_round_trips_through_its_canonical_encoding_and_keeps_hash_and_signature()
    {
        GenTx.Sample(tx =>
        {
            var decoded = Transaction.Decode(tx.Encoded.Span);
            Assert.Equal(tx.Hash, decoded.Hash);
            Assert.Equal(Blake3.Hash(tx.Encoded.Span), decoded.Hash);
            Assert.Equal(tx.Nonce, decoded.Nonce);
            Assert.Equal(tx.Amount, decoded.Amount);
            Assert.Equal(tx.Recipient, decoded.Recipient);
            Assert.True(decoded.VerifySignature());
        }, iter: 200);
    }

    [Fact]
    public void Transaction_encoding_is_the_documented_protobuf_with_the_signature_last()
    {
        var tx = TestChain.Transfer(1, 2, 7, 500, 3);
        var proto = TransactionProto.Parser.ParseFrom(tx.Encoded.ToArray());
        Assert.Equal(TestChain.ChainId, proto.ChainId);
        Assert.Equal(7UL, proto.Nonce);
        Assert.Equal(500UL, proto.Amount);
        Assert.Equal(3UL, proto.Fee);
        Assert.Equal(0u, proto.Kind);
        var span = tx.Encoded.Span;
        Assert.Equal(0x4A, span[^66]); // field 9, length-delimited
        Assert.Equal(64, span[^65]);
        Assert.True(span[^64..].SequenceEqual(tx.Signature.AsSpan()));
    }

    [Fact]
    public void Any_changed_signed_field_fails_signature_verification()
    {
        var tx = TestChain.Transfer(1, 2, 7, 500, 3);
        var proto = TransactionProto.Parser.ParseFrom(tx.Encoded.ToArray());
        proto.Amount = 501;
        var forged = Transaction.Decode(proto.ToByteArray());
        Assert.False(forged.VerifySignature());
        proto.Amount = 500;
        proto.ChainId = "other-chain";
        Assert.False(Transaction.Decode(proto.ToByteArray()).VerifySignature());
    }

    [Fact]
    public void Non_canonical_encodings_are_rejected_with_ChainFormatException()
    {
        var bytes = TestChain.Transfer(1, 2, 7, 500, 3).Encoded.ToArray();
        // Unknown field appended (field 15, varint 1).
        Assert.Throws<ChainFormatException>(() => Transaction.Decode([.. bytes, 0x78, 0x01]));
        // A default value written explicitly (kind = 0).
        Assert.Throws<ChainFormatException>(() => Transaction.Decode([0x38, 0x00, .. bytes]));
        // The nonce field repeated: protobuf keeps the last, the re-encoding differs.
        Assert.Throws<ChainFormatException>(() => Transaction.Decode([0x18, 0x09, .. bytes]));
        // A non-minimal varint for the nonce (7 as 0x87 0x00).
        int at = Array.IndexOf(bytes, (byte)0x18);
        Assert.Equal(7, bytes[at + 1]);
        byte[] padded = [.. bytes[..(at + 1)], 0x87, 0x00, .. bytes[(at + 2)..]];
        Assert.Throws<ChainFormatException>(() => Transaction.Decode(padded));
        // Truncated.
        Assert.Throws<ChainFormatException>(() => Transaction.Decode(bytes.AsSpan(0, bytes.Length - 1)));
        // Oversized input is refused before parsing.
        Assert.Throws<ChainFormatException>(() => Transaction.Decode(new byte[ChainLimits.MaxTransactionBytes + 1]));
    }

    [Fact]
    public void Wrong_field_lengths_are_rejected()
    {
        var proto = TransactionProto.Parser.ParseFrom(TestChain.Transfer(1, 2, 7, 500, 3).Encoded.ToArray());
        proto.Sender = ByteString.CopyFrom(new byte[31]);
        Assert.Throws<ChainFormatException>(() => Transaction.Decode(proto.ToByteArray()));
        proto = TransactionProto.Parser.ParseFrom(TestChain.Transfer(1, 2, 7, 500, 3).Encoded.ToArray());
        proto.Kind = 9;
        Assert.Throws<ChainFormatException>(() => Transaction.Decode(proto.ToByteArray()));
        proto.Kind = 0;
        proto.Recipient = ByteString.Empty;
        Assert.Throws<ChainFormatException>(() => Transaction.Decode(proto.ToByteArray()));
    }

    [Fact]
    public void Decoders_throw_only_ChainFormatException_on_arbitrary_bytes()
    {
        Gen.Byte.Array[0, 600].Sample(bytes =>
        {
            void Only(Action a)
            {
                try { a(); }
                catch (ChainFormatException) { }
            }

            Only(() => Transaction.Decode(bytes));
            Only(() => Block.Decode(bytes));
            Only(() => BlockHeader.Decode(bytes));
            Only(() => Vote.Decode(bytes));
            Only(() => Commit.Decode(bytes));
            Only(() => StateProof.Decode(bytes));
            Only(() => ValidatorSet.Decode(bytes));
        }, iter: 3000);
    }

    [Fact]
    public void Mutated_valid_encodings_never_throw_other_exceptions()
    {
        var block = Sample.Block();
        byte[] encoded = block.Encode().ToArray();
        Gen.Select(Gen.Int[0, encoded.Length - 1], Gen.Byte).Sample((pos, value) =>
        {
            var copy = (byte[])encoded.Clone();
            copy[pos] = value;
            if (Block.TryDecode(copy, out var decoded, out var error))
            {
                Assert.Null(error);
                Assert.NotNull(decoded);
            }
            else
            {
                Assert.NotNull(error);
            }
        }, iter: 2000);
    }

    [Fact]
    public void Block_round_trips_and_its_hash_is_the_header_hash()
    {
        var block = Sample.Block();
        var decoded = Block.Decode(block.Encode().Span);
        Assert.Equal(block.Hash, decoded.Hash);
        Assert.Equal(Blake3.Hash(block.Header.Encoded.Span), block.Hash);
        Assert.Equal(block.Transactions.Count, decoded.Transactions.Count);
        Assert.True(block.Encode().Span.SequenceEqual(block.ToProto().ToByteArray()));
        Assert.Equal(block.LastCommit!.Hash, decoded.LastCommit!.Hash);
    }

    [Fact]
    public void Vote_round_trips_and_verifies_only_for_its_chain()
    {
        var hash = Blake3.Hash("b"u8);
        var vote = Vote.Create(TestChain.Key(3), TestChain.ChainId, VoteType.Prevote, 5, 2, hash);
        var decoded = Vote.Decode(vote.Encode());
        Assert.Equal(hash, decoded.BlockHash);
        Assert.Equal(2, decoded.Round);
        Assert.True(decoded.Verify(TestChain.ChainId));
        Assert.False(decoded.Verify("other"));
        var nil = Vote.Decode(Vote.Create(TestChain.Key(3), TestChain.ChainId, VoteType.Precommit, 5, 2, null).Encode());
        Assert.Null(nil.BlockHash);
        Assert.True(nil.Verify(TestChain.ChainId));
    }

    [Fact]
    public void Commit_needs_more_than_two_thirds_of_the_power_and_valid_signatures()
    {
        var set = new ValidatorSet(Enumerable.Range(0, 4).Select(i => new Validator(TestChain.Key(i).PublicKey, 10)));
        var block = Sample.Block();
        Assert.True(TestChain.CommitFor(block, 0, 1, 2).Verify(TestChain.ChainId, set, out _));
        Assert.False(TestChain.CommitFor(block, 0, 1).Verify(TestChain.ChainId, set, out var e1));
        Assert.Contains("+2/3", e1);
        Assert.False(TestChain.CommitFor(block, 0, 0, 1).Verify(TestChain.ChainId, set, out _));
        Assert.False(TestChain.CommitFor(block, 0, 1, 9).Verify(TestChain.ChainId, set, out _));
        var good = TestChain.CommitFor(block, 0, 1, 2);
        var forged = new Commit(good.Height, good.Round, Blake3.Hash("x"u8), good.Signatures);
        Assert.False(forged.Verify(TestChain.ChainId, set, out _));
    }

    [Fact]
    public void Validator_set_quorum_and_proposer_rotation()
    {
        var set = new ValidatorSet(Enumerable.Range(0, 4).Select(i => new Validator(TestChain.Key(i).PublicKey, 10)));
        Assert.Equal(40UL, set.TotalPower);
        Assert.False(set.IsQuorum(26));
        Assert.True(set.IsQuorum(27));
        Assert.True(set.IsOneThird(14));
        Assert.False(set.IsOneThird(13));
        var proposers = Enumerable.Range(0, 4).Select(r => set.GetProposer(1, r)).ToHashSet();
        Assert.Equal(4, proposers.Count);
        Assert.Equal(set.Hash, ValidatorSet.Decode(set.Encoded.Span).Hash);
        Assert.Null(new ValidatorSet([new Validator(TestChain.Key(0).PublicKey, 1)]).WithPower(TestChain.Key(0).PublicKey, 0));
    }
}

internal static class Sample
{
    public static Block Block()
    {
        var genesis = TestChain.Genesis();
        var state = genesis.CreateState();
        var (first, _) = BlockExecutor.Propose(state, [TestChain.Transfer(4, 5, 0, 10)], [], null, TestChain.Key(1).PublicKey, genesis.TimeUnixMs + 1000);
        var commit = TestChain.CommitFor(first, 0, 1, 2);
        var next = BlockExecutor.Execute(state, first).State!;
        var (second, _) = BlockExecutor.Propose(next, [TestChain.Transfer(4, 5, 1, 10), TestChain.Transfer(6, 7, 0, 20)], [], commit, TestChain.Key(2).PublicKey, genesis.TimeUnixMs + 2000);
        return second;
    }
}
