using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>
/// A legacy (type 0) transaction: RLP([nonce, gasPrice, gasLimit, to, value, data, v, r, s]) (yellow paper 4.3).
/// With a <see cref="Transaction.ChainId"/> it follows EIP-155: the signing payload appends [chainId, 0, 0] and
/// v = 35 + 2·chainId + yParity; without one v = 27 + yParity.
/// </summary>
public sealed class LegacyTransaction : Transaction
{
    /// <inheritdoc />
    public override byte Type => 0;

    /// <summary>The gas price, in wei per gas.</summary>
    public BigInteger GasPrice { get; init; }

    /// <summary>The v value on the wire: 27 + yParity, or 35 + 2·chainId + yParity under EIP-155.</summary>
    /// <exception cref="InvalidOperationException">The transaction is not signed.</exception>
    public BigInteger V
    {
        get
        {
            EcdsaSignature signature = Signature ?? throw new InvalidOperationException("The transaction is not signed.");
            return ChainId is ulong chainId ? new BigInteger(chainId) * 2 + 35 + signature.YParity : 27 + signature.YParity;
        }
    }

    /// <inheritdoc />
    public override byte[] EncodeForSigning()
    {
        var writer = new RlpWriter();
        writer.StartList();
        WriteUnsigned(writer);
        if (ChainId is ulong chainId)
        {
            writer.WriteUInt64(chainId);
            writer.WriteUInt64(0);
            writer.WriteUInt64(0);
        }

        writer.EndList();
        return writer.ToArray();
    }

    /// <inheritdoc />
    public override byte[] Encode()
    {
        EcdsaSignature signature = Signature ?? throw new InvalidOperationException("The transaction is not signed.");
        var writer = new RlpWriter();
        writer.StartList();
        WriteUnsigned(writer);
        writer.WriteBigInteger(V);
        WriteRs(writer, signature);
        writer.EndList();
        return writer.ToArray();
    }

    /// <inheritdoc />
    public override Transaction WithSignature(EcdsaSignature signature) => new LegacyTransaction
    {
        ChainId = ChainId,
        Nonce = Nonce,
        GasPrice = GasPrice,
        GasLimit = GasLimit,
        To = To,
        Value = Value,
        Data = Data,
        Signature = signature,
    };

    private void WriteUnsigned(RlpWriter writer)
    {
        writer.WriteUInt64(Nonce);
        writer.WriteBigInteger(GasPrice);
        writer.WriteUInt64(GasLimit);
        WriteCommonTail(writer);
    }

    internal static LegacyTransaction DecodeLegacy(ReadOnlySpan<byte> encoded)
    {
        var outer = new RlpReader(encoded);
        RlpReader fields = outer.ReadList();
        outer.EnsureEnd();
        ulong nonce = fields.ReadUInt64();
        BigInteger gasPrice = fields.ReadUInt256();
        ulong gasLimit = fields.ReadUInt64();
        Address? to = fields.ReadOptionalAddress();
        BigInteger value = fields.ReadUInt256();
        byte[] data = fields.ReadBytes().ToArray();
        BigInteger v = fields.ReadUInt256();
        ulong? chainId;
        byte parity;
        if (v == 27 || v == 28)
        {
            chainId = null;
            parity = (byte)(v - 27);
        }
        else if (v >= 35 && (v - 35) / 2 <= ulong.MaxValue)
        {
            chainId = (ulong)((v - 35) / 2);
            parity = (byte)((v - 35) % 2);
        }
        else
        {
            throw new EvmFormatException("Legacy transaction v is neither 27/28 nor 35 + 2·chainId + {0,1}.");
        }

        EcdsaSignature signature = ReadSignature(ref fields, parity);
        fields.EnsureEnd();
        return new LegacyTransaction
        {
            ChainId = chainId,
            Nonce = nonce,
            GasPrice = gasPrice,
            GasLimit = gasLimit,
            To = to,
            Value = value,
            Data = data,
            Signature = signature,
        };
    }
}
