using Google.Protobuf;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>Outcome of an included transaction (u8 tag in the receipt).</summary>
public enum ReceiptStatus : byte
{
    /// <summary>Applied.</summary>
    Success = 0,

    /// <summary>The sender may not do this (a validator update not from the authority); fee and nonce consumed, nothing else changed.</summary>
    Unauthorized = 1,

    /// <summary>The payload is malformed or the change is not allowed (e.g. it would empty the validator set); fee and nonce consumed.</summary>
    InvalidPayload = 2,
}

/// <summary>An event a transaction emitted: a type and ordered key/value attributes.</summary>
/// <param name="Type">Event type, e.g. "transfer".</param>
/// <param name="Attributes">Ordered attributes.</param>
public sealed record ChainEvent(string Type, IReadOnlyList<KeyValuePair<string, string>> Attributes);

/// <summary>
/// The receipt of one included transaction. Canonical form: ReceiptProto (transaction_hash (32), status,
/// fee_paid μNXS, events). A header's receipts_root is the Nexus.Crypto Merkle root over the canonical
/// receipt encodings in block order.
/// </summary>
/// <param name="TransactionHash">The transaction's hash.</param>
/// <param name="Status">Outcome.</param>
/// <param name="FeePaid">Fee charged, μNXS.</param>
/// <param name="Events">Emitted events.</param>
public sealed record Receipt(Hash256 TransactionHash, ReceiptStatus Status, ulong FeePaid, IReadOnlyList<ChainEvent> Events)
{
    private static readonly MessageParser<ReceiptListProto> ListParser = Canonical.Strict(ReceiptListProto.Parser);

    internal ReceiptProto ToProto()
    {
        var proto = new ReceiptProto { TransactionHash = Canonical.From(TransactionHash), Status = (uint)Status, FeePaid = FeePaid };
        foreach (var e in Events)
        {
            var ep = new EventProto { Type = e.Type };
            foreach (var kv in e.Attributes)
            {
                ep.Attributes.Add(new AttributeProto { Key = kv.Key, Value = kv.Value });
            }

            proto.Events.Add(ep);
        }

        return proto;
    }

    /// <summary>The canonical ReceiptProto encoding.</summary>
    /// <returns>A new array.</returns>
    public byte[] Encode()
    {
        // Written field by field into an exact-size array: the bytes Google.Protobuf writes for ToProto()
        // (ascending fields, proto3 defaults omitted), without building the message objects.
        var buffer = new byte[EncodedSize()];
        var output = new ProtoWriter(buffer);
        var hash = TransactionHash;
        output.WriteBytesField(1, hash.AsSpan());
        if (Status != 0) output.WriteVarintField(2, (uint)Status);
        if (FeePaid != 0) output.WriteVarintField(3, FeePaid);
        foreach (var e in Events)
        {
            output.WriteLengthPrefix(4, EventSize(e));
            if (e.Type.Length != 0) output.WriteStringField(1, e.Type);
            foreach (var (key, value) in e.Attributes)
            {
                output.WriteLengthPrefix(2, AttributeSize(key, value));
                if (key.Length != 0) output.WriteStringField(1, key);
                if (value.Length != 0) output.WriteStringField(2, value);
            }
        }

        return buffer;
    }

    private int EncodedSize()
    {
        int size = 2 + Hash256.SizeInBytes;
        if (Status != 0) size += 1 + CodedOutputStream.ComputeUInt32Size((uint)Status);
        if (FeePaid != 0) size += 1 + CodedOutputStream.ComputeUInt64Size(FeePaid);
        foreach (var e in Events)
        {
            size += ProtoWriter.LengthDelimitedSize(EventSize(e));
        }

        return size;
    }

    private static int EventSize(ChainEvent e)
    {
        int size = e.Type.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(e.Type);
        foreach (var (key, value) in e.Attributes)
        {
            size += ProtoWriter.LengthDelimitedSize(AttributeSize(key, value));
        }

        return size;
    }

    private static int AttributeSize(string key, string value) =>
        (key.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(key)) + (value.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(value));

    internal static Receipt FromProto(ReceiptProto proto)
    {
        if (!Canonical.IsHash(proto.TransactionHash) || proto.Status > 2)
        {
            throw new ChainFormatException("receipt: bad hash or status");
        }

        var events = proto.Events.Select(e => new ChainEvent(e.Type, e.Attributes.Select(a => KeyValuePair.Create(a.Key, a.Value)).ToArray())).ToArray();
        return new Receipt(new Hash256(proto.TransactionHash.Span), (ReceiptStatus)proto.Status, proto.FeePaid, events);
    }

    internal static byte[] EncodeList(IReadOnlyList<Receipt> receipts) => EncodeList(EncodeAll(receipts));

    /// <summary>The canonical ReceiptListProto encoding, concatenated from the receipts' canonical encodings (field 1 each).</summary>
    internal static byte[] EncodeList(byte[][] encoded)
    {
        int total = 0;
        foreach (var r in encoded)
        {
            total += ProtoWriter.LengthDelimitedSize(r.Length);
        }

        var buffer = new byte[total];
        var output = new ProtoWriter(buffer);
        foreach (var r in encoded)
        {
            output.WriteBytesField(1, r);
        }

        return buffer;
    }

    /// <summary>Each receipt's canonical encoding, block order (computed once per block, for the root and for storage).</summary>
    internal static byte[][] EncodeAll(IReadOnlyList<Receipt> receipts)
    {
        var encoded = new byte[receipts.Count][];
        for (int i = 0; i < encoded.Length; i++)
        {
            encoded[i] = receipts[i].Encode();
        }

        return encoded;
    }

    internal static Receipt[] DecodeList(ReadOnlySpan<byte> data) =>
        Canonical.Parse(ListParser, data, ChainLimits.MaxReceiptBytes).Receipts.Select(FromProto).ToArray();

    internal static Hash256 ComputeRoot(IReadOnlyList<Receipt> receipts) => ComputeRoot(EncodeAll(receipts));

    internal static Hash256 ComputeRoot(byte[][] encoded)
    {
        var leaves = new Hash256[encoded.Length];
        for (int i = 0; i < leaves.Length; i++)
        {
            leaves[i] = MerkleTree.HashLeaf(encoded[i]);
        }

        return MerkleTree.ComputeRoot(leaves);
    }
}
