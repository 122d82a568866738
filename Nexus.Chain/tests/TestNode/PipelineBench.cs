using System.Diagnostics;
using System.Globalization;
using Nexus.Chain;
using Nexus.Crypto;

/// <summary>
/// The single-node pipeline measured in process CPU time per transaction (the shared machine's wall-clock
/// speed swings 2×, its CPU cost per transaction much less): signed transfers decoded, admitted to the
/// mempool (parallel signature checks), selected, executed and committed to RocksDB with a synced WAL.
/// "sequential" admits a block's worth and then executes and commits it; "pipelined" admits the next
/// batch on another thread while the current block executes and commits, as a node does. Prints one
/// line per round; asserts nothing. Same fixture as benchmarks/Nexus.Benchmarks ChainPipelineBenchmarks.
/// </summary>
internal static class PipelineBench
{
    private const string ChainId = "nexus-bench";

    public static void Run(int blocks, int blockTransactions, int rounds)
    {
        var senders = Enumerable.Range(0, 2048).Select(i =>
        {
            var seed = new byte[32];
            BitConverter.TryWriteBytes(seed, i);
            seed[31] = 0x42;
            return Ed25519PrivateKey.Import(seed);
        }).ToArray();
        var genesis = new Genesis
        {
            ChainId = ChainId,
            TimeUnixMs = 1_800_000_000_000,
            Accounts = [.. senders.Select(k => KeyValuePair.Create(k.PublicKey, 1_000_000_000_000UL)),
                .. Enumerable.Range(0, 10_000).Select(i => KeyValuePair.Create(new Ed25519PublicKey(Blake3.Hash(BitConverter.GetBytes(i)).AsSpan()), 1UL))],
            Validators = [new Validator(senders[0].PublicKey, 1)],
            Parameters = new ChainParameters(senders[0].PublicKey, 1, 50),
        };
        string dir = Path.Combine(Path.GetTempPath(), "nexus-pipeline-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var store = BlockStore.Open(dir, genesis, syncWrites: true);
            var app = new ChainApplication(genesis, store, new MempoolOptions { MaxPerSender = 64 }, blockTransactions);
            var process = Process.GetCurrentProcess();
            for (int round = 0; round < rounds; round++)
            {
                foreach (bool pipelined in new[] { false, true })
                {
                    int total = blocks * blockTransactions;
                    var nonces = senders.Select(s => store.State.Accounts.Get(s.PublicKey).Nonce).ToArray();
                    var wire = new byte[total][];
                    for (int i = 0; i < total; i++)
                    {
                        int s = i % senders.Length;
                        wire[i] = Transaction.Create(senders[s], ChainId, nonces[s]++, senders[(s + 1) % senders.Length].PublicKey, 1, 1).Encoded.ToArray();
                    }

                    GC.Collect();
                    process.Refresh();
                    var cpu = process.TotalProcessorTime;
                    var pause = GC.GetTotalPauseDuration();
                    int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
                    long allocated = GC.GetTotalAllocatedBytes();
                    long start = Stopwatch.GetTimestamp();
                    int committed = pipelined ? Pipelined(app, store, senders[0], wire, blocks, blockTransactions) : Sequential(app, store, senders[0], wire, blocks, blockTransactions);
                    double wall = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                    process.Refresh();
                    double cpuPerTx = (process.TotalProcessorTime - cpu).TotalMicroseconds / committed;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{(pipelined ? "pipelined " : "sequential")} round {round}: {committed} transfers in {blocks} blocks, wall {wall / committed:F1} µs/tx ({committed / (wall / 1e6):N0} TPS), CPU {cpuPerTx:F1} µs/tx, allocated {(GC.GetTotalAllocatedBytes() - allocated) / committed:N0} B/tx, GC {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} (gen0/1/2) pausing {(GC.GetTotalPauseDuration() - pause).TotalMicroseconds / committed:F1} µs/tx; load average {File.ReadAllText("/proc/loadavg").Trim()}"));
                }
            }
        }
        finally
        {
            foreach (var k in senders) k.Dispose();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static int Sequential(ChainApplication app, BlockStore store, Ed25519PrivateKey proposer, byte[][] wire, int blocks, int count)
    {
        int committed = 0;
        for (int b = 0; b < blocks; b++)
        {
            Admit(app, wire, b * count, count);
            committed += CommitNext(app, store, proposer);
        }

        return committed;
    }

    private static int Pipelined(ChainApplication app, BlockStore store, Ed25519PrivateKey proposer, byte[][] wire, int blocks, int count)
    {
        using var admitted = new SemaphoreSlim(0);
        var producer = Task.Run(() =>
        {
            for (int b = 0; b < blocks; b++)
            {
                Admit(app, wire, b * count, count);
                admitted.Release();
            }
        });
        int committed = 0;
        for (int b = 0; b < blocks; b++)
        {
            admitted.Wait();
            committed += CommitNext(app, store, proposer);
        }

        producer.Wait();
        while (committed < wire.Length)
        {
            int included = CommitNext(app, store, proposer);
            committed += included > 0 ? included : throw new InvalidOperationException($"only {committed} committed");
        }

        return committed;
    }

    private static void Admit(ChainApplication app, byte[][] wire, int offset, int count)
    {
        var txs = new Transaction[count];
        for (int i = 0; i < count; i++) txs[i] = Transaction.Decode(wire[offset + i]);
        app.Mempool.AddRange(txs);
    }

    private static int CommitNext(ChainApplication app, BlockStore store, Ed25519PrivateKey proposer)
    {
        var (block, result) = app.CreateBlock(proposer.PublicKey, store.State.LastBlockTimeUnixMs + 1);
        var vote = Vote.Create(proposer, ChainId, VoteType.Precommit, block.Height, 0, block.Hash);
        app.Commit(block, new Commit(block.Height, 0, block.Hash, [new CommitSignature(vote.Validator, vote.Signature)]), result);
        return block.Transactions.Count;
    }
}
