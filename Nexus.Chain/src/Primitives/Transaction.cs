using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Google.Protobuf;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>What a transaction does (u8 tag on the wire, field 7).</summary>
public enum TransactionKind : byte
{
    /// <summary>Moves <see cref="Transaction.Amount"/> μNXS from the sender to the recipient.</summary>
    Transfer = 0,

    /// <summary>
    /// Sets a validator's voting power (payload: ValidatorUpdateProto { public_key (32), power }; power 0
    /// removes it). Only the genesis authority may send it; it takes effect from the next height.
    /// </summary>
    ValidatorUpdate = 1,
}

/// <summary>
/// A signed account transaction (decision D10: account model with nonces). Immutable.
/// <para>
/// Wire and hash form: the canonical TransactionProto encoding (fields 1–9: chain_id, sender (32),
/// nonce, recipient (32 or empty), amount μNXS, fee μNXS, kind, payload, signature (64)). Because the
/// signature is the last field, the encoding without it is a prefix of the full encoding; the
/// Ed25519 signature covers "nexus-chain tx v1" ‖ u8 chain-id length ‖ chain id ‖ that prefix.
/// <see cref="Hash"/> = BLAKE3-256 of the full encoding.
/// </para>
/// </summary>
public sealed class Transaction
{
    private static readonly MessageParser<TransactionProto> Parser = Canonical.Strict(TransactionProto.Parser);
    private static ReadOnlySpan<byte> Domain => "nexus-chain tx v1"u8;

    private readonly ReadOnlyMemory<byte> _encoded; // its own array, or a slice of a block's encoding
    private readonly int _signedLength;
    private int _verified; // 0 unknown, 1 valid, 2 invalid

    private Transaction(TransactionProto proto, byte[] encoded)
        : this(proto.ChainId, new Ed25519PublicKey(proto.Sender.Span), proto.Nonce, proto.Recipient.IsEmpty ? null : new Ed25519PublicKey(proto.Recipient.Span),
            proto.Amount, proto.Fee, (TransactionKind)proto.Kind, proto.Payload.Memory, encoded, Blake3.Hash(encoded))
    {
    }

    private Transaction(string chainId, in Ed25519PublicKey sender, ulong nonce, Ed25519PublicKey? recipient, ulong amount, ulong fee, TransactionKind kind, ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> encoded, in Hash256 hash)
    {
        ChainId = chainId;
        Sender = sender;
        Nonce = nonce;
        Recipient = recipient;
        Amount = amount;
        Fee = fee;
        Kind = kind;
        Payload = payload;
        _encoded = encoded;
        _signedLength = encoded.Length - (2 + Ed25519Signature.SizeInBytes); // tag 0x4A, length 0x40, 64 bytes
        Hash = hash;
    }

    /// <summary>The chain this transaction is valid on (at most 64 UTF-8 bytes); replay protection across chains.</summary>
    public string ChainId { get; }

    /// <summary>The sending account: its 32-byte Ed25519 public key, which also verifies <see cref="Signature"/>.</summary>
    public Ed25519PublicKey Sender { get; }

    /// <summary>The sender's account nonce this transaction consumes (first transaction: 0).</summary>
    public ulong Nonce { get; }

    /// <summary>The receiving account for <see cref="TransactionKind.Transfer"/>; null for kinds without one.</summary>
    public Ed25519PublicKey? Recipient { get; }

    /// <summary>Amount moved, in μNXS.</summary>
    public ulong Amount { get; }

    /// <summary>Fee paid to the block proposer, in μNXS.</summary>
    public ulong Fee { get; }

    /// <summary>What the transaction does.</summary>
    public TransactionKind Kind { get; }

    /// <summary>Kind-specific payload (empty for transfers).</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The 64-byte Ed25519 signature by <see cref="Sender"/>.</summary>
    public Ed25519Signature Signature => new(_encoded.Span[(_signedLength + 2)..]); // the last 64 bytes of the encoding

    /// <summary>BLAKE3-256 of <see cref="Encoded"/>: the transaction id.</summary>
    public Hash256 Hash { get; }

    /// <summary>The canonical encoding (what is hashed, gossiped and stored).</summary>
    public ReadOnlyMemory<byte> Encoded => _encoded;

    /// <summary>Length of <see cref="Encoded"/> in bytes.</summary>
    public int Size => _encoded.Length;

    /// <summary>Amount + fee in μNXS, or null when the sum overflows 64 bits.</summary>
    public ulong? TotalCost => Amount > ulong.MaxValue - Fee ? null : Amount + Fee;

