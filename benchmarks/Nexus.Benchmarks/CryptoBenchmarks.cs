using BenchmarkDotNet.Attributes;
using Nexus.Crypto;

namespace Nexus.Benchmarks;

/// <summary>Ed25519 and ECVRF through the public API.</summary>
[MemoryDiagnoser]
public class SignatureBenchmarks
{
    private readonly byte[] _message = new byte[64];
    private Ed25519PrivateKey _key = null!;
    private Ed25519Signature _signature;
    private VrfProof _proof;

    [GlobalSetup]
    public void Setup()
    {
        _key = Ed25519PrivateKey.Import(new byte[32]);
        _signature = _key.Sign(_message);
        _proof = Ecvrf.Prove(_key, _message);
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark]
    public Ed25519Signature Ed25519_sign() => _key.Sign(_message);

    [Benchmark]
    public bool Ed25519_verify() => _key.PublicKey.Verify(_message, _signature);

    [Benchmark]
    public VrfProof Ecvrf_prove() => Ecvrf.Prove(_key, _message);

    [Benchmark]
    public bool Ecvrf_verify() => Ecvrf.Verify(_key.PublicKey, _message, _proof, out _);
}

/// <summary>Merkle roots and proofs over BLAKE3.</summary>
[MemoryDiagnoser]
public class MerkleBenchmarks
{
    private Hash256[] _leaves = [];
    private MerkleTree _tree = null!;
    private MerkleProof _proof = null!;

    [GlobalSetup]
    public void Setup()
    {
        _leaves = Enumerable.Range(0, 10_000).Select(i => MerkleTree.HashLeaf(BitConverter.GetBytes(i))).ToArray();
        _tree = MerkleTree.FromLeafHashes(_leaves);
        _proof = _tree.GetProof(4_321);
    }

    [Benchmark]
    public Hash256 Root_of_10k_leaves() => MerkleTree.ComputeRoot(_leaves);

    [Benchmark]
    public bool Verify_proof_in_10k_tree() => _proof.VerifyLeafHash(_tree.Root, _leaves[4_321]);
}

/// <summary>Bloom filter insert and query (10,000 items at 1 %).</summary>
public class BloomBenchmarks
{
    private readonly byte[][] _items = Enumerable.Range(0, 1024).Select(i => BitConverter.GetBytes((long)i * 31)).ToArray();
    private BloomFilter _filter = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _filter = BloomFilter.ForCapacity(10_000, 0.01, "round"u8);
        foreach (var item in _items)
        {
            _filter.Add(item);
        }
    }

    [Benchmark]
    public void Insert() => _filter.Add(_items[_next++ & 1023]);

    [Benchmark]
    public bool Query() => _filter.MayContain(_items[_next++ & 1023]);
}
