using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>
/// An Ethereum transaction (yellow paper, section 4.3): build it with an object initializer, sign it with
/// <see cref="Sign"/>, and send <see cref="Encode"/> with eth_sendRawTransaction. <see cref="Decode"/> reads
/// both legacy (EIP-155) and EIP-1559 (type 0x02) encodings. Instances are immutable once built.
/// </summary>
public abstract class Transaction
{
    /// <summary>The EIP-2718 transaction type: 0 for legacy, 2 for EIP-1559.</summary>
    public abstract byte Type { get; }

    /// <summary>The EIP-155 chain id (1 = mainnet). Null only for a pre-EIP-155 legacy transaction.</summary>
    public ulong? ChainId { get; init; }

    /// <summary>The sender's transaction count before this transaction.</summary>
    public ulong Nonce { get; init; }

    /// <summary>The gas limit, in gas units.</summary>
    public ulong GasLimit { get; init; }

    /// <summary>The recipient, or null to create a contract (then <see cref="Data"/> is the init code).</summary>
    public Address? To { get; init; }

    /// <summary>The value transferred, in wei (0 &lt;= value &lt; 2^256).</summary>
    public BigInteger Value { get; init; }

    /// <summary>The call data or contract init code.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The signature, or null while unsigned.</summary>
    public EcdsaSignature? Signature { get; init; }

    /// <summary>The payload whose Keccak-256 is signed (legacy: RLP of 6 or, with EIP-155, 9 fields; EIP-1559:
    /// 0x02 || RLP of the 9 unsigned fields).</summary>
    /// <returns>The signing payload.</returns>
    public abstract byte[] EncodeForSigning();

    /// <summary>Keccak-256 of <see cref="EncodeForSigning"/>, the 32-byte hash the sender signs.</summary>
    /// <returns>The signing hash.</returns>
    public Hash32 GetSigningHash() => Keccak256.Hash(EncodeForSigning());

    /// <summary>The network ("raw") encoding of the signed transaction: legacy RLP, or the EIP-2718 envelope type || RLP.</summary>
    /// <returns>The bytes eth_sendRawTransaction takes.</returns>
    /// <exception cref="InvalidOperationException">The transaction is not signed.</exception>
    public abstract byte[] Encode();

    /// <summary>The transaction hash: Keccak-256 of <see cref="Encode"/>.</summary>
    /// <returns>The hash.</returns>
    /// <exception cref="InvalidOperationException">The transaction is not signed.</exception>
    public Hash32 GetHash() => Keccak256.Hash(Encode());

    /// <summary>Returns a signed copy of this transaction.</summary>
    /// <param name="key">The sender's key.</param>
    /// <returns>The signed transaction (same type).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public Transaction Sign(Secp256k1PrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WithSignature(key.Sign(GetSigningHash().Bytes));
    }

    /// <summary>Returns a copy of this transaction carrying <paramref name="signature"/>.</summary>
    /// <param name="signature">The signature.</param>
    /// <returns>The signed transaction.</returns>
    public abstract Transaction WithSignature(EcdsaSignature signature);

    /// <summary>Recovers the sender's address from the signature (EIP-2: s must be in the lower half).</summary>
    /// <returns>The sender.</returns>
    /// <exception cref="InvalidOperationException">The transaction is not signed.</exception>
    /// <exception cref="EvmFormatException">The signature has a high s or does not recover a key.</exception>
    public Address RecoverSender()
    {
        EcdsaSignature signature = Signature ?? throw new InvalidOperationException("The transaction is not signed.");
        if (!signature.IsLowS)
        {
            throw new EvmFormatException("Transaction signatures must have s <= n/2 (EIP-2).");
        }

        return Secp256k1.Ecrecover(GetSigningHash().Bytes, signature)
            ?? throw new EvmFormatException("The signature does not recover a public key.");
    }

    /// <summary>
    /// Decodes a signed transaction in network encoding: a legacy RLP list (first byte &gt;= 0xc0) or an
    /// EIP-2718 envelope whose type is 0x02 (EIP-1559). Decoding is strict RLP with exact field counts.
    /// </summary>
    /// <param name="encoded">The raw transaction.</param>
    /// <returns>A <see cref="LegacyTransaction"/> or an <see cref="Eip1559Transaction"/>.</returns>
    /// <exception cref="EvmFormatException">Empty input, an unsupported type, non-canonical RLP, wrong field count or
    /// sizes, trailing bytes, or a legacy v that is neither 27/28 nor 35 + 2·chainId + {0,1}.</exception>
    public static Transaction Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty)
        {
            throw new EvmFormatException("Empty transaction.");
        }

        if (encoded[0] >= 0xc0)
        {
            return LegacyTransaction.DecodeLegacy(encoded);
        }

        if (encoded[0] == 0x02)
        {
            return Eip1559Transaction.DecodePayload(encoded.Slice(1));
        }

        throw new EvmFormatException($"Unsupported transaction type 0x{encoded[0]:x2}.");
    }

    internal void WriteCommonTail(RlpWriter writer)
    {
        writer.WriteAddress(To);
        writer.WriteBigInteger(Value);
        writer.WriteBytes(Data.Span);
    }

    internal static EcdsaSignature ReadSignature(ref RlpReader reader, byte parity)
    {
        BigInteger r = reader.ReadUInt256();
        BigInteger s = reader.ReadUInt256();
        return new EcdsaSignature(r, s, parity);
    }

    internal static void WriteRs(RlpWriter writer, EcdsaSignature signature)
    {
        writer.WriteBigInteger(signature.R);
        writer.WriteBigInteger(signature.S);
    }
}
