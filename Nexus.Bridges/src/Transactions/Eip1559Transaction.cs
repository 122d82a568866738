using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>
/// An EIP-1559 (type 0x02) transaction: 0x02 || RLP([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit,
/// to, value, data, accessList, yParity, r, s]). The signing payload is 0x02 || RLP of the first nine fields.
/// <see cref="Transaction.ChainId"/> is required.
/// </summary>
public sealed class Eip1559Transaction : Transaction
{
    /// <inheritdoc />
    public override byte Type => 2;

    /// <summary>The tip per gas paid to the block producer, in wei.</summary>
    public BigInteger MaxPriorityFeePerGas { get; init; }

    /// <summary>The most the sender pays per gas (base fee + tip), in wei.</summary>
    public BigInteger MaxFeePerGas { get; init; }

    /// <summary>The EIP-2930 access list (empty by default).</summary>
    public IReadOnlyList<AccessListEntry> AccessList { get; init; } = [];

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException"><see cref="Transaction.ChainId"/> is null.</exception>
    public override byte[] EncodeForSigning()
    {
        var writer = new RlpWriter();
        writer.WriteEncoded([Type]);
        writer.StartList();
        WriteUnsigned(writer);
        writer.EndList();
        return writer.ToArray();
    }

    /// <inheritdoc />
    public override byte[] Encode()
    {
        EcdsaSignature signature = Signature ?? throw new InvalidOperationException("The transaction is not signed.");
        var writer = new RlpWriter();
        writer.WriteEncoded([Type]);
        writer.StartList();
        WriteUnsigned(writer);
        writer.WriteUInt64(signature.YParity);
        WriteRs(writer, signature);
        writer.EndList();
        return writer.ToArray();
    }

    /// <inheritdoc />
    public override Transaction WithSignature(EcdsaSignature signature) => new Eip1559Transaction
    {
        ChainId = ChainId,
        Nonce = Nonce,
        MaxPriorityFeePerGas = MaxPriorityFeePerGas,
        MaxFeePerGas = MaxFeePerGas,
        GasLimit = GasLimit,
        To = To,
        Value = Value,
        Data = Data,
        AccessList = AccessList,
        Signature = signature,
    };

    private void WriteUnsigned(RlpWriter writer)
    {
        writer.WriteUInt64(ChainId ?? throw new InvalidOperationException("An EIP-1559 transaction needs a chain id."));
        writer.WriteUInt64(Nonce);
        writer.WriteBigInteger(MaxPriorityFeePerGas);
        writer.WriteBigInteger(MaxFeePerGas);
        writer.WriteUInt64(GasLimit);
        WriteCommonTail(writer);
        writer.StartList();
        foreach (AccessListEntry entry in AccessList)
        {
            writer.StartList();
            writer.WriteAddress(entry.Address);
            writer.StartList();
            foreach (Hash32 key in entry.StorageKeys)
            {
                writer.WriteHash32(key);
            }

            writer.EndList();
            writer.EndList();
        }

        writer.EndList();
    }

    internal static Eip1559Transaction DecodePayload(ReadOnlySpan<byte> payload)
    {
        var outer = new RlpReader(payload);
        RlpReader fields = outer.ReadList();
        outer.EnsureEnd();
        ulong chainId = fields.ReadUInt64();
        ulong nonce = fields.ReadUInt64();
        BigInteger tip = fields.ReadUInt256();
        BigInteger feeCap = fields.ReadUInt256();
        ulong gasLimit = fields.ReadUInt64();
        Address? to = fields.ReadOptionalAddress();
        BigInteger value = fields.ReadUInt256();
        byte[] data = fields.ReadBytes().ToArray();
        var accessList = new List<AccessListEntry>();
        RlpReader list = fields.ReadList();
        while (list.HasMore)
        {
            RlpReader entry = list.ReadList();
            Address address = entry.ReadAddress();
            RlpReader keysReader = entry.ReadList();
            var keys = new List<Hash32>();
            while (keysReader.HasMore)
            {
                keys.Add(keysReader.ReadHash32());
            }

            entry.EnsureEnd();
            accessList.Add(new AccessListEntry(address, keys));
        }

        ulong parity = fields.ReadUInt64();
        if (parity > 1)
        {
            throw new EvmFormatException("yParity must be 0 or 1.");
        }

        EcdsaSignature signature = ReadSignature(ref fields, (byte)parity);
        fields.EnsureEnd();
        return new Eip1559Transaction
        {
            ChainId = chainId,
            Nonce = nonce,
            MaxPriorityFeePerGas = tip,
            MaxFeePerGas = feeCap,
            GasLimit = gasLimit,
            To = to,
            Value = value,
            Data = data,
            AccessList = accessList,
            Signature = signature,
        };
    }
}
