using CsCheck;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

/// <summary>
/// Blocks, proposals and decided blocks are decoded by walking their protobuf framing (no message
/// objects, pooled transactions reused): it must accept exactly what the strict Google.Protobuf path
/// accepts and yield the same block.
/// </summary>
public sealed class FramingDecodeTests
{
    private static Block BlockWithEvidence()
    {
        var genesis = TestChain.Genesis();
        var state = genesis.CreateState();
        var (first, _) = BlockExecutor.Propose(state, [TestChain.Transfer(4, 5, 0, 10)], [], null, TestChain.Key(1).PublicKey, genesis.TimeUnixMs + 1000);
        var commit = TestChain.CommitFor(first, 0, 1, 2);
        var next = BlockExecutor.Execute(state, first).State!;
        var evidence = new DuplicateVoteEvidence(
            Vote.Create(TestChain.Key(3), TestChain.ChainId, VoteType.Prevote, 2, 0, Blake3.Hash("a"u8)),
            Vote.Create(TestChain.Key(3), TestChain.ChainId, VoteType.Prevote, 2, 0, Blake3.Hash("b"u8)));
        var (second, _) = BlockExecutor.Propose(next, [TestChain.Transfer(4, 5, 1, 10), TestChain.Transfer(6, 7, 0, 20)], [evidence], commit, TestChain.Key(2).PublicKey, genesis.TimeUnixMs + 2000);
        Assert.Single(second.Evidence);
        return second;
    }

    /// <summary>The reference: strict protobuf parse of the envelope, then every part through its own decoder.</summary>
    private static Block? Reference(byte[] bytes)
    {
        if (!Canonical.TryParse(Canonical.Strict(ConsensusEnvelope.Parser), bytes, ChainLimits.MaxMessageBytes, out var env, out _)) return null;
        try
        {
            BlockProto? proto;
            if (env!.BodyCase == ConsensusEnvelope.BodyOneofCase.Proposal && env.Proposal.Proposal is not null && env.Proposal.Block is not null)
            {
                Proposal.FromProto(env.Proposal.Proposal);
                proto = env.Proposal.Block;
            }
            else if (env.BodyCase == ConsensusEnvelope.BodyOneofCase.Decided && env.Decided.Block is not null && env.Decided.Commit is not null)
            {
                Commit.FromProto(env.Decided.Commit);
                proto = env.Decided.Block;
            }
            else
            {
                return null;
            }

            if (proto.Header is null) return null;
            var txs = proto.Transactions.Select(t => Transaction.Decode(Google.Protobuf.MessageExtensions.ToByteArray(t))).ToArray();
            var evidence = proto.Evidence.Select(DuplicateVoteEvidence.FromProto).ToArray();
            return new Block(BlockHeader.FromProto(proto.Header), txs, evidence, proto.LastCommit is null ? null : Commit.FromProto(proto.LastCommit));
        }
        catch (ChainFormatException)
        {
            return null;
        }
    }

    [Fact]
    public void Mutated_proposals_and_decided_blocks_are_accepted_exactly_when_the_protobuf_path_accepts_them()
    {
        var block = BlockWithEvidence();
        var proposal = Proposal.Create(TestChain.Key(2), TestChain.ChainId, block.Height, 0, -1, block.Hash);
        var encodings = new[] { ConsensusMessage.ForProposal(proposal, block).Encode(), ConsensusMessage.ForDecided(block, block.LastCommit!).Encode() };
        foreach (var encoded in encodings)
        {
            Assert.True(ConsensusMessage.TryDecode(encoded, out var message, out _));
            Assert.Equal(block.Hash, message!.Block!.Hash);
            Assert.Equal(block.Encode().ToArray(), message.Block.Encode().ToArray());
        }

        Gen.Select(Gen.Int[0, 1], Gen.Int[0, 1000], Gen.Byte, Gen.Int[0, 2]).Sample((which, at, value, op) =>
        {
            var bytes = encodings[which].ToList();
            int pos = at % bytes.Count;
            switch (op)
            {
                case 0: bytes[pos] = value; break;
                case 1: bytes.Insert(pos, value); break;
                default: bytes.RemoveAt(pos); break;
            }

            byte[] mutated = [.. bytes];
            var reference = Reference(mutated);
            bool ok = ConsensusMessage.TryDecode(mutated, out var message, out var error);
            Assert.Equal(reference is not null, ok);
            Assert.Equal(ok, error is null);
            if (ok)
            {
                Assert.Equal(reference!.Hash, message!.Block!.Hash);
                Assert.Equal(reference.Transactions.Select(t => t.Hash), message.Block.Transactions.Select(t => t.Hash));
                Assert.Equal(reference.Evidence.Select(e => e.Hash), message.Block.Evidence.Select(e => e.Hash));
                Assert.Equal(reference.LastCommit?.Hash, message.Block.LastCommit?.Hash);
            }
        }, iter: 4000);
    }

