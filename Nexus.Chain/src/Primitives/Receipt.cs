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
    public byte[] Encode() => ToProto().ToByteArray();

    internal static Receipt FromProto(ReceiptProto proto)
    {
        if (!Canonical.IsHash(proto.TransactionHash) || proto.Status > 2)
        {
            throw new ChainFormatException("receipt: bad hash or status");
        }

        var events = proto.Events.Select(e => new ChainEvent(e.Type, e.Attributes.Select(a => KeyValuePair.Create(a.Key, a.Value)).ToArray())).ToArray();
        return new Receipt(new Hash256(proto.TransactionHash.Span), (ReceiptStatus)proto.Status, proto.FeePaid, events);
    }

    internal static byte[] EncodeList(IReadOnlyList<Receipt> receipts)
    {
        var list = new ReceiptListProto();
        foreach (var r in receipts)
        {
            list.Receipts.Add(r.ToProto());
        }

        return list.ToByteArray();
    }

    internal static Receipt[] DecodeList(ReadOnlySpan<byte> data) =>
        Canonical.Parse(ListParser, data, ChainLimits.MaxReceiptBytes).Receipts.Select(FromProto).ToArray();

    internal static Hash256 ComputeRoot(IReadOnlyList<Receipt> receipts)
    {
        var leaves = new Hash256[receipts.Count];
        for (int i = 0; i < leaves.Length; i++)
        {
            leaves[i] = MerkleTree.HashLeaf(receipts[i].Encode());
        }

        return MerkleTree.ComputeRoot(leaves);
    }
}
