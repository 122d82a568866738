using System.Diagnostics;
using System.Globalization;
using System.Net;
using Nexus.Chain;
using Nexus.Crypto;

/// <summary>
/// The 4-validator loopback devnet measurement (issue 7 acceptance): four ChainNodes in this process,
/// real TCP with the D3 handshake between them, RocksDB stores with synced writes, signed transfers
/// submitted open-loop at a fixed rate round-robin to the four mempools (gossip spreads them), and
/// finality measured on validator 0 as the time from submission to the commit of the block that
/// contains the transaction. Prints a markdown table; asserts nothing.
/// </summary>
internal static class DevnetBench
{
    private const string ChainId = "nexus-devnet-bench";

    public static async Task RunAsync(int rate, int seconds, int maxBlockTransactions, int warmupSeconds)
    {
        // Warm-up: transfers at half the rate, all committed before the measured window opens, so the
        // window sees steady-state code (tiered JIT has recompiled the hot paths) rather than start-up.
        int warm = rate / 2 * warmupSeconds;
        int total = rate * seconds;
        int senderCount = Math.Max(64, (warm + total + 199) / 200);
        string root = Path.Combine(Path.GetTempPath(), "nexus-devnet-bench-" + Guid.NewGuid().ToString("N"));
        var identities = Enumerable.Range(0, 4).Select(_ => NodeIdentity.Generate()).ToArray();
        var senders = new Ed25519PrivateKey[senderCount];
        for (int i = 0; i < senderCount; i++)
        {
            var seed = new byte[32];
            BitConverter.TryWriteBytes(seed, i);
            seed[31] = 0x77;
            senders[i] = Ed25519PrivateKey.Import(seed);
        }

        var genesis = new Genesis
        {
            ChainId = ChainId,
            TimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000,
            Accounts = [.. senders.Select(k => KeyValuePair.Create(k.PublicKey, 1_000_000_000UL))],
            Validators = [.. identities.Select(i => new Validator(i.SigningKey.PublicKey, 10))],
            Parameters = new ChainParameters(identities[0].SigningKey.PublicKey, 1, 50),
        };

        Console.Error.WriteLine($"signing {warm} + {total} transfers from {senderCount} senders");
        var txs = new Transaction[warm + total];
        var nonces = new ulong[senderCount];
        for (int i = 0; i < txs.Length; i++)
        {
            int s = i % senderCount;
            txs[i] = Transaction.Create(senders[s], ChainId, nonces[s]++, senders[(s + 1) % senderCount].PublicKey, 1, 1);
        }

        // Submit fresh decodes, as a node receiving them from clients would: signatures unchecked.
        var wire = txs.Select(t => Transaction.Decode(t.Encoded.Span)).ToArray();
        var index = new Dictionary<Hash256, int>(txs.Length);
        for (int i = 0; i < txs.Length; i++) index[wire[i].Hash] = i - warm; // warm-up transfers get negative indexes
        int warmCommitted = 0;
        var warmDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (warm == 0) warmDone.SetResult();
        var submitted = new long[total];
        var finality = new double[total];
        int committed = 0;
        int laterRounds = 0;
        long lastCommit = 0;
        var allCommitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var nodes = new ChainNode[4];
        var addresses = new List<string>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                nodes[i] = new ChainNode(new ChainNodeOptions
                {
                    DataDirectory = Path.Combine(root, "v" + i.ToString(CultureInfo.InvariantCulture)),
                    Genesis = genesis,
                    Identity = identities[i],
                    ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
                    Peers = addresses.ToArray(),
                    Consensus = new TendermintOptions { CommitTimeout = TimeSpan.FromMilliseconds(50) },
                    Mempool = new MempoolOptions { MaxPerSender = 256 },
                    MaxBlockTransactions = maxBlockTransactions,
                    SyncWrites = true,
                });
                nodes[i].Start();
                addresses.Add("127.0.0.1:" + nodes[i].Network.LocalEndPoint!.Port.ToString(CultureInfo.InvariantCulture));
            }

            nodes[0].BlockCommitted += committedBlock =>
            {
                long now = Stopwatch.GetTimestamp();
                if (committedBlock.Commit.Round > 0 && warmDone.Task.IsCompleted) Interlocked.Increment(ref laterRounds);
                foreach (var tx in committedBlock.Block.Transactions)
                {
                    if (!index.TryGetValue(tx.Hash, out int i))
                    {
                        continue;
                    }

                    if (i < 0)
                    {
                        if (Interlocked.Increment(ref warmCommitted) == warm) warmDone.TrySetResult();
                    }
                    else
                    {
                        finality[i] = Stopwatch.GetElapsedTime(Volatile.Read(ref submitted[i]), now).TotalMilliseconds;
                        if (Interlocked.Increment(ref committed) == total) allCommitted.TrySetResult();
                    }
                }

                Volatile.Write(ref lastCommit, now);
            };

