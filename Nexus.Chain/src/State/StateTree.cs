using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>
/// The account state commitment: an immutable (persistent) sparse Merkle tree of depth 256 keyed by
/// BLAKE3-256(account public key), in the compressed form of Diem's Jellyfish tree: a subtree that
/// holds exactly one account is represented by its leaf, an empty subtree by 32 zero bytes.
/// <list type="bullet">
/// <item>leaf hash = BLAKE3-256(0x00 ‖ key (32) ‖ <see cref="Account.ValueHash"/> (32));</item>
/// <item>internal hash = BLAKE3-256(0x01 ‖ left (32) ‖ right (32)), left = key bit 0 (bits read from the most significant bit of byte 0);</item>
/// <item>empty tree root = 32 zero bytes.</item>
/// </list>
/// Updates copy only the touched paths, so every version stays valid: execution is a pure function
/// of (state, block). <see cref="Prove"/> gives inclusion and exclusion proofs (<see cref="StateProof"/>).
/// Thread-safe for readers.
/// </summary>
public sealed class StateTree
{
    private readonly Node? _root;

    private StateTree(Node? root, int count)
    {
        _root = root;
        Count = count;
    }

    /// <summary>The empty tree.</summary>
    public static StateTree Empty { get; } = new(null, 0);

    /// <summary>Number of accounts.</summary>
    public int Count { get; }

    /// <summary>The root hash (32 zero bytes when empty).</summary>
    public Hash256 Root => _root?.Hash ?? Hash256.Zero;

    /// <summary>The tree key of an account: BLAKE3-256 of its 32-byte public key.</summary>
    /// <param name="address">The account public key.</param>
    /// <returns>The 32-byte key.</returns>
    public static Hash256 KeyOf(in Ed25519PublicKey address) => Blake3.Hash(address.AsSpan());

    /// <summary>Reads an account.</summary>
    /// <param name="address">The account public key.</param>
    /// <param name="account">The account, or default (balance 0, nonce 0) when absent.</param>
    /// <returns>True if the account exists.</returns>
    public bool TryGet(in Ed25519PublicKey address, out Account account)
    {
        var key = KeyOf(address);
        var node = _root;
        int depth = 0;
        while (node is Branch b)
        {
            node = Bit(key, depth++) ? b.Right : b.Left;
        }

        if (node is Leaf leaf && leaf.Key == key)
        {
            account = leaf.Value;
            return true;
        }

        account = default;
        return false;
    }

    /// <summary>Reads an account, or a zero account when absent.</summary>
    /// <param name="address">The account public key.</param>
    /// <returns>The account.</returns>
    public Account Get(in Ed25519PublicKey address) => TryGet(address, out var a) ? a : default;

    /// <summary>Returns a new tree with the given accounts set (inserted or replaced); this tree is unchanged.</summary>
    /// <param name="updates">Accounts to write; a later entry for the same address wins.</param>
    /// <returns>The new version.</returns>
    public StateTree With(IEnumerable<KeyValuePair<Ed25519PublicKey, Account>> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        Leaf[] items;
        if (updates is Dictionary<Ed25519PublicKey, Account> distinct && distinct.Comparer == EqualityComparer<Ed25519PublicKey>.Default)
        {
            // The addresses are distinct already (block execution's overlay): no de-duplication pass.
            if (distinct.Count == 0)
            {
                return this;
            }

            items = new Leaf[distinct.Count];
            int i = 0;
            foreach (var (address, account) in distinct)
            {
                items[i++] = new Leaf(KeyOf(address), address, account);
            }
        }
        else
        {
            var map = new Dictionary<Hash256, Leaf>();
            foreach (var (address, account) in updates)
            {
                var key = KeyOf(address);
                map[key] = new Leaf(key, address, account);
            }

            if (map.Count == 0)
            {
                return this;
            }

            items = map.Values.ToArray();
        }

        Array.Sort(items, static (a, b) => a.Key.CompareTo(b.Key));
        int added = 0;
        var root = Insert(_root, items, 0, ref added);
        return new StateTree(root, Count + added);
    }

    /// <summary>Enumerates all accounts (in key order).</summary>
    /// <returns>Address and account pairs.</returns>
    public IEnumerable<KeyValuePair<Ed25519PublicKey, Account>> Enumerate()
    {
        var stack = new Stack<Node>();
        if (_root is not null)
        {
            stack.Push(_root);
        }

        while (stack.Count > 0)
        {
            switch (stack.Pop())
            {
                case Leaf l:
                    yield return KeyValuePair.Create(l.Address, l.Value);
                    break;
                case Branch b:
                    if (b.Right is not null) stack.Push(b.Right);
                    if (b.Left is not null) stack.Push(b.Left);
                    break;
            }
        }
    }

