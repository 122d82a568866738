using System.Diagnostics;
using System.Globalization;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

public sealed class StorageTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nexus-chain-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static (Block, Commit, ExecutionResult) Next(ChainState state, Commit? last, params Transaction[] txs)
    {
        var (block, result) = BlockExecutor.Propose(state, txs, [], last, TestChain.Key(0).PublicKey, state.LastBlockTimeUnixMs + 1000);
        return (block, TestChain.CommitFor(block, 0, 1, 2), result);
    }

    [Fact]
    public void Blocks_receipts_indexes_and_state_survive_reopen()
    {
        var genesis = TestChain.Genesis();
        Hash256 txHash;
        Hash256 root;
        using (var store = BlockStore.Open(_dir, genesis))
        {
            Assert.Equal(0UL, store.Height);
            var (b1, c1, r1) = Next(store.State, null, TestChain.Transfer(4, 5, 0, 10));
            store.Append(b1, c1, r1);
            var tx = TestChain.Transfer(4, 6, 1, 20);
            txHash = tx.Hash;
            var (b2, c2, r2) = Next(store.State, c1, tx);
            store.Append(b2, c2, r2);
            Assert.Throws<ArgumentException>(() => store.Append(b2, c2, r2));
            root = store.State.StateRoot;
        }

        using (var store = BlockStore.Open(_dir, genesis))
        {
            Assert.Equal(2UL, store.Height);
            Assert.Equal(root, store.State.StateRoot);
            Assert.Equal(store.GetHeader(2)!.Hash, store.State.LastBlockHash);
            var (tx, receipt, location) = store.GetTransaction(txHash)!.Value;
            Assert.Equal(txHash, tx.Hash);
            Assert.Equal(new TransactionLocation(2, 0), location);
            Assert.Equal(ReceiptStatus.Success, receipt.Status);
            Assert.Equal(2UL, store.GetHeight(store.GetBlock(2)!.Hash));
            Assert.Equal(2, store.GetAccountTransactions(TestChain.Key(4).PublicKey).Count);
            Assert.Equal(txHash, store.GetAccountTransactions(TestChain.Key(4).PublicKey)[0]);
            Assert.Single(store.GetAccountTransactions(TestChain.Key(6).PublicKey));
            Assert.True(store.GetCommit(2)!.Verify(TestChain.ChainId, store.State.LastValidators!, out _));
            Assert.Equal(1_000_000UL - 32, store.State.Accounts.Get(TestChain.Key(4).PublicKey).Balance);
            // Blocks keep chaining after a reopen.
            var (b3, c3, r3) = Next(store.State, store.GetCommit(2), TestChain.Transfer(4, 6, 2, 1));
            store.Append(b3, c3, r3);
        }

        Assert.Throws<InvalidDataException>(() => BlockStore.Open(_dir, TestChain.Genesis(accounts: 9)).Dispose());
    }

    [Fact]
    public void A_writer_killed_with_SIGKILL_leaves_a_consistent_store()
    {
        using var key = TestChain.Key(77);
        var genesis = new Genesis
        {
            ChainId = TestChain.ChainId,
            TimeUnixMs = 1_800_000_000_000,
            Accounts = [KeyValuePair.Create(key.PublicKey, 1_000_000_000UL)],
            Validators = [new Validator(key.PublicKey, 1)],
            Parameters = new ChainParameters(key.PublicKey, 1, 50),
        };
        Directory.CreateDirectory(_dir);
        string genesisFile = Path.Combine(_dir, "genesis.json");
        File.WriteAllText(genesisFile, genesis.ToJson());
        Span<byte> seed = stackalloc byte[32];
        key.ExportSeed(seed);
        string seedHex = Convert.ToHexString(seed);
        string db = Path.Combine(_dir, "db");

        ulong lastReported = 0;
        for (int run = 0; run < 3; run++)
        {
            ulong target = lastReported + 20;
            using var child = StartWriter(db, genesisFile, seedHex);
            string? line;
            while ((line = child.StandardOutput.ReadLine()) is not null)
            {
                if (line.StartsWith("start ", StringComparison.Ordinal))
                {
                    // The reopened store starts at or after everything reported as committed.
                    Assert.True(ulong.Parse(line[6..], CultureInfo.InvariantCulture) >= lastReported);
                    continue;
                }

                lastReported = ulong.Parse(line, CultureInfo.InvariantCulture);
                if (lastReported >= target) break;
            }

            child.Kill(); // SIGKILL on Linux
            child.WaitForExit();
            Assert.True(lastReported >= target, "writer stopped early: " + child.StandardError.ReadToEnd());
        }

        using var store = BlockStore.Open(db, genesis);
        Assert.True(store.Height >= lastReported);
        var parent = Hash256.Zero;
        for (ulong h = 1; h <= store.Height; h++)
        {
            var block = store.GetBlock(h)!;
            Assert.Equal(parent, block.Header.ParentHash);
            Assert.Equal(block.Hash, store.GetHeader(h)!.Hash);
            Assert.Equal(block.Transactions.Count, store.GetReceipts(h)!.Count);
            Assert.Equal(new TransactionLocation(h, 0), store.GetLocation(block.Transactions[0].Hash));
            parent = block.Hash;
        }

        // Replaying every stored block from genesis reproduces the stored state exactly.
        var replay = genesis.CreateState();
        for (ulong h = 1; h <= store.Height; h++)
        {
            var result = BlockExecutor.Execute(replay, store.GetBlock(h)!);
            Assert.True(result.IsValid, result.Error);
            replay = result.State!;
        }

        Assert.Equal(store.State.StateRoot, replay.StateRoot);
        Assert.Equal(store.Height * 50, store.State.Accounts.Get(key.PublicKey).Nonce);
    }

    internal static Process StartWriter(string db, string genesisFile, string seedHex)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Nexus.Chain.TestNode.dll"));
        foreach (var a in new[] { "write", db, genesisFile, seedHex }) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }
}
