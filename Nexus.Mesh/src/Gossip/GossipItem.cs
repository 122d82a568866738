using System.Buffers.Binary;

namespace Nexus.Mesh.Gossip;

/// <summary>The four gossip tiers and their default bandwidth caps (spec 01-mesh §6).</summary>
public enum GossipTier : byte
{
    /// <summary>Tier 1 critical: routing announces. Cap 3 % of the link.</summary>
    Critical = 1,

    /// <summary>Tier 2 economic: payments and settlements. Cap 3 %.</summary>
    Economic = 2,

    /// <summary>Tier 3 services: capabilities, DHT, pub/sub. Cap 2 %; pull-only below 10 kbit/s.</summary>
    Services = 3,

    /// <summary>Tier 4 social: trust graph, names. Cap 2 %; pull-only below 10 kbit/s.</summary>
    Social = 4,
}

/// <summary>
/// One versioned key/value item of a gossip topic. The Bloom summaries carry its digest
/// <c>key ‖ version (u64 LE)</c>, so a neighbour holding the same key at the same version never
/// receives it again; what a version means (a counter, a timestamp, a sequence with a cost) is the
/// topic's business.
/// </summary>
public readonly struct GossipItem
{
    /// <summary>The longest key: 64 bytes.</summary>
    public const int MaxKeyLength = 64;

    /// <summary>The longest value: 384 bytes, so one item with its framing always fits one Reticulum packet (MDU 464).</summary>
    public const int MaxValueLength = 384;

    /// <summary>Creates an item.</summary>
    /// <param name="key">1 to 64 bytes identifying the item within its topic.</param>
    /// <param name="version">The version (topic-defined order).</param>
    /// <param name="value">0 to 384 bytes.</param>
    /// <exception cref="ArgumentException">A key or value length out of range.</exception>
    public GossipItem(ReadOnlyMemory<byte> key, ulong version, ReadOnlyMemory<byte> value)
    {
        if (key.Length is < 1 or > MaxKeyLength)
        {
            throw new ArgumentException($"A gossip key is 1 to {MaxKeyLength} bytes; got {key.Length}.", nameof(key));
        }

        if (value.Length > MaxValueLength)
        {
            throw new ArgumentException($"A gossip value is at most {MaxValueLength} bytes; got {value.Length}.", nameof(value));
        }

        Key = key;
        Version = version;
        Value = value;
    }

    /// <summary>The key (1–64 bytes).</summary>
    public ReadOnlyMemory<byte> Key { get; }

    /// <summary>The version.</summary>
    public ulong Version { get; }

    /// <summary>The value (0–384 bytes).</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The encoded size in a delta message: 1 + key + 8 + 2 + value bytes.</summary>
    public int EncodedSize => 11 + Key.Length + Value.Length;

    /// <summary>The bytes a Bloom summary holds for this item: key ‖ version (u64 LE).</summary>
    /// <param name="destination">At least key length + 8 bytes.</param>
    /// <returns>The number of bytes written.</returns>
    public int WriteDigest(Span<byte> destination)
    {
        Key.Span.CopyTo(destination);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[Key.Length..], Version);
        return Key.Length + 8;
    }
}

/// <summary>What a topic did with a received item.</summary>
public enum GossipMergeResult : byte
{
    /// <summary>The item was new or newer and is now held (event-driven topics push it on).</summary>
    Accepted = 0,

    /// <summary>The item was not newer than what is held; nothing changed.</summary>
    Stale = 1,

    /// <summary>The item failed validation (bad signature, hop limit, malformed value) and was dropped.</summary>
    Rejected = 2,
}

/// <summary>
/// A pluggable gossip topic (spec 01-mesh §6: one round carries routes, settlements, trust,
/// capability adverts, DHT metadata and pub/sub notices). Other layers ride on gossip by
/// implementing this interface (Nexus.Economics: settlements) or by using <see cref="GossipStore"/>.
/// Calls come from the engine's single thread.
/// </summary>
public interface IGossipTopic
{
    /// <summary>The topic's id on the wire, unique within an engine (0–255).</summary>
    byte Id { get; }

    /// <summary>A human-readable name for logs and reports.</summary>
    string Name { get; }

    /// <summary>The bandwidth tier the topic's summaries and deltas are charged to.</summary>
    GossipTier Tier { get; }

    /// <summary>Whether an accepted item is pushed to the other neighbours at once (event-driven) instead of waiting for the next round.</summary>
    bool PushOnAccept { get; }

    /// <summary>Adds to <paramref name="held"/> the items whose digests go into the summary sent to <paramref name="neighbour"/> (what this node holds, as that neighbour would offer it).</summary>
    /// <param name="neighbour">The neighbour the summary is for.</param>
    /// <param name="held">The list to fill.</param>
    void CollectHeld(Nexus.Crypto.Hash128 neighbour, List<GossipItem> held);

    /// <summary>Adds to <paramref name="offers"/> the items this node would send to <paramref name="neighbour"/> (for routes: with this hop's cost added and split horizon applied).</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <param name="offers">The list to fill.</param>
    void CollectOffers(Nexus.Crypto.Hash128 neighbour, List<GossipItem> offers);

    /// <summary>The item with <paramref name="key"/> as this node would offer it to <paramref name="neighbour"/>, used for event-driven pushes.</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <param name="key">The item key.</param>
    /// <param name="item">The offer.</param>
    /// <returns>False when there is nothing to offer that neighbour for the key.</returns>
    bool TryGetOffer(Nexus.Crypto.Hash128 neighbour, ReadOnlySpan<byte> key, out GossipItem item);

    /// <summary>Merges an item received from <paramref name="from"/> under the topic's CRDT rule.</summary>
    /// <param name="from">The neighbour that sent it.</param>
    /// <param name="item">The item (already parsed; its value is untrusted).</param>
    /// <returns>What happened.</returns>
    GossipMergeResult Merge(Nexus.Crypto.Hash128 from, in GossipItem item);
}

/// <summary>Optional interface for topics that react to neighbour failure detection.</summary>
public interface IGossipNeighbourObserver
{
    /// <summary>Called when a neighbour's status changes (spec 01-mesh §5: down after 3 missed rounds, evicted after 10).</summary>
    /// <param name="neighbour">The neighbour.</param>
    /// <param name="status">Its new status.</param>
    void OnNeighbourStatus(Nexus.Crypto.Hash128 neighbour, NeighbourStatus status);
}

/// <summary>A neighbour's liveness as seen by gossip failure detection.</summary>
public enum NeighbourStatus : byte
{
    /// <summary>Heard from within the last 3 rounds.</summary>
    Up = 0,

    /// <summary>Silent for 3 consecutive rounds: the link is marked down and routes through it are stale.</summary>
    Down = 1,

    /// <summary>Silent for 10 rounds: routes through it are evicted.</summary>
    Evicted = 2,
}
