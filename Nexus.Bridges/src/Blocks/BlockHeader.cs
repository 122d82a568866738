using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>
/// An Ethereum block header (yellow paper, section 4.3) with the fields later forks appended: baseFeePerGas
/// (London, EIP-1559), withdrawalsRoot (Shanghai, EIP-4895), blobGasUsed and excessBlobGas (Cancun, EIP-4844),
/// parentBeaconBlockRoot (Cancun, EIP-4788) and requestsHash (Prague, EIP-7685). The RLP contains the 15 base fields
/// followed by exactly the optional fields that are present; they must be present as a prefix of that order.
/// </summary>
public sealed class BlockHeader
{
    /// <summary>Keccak-256 of the parent header.</summary>
    public Hash32 ParentHash { get; init; }

    /// <summary>Keccak-256 of the ommers list ("sha3Uncles"); <see cref="Hash32.EmptyListHash"/> after the merge.</summary>
    public Hash32 OmmersHash { get; init; }

    /// <summary>The fee recipient ("miner", "coinbase").</summary>
    public Address Beneficiary { get; init; }

    /// <summary>The state trie root after the block.</summary>
    public Hash32 StateRoot { get; init; }

    /// <summary>The transactions trie root.</summary>
    public Hash32 TransactionsRoot { get; init; }

    /// <summary>The receipts trie root.</summary>
    public Hash32 ReceiptsRoot { get; init; }

    /// <summary>The 256-byte logs Bloom filter.</summary>
    public ReadOnlyMemory<byte> LogsBloom { get; init; } = new byte[256];

    /// <summary>The proof-of-work difficulty (0 after the merge).</summary>
    public BigInteger Difficulty { get; init; }

    /// <summary>The block number.</summary>
    public ulong Number { get; init; }

    /// <summary>The gas limit, in gas.</summary>
    public ulong GasLimit { get; init; }

    /// <summary>The gas used, in gas.</summary>
    public ulong GasUsed { get; init; }

    /// <summary>The timestamp, in Unix seconds.</summary>
    public ulong Timestamp { get; init; }

    /// <summary>Extra data (at most 32 bytes on mainnet; not enforced here).</summary>
    public ReadOnlyMemory<byte> ExtraData { get; init; }

    /// <summary>The mix hash; prevRandao after the merge (EIP-4399).</summary>
    public Hash32 MixHash { get; init; }

    /// <summary>The 8-byte proof-of-work nonce (zero after the merge).</summary>
    public ReadOnlyMemory<byte> Nonce { get; init; } = new byte[8];

    /// <summary>The base fee per gas in wei (London, EIP-1559), or null before London.</summary>
    public BigInteger? BaseFeePerGas { get; init; }

    /// <summary>The withdrawals trie root (Shanghai, EIP-4895), or null.</summary>
    public Hash32? WithdrawalsRoot { get; init; }

    /// <summary>The blob gas used (Cancun, EIP-4844), or null.</summary>
    public ulong? BlobGasUsed { get; init; }

    /// <summary>The excess blob gas (Cancun, EIP-4844), or null.</summary>
    public ulong? ExcessBlobGas { get; init; }

    /// <summary>The parent beacon block root (Cancun, EIP-4788), or null.</summary>
    public Hash32? ParentBeaconBlockRoot { get; init; }

    /// <summary>The hash of the execution-layer requests (Prague, EIP-7685), or null.</summary>
    public Hash32? RequestsHash { get; init; }

