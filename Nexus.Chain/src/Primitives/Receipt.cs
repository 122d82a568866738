using System.Buffers;
using System.Globalization;
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
/// <para>
/// Equality: two receipts are equal when hash, status, fee and the events (type, then attribute keys
/// and values, in order) are equal.
/// </para>
/// </summary>
/// <param name="TransactionHash">The transaction's hash.</param>
/// <param name="Status">Outcome.</param>
/// <param name="FeePaid">Fee charged, μNXS.</param>
/// <param name="Events">Emitted events.</param>
public sealed record Receipt(Hash256 TransactionHash, ReceiptStatus Status, ulong FeePaid, IReadOnlyList<ChainEvent> Events)
{
    private static readonly MessageParser<ReceiptListProto> ListParser = Canonical.Strict(ReceiptListProto.Parser);

    // A successful transfer's receipt (one per transaction on the hot path) keeps its single "transfer"
    // event as the two keys and the amount; the encoding writes the hex and decimal digits straight from
    // them, and Events builds the strings only when a caller reads it.
    private readonly bool _isTransfer;
    private readonly Ed25519PublicKey _from;
    private readonly Ed25519PublicKey _to;
    private readonly ulong _amount;
    private IReadOnlyList<ChainEvent>? _events = Events;

    private Receipt(Hash256 transactionHash, ulong feePaid, in Ed25519PublicKey from, in Ed25519PublicKey to, ulong amount)
        : this(transactionHash, ReceiptStatus.Success, feePaid, null!)
    {
        _isTransfer = true;
        _from = from;
        _to = to;
        _amount = amount;
    }

    /// <summary>
    /// Emitted events, in order. A successful transfer emits one "transfer" event with the attributes
    /// from and to (64 lowercase hex digits each) and amount (decimal μNXS); a validator update emits
    /// "validator_update" with public_key (64 hex digits) and power.
    /// </summary>
    public IReadOnlyList<ChainEvent> Events
    {
        get => Volatile.Read(ref _events) ?? (_isTransfer ? MaterializeTransfer() : null!);
        init
        {
            _events = value;
            _isTransfer = false;
        }
    }

    /// <summary>The receipt of a successful transfer: one "transfer" event (from, to, amount).</summary>
    internal static Receipt ForTransfer(Hash256 transactionHash, ulong feePaid, in Ed25519PublicKey from, in Ed25519PublicKey to, ulong amount) =>
        new(transactionHash, feePaid, from, to, amount);

    private ChainEvent[] MaterializeTransfer()
    {
        ChainEvent[] events = [new ChainEvent("transfer", [
            KeyValuePair.Create("from", _from.ToString()),
            KeyValuePair.Create("to", _to.ToString()),
            KeyValuePair.Create("amount", _amount.ToString(CultureInfo.InvariantCulture))])];
        return Interlocked.CompareExchange(ref _events, events, null) as ChainEvent[] ?? events;
    }

    /// <summary>True when hash, status, fee and the events (types, attribute keys and values, in order) are equal.</summary>
    /// <param name="other">The other receipt.</param>
    /// <returns>True if equal.</returns>
    public bool Equals(Receipt? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || TransactionHash != other.TransactionHash || Status != other.Status || FeePaid != other.FeePaid)
        {
            return false;
        }

        if (_isTransfer && other._isTransfer)
        {
            return _from == other._from && _to == other._to && _amount == other._amount;
        }

