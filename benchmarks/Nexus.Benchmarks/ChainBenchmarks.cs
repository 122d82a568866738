using BenchmarkDotNet.Attributes;
using Nexus.Chain;
using Nexus.Crypto;

namespace Nexus.Benchmarks;

/// <summary>Shared fixtures: deterministic keys and a genesis with many funded accounts.</summary>
internal static class ChainFixture
{
    public const string ChainId = "nexus-bench";

    public static Ed25519PrivateKey Key(int i)
    {
        var seed = new byte[32];
        BitConverter.TryWriteBytes(seed, i);
        seed[31] = 0x42;
        return Ed25519PrivateKey.Import(seed);
    }

    public static Genesis Genesis(Ed25519PrivateKey[] senders, int extraAccounts) => new()
    {
        ChainId = ChainId,
        TimeUnixMs = 1_800_000_000_000,
        Accounts = [.. senders.Select(k => KeyValuePair.Create(k.PublicKey, 1_000_000_000_000UL)),
            .. Enumerable.Range(0, extraAccounts).Select(i => KeyValuePair.Create(new Ed25519PublicKey(Blake3.Hash(BitConverter.GetBytes(i)).AsSpan()), 1UL))],
        Validators = [new Validator(senders[0].PublicKey, 1)],
        Parameters = new ChainParameters(senders[0].PublicKey, 1, 50),
    };

    public static Transaction[] Transfers(Ed25519PrivateKey[] senders, ChainState state, int count)
    {
        var txs = new Transaction[count];
        var nonces = senders.Select(s => state.Accounts.Get(s.PublicKey).Nonce).ToArray();
        for (int i = 0; i < count; i++)
        {
            int s = i % senders.Length;
            txs[i] = Transaction.Create(senders[s], ChainId, nonces[s]++, senders[(s + 1) % senders.Length].PublicKey, 1, 1);
        }

        return txs;
    }

    public static Transaction[] Fresh(Transaction[] txs) => txs.Select(t => Transaction.Decode(t.Encoded.Span)).ToArray();
}

/// <summary>Transaction signature verification across cores, block execution, state proofs and RocksDB block commits.</summary>
[MemoryDiagnoser]
public class ChainBenchmarks
{
    private const int BlockSize = 4096;
    private Ed25519PrivateKey[] _senders = null!;
    private ChainState _state = null!;
    private Transaction[] _signed = null!;
    private Transaction[] _fresh = null!;
    private Block _block = null!;
    private IReadOnlyList<Receipt> _receipts = null!;
    private StateTree _bigTree = null!;
    private StateProof _proof = null!;
    private Ed25519PublicKey _present;

    [GlobalSetup]
    public void Setup()
    {
        _senders = Enumerable.Range(0, 1024).Select(ChainFixture.Key).ToArray();
        _state = ChainFixture.Genesis(_senders, 10_000).CreateState();
        _signed = ChainFixture.Transfers(_senders, _state, BlockSize);
        (_block, var executed) = BlockExecutor.Propose(_state, _signed, [], null, _senders[0].PublicKey, 1_800_000_001_000);
        _receipts = executed.Receipts;
        _bigTree = StateTree.Empty.With(Enumerable.Range(0, 100_000).Select(i => KeyValuePair.Create(new Ed25519PublicKey(Blake3.Hash(BitConverter.GetBytes(i)).AsSpan()), new Account((ulong)i, 0))));
        _present = new Ed25519PublicKey(Blake3.Hash(BitConverter.GetBytes(4242)).AsSpan());
        _proof = _bigTree.Prove(_present);
    }

    private byte[][] _messages = null!;
    private Ed25519Signature[] _signatures = null!;
    private Ed25519PublicKey[] _keys = null!;

    [GlobalSetup(Target = nameof(Ed25519_verify_parallel_baseline))]
    public void SetupBaseline()
    {
        Setup();
        _messages = new byte[BlockSize][];
        _signatures = new Ed25519Signature[BlockSize];
        _keys = new Ed25519PublicKey[BlockSize];
        for (int i = 0; i < BlockSize; i++)
        {
            _messages[i] = _signed[i].Encoded.ToArray();
            _keys[i] = _senders[i % _senders.Length].PublicKey;
            _signatures[i] = _senders[i % _senders.Length].Sign(_messages[i]);
        }
    }

    /// <summary>
    /// The machine's limit under the same load: bare libsodium Ed25519 verification of 4,096
    /// transaction-sized messages over all cores, no decoding or caching (per signature).
    /// </summary>
    [Benchmark(OperationsPerInvoke = BlockSize)]
    public int Ed25519_verify_parallel_baseline()
    {
        int ok = 0;
        Parallel.For(0, BlockSize / 256, chunk =>
        {
            int local = 0;
            for (int i = chunk * 256; i < (chunk + 1) * 256; i++)
            {
                if (_keys[i].Verify(_messages[i], _signatures[i])) local++;
            }

            Interlocked.Add(ref ok, local);
        });
        return ok;
    }

    /// <summary>Decoding 4,096 transactions from canonical bytes (direct canonical framing walk, BLAKE3 id; per transaction).</summary>
    [Benchmark(OperationsPerInvoke = BlockSize)]
    public int Transaction_decode() => ChainFixture.Fresh(_signed).Length;

    /// <summary>The same decodes through the Google.Protobuf reference path (strict parse, canonical re-encoding check; per transaction).</summary>
    [Benchmark(OperationsPerInvoke = BlockSize)]
    public int Transaction_decode_protobuf_reference()
    {
        int decoded = 0;
        foreach (var tx in _signed)
        {
            decoded += Transaction.TryDecodeReference(tx.Encoded.Span, out _, out _) ? 1 : 0;
        }

        return decoded;
    }