    /// <summary>Encodes the header as RLP: the 15 base fields and then each optional field that is present.</summary>
    /// <returns>The RLP.</returns>
    /// <exception cref="InvalidOperationException">An optional field is present while an earlier one is absent, the
    /// bloom is not 256 bytes or the nonce not 8 bytes.</exception>
    public byte[] Encode()
    {
        if (LogsBloom.Length != 256 || Nonce.Length != 8)
        {
            throw new InvalidOperationException("The logs bloom is 256 bytes and the nonce 8 bytes.");
        }

        var writer = new RlpWriter(640);
        writer.StartList();
        writer.WriteHash32(ParentHash);
        writer.WriteHash32(OmmersHash);
        writer.WriteAddress(Beneficiary);
        writer.WriteHash32(StateRoot);
        writer.WriteHash32(TransactionsRoot);
        writer.WriteHash32(ReceiptsRoot);
        writer.WriteBytes(LogsBloom.Span);
        writer.WriteBigInteger(Difficulty);
        writer.WriteUInt64(Number);
        writer.WriteUInt64(GasLimit);
        writer.WriteUInt64(GasUsed);
        writer.WriteUInt64(Timestamp);
        writer.WriteBytes(ExtraData.Span);
        writer.WriteHash32(MixHash);
        writer.WriteBytes(Nonce.Span);
        bool[] present = [BaseFeePerGas.HasValue, WithdrawalsRoot.HasValue, BlobGasUsed.HasValue, ExcessBlobGas.HasValue, ParentBeaconBlockRoot.HasValue, RequestsHash.HasValue];
        int count = 0;
        while (count < present.Length && present[count])
        {
            count++;
        }

        for (int i = count; i < present.Length; i++)
        {
            if (present[i])
            {
                throw new InvalidOperationException("Optional header fields must be present in fork order without gaps.");
            }
        }

        if (count > 0)
        {
            writer.WriteBigInteger(BaseFeePerGas!.Value);
        }

        if (count > 1)
        {
            writer.WriteHash32(WithdrawalsRoot!.Value);
        }

        if (count > 2)
        {
            writer.WriteUInt64(BlobGasUsed!.Value);
        }

        if (count > 3)
        {
            writer.WriteUInt64(ExcessBlobGas!.Value);
        }

        if (count > 4)
        {
            writer.WriteHash32(ParentBeaconBlockRoot!.Value);
        }

        if (count > 5)
        {
            writer.WriteHash32(RequestsHash!.Value);
        }

        writer.EndList();
        return writer.ToArray();
    }

    /// <summary>The block hash: Keccak-256 of <see cref="Encode"/>.</summary>
    /// <returns>The hash.</returns>
    /// <exception cref="InvalidOperationException">See <see cref="Encode"/>.</exception>
    public Hash32 GetHash() => Keccak256.Hash(Encode());

    /// <summary>Decodes a header from strict RLP with 15 to 21 fields.</summary>
    /// <param name="encoded">The RLP.</param>
    /// <returns>The header.</returns>
    /// <exception cref="EvmFormatException">Malformed RLP, a wrong field size, or a field count outside 15..21.</exception>
    public static BlockHeader Decode(ReadOnlySpan<byte> encoded)
    {
        var outer = new RlpReader(encoded);
        RlpReader r = outer.ReadList();
        outer.EnsureEnd();
        Hash32 parent = r.ReadHash32();
        Hash32 ommers = r.ReadHash32();
        Address beneficiary = r.ReadAddress();
        Hash32 state = r.ReadHash32();
        Hash32 txs = r.ReadHash32();
        Hash32 receipts = r.ReadHash32();
        ReadOnlySpan<byte> bloom = r.ReadBytes();
        if (bloom.Length != 256)
        {
            throw new EvmFormatException("The logs bloom is 256 bytes.");
        }

        BigInteger difficulty = r.ReadUInt256();
        ulong number = r.ReadUInt64();
        ulong gasLimit = r.ReadUInt64();
        ulong gasUsed = r.ReadUInt64();
        ulong timestamp = r.ReadUInt64();
        byte[] extra = r.ReadBytes().ToArray();
        Hash32 mix = r.ReadHash32();
        ReadOnlySpan<byte> nonce = r.ReadBytes();
        if (nonce.Length != 8)
        {
            throw new EvmFormatException("The header nonce is 8 bytes.");
        }

        return new BlockHeader
        {
            ParentHash = parent,
            OmmersHash = ommers,
            Beneficiary = beneficiary,
            StateRoot = state,
            TransactionsRoot = txs,
            ReceiptsRoot = receipts,
            LogsBloom = bloom.ToArray(),
            Difficulty = difficulty,
            Number = number,
            GasLimit = gasLimit,
            GasUsed = gasUsed,
            Timestamp = timestamp,
            ExtraData = extra,
            MixHash = mix,
            Nonce = nonce.ToArray(),
            BaseFeePerGas = r.HasMore ? r.ReadUInt256() : null,
            WithdrawalsRoot = r.HasMore ? r.ReadHash32() : null,
            BlobGasUsed = r.HasMore ? r.ReadUInt64() : null,
            ExcessBlobGas = r.HasMore ? r.ReadUInt64() : null,
            ParentBeaconBlockRoot = r.HasMore ? r.ReadHash32() : null,
            RequestsHash = r.HasMore ? ReadLast(ref r) : null,
        };
    }

    private static Hash32 ReadLast(ref RlpReader r)
    {
        Hash32 value = r.ReadHash32();
        r.EnsureEnd();
        return value;
    }
}
