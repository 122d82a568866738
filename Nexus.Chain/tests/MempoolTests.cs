namespace Nexus.Chain.Tests;

public class MempoolTests
{
    private static readonly Genesis G = TestChain.Genesis(accounts: 20, balance: 1000);

    [Fact]
    public void Admission_checks_signature_chain_nonce_balance_fee_and_size()
    {
        var pool = new Mempool(G.CreateState(), new MempoolOptions { MaxNonceGap = 4, MaxTransactionBytes = 400 });
        Assert.Equal(AdmissionStatus.Accepted, pool.Add(TestChain.Transfer(4, 5, 0, 10)));
        Assert.Equal(AdmissionStatus.Duplicate, pool.Add(TestChain.Transfer(4, 5, 0, 10)));
        Assert.Equal(AdmissionStatus.FeeTooLow, pool.Add(TestChain.Transfer(4, 5, 1, 10, fee: 0)));
        Assert.Equal(AdmissionStatus.NonceTooHigh, pool.Add(TestChain.Transfer(4, 5, 9, 10)));
        Assert.Equal(AdmissionStatus.InsufficientBalance, pool.Add(TestChain.Transfer(4, 5, 1, 990))); // 11 already pending
        Assert.Equal(AdmissionStatus.Accepted, pool.Add(TestChain.Transfer(4, 5, 1, 988)));
        Assert.Equal(AdmissionStatus.WrongChain, pool.Add(Transaction.Create(TestChain.Key(6), "other", 0, TestChain.Key(5).PublicKey, 1, 1)));
        Assert.Equal(AdmissionStatus.TooLarge, pool.Add(Transaction.Create(TestChain.Key(6), TestChain.ChainId, 0, TestChain.Key(5).PublicKey, 1, 1, TransactionKind.Transfer, new byte[500])));
        var good = TestChain.Transfer(6, 5, 0, 1);
        var p = Protos.TransactionProto.Parser.ParseFrom(good.Encoded.ToArray());
        p.Fee = 2;
        Assert.Equal(AdmissionStatus.BadSignature, pool.Add(Transaction.Decode(Google.Protobuf.MessageExtensions.ToByteArray(p))));
        Assert.Equal(2, pool.Count);
    }

    [Fact]
    public void Replacement_needs_a_strictly_higher_fee()
    {
        var pool = new Mempool(G.CreateState());
        var first = TestChain.Transfer(4, 5, 0, 10, fee: 5);
        Assert.Equal(AdmissionStatus.Accepted, pool.Add(first));
        Assert.Equal(AdmissionStatus.FeeTooLow, pool.Add(TestChain.Transfer(4, 6, 0, 10, fee: 5)));
        var better = TestChain.Transfer(4, 6, 0, 10, fee: 6);
        Assert.Equal(AdmissionStatus.Replaced, pool.Add(better));
        Assert.Equal(1, pool.Count);
        Assert.False(pool.TryGet(first.Hash, out _));
        Assert.True(pool.TryGet(better.Hash, out _));
    }

    [Fact]
    public void Per_sender_and_total_limits_with_eviction_of_the_cheapest()
    {
        var pool = new Mempool(G.CreateState(), new MempoolOptions { MaxPerSender = 2, MaxTransactions = 3 });
        Assert.Equal(AdmissionStatus.Accepted, pool.Add(TestChain.Transfer(4, 5, 0, 1, fee: 3)));
        Assert.Equal(AdmissionStatus.Accepted, pool.Add(TestChain.Transfer(4, 5, 1, 1, fee: 3)));
        Assert.Equal(AdmissionStatus.SenderLimit, pool.Add(TestChain.Transfer(4, 5, 2, 1, fee: 3)));
        var cheap = TestChain.Transfer(6, 5, 0, 1, fee: 1);
        Assert.Equal(AdmissionStatus.Accepted, pool.Add(cheap));
        Assert.Equal(AdmissionStatus.PoolFull, pool.Add(TestChain.Transfer(7, 5, 0, 1, fee: 1)));
        Assert.Equal(AdmissionStatus.Accepted, pool.Add(TestChain.Transfer(7, 5, 0, 1, fee: 2)));
        Assert.False(pool.TryGet(cheap.Hash, out _));
        Assert.Equal(3, pool.Count);
    }