    /// <summary>The canonical receipt list and receipts root of a 4,096-transfer block (per receipt).</summary>
    [Benchmark(OperationsPerInvoke = BlockSize)]
    public int Receipts_encode_with_root() => Receipt.EncodeList(_receipts, out _).Length;

    [IterationSetup(Targets = [nameof(Transaction_verify_parallel), nameof(Block_execute_with_signature_checks)])]
    public void FreshTransactions()
    {
        _fresh = ChainFixture.Fresh(_signed);
        _block = new Block(_block.Header, _fresh, _block.Evidence, _block.LastCommit);
    }

    /// <summary>Ed25519 verification of 4,096 transactions spread over all cores (per transaction).</summary>
    [Benchmark(OperationsPerInvoke = BlockSize)]
    public int Transaction_verify_parallel() => BlockExecutor.VerifySignatures(_fresh);

    /// <summary>Validating and executing a 4,096-transfer block, signatures included (per transaction).</summary>
    [Benchmark(OperationsPerInvoke = BlockSize)]
    public bool Block_execute_with_signature_checks() => BlockExecutor.Execute(_state, _block).IsValid;

    /// <summary>Executing a 4,096-transfer block whose signatures were already checked (per transaction).</summary>
    [Benchmark(OperationsPerInvoke = BlockSize)]
    public bool Block_execute_verified() => BlockExecutor.Propose(_state, _signed, [], null, _senders[0].PublicKey, 1_800_000_001_000).Result.IsValid;

    /// <summary>Inclusion proof in a 100,000-account tree.</summary>
    [Benchmark]
    public StateProof StateProof_generate() => _bigTree.Prove(_present);

    /// <summary>Verifying that proof against the root.</summary>
    [Benchmark]
    public bool StateProof_verify() => _proof.Verify(_bigTree.Root);
}

/// <summary>
/// The single-node pipeline: signed transfers decoded from bytes, admitted to the mempool (parallel
/// signature checks), selected, executed into a block and committed to RocksDB with a synced WAL (per
/// transaction). <see cref="Admit_execute_commit"/> runs the stages one after another for one
/// 8,192-transfer block; <see cref="Admit_execute_commit_pipelined"/> runs them as a node does, admission
/// of the next batch (network threads) overlapping execution and commit of the current block (consensus
/// thread), over four blocks.
/// </summary>
public class ChainPipelineBenchmarks
{
    private const int Count = 8192;
    private const int Blocks = 4;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nexus-bench-" + Guid.NewGuid().ToString("N"));
    private Ed25519PrivateKey[] _senders = null!;
    private BlockStore _store = null!;
    private ChainApplication _app = null!;
    private byte[][] _wire = null!;

    [GlobalSetup]
    public void Setup()
    {
        _senders = Enumerable.Range(0, 2048).Select(ChainFixture.Key).ToArray();
        var genesis = ChainFixture.Genesis(_senders, 10_000);
        _store = BlockStore.Open(_dir, genesis, syncWrites: true);
        _app = new ChainApplication(genesis, _store, new MempoolOptions { MaxPerSender = 64 }, Count);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, true);
    }

    [IterationSetup(Target = nameof(Admit_execute_commit))]
    public void Sign() => _wire = ChainFixture.Transfers(_senders, _store.State, Count).Select(t => t.Encoded.ToArray()).ToArray();

    [IterationSetup(Target = nameof(Admit_execute_commit_pipelined))]
    public void SignBlocks() => _wire = ChainFixture.Transfers(_senders, _store.State, Blocks * Count).Select(t => t.Encoded.ToArray()).ToArray();

    [Benchmark(OperationsPerInvoke = Count)]
    public int Admit_execute_commit()
    {
        Admit(0, Count);
        int included = CommitNextBlock();
        return included == Count ? Count : throw new InvalidOperationException($"only {included} included");
    }

    [Benchmark(OperationsPerInvoke = Blocks * Count)]
    public int Admit_execute_commit_pipelined()
    {
        using var admitted = new SemaphoreSlim(0);
        var producer = Task.Run(() =>
        {
            for (int b = 0; b < Blocks; b++)
            {
                Admit(b * Count, Count);
                admitted.Release();
            }
        });
        int committed = 0;
        for (int b = 0; b < Blocks; b++)
        {
            admitted.Wait();
            committed += CommitNextBlock();
        }

        producer.Wait();
        while (committed < Blocks * Count)
        {
            int included = CommitNextBlock();
            committed += included > 0 ? included : throw new InvalidOperationException($"only {committed} committed");
        }

        return committed;
    }

    private void Admit(int offset, int count)
    {
        var txs = new Transaction[count];
        for (int i = 0; i < count; i++) txs[i] = Transaction.Decode(_wire[offset + i]);
        _app.Mempool.AddRange(txs);
    }

    private int CommitNextBlock()
    {
        var (block, result) = _app.CreateBlock(_senders[0].PublicKey, _store.State.LastBlockTimeUnixMs + 1);
        var vote = Vote.Create(_senders[0], ChainFixture.ChainId, VoteType.Precommit, block.Height, 0, block.Hash);
        var commit = new Commit(block.Height, 0, block.Hash, [new CommitSignature(vote.Validator, vote.Signature)]);
        _app.Commit(block, commit, result);
        return block.Transactions.Count;
    }
}