    /// <summary>Builds an inclusion proof (the account exists) or an exclusion proof (it does not).</summary>
    /// <param name="address">The account public key.</param>
    /// <returns>The proof; verify with <see cref="StateProof.Verify"/> against <see cref="Root"/>.</returns>
    public StateProof Prove(in Ed25519PublicKey address)
    {
        var key = KeyOf(address);
        var siblings = new List<Hash256>();
        var node = _root;
        int depth = 0;
        while (node is Branch b)
        {
            bool right = Bit(key, depth++);
            siblings.Add((right ? b.Left : b.Right)?.Hash ?? Hash256.Zero);
            node = right ? b.Right : b.Left;
        }

        var leaf = node as Leaf;
        Account? account = leaf is not null && leaf.Key == key ? leaf.Value : null;
        return new StateProof(address, account, siblings.ToArray(), leaf?.Key, leaf?.Value.ValueHash);
    }

    internal static bool Bit(in Hash256 key, int depth) => (key.AsSpan()[depth >> 3] & (0x80 >> (depth & 7))) != 0;

    internal static Hash256 HashLeaf(in Hash256 key, in Hash256 valueHash)
    {
        Span<byte> buffer = stackalloc byte[65];
        buffer[0] = 0;
        key.WriteTo(buffer[1..]);
        valueHash.WriteTo(buffer[33..]);
        return Blake3.Hash(buffer);
    }

    internal static Hash256 HashBranch(in Hash256 left, in Hash256 right)
    {
        Span<byte> buffer = stackalloc byte[65];
        buffer[0] = 1;
        left.WriteTo(buffer[1..]);
        right.WriteTo(buffer[33..]);
        return Blake3.Hash(buffer);
    }

    private static Node? Insert(Node? node, ReadOnlySpan<Leaf> items, int depth, ref int added)
    {
        if (items.IsEmpty)
        {
            return node;
        }

        switch (node)
        {
            case null:
                added += items.Length;
                return Build(items, depth);
            case Leaf leaf:
                {
                    if (items.Length == 1)
                    {
                        // The common case deep in the tree: one update meets one leaf (no merged array).
                        if (items[0].Key == leaf.Key)
                        {
                            return items[0];
                        }

                        added++;
                        return Pair(leaf, items[0], depth);
                    }

                    // Merge the existing leaf into the sorted batch unless the batch replaces it.
                    int pos = 0;
                    while (pos < items.Length && items[pos].Key.CompareTo(leaf.Key) < 0) pos++;
                    if (pos < items.Length && items[pos].Key == leaf.Key)
                    {
                        added += items.Length - 1;
                        return Build(items, depth);
                    }

                    var merged = new Leaf[items.Length + 1];
                    items[..pos].CopyTo(merged);
                    merged[pos] = leaf;
                    items[pos..].CopyTo(merged.AsSpan(pos + 1));
                    added += items.Length;
                    return Build(merged, depth);
                }

            default:
                {
                    var b = (Branch)node;
                    int split = SplitPoint(items, depth);
                    return new Branch(Insert(b.Left, items[..split], depth + 1, ref added), Insert(b.Right, items[split..], depth + 1, ref added));
                }
        }
    }

    private static Node Build(ReadOnlySpan<Leaf> items, int depth)
    {
        if (items.Length == 1)
        {
            return items[0];
        }

        int split = SplitPoint(items, depth);
        return new Branch(split == 0 ? null : Build(items[..split], depth + 1), split == items.Length ? null : Build(items[split..], depth + 1));
    }

    /// <summary>The subtree holding two leaves with different keys that agree on the bits before <paramref name="depth"/> (what <see cref="Build"/> makes of them).</summary>
    private static Branch Pair(Leaf a, Leaf b, int depth)
    {
        bool aRight = Bit(a.Key, depth), bRight = Bit(b.Key, depth);
        if (aRight == bRight)
        {
            var child = Pair(a, b, depth + 1);
            return aRight ? new Branch(null, child) : new Branch(child, null);
        }

        return aRight ? new Branch(b, a) : new Branch(a, b);
    }

    private static int SplitPoint(ReadOnlySpan<Leaf> sorted, int depth)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (Bit(sorted[mid].Key, depth)) hi = mid; else lo = mid + 1;
        }

        return lo;
    }

    private abstract class Node
    {
        public abstract Hash256 Hash { get; }
    }

    private sealed class Leaf(Hash256 key, Ed25519PublicKey address, Account value) : Node
    {
        private Hash256 _hash;
        private volatile bool _hashed;

        public Hash256 Key { get; } = key;

        public Ed25519PublicKey Address { get; } = address;

        public Account Value { get; } = value;

        public override Hash256 Hash
        {
            get
            {
                if (!_hashed)
                {
                    _hash = HashLeaf(Key, Value.ValueHash);
                    _hashed = true;
                }

                return _hash;
            }
        }
    }

    private sealed class Branch(Node? left, Node? right) : Node
    {
        private Hash256 _hash;
        private volatile bool _hashed;

        public Node? Left { get; } = left;

        public Node? Right { get; } = right;

        public override Hash256 Hash
        {
            get
            {
                if (!_hashed)
                {
                    _hash = HashBranch(Left?.Hash ?? Hash256.Zero, Right?.Hash ?? Hash256.Zero);
                    _hashed = true;
                }

                return _hash;
            }
        }
    }
}
