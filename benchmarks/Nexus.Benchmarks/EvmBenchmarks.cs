using System.Numerics;
using BenchmarkDotNet.Attributes;
using Nexus.Bridges.Evm;

namespace Nexus.Benchmarks;

/// <summary>Nexus.Bridges EVM codecs: RLP decode throughput, Keccak-256, MPT account proofs at mainnet depth, secp256k1 recovery.</summary>
[MemoryDiagnoser]
public class EvmBenchmarks
{
    private byte[] _block = [];
    private byte[] _legacyBlock = [];
    private byte[] _keccakInput = [];
    private AccountProof _accountProof = null!;
    private Hash32 _stateRoot;
    private byte[] _messageHash = [];
    private EcdsaSignature _signature;
    private byte[] _rawTransaction = [];


    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);

        // A block body-like payload: a list of 400 signed EIP-1559 transactions with 68-byte call data (~62 KB).
        using var key = Secp256k1PrivateKey.Import(Enumerable.Repeat((byte)0x46, 32).ToArray());
        var writer = new RlpWriter();
        writer.StartList();
        for (int i = 0; i < 400; i++)
        {
            byte[] data = new byte[68];
            rng.NextBytes(data);
            var tx = new Eip1559Transaction
            {
                ChainId = 1, Nonce = (ulong)i, MaxPriorityFeePerGas = 1_000_000_000, MaxFeePerGas = 40_000_000_000,
                GasLimit = 60_000, To = new Address(data.AsSpan(0, 20)), Value = new BigInteger(i) * 1_000_000_000_000, Data = data,
            }.Sign(key);
            byte[] raw = tx.Encode();
            writer.WriteBytes(raw);   // typed transactions are byte strings inside the block body list
            if (i == 0)
            {
                _rawTransaction = raw;
            }
        }

        writer.EndList();
        _block = writer.ToArray();

        // The same count of legacy transactions, which are nested RLP lists (9 fields each): a tree of ~4,000 items (~60 KB).
        var legacy = new RlpWriter();
        legacy.StartList();
        for (int i = 0; i < 400; i++)
        {
            byte[] data = new byte[68];
            rng.NextBytes(data);
            legacy.WriteEncoded(new LegacyTransaction
            {
                ChainId = 1, Nonce = (ulong)i, GasPrice = 40_000_000_000, GasLimit = 60_000,
                To = new Address(data.AsSpan(0, 20)), Value = new BigInteger(i) * 1_000_000_000_000, Data = data,
            }.Sign(key).Encode());
        }

        legacy.EndList();
        _legacyBlock = legacy.ToArray();

        _keccakInput = new byte[532];
        rng.NextBytes(_keccakInput);

        // Mainnet-depth account proof: 100k random accounts, plus 15 siblings at each of the first 8 nibbles of the
        // target's path so the path crosses 8 full (16-child, ~532-byte) branch nodes before its leaf.
        var target = new Address(Enumerable.Range(1, 20).Select(b => (byte)b).ToArray());
        byte[] targetPath = Keccak256.Hash(target.Bytes).ToArray();
        var trie = new MerklePatriciaTrie();
        byte[] Account(ulong nonce, BigInteger balance)
        {
            var w = new RlpWriter();
            w.StartList();
            w.WriteUInt64(nonce);
            w.WriteBigInteger(balance);
            w.WriteHash32(Hash32.EmptyTrieRoot);
            w.WriteHash32(Hash32.EmptyKeccak);
            w.EndList();
            return w.ToArray();
        }

        for (int i = 0; i < 100_000; i++)
        {
            byte[] path = new byte[32];
            rng.NextBytes(path);
            trie.Put(path, Account((ulong)rng.Next(1000), new BigInteger(rng.NextInt64())));
        }

        for (int depth = 0; depth < 8; depth++)
        {
            int targetNibble = (depth & 1) == 0 ? targetPath[depth / 2] >> 4 : targetPath[depth / 2] & 0xf;
            for (int nibble = 0; nibble < 16; nibble++)
            {
                if (nibble == targetNibble)
                {
                    continue;
                }

                byte[] path = new byte[32];
                rng.NextBytes(path);
                targetPath.AsSpan(0, depth / 2 + 1).CopyTo(path);
                if ((depth & 1) == 0)
                {
                    path[depth / 2] = (byte)(nibble << 4 | (path[depth / 2] & 0xf));
                }
                else
                {
                    path[depth / 2] = (byte)((path[depth / 2] & 0xf0) | nibble);
                }

                trie.Put(path, Account(1, 1));
            }
        }

        BigInteger balance = BigInteger.Parse("123456789000000000000", System.Globalization.CultureInfo.InvariantCulture);
        trie.Put(targetPath, Account(42, balance));
        _stateRoot = trie.RootHash;
        IReadOnlyList<byte[]> proof = trie.GetProof(targetPath);
        _accountProof = new AccountProof(target, 42, balance, Hash32.EmptyTrieRoot, Hash32.EmptyKeccak, proof, []);
        if (!_accountProof.VerifyAccount(_stateRoot) || proof.Count != 9)
        {
            throw new InvalidOperationException($"benchmark proof is wrong ({proof.Count} nodes)");
        }

        Console.WriteLine($"// payloads: typed-tx block {_block.Length} B, legacy-tx block {_legacyBlock.Length} B; proof nodes: {string.Join(", ", proof.Select(p => p.Length))} B");

        _messageHash = Keccak256.Hash("benchmark"u8).ToArray();
        _signature = key.Sign(_messageHash);
    }

    [Benchmark]
    public RlpItem Rlp_decode_tree() => Rlp.Decode(_block);

    [Benchmark]
    public RlpItem Rlp_decode_tree_legacy_transactions() => Rlp.Decode(_legacyBlock);

    [Benchmark]
    public int Rlp_decode_span_reader_legacy_transactions()
    {
        var outer = new RlpReader(_legacyBlock);
        RlpReader list = outer.ReadList();
        int total = 0;
        while (list.HasMore)
        {
            RlpReader tx = list.ReadList();
            while (tx.HasMore)
            {
                total += tx.ReadBytes().Length;
            }
        }

        return total;
    }

    [Benchmark]
    public int Rlp_decode_span_reader()
    {
        var outer = new RlpReader(_block);
        RlpReader list = outer.ReadList();
        int total = 0;
        while (list.HasMore)
        {
            total += list.ReadBytes().Length;
        }

        return total;
    }

    [Benchmark]
    public bool Rlp_validate() => Rlp.IsValid(_block);

    [Benchmark]
    public Transaction Transaction_decode() => Transaction.Decode(_rawTransaction);

    [Benchmark]
    public Hash32 Keccak256_532_bytes() => Keccak256.Hash(_keccakInput);

    [Benchmark]
    public bool Mpt_account_proof_verify_mainnet_depth() => _accountProof.VerifyAccount(_stateRoot);

    [Benchmark]
    public Address? Secp256k1_ecrecover() => Secp256k1.Ecrecover(_messageHash, _signature);
}