    [Fact]
    public void A_proposed_block_takes_pooled_transactions_and_decodes_the_rest()
    {
        var block = BlockWithEvidence();
        var pool = new Mempool(TestChain.Genesis().CreateState());
        var pooled = Transaction.Decode(block.Transactions[0].Encoded.Span);
        Assert.Equal(AdmissionStatus.Accepted, pool.Add(TestChain.Transfer(4, 5, 0, 10)));
        Assert.Equal(AdmissionStatus.Accepted, pool.Add(pooled));
        var encoded = ConsensusMessage.ForProposal(Proposal.Create(TestChain.Key(2), TestChain.ChainId, block.Height, 0, -1, block.Hash), block).Encode();

        Assert.True(ConsensusMessage.TryDecode(encoded, pool, out var message, out _));
        Assert.Same(pooled, message!.Block!.Transactions[0]);
        Assert.NotSame(block.Transactions[1], message.Block.Transactions[1]);
        Assert.Equal(block.Transactions[1].Hash, message.Block.Transactions[1].Hash);
        Assert.False(message.Block.Transactions[1].IsVerified);
        Assert.Equal(block.Hash, message.Block.Hash);
    }

    [Fact]
    public void Envelopes_are_written_byte_for_byte_as_protobuf_writes_them_and_a_decoded_block_keeps_its_slice()
    {
        var block = BlockWithEvidence();
        var proposal = Proposal.Create(TestChain.Key(2), TestChain.ChainId, block.Height, 1, 0, block.Hash);
        var vote = Vote.Create(TestChain.Key(1), TestChain.ChainId, VoteType.Precommit, block.Height, 0, block.Hash);
        var commit = TestChain.CommitFor(block, 0, 1, 2);
        var cases = new (ConsensusMessage Message, ConsensusEnvelope Reference)[]
        {
            (ConsensusMessage.ForProposal(proposal, block), new ConsensusEnvelope { Proposal = new ProposalWithBlock { Proposal = proposal.ToProto(), Block = block.ToProto() } }),
            (ConsensusMessage.ForVote(vote), new ConsensusEnvelope { Vote = vote.ToProto() }),
            (ConsensusMessage.ForDecided(block, commit), new ConsensusEnvelope { Decided = new DecidedBlockProto { Block = block.ToProto(), Commit = commit.ToProto() } }),
            (ConsensusMessage.ForSyncRequest(7), new ConsensusEnvelope { SyncRequest = new SyncRequestProto { Height = 7 } }),
            (ConsensusMessage.ForSyncRequest(0), new ConsensusEnvelope { SyncRequest = new SyncRequestProto() }),
            (ConsensusMessage.ForSyncRequest(7, 1), new ConsensusEnvelope { SyncRequest = new SyncRequestProto { Height = 7 } }),
            (ConsensusMessage.ForSyncRequest(7, 32), new ConsensusEnvelope { SyncRequest = new SyncRequestProto { Height = 7, Count = 32 } }),
        };
        foreach (var (message, reference) in cases)
        {
            Assert.Equal(Google.Protobuf.MessageExtensions.ToByteArray(reference), message.Encode());
        }

        byte[] wire = cases[0].Message.Encode();
        Assert.True(ConsensusMessage.TryDecode(wire.AsMemory(), null, out var decoded, out _));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(decoded!.Block!.Encode(), out var segment));
        Assert.Same(wire, segment.Array); // no copy of the block
        Assert.Equal(block.Encode().ToArray(), decoded.Block.Encode().ToArray());
    }

    [Fact]
    public void A_batch_sync_request_round_trips_and_a_count_of_one_has_one_encoding()
    {
        Assert.True(ConsensusMessage.TryDecode(ConsensusMessage.ForSyncRequest(9, 32).Encode(), out var batch, out _));
        Assert.Equal((9UL, 32U), (batch!.RequestedHeight, batch.RequestedCount));

        // An old single-height request (no count field) still reads as one height.
        byte[] old = Google.Protobuf.MessageExtensions.ToByteArray(new ConsensusEnvelope { SyncRequest = new SyncRequestProto { Height = 9 } });
        Assert.True(ConsensusMessage.TryDecode(old, out var single, out _));
        Assert.Equal((9UL, 1U), (single!.RequestedHeight, single.RequestedCount));

        // count = 1 written out is a second encoding of the same request: refused, as every non-canonical form is.
        byte[] explicitOne = Google.Protobuf.MessageExtensions.ToByteArray(new ConsensusEnvelope { SyncRequest = new SyncRequestProto { Height = 9, Count = 1 } });
        Assert.False(ConsensusMessage.TryDecode(explicitOne, out _, out string? error));
        Assert.Contains("count of 1", error);
    }
}