    /// <summary>Builds and signs a transaction.</summary>
    /// <param name="key">The sender's Ed25519 key; its public key becomes <see cref="Sender"/>.</param>
    /// <param name="chainId">The chain id, 1–64 UTF-8 bytes.</param>
    /// <param name="nonce">The sender's next nonce.</param>
    /// <param name="recipient">The recipient, or null (validator updates).</param>
    /// <param name="amount">μNXS to transfer.</param>
    /// <param name="fee">μNXS fee.</param>
    /// <param name="kind">The transaction kind.</param>
    /// <param name="payload">Kind-specific payload.</param>
    /// <returns>The signed transaction.</returns>
    /// <exception cref="ArgumentException">The chain id is empty or longer than 64 bytes, or the encoding exceeds <see cref="ChainLimits.MaxTransactionBytes"/>.</exception>
    public static Transaction Create(Ed25519PrivateKey key, string chainId, ulong nonce, Ed25519PublicKey? recipient, ulong amount, ulong fee, TransactionKind kind = TransactionKind.Transfer, ReadOnlySpan<byte> payload = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(chainId);
        int idBytes = Encoding.UTF8.GetByteCount(chainId);
        if (idBytes is 0 or > ChainLimits.MaxChainIdBytes)
        {
            throw new ArgumentException("The chain id is 1-64 UTF-8 bytes.", nameof(chainId));
        }

        var proto = new TransactionProto
        {
            ChainId = chainId,
            Sender = Canonical.From(key.PublicKey),
            Nonce = nonce,
            Recipient = recipient is { } r ? Canonical.From(r) : ByteString.Empty,
            Amount = amount,
            Fee = fee,
            Kind = (uint)kind,
            Payload = ByteString.CopyFrom(payload),
        };
        byte[] unsigned = proto.ToByteArray();
        var signature = key.Sign(Canonical.SignBytes(Domain, chainId, unsigned));
        proto.Signature = Canonical.From(signature);
        byte[] encoded = proto.ToByteArray();
        if (encoded.Length > ChainLimits.MaxTransactionBytes)
        {
            throw new ArgumentException($"The transaction encodes to {encoded.Length} bytes; the limit is {ChainLimits.MaxTransactionBytes}.", nameof(payload));
        }

        var tx = new Transaction(proto, encoded);
        tx._verified = 1;
        return tx;
    }

    /// <summary>Decodes a canonical transaction encoding (signature not yet verified).</summary>
    /// <param name="data">At most <see cref="ChainLimits.MaxTransactionBytes"/> bytes.</param>
    /// <returns>The transaction.</returns>
    /// <exception cref="ChainFormatException">Not canonical, too large, or a field has the wrong length or value.</exception>
    public static Transaction Decode(ReadOnlySpan<byte> data) =>
        TryDecode(data, out var tx, out var error) ? tx! : throw new ChainFormatException(error!);

    /// <summary>Decodes a canonical transaction encoding without throwing.</summary>
    /// <param name="data">The encoded transaction.</param>
    /// <param name="transaction">The transaction, or null on failure.</param>
    /// <param name="error">Why decoding failed, or null.</param>
    /// <returns>True on success.</returns>
    public static bool TryDecode(ReadOnlySpan<byte> data, out Transaction? transaction, out string? error) => TryDecode(data, null, out transaction, out error);

    /// <summary>
    /// <see cref="TryDecode(ReadOnlySpan{byte}, out Transaction?, out string?)"/> for a caller that has
    /// computed BLAKE3-256(<paramref name="data"/>) already (to look the id up in the mempool), or null.
    /// </summary>
    internal static bool TryDecode(ReadOnlySpan<byte> data, Hash256? hash, out Transaction? transaction, out string? error)
    {
        // One copy of the bytes (taken after the size check), which the transaction keeps; the payload is a view into it.
        transaction = null;
        error = TooLarge(data.Length);
        return error is null && TryDecodeOwned(data.ToArray(), hash, out transaction, out error);
    }