        return EventsEqual(Events, other.Events);
    }

    /// <summary>A hash over the transaction hash, status and fee (consistent with <see cref="Equals(Receipt?)"/>).</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode() => HashCode.Combine(TransactionHash, Status, FeePaid);

    private static bool EventsEqual(IReadOnlyList<ChainEvent>? a, IReadOnlyList<ChainEvent>? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null || a.Count != b.Count)
        {
            return false;
        }

        for (int i = 0; i < a.Count; i++)
        {
            ChainEvent x = a[i], y = b[i];
            if (ReferenceEquals(x, y))
            {
                continue;
            }

            if (x is null || y is null || x.Type != y.Type || x.Attributes.Count != y.Attributes.Count)
            {
                return false;
            }

            for (int j = 0; j < x.Attributes.Count; j++)
            {
                if (x.Attributes[j].Key != y.Attributes[j].Key || x.Attributes[j].Value != y.Attributes[j].Value)
                {
                    return false;
                }
            }
        }

        return true;
    }

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
        var buffer = new byte[EncodedSize()];
        var output = new ProtoWriter(buffer);
        WriteTo(ref output);
        return buffer;
    }

    /// <summary>
    /// Writes the canonical encoding, field by field: the bytes Google.Protobuf writes for ToProto()
    /// (ascending fields, proto3 defaults omitted), without building the message objects or strings.
    /// </summary>
    private void WriteTo(ref ProtoWriter output)
    {
        var hash = TransactionHash;
        output.WriteBytesField(1, hash.AsSpan());
        if (Status != 0) output.WriteVarintField(2, (uint)Status);
        if (FeePaid != 0) output.WriteVarintField(3, FeePaid);
        if (_isTransfer)
        {
            WriteTransferEvent(ref output, _from, _to, _amount);
            return;
        }

        var events = Events;
        for (int i = 0; i < events.Count; i++)
        {
            var e = events[i];
            output.WriteLengthPrefix(4, EventSize(e));
            if (e.Type.Length != 0) output.WriteStringField(1, e.Type);
            var attributes = e.Attributes;
            for (int j = 0; j < attributes.Count; j++)
            {
                var (key, value) = attributes[j];
                output.WriteLengthPrefix(2, AttributeSize(key, value));
                if (key.Length != 0) output.WriteStringField(1, key);
                if (value.Length != 0) output.WriteStringField(2, value);
            }
        }
    }

    private int EncodedSize()
    {
        int size = 2 + Hash256.SizeInBytes;
        if (Status != 0) size += 1 + CodedOutputStream.ComputeUInt32Size((uint)Status);
        if (FeePaid != 0) size += 1 + CodedOutputStream.ComputeUInt64Size(FeePaid);
        if (_isTransfer)
        {
            return size + ProtoWriter.LengthDelimitedSize(TransferEventSize(_amount));
        }

        var events = Events;
        for (int i = 0; i < events.Count; i++)
        {
            size += ProtoWriter.LengthDelimitedSize(EventSize(events[i]));
        }

        return size;
    }

    private static int EventSize(ChainEvent e)
    {
        int size = e.Type.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(e.Type);
        var attributes = e.Attributes;
        for (int j = 0; j < attributes.Count; j++)
        {
            var (key, value) = attributes[j];
            size += ProtoWriter.LengthDelimitedSize(AttributeSize(key, value));
        }

        return size;
    }

    private static int AttributeSize(string key, string value) =>
        (key.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(key)) + (value.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(value));

    // The transfer event: EventProto { type "transfer", attributes [from: hex, to: hex, amount: decimal] };
    // every string is non-empty, so every field is written.
    private const int KeyHexLength = 2 * Ed25519PublicKey.SizeInBytes;

    private static int TransferEventSize(ulong amount) =>
        ProtoWriter.LengthDelimitedSize(8) // type "transfer"
        + ProtoWriter.LengthDelimitedSize(ProtoWriter.LengthDelimitedSize(4) + ProtoWriter.LengthDelimitedSize(KeyHexLength)) // from
        + ProtoWriter.LengthDelimitedSize(ProtoWriter.LengthDelimitedSize(2) + ProtoWriter.LengthDelimitedSize(KeyHexLength)) // to
        + ProtoWriter.LengthDelimitedSize(ProtoWriter.LengthDelimitedSize(6) + ProtoWriter.LengthDelimitedSize(ProtoWriter.DecimalDigits(amount))); // amount

    private static void WriteTransferEvent(ref ProtoWriter output, Ed25519PublicKey from, Ed25519PublicKey to, ulong amount)
    {
        output.WriteLengthPrefix(4, TransferEventSize(amount));
        output.WriteBytesField(1, "transfer"u8);
        output.WriteLengthPrefix(2, ProtoWriter.LengthDelimitedSize(4) + ProtoWriter.LengthDelimitedSize(KeyHexLength));
        output.WriteBytesField(1, "from"u8);
        output.WriteHexField(2, from.AsSpan());
        output.WriteLengthPrefix(2, ProtoWriter.LengthDelimitedSize(2) + ProtoWriter.LengthDelimitedSize(KeyHexLength));
        output.WriteBytesField(1, "to"u8);
        output.WriteHexField(2, to.AsSpan());
        output.WriteLengthPrefix(2, ProtoWriter.LengthDelimitedSize(6) + ProtoWriter.LengthDelimitedSize(ProtoWriter.DecimalDigits(amount)));
        output.WriteBytesField(1, "amount"u8);
        output.WriteDecimalField(2, amount);
    }

    internal static Receipt FromProto(ReceiptProto proto)
    {
        if (!Canonical.IsHash(proto.TransactionHash) || proto.Status > 2)
        {
            throw new ChainFormatException("receipt: bad hash or status");
        }

        var events = proto.Events.Select(e => new ChainEvent(e.Type, e.Attributes.Select(a => KeyValuePair.Create(a.Key, a.Value)).ToArray())).ToArray();
        return new Receipt(new Hash256(proto.TransactionHash.Span), (ReceiptStatus)proto.Status, proto.FeePaid, events);
    }

    /// <summary>The canonical ReceiptListProto encoding (field 1 per receipt, block order).</summary>
    internal static byte[] EncodeList(IReadOnlyList<Receipt> receipts) => EncodeList(receipts, out _);

    /// <summary>
    /// The canonical ReceiptListProto encoding (field 1 per receipt, block order), written in one pass into
    /// one exact-size array, and the receipts root: the Nexus.Crypto Merkle root over the receipt encodings
    /// (each hashed where it lies in that array). Computed once per block, for the header and for storage.
    /// </summary>
    internal static byte[] EncodeList(IReadOnlyList<Receipt> receipts, out Hash256 root)
    {
        int count = receipts.Count;
        int[] sizes = ArrayPool<int>.Shared.Rent(count);
        Hash256[] leaves = ArrayPool<Hash256>.Shared.Rent(count);
        try
        {
            long total = 0;
            for (int i = 0; i < count; i++)
            {
                sizes[i] = receipts[i].EncodedSize();
                total += ProtoWriter.LengthDelimitedSize(sizes[i]);
            }

            var buffer = new byte[checked((int)total)];
            var output = new ProtoWriter(buffer);
            for (int i = 0; i < count; i++)
            {
                output.WriteLengthPrefix(1, sizes[i]);
                int start = output.Position;
                receipts[i].WriteTo(ref output);
                leaves[i] = MerkleTree.HashLeaf(buffer.AsSpan(start, sizes[i]));
            }

            root = MerkleTree.ComputeRoot(leaves.AsSpan(0, count));
            return buffer;
        }
        finally
        {
            ArrayPool<Hash256>.Shared.Return(leaves);
            ArrayPool<int>.Shared.Return(sizes);
        }
    }

    internal static Receipt[] DecodeList(ReadOnlySpan<byte> data) =>
        Canonical.Parse(ListParser, data, ChainLimits.MaxReceiptBytes).Receipts.Select(FromProto).ToArray();

    /// <summary>The receipts root: Merkle root over the canonical receipt encodings, block order.</summary>
    internal static Hash256 ComputeRoot(IReadOnlyList<Receipt> receipts)
    {
        EncodeList(receipts, out var root);
        return root;
    }
}
