using System.Globalization;
using Nexus.Chain;
using Nexus.Crypto;

// Usage:
//   write <dataDir> <genesis.json> <validatorSeedHex>   append blocks forever, printing each committed height
//   node <dataDir> <genesis.json> <identityFile> <listenPort> <rpcPort> [peer host:port ...]   run a ChainNode
//   devnet-bench [rate tx/s] [seconds] [max block transactions] [warm-up seconds, at half the rate]   4 validators on loopback in this process: committed TPS, finality p50/p99
//   pipeline-bench [blocks] [block transactions] [rounds]   single node admit → execute → RocksDB commit: wall and CPU µs per transaction
switch (args[0])
{
    case "pipeline-bench":
        PipelineBench.Run(
            args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4,
            args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8192,
            args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3);
        break;
    case "devnet-bench":
        await DevnetBench.RunAsync(
            args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 6000,
            args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20,
            args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2000,
            args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 4);
        break;
    case "write":
        Write(args[1], Genesis.FromJson(File.ReadAllText(args[2])), Convert.FromHexString(args[3]));
        break;
    case "node":
        await RunNode(args);
        break;
}

static void Write(string dataDir, Genesis genesis, byte[] seed)
{
    using var key = Ed25519PrivateKey.Import(seed);
    using var store = BlockStore.Open(dataDir, genesis);
    Commit? last = store.Height == 0 ? null : store.GetCommit(store.Height);
    var recipients = Enumerable.Range(0, 64).Select(i => new Ed25519PublicKey(Blake3.Hash([(byte)i]).AsSpan())).ToArray();
    Console.WriteLine($"start {store.Height}");
    while (true)
    {
        var state = store.State;
        var nonce = state.Accounts.Get(key.PublicKey).Nonce;
        var txs = Enumerable.Range(0, 50).Select(i => Transaction.Create(key, genesis.ChainId, nonce + (ulong)i, recipients[(int)((state.Height + (ulong)i) % 64)], 1, 1)).ToArray();
        var (block, result) = BlockExecutor.Propose(state, txs, [], last, key.PublicKey, state.LastBlockTimeUnixMs + 1);
        var vote = Vote.Create(key, genesis.ChainId, VoteType.Precommit, block.Height, 0, block.Hash);
        var commit = new Commit(block.Height, 0, block.Hash, [new CommitSignature(key.PublicKey, vote.Signature)]);
        store.Append(block, commit, result);
        last = commit;
        Console.WriteLine(block.Height.ToString(CultureInfo.InvariantCulture));
    }
}

static async Task RunNode(string[] args)
{
    using var identity = IdentityFile.Load(args[3]);
    await using var node = new ChainNode(new ChainNodeOptions
    {
        DataDirectory = args[1],
        Genesis = Genesis.FromJson(File.ReadAllText(args[2])),
        Identity = identity,
        ListenEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, int.Parse(args[4], CultureInfo.InvariantCulture)),
        RpcPort = int.Parse(args[5], CultureInfo.InvariantCulture),
        Peers = args[6..],
        Consensus = new TendermintOptions { CommitTimeout = TimeSpan.FromMilliseconds(50) },
    });
    // Each committed height on stdout: the process tests await these lines instead of polling JSON-RPC.
    node.BlockCommitted += committed => Console.WriteLine("height " + committed.Block.Height.ToString(CultureInfo.InvariantCulture));
    node.Start();
    Console.WriteLine("started " + node.Store.Height.ToString(CultureInfo.InvariantCulture));
    // Runs until killed; stdin closing also stops it.
    await Console.In.ReadToEndAsync();
}