    /// <summary>
    /// <see cref="TryDecode(ReadOnlySpan{byte}, Hash256?, out Transaction?, out string?)"/> keeping <paramref name="encoded"/>
    /// itself (not a copy) as the transaction's encoding: for a block decoder that owns the block's bytes
    /// (the caller must not modify them afterwards).
    /// </summary>
    internal static bool TryDecodeOwned(ReadOnlyMemory<byte> encoded, Hash256? hash, out Transaction? transaction, out string? error)
    {
        var data = encoded.Span;
        // Walks the TransactionProto framing directly (no message objects, no re-encoding): the canonical
        // rules of Canonical.TryParse spelled out for this message (fields 1-9 once each in ascending
        // order with their declared wire types, no default value written, minimal varints, no unknown
        // fields, valid UTF-8 chain id). TryDecodeReference is the protobuf path it must agree with.
        transaction = null;
        if ((error = TooLarge(data.Length)) is not null)
        {
            return false;
        }

        ReadOnlySpan<byte> chainId = default, sender = default, recipient = default, signature = default;
        ulong nonce = 0, amount = 0, fee = 0, kind = 0;
        int payloadOffset = 0, payloadLength = 0;
        int pos = 0, previous = 0;
        while (pos < data.Length)
        {
            int start = pos;
            byte tag = data[pos++];
            int field = tag >> 3;

            // Fields 1-9 have one-byte tags, so a longer tag is unknown or not minimal.
            if (tag >= 0x80 || field <= previous || field > 9 || (tag & 7) != WireType(field))
            {
                error = $"TransactionProto: not the canonical encoding (byte {start}: tag 0x{tag:X2} is out of order, repeated, unknown or of the wrong wire type)";
                return false;
            }

            previous = field;
            if ((tag & 7) == 0)
            {
                if (!Canonical.TryReadVarint(data, ref pos, out ulong number))
                {
                    error = $"TransactionProto: malformed or non-minimal varint for field {field} at byte {start}";
                    return false;
                }

                if (number == 0 || (field == 7 && number > uint.MaxValue))
                {
                    error = $"TransactionProto: not the canonical encoding (field {field} at byte {start} writes {(number == 0 ? "the default 0" : "a value wider than 32 bits")})";
                    return false;
                }

                switch (field)
                {
                    case 3: nonce = number; break;
                    case 5: amount = number; break;
                    case 6: fee = number; break;
                    default: kind = number; break;
                }

                continue;
            }

            if (!Canonical.TryReadLength(data, ref pos, out int length) || length > data.Length - pos)
            {
                error = $"TransactionProto: malformed length or truncated field {field} at byte {start}";
                return false;
            }

            if (length == 0)
            {
                error = $"TransactionProto: not the canonical encoding (field {field} at byte {start} writes the default empty value)";
                return false;
            }

            var value = data.Slice(pos, length);
            switch (field)
            {
                case 1: chainId = value; break;
                case 2: sender = value; break;
                case 4: recipient = value; break;
                case 8: payloadOffset = pos; payloadLength = length; break;
                default: signature = value; break;
            }

            pos += length;
        }

        if (chainId.IsEmpty || chainId.Length > ChainLimits.MaxChainIdBytes)
        {
            error = "transaction: chain id must be 1-64 bytes";
            return false;
        }

        if (!Utf8.IsValid(chainId))
        {
            error = "TransactionProto: not the canonical encoding (the chain id is not valid UTF-8)";
            return false;
        }

        if (sender.Length != Ed25519PublicKey.SizeInBytes || !(recipient.IsEmpty || recipient.Length == Ed25519PublicKey.SizeInBytes) || signature.Length != Ed25519Signature.SizeInBytes)
        {
            error = "transaction: sender/recipient must be 32 bytes and the signature 64";
            return false;
        }

        if (kind > (ulong)TransactionKind.ValidatorUpdate)
        {
            error = $"transaction: unknown kind {kind}";
            return false;
        }

        if (kind == (ulong)TransactionKind.Transfer && recipient.IsEmpty)
        {
            error = "transaction: a transfer needs a recipient";
            return false;
        }

        transaction = new Transaction(ChainIdCache.Get(chainId), new Ed25519PublicKey(sender), nonce, recipient.IsEmpty ? null : new Ed25519PublicKey(recipient),
            amount, fee, (TransactionKind)kind, encoded.Slice(payloadOffset, payloadLength), encoded, hash ?? Blake3.Hash(data));
        error = null;
        return true;
    }

    private static string? TooLarge(int length) =>
        length > ChainLimits.MaxTransactionBytes ? $"TransactionProto: {length} bytes exceeds the {ChainLimits.MaxTransactionBytes}-byte bound" : null;

    /// <summary>The protobuf wire type of TransactionProto field 1-9: varint (0) for the numbers, length-delimited (2) otherwise.</summary>
    private static int WireType(int field) => field is 3 or 5 or 6 or 7 ? 0 : 2;

