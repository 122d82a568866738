namespace Nexus.Bridges.Evm;

/// <summary>
/// An in-memory Merkle Patricia Trie (yellow paper, appendix D): computes the root hash of a key/value set and
/// produces inclusion/exclusion proofs in the EIP-1186 shape (the RLP of every node on the key's path that is
/// referenced by hash, root first). Node RLPs shorter than 32 bytes are embedded in their parent, as the
/// yellow paper's c(J, i) requires. In a secure trie (the state and storage tries) every key is replaced by
/// Keccak-256(key) before insertion. Empty values are deletions (a trie never stores an empty value).
/// Not thread-safe.
/// </summary>
public sealed class MerklePatriciaTrie
{
    private readonly SortedDictionary<byte[], byte[]> _entries = new(ByteArrayComparer.Instance);
    private Hash32? _root;

    /// <summary>Creates an empty trie.</summary>
    /// <param name="secure">true to hash every key with Keccak-256 first (the "secure trie" of the state and storage tries).</param>
    public MerklePatriciaTrie(bool secure = false)
    {
        IsSecure = secure;
    }

    /// <summary>Whether keys are hashed with Keccak-256 before insertion.</summary>
    public bool IsSecure { get; }

    /// <summary>The number of keys stored.</summary>
    public int Count => _entries.Count;

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>; an empty value removes the key.</summary>
    /// <param name="key">The key (any length; hashed first in a secure trie).</param>
    /// <param name="value">The value bytes (stored as an RLP byte string in the leaf).</param>
    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        byte[] path = Path(key);
        if (value.IsEmpty)
        {
            _entries.Remove(path);
        }
        else
        {
            _entries[path] = value.ToArray();
        }

