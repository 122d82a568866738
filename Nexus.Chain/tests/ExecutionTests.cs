using Nexus.Crypto;

namespace Nexus.Chain.Tests;

public class ExecutionTests
{
    private static readonly Genesis G = TestChain.Genesis();

    private static Block Rebuild(Block b, Func<BlockHeader, BlockHeader>? header = null, IReadOnlyList<Transaction>? txs = null) =>
        new(header?.Invoke(b.Header) ?? b.Header, txs ?? b.Transactions, b.Evidence, b.LastCommit);

    private static BlockHeader With(BlockHeader h, Hash256? stateRoot = null, Hash256? txRoot = null) => new()
    {
        ChainId = h.ChainId, Height = h.Height, TimeUnixMs = h.TimeUnixMs, ParentHash = h.ParentHash, Proposer = h.Proposer,
        TransactionsRoot = txRoot ?? h.TransactionsRoot, StateRoot = stateRoot ?? h.StateRoot, ValidatorSetHash = h.ValidatorSetHash,
        NextValidatorSetHash = h.NextValidatorSetHash, LastCommitHash = h.LastCommitHash, ReceiptsRoot = h.ReceiptsRoot, EvidenceRoot = h.EvidenceRoot,
    };

    [Fact]
    public void Transfers_move_funds_bump_nonces_and_pay_fees_to_the_proposer()
    {
        var state = G.CreateState();
        var proposer = TestChain.Key(0).PublicKey;
        var (block, proposed) = BlockExecutor.Propose(state, [TestChain.Transfer(4, 5, 0, 100, 3), TestChain.Transfer(4, 6, 1, 50, 2)], [], null, proposer, G.TimeUnixMs + 1);
        var result = BlockExecutor.Execute(state, block);
        Assert.True(result.IsValid, result.Error);
        var s = result.State!;
        Assert.Equal(proposed.State!.StateRoot, s.StateRoot);
        Assert.Equal(block.Header.StateRoot, s.StateRoot);
        Assert.Equal(new Account(1_000_000 - 155, 2), s.Accounts.Get(TestChain.Key(4).PublicKey));
        Assert.Equal(1_000_100UL, s.Accounts.Get(TestChain.Key(5).PublicKey).Balance);
        Assert.Equal(1_000_005UL, s.Accounts.Get(proposer).Balance);
        Assert.Equal(2, result.Receipts.Count);
        Assert.Equal("transfer", result.Receipts[0].Events[0].Type);
        Assert.Equal(block.Hash, s.LastBlockHash);
        Assert.Equal(1UL, s.Height);
        // The parent state is untouched: execution is a pure function.
        Assert.Equal(new Account(1_000_000, 0), state.Accounts.Get(TestChain.Key(4).PublicKey));
        Assert.Equal(s.StateRoot, BlockExecutor.Execute(state, block).State!.StateRoot);
    }

    [Fact]
    public void Proposer_skips_invalid_transactions()
    {
        var state = G.CreateState();
        var bad = TestChain.Transfer(4, 5, 5, 1); // nonce gap
        var over = TestChain.Transfer(6, 5, 0, 2_000_000); // overspend
        var (block, _) = BlockExecutor.Propose(state, [bad, over, TestChain.Transfer(4, 5, 0, 1)], [], null, TestChain.Key(0).PublicKey, G.TimeUnixMs + 1);
        Assert.Single(block.Transactions);
    }

    [Theory]
    [InlineData("nonce")]
    [InlineData("overspend")]
    [InlineData("signature")]
    [InlineData("fee")]
    public void Blocks_with_an_invalid_transaction_are_rejected_with_a_reason(string what)
    {
        var state = G.CreateState();
        var (valid, _) = BlockExecutor.Propose(state, [TestChain.Transfer(4, 5, 0, 1)], [], null, TestChain.Key(0).PublicKey, G.TimeUnixMs + 1);
        Transaction tx = what switch
        {
            "nonce" => TestChain.Transfer(4, 5, 3, 1),
            "overspend" => TestChain.Transfer(4, 5, 0, 1_000_000),
            "fee" => TestChain.Transfer(4, 5, 0, 1, fee: 0),
            _ => Forge(),
        };
        var block = Rebuild(valid, h => With(h, txRoot: Block.ComputeTransactionsRoot([tx])), [tx]);
        var result = BlockExecutor.Execute(state, block);
        Assert.False(result.IsValid);
        Assert.Contains(what switch { "nonce" => "nonce", "overspend" => "overspend", "fee" => "fee", _ => "signature" }, result.Error);

        static Transaction Forge()
        {
            var good = TestChain.Transfer(4, 5, 0, 1);
            var p = Protos.TransactionProto.Parser.ParseFrom(good.Encoded.ToArray());
            p.Amount = 999;
            return Transaction.Decode(Google.Protobuf.MessageExtensions.ToByteArray(p));
        }
    }

