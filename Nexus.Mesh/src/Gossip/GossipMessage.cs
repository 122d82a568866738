using System.Buffers.Binary;
using Nexus.Crypto;

namespace Nexus.Mesh.Gossip;

/// <summary>Gossip message kinds (byte 0 of every gossip message).</summary>
public enum GossipMessageKind : byte
{
    /// <summary>A Bloom summary of one slice of a topic.</summary>
    Summary = 1,

    /// <summary>Items the receiver lacked.</summary>
    Delta = 2,
}

/// <summary>
/// A parsed gossip summary: the sender's Bloom filter over the digests (<see cref="GossipItem.WriteDigest"/>)
/// of the items it holds whose key falls in slice <see cref="SliceIndex"/> of <see cref="SliceCount"/>
/// (slice of a key = FNV-1a-64(key) mod slice count). The filter is salted with the round number
/// (decision D9).
/// </summary>
/// <param name="TopicId">The topic.</param>
/// <param name="Round">The sender's round number (also the filter salt, u32 LE).</param>
/// <param name="SliceIndex">The slice covered, &lt; <paramref name="SliceCount"/>.</param>
/// <param name="SliceCount">How many slices the topic is split into this round (≥ 1).</param>
/// <param name="IsPull">Whether this is a pull request on a pull-only tier (the receiver answers with deltas even for tiers it would not push).</param>
/// <param name="Filter">The filter.</param>
public sealed record GossipSummary(byte TopicId, uint Round, ushort SliceIndex, ushort SliceCount, bool IsPull, BloomFilter Filter);

/// <summary>
/// The gossip wire messages, carried as the data of a Reticulum packet (at most
/// <see cref="MeshConstants.Mdu"/> = 464 bytes each). Layouts, little-endian (decision D4):
/// <code>
/// Summary: kind u8 = 1 ‖ topic u8 ‖ round u32 ‖ slice_index u16 ‖ slice_count u16 ‖ flags u8 (bit 0 = pull) ‖ BloomFilter (Nexus.Crypto serialized form, salt = round u32 LE)
/// Delta:   kind u8 = 2 ‖ topic u8 ‖ count u16 ‖ count × { key_len u8 ‖ key ‖ version u64 ‖ value_len u16 ‖ value }
/// </code>
/// Parsers never throw and never allocate more than the input holds.
/// </summary>
public static class GossipMessage
{
    /// <summary>Bytes of a summary before the filter: 11.</summary>
    public const int SummaryHeaderSize = 11;

    /// <summary>Bytes of a delta before its items: 4.</summary>
    public const int DeltaHeaderSize = 4;

    /// <summary>The largest gossip message: <see cref="MeshConstants.Mdu"/> (464 bytes).</summary>
    public const int MaxMessageSize = MeshConstants.Mdu;

    /// <summary>The kind of a message, without parsing the rest.</summary>
    /// <param name="message">The message.</param>
    /// <param name="kind">The kind.</param>
    /// <param name="topicId">The topic id.</param>
    /// <returns>False when the message is shorter than 2 bytes or its kind is unknown.</returns>
    public static bool TryPeek(ReadOnlySpan<byte> message, out GossipMessageKind kind, out byte topicId)
    {
        kind = default;
        topicId = 0;
        if (message.Length < 2 || message[0] is not ((byte)GossipMessageKind.Summary or (byte)GossipMessageKind.Delta))
        {
            return false;
        }

        kind = (GossipMessageKind)message[0];
        topicId = message[1];
        return true;
    }