        _root = null;
    }

    /// <summary>Removes <paramref name="key"/> if present.</summary>
    /// <param name="key">The key.</param>
    /// <returns>true when the key was present.</returns>
    public bool Remove(ReadOnlySpan<byte> key)
    {
        bool removed = _entries.Remove(Path(key));
        _root = removed ? null : _root;
        return removed;
    }

    /// <summary>Looks a key up.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The value, or null when absent.</returns>
    public byte[]? Get(ReadOnlySpan<byte> key) => _entries.TryGetValue(Path(key), out byte[]? v) ? (byte[])v.Clone() : null;

    /// <summary>The root hash: Keccak-256 of the root node's RLP; <see cref="Hash32.EmptyTrieRoot"/> when empty.</summary>
    public Hash32 RootHash => _root ??= ComputeRoot();

    /// <summary>
    /// Builds the proof for <paramref name="key"/>: the RLP of each hash-referenced node on the key's path, root first
    /// (EIP-1186 "accountProof"/"proof"). It proves the value when the key is present and the absence otherwise;
    /// check it with <see cref="TrieProof.TryVerify"/>.
    /// </summary>
    /// <param name="key">The key (hashed first in a secure trie).</param>
    /// <returns>The proof nodes (empty when the trie is empty).</returns>
    public IReadOnlyList<byte[]> GetProof(ReadOnlySpan<byte> key)
    {
        if (_entries.Count == 0)
        {
            return [];
        }

        byte[] target = Path(key);
        var (keys, values) = Snapshot();
        var proof = new List<byte[]>();
        byte[] root = BuildNode(keys, values, 0, keys.Length, 0, target, proof);
        proof.Add(root);
        proof.Reverse();
        return proof;
    }

    private byte[] Path(ReadOnlySpan<byte> key) => IsSecure ? Keccak256.Hash(key).ToArray() : key.ToArray();

    private (byte[][] Keys, byte[][] Values) Snapshot()
    {
        var keys = new byte[_entries.Count][];
        var values = new byte[_entries.Count][];
        int i = 0;
        foreach (KeyValuePair<byte[], byte[]> e in _entries)
        {
            keys[i] = e.Key;
            values[i++] = e.Value;
        }

        return (keys, values);
    }

    private Hash32 ComputeRoot()
    {
        if (_entries.Count == 0)
        {
            return Hash32.EmptyTrieRoot;
        }

        var (keys, values) = Snapshot();
        return Keccak256.Hash(BuildNode(keys, values, 0, keys.Length, 0, null, null));
    }

    private static int Nibble(byte[] key, int index) => (index & 1) == 0 ? key[index >> 1] >> 4 : key[index >> 1] & 0x0f;

    // Returns the RLP of the node holding keys[lo..hi), all of which share their first `depth` nibbles.
    // When `target` is given, hash-referenced nodes on its path are appended to `proof` deepest first.
    private static byte[] BuildNode(byte[][] keys, byte[][] values, int lo, int hi, int depth, byte[]? target, List<byte[]>? proof)
    {
        bool onPath = target is not null && SharesPrefix(keys[lo], target, depth);
        byte[] node;
        if (hi - lo == 1)
        {
            node = EncodeShortNode(keys[lo], depth, keys[lo].Length * 2, leaf: true, Rlp.EncodeBytes(values[lo]));
        }
        else
        {
            int common = CommonPrefix(keys[lo], keys[hi - 1], depth);
            if (common > 0)
            {
                bool branchOnPath = onPath && SharesPrefix(keys[lo], target!, depth + common);
                byte[] branch = BuildBranch(keys, values, lo, hi, depth + common, branchOnPath ? target : null, proof);
                byte[] reference = Reference(branch, branchOnPath, proof);
                node = EncodeShortNode(keys[lo], depth, depth + common, leaf: false, reference);
            }
            else
            {
                return BuildBranch(keys, values, lo, hi, depth, onPath ? target : null, proof);
            }
        }

        return node;
    }

    private static byte[] BuildBranch(byte[][] keys, byte[][] values, int lo, int hi, int depth, byte[]? target, List<byte[]>? proof)
    {
        var writer = new RlpWriter(600);
        writer.StartList();
        byte[]? branchValue = null;
        if (keys[lo].Length * 2 == depth)
        {
            branchValue = values[lo];
            lo++;
        }

        int i = lo;
        for (int nibble = 0; nibble < 16; nibble++)
        {
            int start = i;
            while (i < hi && Nibble(keys[i], depth) == nibble)
            {
                i++;
            }

            if (start == i)
            {
                writer.WriteBytes([]);
                continue;
            }

            bool childOnPath = target is not null && target.Length * 2 > depth && Nibble(target, depth) == nibble;
            byte[] child = BuildNode(keys, values, start, i, depth + 1, childOnPath ? target : null, proof);
            writer.WriteEncoded(Reference(child, childOnPath, proof));
        }

        writer.WriteBytes(branchValue ?? []);
        writer.EndList();
        return writer.ToArray();
    }

    // The yellow paper's c(J, i) reference: the node itself when its RLP is shorter than 32 bytes, else RLP(Keccak-256(node)).
    private static byte[] Reference(byte[] node, bool onPath, List<byte[]>? proof)
    {
        if (node.Length < 32)
        {
            return node;
        }

        if (onPath)
        {
            proof!.Add(node);
        }

        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(node, hash);
        return Rlp.EncodeBytes(hash);
    }

    private static byte[] EncodeShortNode(byte[] key, int from, int to, bool leaf, byte[] encodedSecond)
    {
        byte[] hp = HexPrefix.Encode(key, from, to, leaf);
        var writer = new RlpWriter(hp.Length + encodedSecond.Length + 8);
        writer.StartList();
        writer.WriteBytes(hp);
        writer.WriteEncoded(encodedSecond);
        writer.EndList();
        return writer.ToArray();
    }

    private static bool SharesPrefix(byte[] key, byte[] target, int nibbles)
    {
        if (target.Length * 2 < nibbles)
        {
            return false;
        }

        for (int i = 0; i < nibbles; i++)
        {
            if (Nibble(key, i) != Nibble(target, i))
            {
                return false;
            }
        }

        return true;
    }

    private static int CommonPrefix(byte[] a, byte[] b, int depth)
    {
        int max = Math.Min(a.Length, b.Length) * 2;
        int n = 0;
        while (depth + n < max && Nibble(a, depth + n) == Nibble(b, depth + n))
        {
            n++;
        }

        return n;
    }

    private sealed class ByteArrayComparer : IComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