    [Fact]
    public void Wrong_state_root_wrong_parent_and_missing_commit_are_rejected()
    {
        var state = G.CreateState();
        var (block, _) = BlockExecutor.Propose(state, [TestChain.Transfer(4, 5, 0, 1)], [], null, TestChain.Key(0).PublicKey, G.TimeUnixMs + 1);
        Assert.Equal("wrong state root", BlockExecutor.Execute(state, Rebuild(block, h => With(h, stateRoot: Blake3.Hash("x"u8)))).Error);
        var next = BlockExecutor.Execute(state, block).State!;
        Assert.Equal("wrong height 1, expected 2", BlockExecutor.Execute(next, block).Error);
        var (second, _) = BlockExecutor.Propose(next, [], [], null, TestChain.Key(1).PublicKey, G.TimeUnixMs + 2);
        Assert.Equal("missing last commit", BlockExecutor.Execute(next, second).Error);
        var (weak, _) = BlockExecutor.Propose(next, [], [], TestChain.CommitFor(block, 0, 1), TestChain.Key(1).PublicKey, G.TimeUnixMs + 2);
        Assert.Contains("+2/3", BlockExecutor.Execute(next, weak).Error);
        var (good, _) = BlockExecutor.Propose(next, [], [], TestChain.CommitFor(block, 0, 1, 2), TestChain.Key(1).PublicKey, G.TimeUnixMs + 2);
        Assert.True(BlockExecutor.Execute(next, good).IsValid);
    }

    [Fact]
    public void Validator_updates_apply_only_from_the_authority_and_from_the_next_height()
    {
        var genesis = new Genesis
        {
            ChainId = G.ChainId, TimeUnixMs = G.TimeUnixMs, Validators = G.Validators, Parameters = G.Parameters,
            Accounts = [.. G.Accounts, KeyValuePair.Create(TestChain.Key(1000).PublicKey, 1000UL)],
        };
        var state = genesis.CreateState();
        var newcomer = TestChain.Key(20).PublicKey;
        var payload = BlockExecutor.EncodeValidatorUpdate(newcomer, 5);
        var byAuthority = Transaction.Create(TestChain.Key(1000), TestChain.ChainId, 0, null, 0, 1, TransactionKind.ValidatorUpdate, payload);
        var byOther = Transaction.Create(TestChain.Key(4), TestChain.ChainId, 0, null, 0, 1, TransactionKind.ValidatorUpdate, payload);
        var (block, _) = BlockExecutor.Propose(state, [byOther, byAuthority], [], null, TestChain.Key(0).PublicKey, genesis.TimeUnixMs + 1);
        var result = BlockExecutor.Execute(state, block);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(ReceiptStatus.Unauthorized, result.Receipts[0].Status);
        Assert.Equal(ReceiptStatus.Success, result.Receipts[1].Status);
        Assert.False(result.State!.LastValidators!.Contains(newcomer));
        Assert.True(result.State.Validators.Contains(newcomer));
        Assert.Equal(5, result.State.Validators.Count);
        Assert.Equal(block.Header.NextValidatorSetHash, result.State.Validators.Hash);
        Assert.Equal(1UL, result.State.Accounts.Get(TestChain.Key(4).PublicKey).Nonce); // fee and nonce consumed anyway
    }

    [Fact]
    public void Double_sign_evidence_removes_and_slashes_the_offender()
    {
        var state = G.CreateState();
        var offender = TestChain.Key(3);
        var a = Vote.Create(offender, TestChain.ChainId, VoteType.Prevote, 1, 0, Blake3.Hash("a"u8));
        var b = Vote.Create(offender, TestChain.ChainId, VoteType.Prevote, 1, 0, Blake3.Hash("b"u8));
        var evidence = new DuplicateVoteEvidence(a, b);
        Assert.True(evidence.Verify(TestChain.ChainId));
        var (block, _) = BlockExecutor.Propose(state, [], [evidence, evidence], null, TestChain.Key(0).PublicKey, G.TimeUnixMs + 1);
        Assert.Single(block.Evidence);
        var decoded = Block.Decode(block.Encode().Span);
        var result = BlockExecutor.Execute(state, decoded);
        Assert.True(result.IsValid, result.Error);
        Assert.False(result.State!.Validators.Contains(offender.PublicKey));
        Assert.Equal(500_000UL, result.State.Accounts.Get(offender.PublicKey).Balance);
        // Evidence that is not a double vote is refused.
        var same = new DuplicateVoteEvidence(a, Vote.Create(offender, TestChain.ChainId, VoteType.Precommit, 1, 0, Blake3.Hash("b"u8)));
        Assert.False(same.Verify(TestChain.ChainId));
        var (empty, _) = BlockExecutor.Propose(state, [], [same], null, TestChain.Key(0).PublicKey, G.TimeUnixMs + 1);
        Assert.Empty(empty.Evidence);
    }

    [Fact]
    public void Oversized_block_is_rejected()
    {
        var state = G.CreateState();
        var big = Enumerable.Range(0, 300).Select(i => Transaction.Create(TestChain.Key(4), TestChain.ChainId, (ulong)i, TestChain.Key(5).PublicKey, 1, 1, TransactionKind.Transfer, new byte[60_000])).ToArray();
        var (block, _) = BlockExecutor.Propose(state, big, [], null, TestChain.Key(0).PublicKey, G.TimeUnixMs + 1);
        Assert.True(block.Encode().Length <= ChainLimits.MaxBlockBytes);
        Assert.True(block.Transactions.Count < 300);
        var oversized = Rebuild(block, h => With(h, txRoot: Block.ComputeTransactionsRoot(big)), big);
        Assert.Equal("oversized block", BlockExecutor.Execute(state, oversized).Error);
    }
}
