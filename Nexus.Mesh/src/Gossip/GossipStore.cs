using Nexus.Crypto;

namespace Nexus.Mesh.Gossip;

/// <summary>
/// A ready-made topic: a last-writer-wins map from key to the highest version (ties broken by the
/// lexicographically larger value), which is a CRDT (merge is commutative, associative and
/// idempotent). Suits capability adverts, names and, with a constant version, grow-only sets such as
/// settlements keyed by their hash. Every neighbour is offered every item. Values may be checked by
/// an optional validator before they are held.
/// </summary>
public class GossipStore : IGossipTopic
{
    private readonly Dictionary<Key, GossipItem> _items = [];
    private readonly Func<GossipItem, bool>? _validate;

    /// <summary>Creates an empty store.</summary>
    /// <param name="id">The topic id on the wire.</param>
    /// <param name="name">The name for logs and reports.</param>
    /// <param name="tier">The bandwidth tier.</param>
    /// <param name="pushOnAccept">Whether accepted items are pushed on at once.</param>
    /// <param name="validate">Optional check on received items; false rejects.</param>
    public GossipStore(byte id, string name, GossipTier tier, bool pushOnAccept = false, Func<GossipItem, bool>? validate = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        Id = id;
        Name = name;
        Tier = tier;
        PushOnAccept = pushOnAccept;
        _validate = validate;
    }

    /// <inheritdoc/>
    public byte Id { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public GossipTier Tier { get; }

    /// <inheritdoc/>
    public bool PushOnAccept { get; }

    /// <summary>The number of items held.</summary>
    public int Count => _items.Count;

    /// <summary>
    /// Raised after an item is accepted (locally set or merged) and readable with <see cref="TryGet"/>:
    /// synchronously, on the thread calling <see cref="Set"/> or <see cref="Merge"/>. Registered with a
    /// <see cref="MeshGossipService"/>, merges run on an interface's receive thread under the transport's
    /// lock (the store itself is not thread-safe and relies on it), so a handler must be short and must
    /// not wait for another thread that needs the transport (hand the item to a queue or complete a
    /// task instead); an exception thrown by a handler propagates to the caller.
    /// </summary>
    public event Action<GossipItem>? ItemAccepted;

    /// <summary>Sets a local item, subject to the same rule as <see cref="Merge"/>.</summary>
    /// <param name="item">The item.</param>
    /// <returns>True when it replaced an older version or was new.</returns>
    public bool Set(GossipItem item) => Apply(item) == GossipMergeResult.Accepted;

    /// <summary>Looks up an item by key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="item">The item held.</param>
    /// <returns>False when the key is unknown.</returns>
    public bool TryGet(ReadOnlySpan<byte> key, out GossipItem item) => _items.TryGetValue(new Key(key.ToArray()), out item);

    /// <summary>A snapshot of every item held.</summary>
    /// <returns>The items, in no particular order.</returns>
    public IReadOnlyList<GossipItem> Snapshot() => [.. _items.Values];

    /// <inheritdoc/>
    public void CollectHeld(Hash128 neighbour, List<GossipItem> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        held.AddRange(_items.Values);
    }

    /// <inheritdoc/>
    public void CollectOffers(Hash128 neighbour, List<GossipItem> offers) => CollectHeld(neighbour, offers);

    /// <inheritdoc/>
    public bool TryGetOffer(Hash128 neighbour, ReadOnlySpan<byte> key, out GossipItem item) => TryGet(key, out item);

    /// <inheritdoc/>
    public GossipMergeResult Merge(Hash128 from, in GossipItem item)
    {
        if (_validate is not null && !_validate(item))
        {
            return GossipMergeResult.Rejected;
        }

        return Apply(item);
    }

    private GossipMergeResult Apply(GossipItem item)
    {
        var key = new Key(item.Key.ToArray());
        if (_items.TryGetValue(key, out var held))
        {
            if (item.Version < held.Version
                || (item.Version == held.Version && item.Value.Span.SequenceCompareTo(held.Value.Span) <= 0))
            {
                return GossipMergeResult.Stale;
            }
        }

        _items[key] = item;
        ItemAccepted?.Invoke(item);
        return GossipMergeResult.Accepted;
    }

    private readonly struct Key(byte[] bytes) : IEquatable<Key>
    {
        private readonly byte[] _bytes = bytes;

        public bool Equals(Key other) => _bytes.AsSpan().SequenceEqual(other._bytes);

        public override bool Equals(object? obj) => obj is Key other && Equals(other);

        public override int GetHashCode()
        {
            var hash = default(HashCode);
            hash.AddBytes(_bytes);
            return hash.ToHashCode();
        }
    }
}
