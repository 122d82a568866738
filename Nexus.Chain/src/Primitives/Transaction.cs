using System.Buffers;
using System.Text;
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

    private readonly byte[] _encoded;
    private readonly int _signedLength;
    private int _verified; // 0 unknown, 1 valid, 2 invalid

    private Transaction(TransactionProto proto, byte[] encoded)
    {
        ChainId = proto.ChainId;
        Sender = new Ed25519PublicKey(proto.Sender.Span);
        Nonce = proto.Nonce;
        Recipient = proto.Recipient.IsEmpty ? null : new Ed25519PublicKey(proto.Recipient.Span);
        Amount = proto.Amount;
        Fee = proto.Fee;
        Kind = (TransactionKind)proto.Kind;
        Payload = proto.Payload.Memory;
        Signature = new Ed25519Signature(proto.Signature.Span);
        _encoded = encoded;
        _signedLength = encoded.Length - (2 + Ed25519Signature.SizeInBytes); // tag 0x4A, length 0x40, 64 bytes
        Hash = Blake3.Hash(encoded);
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
    public Ed25519Signature Signature { get; }

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
    public static bool TryDecode(ReadOnlySpan<byte> data, out Transaction? transaction, out string? error)
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

    internal TransactionProto ToProto() => TransactionProto.Parser.ParseFrom(_encoded);

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
            Canonical.WriteSignBytes(message, Domain, ChainId, _encoded.AsSpan(0, _signedLength));
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
}