    /// <summary>
    /// The reference decoder: strict Google.Protobuf parse, canonical re-encoding check, then field checks.
    /// <see cref="TryDecode(ReadOnlySpan{byte}, out Transaction?, out string?)"/> accepts exactly the same inputs
    /// and yields an equal transaction (property-tested).
    /// </summary>
    internal static bool TryDecodeReference(ReadOnlySpan<byte> data, out Transaction? transaction, out string? error)
    {
        transaction = null;
        if (!Canonical.TryParse(Parser, data, ChainLimits.MaxTransactionBytes, out var proto, out error))
        {
            return false;
        }

        return TryFromProto(proto!, data.ToArray(), out transaction, out error);
    }

    internal static bool TryFromProto(TransactionProto proto, byte[]? encoded, out Transaction? transaction, out string? error)
    {
        transaction = null;
        if (proto.ChainId.Length == 0 || Encoding.UTF8.GetByteCount(proto.ChainId) > ChainLimits.MaxChainIdBytes)
        {
            error = "transaction: chain id must be 1-64 bytes";
            return false;
        }

        if (!Canonical.IsKey(proto.Sender) || !(proto.Recipient.IsEmpty || Canonical.IsKey(proto.Recipient)) || !Canonical.IsSignature(proto.Signature))
        {
            error = "transaction: sender/recipient must be 32 bytes and the signature 64";
            return false;
        }

        if (proto.Kind > (uint)TransactionKind.ValidatorUpdate)
        {
            error = $"transaction: unknown kind {proto.Kind}";
            return false;
        }

        if (proto.Kind == (uint)TransactionKind.Transfer && proto.Recipient.IsEmpty)
        {
            error = "transaction: a transfer needs a recipient";
            return false;
        }

        encoded ??= proto.ToByteArray();
        if (encoded.Length > ChainLimits.MaxTransactionBytes)
        {
            error = "transaction: too large";
            return false;
        }

        transaction = new Transaction(proto, encoded);
        error = null;
        return true;
    }

    internal TransactionProto ToProto() => TransactionProto.Parser.ParseFrom(_encoded.Span);

    /// <summary>
    /// Verifies the Ed25519 signature over the signed prefix. The result is cached on this instance,
    /// so verifying again (mempool, then block execution) costs nothing. Thread-safe.
    /// </summary>
    /// <returns>True if <see cref="Sender"/> signed this transaction.</returns>
    public bool VerifySignature()
    {
        int state = Volatile.Read(ref _verified);
        if (state != 0)
        {
            return state == 1;
        }

        // The signed bytes are assembled in a stack or pooled buffer: no allocation per check.
        int length = Canonical.SignBytesLength(Domain, ChainId, _signedLength);
        byte[]? rented = length > 1024 ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> buffer = rented is null ? stackalloc byte[1024] : rented;
        bool ok;
        try
        {
            var message = buffer[..length];
            Canonical.WriteSignBytes(message, Domain, ChainId, _encoded.Span[.._signedLength]);
            ok = Sender.Verify(message, Signature);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        Volatile.Write(ref _verified, ok ? 1 : 2);
        return ok;
    }

    /// <summary>True once <see cref="VerifySignature"/> has succeeded on this instance (or it was created by signing).</summary>
    internal bool IsVerified => Volatile.Read(ref _verified) == 1;

    /// <summary>
    /// Takes over a successful verification from another instance with the same <see cref="Hash"/>:
    /// equal BLAKE3-256 hashes mean equal encodings, so the signature need not be checked twice
    /// (a transaction admitted to the mempool and later decoded again from a proposed block).
    /// </summary>
    /// <param name="verified">An instance whose signature was verified.</param>
    internal void AdoptVerification(Transaction verified)
    {
        if (!ReferenceEquals(verified, this) && verified.IsVerified && verified.Hash == Hash)
        {
            Volatile.Write(ref _verified, 1);
        }
    }

    /// <summary>The transaction hash as 64 hex digits.</summary>
    public override string ToString() => Hash.ToString();

    /// <summary>
    /// The chain id string of the last decoded transaction, reused while the UTF-8 bytes are the same
    /// (a node sees one chain id), so decoding does not allocate a string per transaction. Thread-safe:
    /// the cached entry is immutable and replaced as a whole.
    /// </summary>
    private sealed class ChainIdCache(byte[] utf8, string value)
    {
        private static ChainIdCache? s_last;

        public static string Get(ReadOnlySpan<byte> utf8)
        {
            var last = Volatile.Read(ref s_last);
            if (last is not null && utf8.SequenceEqual(last._utf8))
            {
                return last._value;
            }

            var value = Encoding.UTF8.GetString(utf8);
            Volatile.Write(ref s_last, new ChainIdCache(utf8.ToArray(), value));
            return value;
        }

        private readonly byte[] _utf8 = utf8;
        private readonly string _value = value;
    }
}