    /// <summary>Encodes a summary.</summary>
    /// <param name="summary">The summary (its filter's salt must be the round number, u32 LE).</param>
    /// <returns>The message bytes.</returns>
    /// <exception cref="ArgumentException">The slice fields are inconsistent.</exception>
    public static byte[] WriteSummary(GossipSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (summary.SliceCount == 0 || summary.SliceIndex >= summary.SliceCount)
        {
            throw new ArgumentException("slice_index must be below slice_count (≥ 1).", nameof(summary));
        }

        var bytes = new byte[SummaryHeaderSize + summary.Filter.SerializedSize];
        bytes[0] = (byte)GossipMessageKind.Summary;
        bytes[1] = summary.TopicId;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(2), summary.Round);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), summary.SliceIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), summary.SliceCount);
        bytes[10] = summary.IsPull ? (byte)1 : (byte)0;
        summary.Filter.WriteTo(bytes.AsSpan(SummaryHeaderSize));
        return bytes;
    }

    /// <summary>Parses a summary without throwing.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="summary">The summary, or null.</param>
    /// <returns>False for a wrong kind, bad slice fields, reserved flag bits set, or a malformed filter.</returns>
    public static bool TryReadSummary(ReadOnlySpan<byte> message, out GossipSummary? summary)
    {
        summary = null;
        if (message.Length < SummaryHeaderSize || message[0] != (byte)GossipMessageKind.Summary || message.Length > MaxMessageSize)
        {
            return false;
        }

        ushort index = BinaryPrimitives.ReadUInt16LittleEndian(message[6..]);
        ushort count = BinaryPrimitives.ReadUInt16LittleEndian(message[8..]);
        if (count == 0 || index >= count || (message[10] & ~1) != 0 || !BloomFilter.TryParse(message[SummaryHeaderSize..], out var filter))
        {
            return false;
        }

        summary = new GossipSummary(message[1], BinaryPrimitives.ReadUInt32LittleEndian(message[2..]), index, count, (message[10] & 1) != 0, filter!);
        return true;
    }

    /// <summary>Encodes items into as few delta messages as fit in <paramref name="maxMessageSize"/> bytes each.</summary>
    /// <param name="topicId">The topic.</param>
    /// <param name="items">The items; each must fit one message alone (4 + its encoded size ≤ <paramref name="maxMessageSize"/>), which holds for any item at the default size.</param>
    /// <param name="maxMessageSize">Message size limit in bytes (≥ 16; default 464).</param>
    /// <returns>The messages, in item order.</returns>
    /// <exception cref="ArgumentException">An item does not fit one message of <paramref name="maxMessageSize"/> bytes.</exception>
    public static List<byte[]> WriteDeltas(byte topicId, IReadOnlyList<GossipItem> items, int maxMessageSize = MaxMessageSize)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageSize, DeltaHeaderSize + 12);
        var messages = new List<byte[]>();
        int start = 0;
        while (start < items.Count)
        {
            if (DeltaHeaderSize + items[start].EncodedSize > maxMessageSize)
            {
                throw new ArgumentException($"An item of {items[start].EncodedSize} encoded bytes does not fit a {maxMessageSize}-byte message.", nameof(items));
            }

            int size = DeltaHeaderSize;
            int end = start;
            while (end < items.Count && end - start < ushort.MaxValue && size + items[end].EncodedSize <= maxMessageSize)
            {
                size += items[end].EncodedSize;
                end++;
            }

            var bytes = new byte[size];
            bytes[0] = (byte)GossipMessageKind.Delta;
            bytes[1] = topicId;
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), (ushort)(end - start));
            int offset = DeltaHeaderSize;
            for (int i = start; i < end; i++)
            {
                var item = items[i];
                bytes[offset++] = (byte)item.Key.Length;
                item.Key.Span.CopyTo(bytes.AsSpan(offset));
                offset += item.Key.Length;
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), item.Version);
                offset += 8;
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), (ushort)item.Value.Length);
                offset += 2;
                item.Value.Span.CopyTo(bytes.AsSpan(offset));
                offset += item.Value.Length;
            }

            messages.Add(bytes);
            start = end;
        }

        return messages;
    }

    /// <summary>Parses a delta message without throwing. Items reference copies of the input.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="topicId">The topic.</param>
    /// <param name="items">The items, or null.</param>
    /// <returns>False for a wrong kind, a key of length 0 or above 64, a value above 384 bytes, a count that does not match the bytes, or trailing bytes.</returns>
    public static bool TryReadDelta(ReadOnlySpan<byte> message, out byte topicId, out List<GossipItem>? items)
    {
        topicId = 0;
        items = null;
        if (message.Length < DeltaHeaderSize || message[0] != (byte)GossipMessageKind.Delta || message.Length > MaxMessageSize)
        {
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(message[2..]);
        if (count > (message.Length - DeltaHeaderSize) / 12)
        {
            return false;
        }

        var copy = message.ToArray();
        var list = new List<GossipItem>(count);
        int offset = DeltaHeaderSize;
        for (int i = 0; i < count; i++)
        {
            if (offset >= copy.Length)
            {
                return false;
            }

            int keyLength = copy[offset++];
            if (keyLength is < 1 or > GossipItem.MaxKeyLength || copy.Length - offset < keyLength + 10)
            {
                return false;
            }

            var key = new ReadOnlyMemory<byte>(copy, offset, keyLength);
            offset += keyLength;
            ulong version = BinaryPrimitives.ReadUInt64LittleEndian(copy.AsSpan(offset));
            offset += 8;
            int valueLength = BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(offset));
            offset += 2;
            if (valueLength > GossipItem.MaxValueLength || copy.Length - offset < valueLength)
            {
                return false;
            }

            list.Add(new GossipItem(key, version, new ReadOnlyMemory<byte>(copy, offset, valueLength)));
            offset += valueLength;
        }

        if (offset != copy.Length)
        {
            return false;
        }

        topicId = message[1];
        items = list;
        return true;
    }

    /// <summary>The slice a key belongs to: FNV-1a-64(key) mod <paramref name="sliceCount"/>.</summary>
    /// <param name="key">The item key.</param>
    /// <param name="sliceCount">Slice count ≥ 1.</param>
    /// <returns>The slice index.</returns>
    public static int SliceOf(ReadOnlySpan<byte> key, int sliceCount)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var b in key)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return (int)(hash % (ulong)sliceCount);
    }
}