    [Fact]
    public void Select_orders_by_fee_keeps_nonce_order_and_skips_gaps()
    {
        var pool = new Mempool(G.CreateState());
        pool.Add(TestChain.Transfer(4, 5, 0, 1, fee: 1));
        pool.Add(TestChain.Transfer(4, 5, 1, 1, fee: 9));
        pool.Add(TestChain.Transfer(6, 5, 0, 1, fee: 5));
        pool.Add(TestChain.Transfer(7, 5, 1, 1, fee: 50)); // gap: nonce 0 missing
        var selected = pool.Select(10);
        Assert.Equal(3, selected.Count);
        Assert.Equal(TestChain.Key(6).PublicKey, selected[0].Sender);
        Assert.Equal(0UL, selected[1].Nonce);
        Assert.Equal(1UL, selected[2].Nonce);
        Assert.Equal(2, pool.Select(2).Count);
    }

    [Fact]
    public void Update_drops_included_and_unaffordable_transactions()
    {
        var state = G.CreateState();
        var pool = new Mempool(state);
        pool.Add(TestChain.Transfer(4, 5, 0, 100));
        pool.Add(TestChain.Transfer(4, 5, 1, 100));
        pool.Add(TestChain.Transfer(6, 5, 0, 500));
        // A block spends account 6 elsewhere and includes 4's first transaction.
        var (block, result) = BlockExecutor.Propose(state, [TestChain.Transfer(4, 5, 0, 100), TestChain.Transfer(6, 7, 0, 900)], [], null, TestChain.Key(0).PublicKey, G.TimeUnixMs + 1);
        Assert.Equal(2, block.Transactions.Count);
        pool.Update(result.State!);
        Assert.Equal(1, pool.Count);
        Assert.Equal(1UL, pool.Select(10).Single().Nonce);
    }

    [Fact]
    public void AddRange_verifies_in_parallel_and_reports_each_outcome()
    {
        var pool = new Mempool(TestChain.Genesis(accounts: 300).CreateState());
        var txs = Enumerable.Range(0, 256).Select(i => TestChain.Transfer(i + 4, 5, 0, 1)).ToList();
        var p = Protos.TransactionProto.Parser.ParseFrom(txs[100].Encoded.ToArray());
        p.Amount = 2;
        txs[100] = Transaction.Decode(Google.Protobuf.MessageExtensions.ToByteArray(p));
        var results = pool.AddRange(txs);
        Assert.Equal(AdmissionStatus.BadSignature, results[100]);
        Assert.Equal(255, results.Count(r => r == AdmissionStatus.Accepted));
    }

    [Fact]
    public void A_copy_of_a_pooled_transaction_adopts_its_verification_and_a_forged_one_does_not()
    {
        var pool = new Mempool(G.CreateState());
        var signed = TestChain.Transfer(4, 5, 0, 10);
        var admitted = Transaction.Decode(signed.Encoded.Span);
        Assert.False(admitted.IsVerified);
        Assert.Equal(AdmissionStatus.Accepted, pool.AddRange([admitted])[0]);
        Assert.True(admitted.IsVerified);

        // The same bytes decoded again (gossip from another peer, a proposed block) need no second check.
        var copy = Transaction.Decode(signed.Encoded.Span);
        var other = Transaction.Decode(TestChain.Transfer(6, 5, 0, 10).Encoded.Span);
        var p = Protos.TransactionProto.Parser.ParseFrom(signed.Encoded.ToArray());
        p.Amount = 11;
        var forged = Transaction.Decode(Google.Protobuf.MessageExtensions.ToByteArray(p));
        pool.AdoptVerifications([copy, other, forged]);
        Assert.True(copy.IsVerified);
        Assert.False(other.IsVerified);
        Assert.False(forged.IsVerified);
        Assert.False(forged.VerifySignature());
        Assert.True(other.VerifySignature());
    }
}
