using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>
/// Resolves the 16-byte hashes that name channel parties (Reticulum identity or destination
/// hashes, decision D1) to the parties' Ed25519 public keys, so channel states and settlement
/// records, which carry only hashes, can be verified (spec 02-economics section 2, UNSPECIFIED
/// "key cache filled from announces"). Nexus.Mesh feeds it from validated announces through
/// <see cref="LearnIdentity"/>; a caller with another trusted source uses <see cref="Learn"/>.
/// Bounded: holds at most <see cref="Capacity"/> entries and evicts the least recently used.
/// A hash, once bound, keeps its key (a conflicting binding is refused: a 16-byte hash derived from
/// a key cannot honestly map to another key). Thread-safe.
/// </summary>
public sealed class ChannelKeyCache
{
    private readonly Dictionary<Hash128, LinkedListNode<(Hash128 Hash, Ed25519PublicKey Key)>> _map;
    private readonly LinkedList<(Hash128 Hash, Ed25519PublicKey Key)> _lru = new();
    private readonly Lock _gate = new();

    /// <summary>Creates an empty cache.</summary>
    /// <param name="capacity">Maximum entries, at least 1; default 65,536 (about 6 MB).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is below 1.</exception>
    public ChannelKeyCache(int capacity = 65_536)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _map = new Dictionary<Hash128, LinkedListNode<(Hash128, Ed25519PublicKey)>>(Math.Min(capacity, 4096));
    }

    /// <summary>Maximum number of entries.</summary>
    public int Capacity { get; }

    /// <summary>Number of entries now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>
    /// Binds a hash to an Ed25519 key from a trusted source (an already validated announce, a
    /// configuration file, the local identity).
    /// </summary>
    /// <param name="hash">The 16-byte identity or destination hash.</param>
    /// <param name="key">The party's Ed25519 public key.</param>
    /// <returns>True when bound (or already bound to the same key); false when the hash is bound to another key.</returns>
    public bool Learn(in Hash128 hash, in Ed25519PublicKey key)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(hash, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                return node.Value.Key == key;
            }

            if (_map.Count >= Capacity)
            {
                var oldest = _lru.Last!;
                _lru.RemoveLast();
                _map.Remove(oldest.Value.Hash);
            }

            _map.Add(hash, _lru.AddFirst((hash, key)));
            return true;
        }
    }

    /// <summary>
    /// Learns a Reticulum identity from its 64-byte public key (X25519 32 ‖ Ed25519 32, as carried
    /// in an announce): binds identity_hash = SHA-256(public key)[0..16] and, when
    /// <paramref name="nameHash"/> is given, destination_hash = SHA-256(name_hash ‖ identity_hash)[0..16]
    /// to the Ed25519 half. Both hashes are computed here, so a caller cannot bind a wrong hash.
    /// </summary>
    /// <param name="publicKey">The 64-byte RNS public key.</param>
    /// <param name="nameHash">The destination's 10-byte name hash, or empty to bind only the identity hash.</param>
    /// <returns>The identity hash.</returns>
    /// <exception cref="ArgumentException"><paramref name="publicKey"/> is not 64 bytes, or <paramref name="nameHash"/> is neither empty nor 10 bytes.</exception>
    public Hash128 LearnIdentity(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> nameHash = default)
    {
        if (publicKey.Length != NodeIdentity.PublicKeySizeInBytes)
        {
            throw new ArgumentException("An RNS public key is 64 bytes.", nameof(publicKey));
        }

        if (!nameHash.IsEmpty && nameHash.Length != 10)
        {
            throw new ArgumentException("A name hash is 10 bytes.", nameof(nameHash));
        }

        var key = new Ed25519PublicKey(publicKey[32..]);
        var identityHash = Hash128.Truncate(Sha2.Sha256(publicKey));
        Learn(identityHash, key);
        if (!nameHash.IsEmpty)
        {
            Span<byte> material = stackalloc byte[26];
            nameHash.CopyTo(material);
            identityHash.WriteTo(material[10..]);
            Learn(Hash128.Truncate(Sha2.Sha256(material)), key);
        }

        return identityHash;
    }

    /// <summary>Looks a key up (and marks it recently used).</summary>
    /// <param name="hash">The 16-byte hash.</param>
    /// <param name="key">The key, or default.</param>
    /// <returns>False when the hash is unknown.</returns>
    public bool TryGet(in Hash128 hash, out Ed25519PublicKey key)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(hash, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                key = node.Value.Key;
                return true;
            }
        }

        key = default;
        return false;
    }
}