            // Every validator connected to the three others (awaited on PeersChanged), then the first commits.
            var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnPeersChanged()
            {
                if (nodes.All(n => n.Network.Peers.Count >= 3))
                {
                    connected.TrySetResult();
                }
            }

            foreach (var node in nodes)
            {
                node.Network.PeersChanged += OnPeersChanged;
            }

            OnPeersChanged();
            await connected.Task.WaitAsync(TimeSpan.FromSeconds(60));
            foreach (var node in nodes)
            {
                node.Network.PeersChanged -= OnPeersChanged;
            }

            await nodes[0].WaitForHeightAsync(2);

            int round = 0;
            async Task<long> Submit(int first, int count, int perSecond, long[]? stamps)
            {
                // Open loop: everything due by now goes out on each 10 ms tick of the load generator's clock,
                // round-robin over the validators (the tick sets the offered rate; it waits for nothing).
                using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
                long begin = Stopwatch.GetTimestamp();
                int sent = 0;
                while (sent < count)
                {
                    int due = Math.Min(count, (int)(Stopwatch.GetElapsedTime(begin).TotalSeconds * perSecond));
                    if (due > sent)
                    {
                        long now = Stopwatch.GetTimestamp();
                        if (stamps is not null)
                        {
                            for (int i = sent; i < due; i++) stamps[i] = now;
                        }

                        nodes[round++ % 4].Application.Mempool.AddRange(new ArraySegment<Transaction>(wire, first + sent, due - sent));
                        sent = due;
                    }

                    await tick.WaitForNextTickAsync();
                }

                return begin;
            }

            if (warm > 0)
            {
                Console.Error.WriteLine($"warming up: {rate / 2} tx/s for {warmupSeconds} s");
                await Submit(0, warm, rate / 2, null);
                try
                {
                    await warmDone.Task.WaitAsync(TimeSpan.FromSeconds(120));
                }
                catch (TimeoutException)
                {
                    Console.Error.WriteLine($"warm-up: only {Volatile.Read(ref warmCommitted)} of {warm} committed within 120 s (height {nodes[0].Store.Height}); measuring anyway");
                }
            }

            Console.Error.WriteLine($"devnet at height {nodes[0].Store.Height}; submitting {rate} tx/s for {seconds} s");
            long droppedBatches = 0;
            using var meters = new System.Diagnostics.Metrics.MeterListener();
            meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "nexus.chain.p2p.gossip_batches_dropped") listener.EnableMeasurementEvents(instrument);
            };
            meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref droppedBatches, value));
            meters.Start();
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            var pauseStart = GC.GetTotalPauseDuration();
            long allocatedStart = GC.GetTotalAllocatedBytes();
            int[] gcStart = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
            ulong startHeight = nodes[0].Store.Height;
            long start = await Submit(warm, total, rate, submitted);
            long submitEnd = Stopwatch.GetTimestamp();
            try
            {
                await allCommitted.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                Console.Error.WriteLine("not every transaction committed within 60 s of the last submission");
            }

            int done = Volatile.Read(ref committed);
            process.Refresh();
            double cpuPerTx = (process.TotalProcessorTime - cpuStart).TotalMicroseconds / Math.Max(1, done);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"process CPU {cpuPerTx:F0} µs/tx (4 nodes); allocated {(GC.GetTotalAllocatedBytes() - allocatedStart) / Math.Max(1, done):N0} B/tx; GC {GC.CollectionCount(0) - gcStart[0]}/{GC.CollectionCount(1) - gcStart[1]}/{GC.CollectionCount(2) - gcStart[2]} (gen0/1/2) pausing {(GC.GetTotalPauseDuration() - pauseStart).TotalMilliseconds:F0} ms; gossip batches dropped {Interlocked.Read(ref droppedBatches)}"));
            double window = Stopwatch.GetElapsedTime(start, Volatile.Read(ref lastCommit)).TotalSeconds;
            var latencies = finality.Where(f => f > 0).Order().ToArray();
            double P(double q) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))];
            ulong blocks = nodes[0].Store.Height - startHeight;
            Console.WriteLine($"max {maxBlockTransactions} transactions per block; {Volatile.Read(ref laterRounds)} blocks decided after round 0; load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a")}");
            Console.WriteLine("| offered rate | submitted | committed | blocks | committed TPS | finality p50 | finality p99 | max |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {rate:N0} tx/s for {seconds} s | {total:N0} in {Stopwatch.GetElapsedTime(start, submitEnd).TotalSeconds:F1} s | {done:N0} | {blocks} | {done / window:N0} | {P(0.50):N0} ms | {P(0.99):N0} ms | {(latencies.Length == 0 ? 0 : latencies[^1]):N0} ms |"));
        }
        finally
        {
            foreach (var n in nodes)
            {
                if (n is not null) await n.DisposeAsync();
            }

            foreach (var i in identities) i.Dispose();
            foreach (var k in senders) k.Dispose();
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }
}
