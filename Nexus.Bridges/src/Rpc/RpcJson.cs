using System.Numerics;
using System.Text.Json;

namespace Nexus.Bridges.Evm;

/// <summary>Reads the JSON shapes of Ethereum JSON-RPC results; every failure is an <see cref="EvmFormatException"/>.</summary>
internal static class RpcJson
{
    public static T Parse<T>(JsonElement element, Func<JsonElement, T> parse)
    {
        try
        {
            return parse(element);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or ArgumentException or FormatException and not EvmFormatException)
        {
            throw new EvmFormatException("JSON-RPC: unexpected result shape: " + e.Message, e);
        }
    }

    public static string Text(JsonElement e, string name) =>
        e.GetProperty(name).GetString() ?? throw new EvmFormatException($"JSON-RPC: '{name}' is null.");

    public static bool Has(JsonElement e, string name) => e.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null;

    public static Hash32 Hash(JsonElement e, string name) => Hash32.Parse(Text(e, name));

    public static Hash32? OptionalHash(JsonElement e, string name) => Has(e, name) ? Hash(e, name) : null;

    public static Address Address(JsonElement e, string name) => Evm.Address.Parse(Text(e, name));

    public static Address? OptionalAddress(JsonElement e, string name) => Has(e, name) ? Address(e, name) : null;

    public static ulong UInt64(JsonElement e, string name) => Hex.DecodeQuantityUInt64(Text(e, name));

    public static ulong? OptionalUInt64(JsonElement e, string name) => Has(e, name) ? UInt64(e, name) : null;

    public static BigInteger Quantity(JsonElement e, string name) => Hex.DecodeQuantity(Text(e, name));

    public static byte[] Data(JsonElement e, string name) => Hex.Decode(Text(e, name));

    public static BlockHeader Header(JsonElement e) => new()
    {
        ParentHash = Hash(e, "parentHash"),
        OmmersHash = Hash(e, "sha3Uncles"),
        Beneficiary = Address(e, "miner"),
        StateRoot = Hash(e, "stateRoot"),
        TransactionsRoot = Hash(e, "transactionsRoot"),
        ReceiptsRoot = Hash(e, "receiptsRoot"),
        LogsBloom = Data(e, "logsBloom"),
        Difficulty = Has(e, "difficulty") ? Quantity(e, "difficulty") : BigInteger.Zero,
        Number = UInt64(e, "number"),
        GasLimit = UInt64(e, "gasLimit"),
        GasUsed = UInt64(e, "gasUsed"),
        Timestamp = UInt64(e, "timestamp"),
        ExtraData = Data(e, "extraData"),
        MixHash = Hash(e, "mixHash"),
        Nonce = Has(e, "nonce") ? Data(e, "nonce") : new byte[8],
        BaseFeePerGas = Has(e, "baseFeePerGas") ? Quantity(e, "baseFeePerGas") : null,
        WithdrawalsRoot = OptionalHash(e, "withdrawalsRoot"),
        BlobGasUsed = OptionalUInt64(e, "blobGasUsed"),
        ExcessBlobGas = OptionalUInt64(e, "excessBlobGas"),
        ParentBeaconBlockRoot = OptionalHash(e, "parentBeaconBlockRoot"),
        RequestsHash = OptionalHash(e, "requestsHash"),
    };

    public static RpcBlock Block(JsonElement e)
    {
        var hashes = new List<Hash32>();
        if (e.TryGetProperty("transactions", out JsonElement txs) && txs.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement tx in txs.EnumerateArray())
            {
                hashes.Add(tx.ValueKind == JsonValueKind.String ? Hash32.Parse(tx.GetString()) : Hash(tx, "hash"));
            }
        }

        return new RpcBlock { Header = Header(e), Hash = Hash(e, "hash"), TransactionHashes = hashes };
    }

    public static LogEntry Log(JsonElement e) => new()
    {
        Address = Address(e, "address"),
        Topics = e.GetProperty("topics").EnumerateArray().Select(t => Hash32.Parse(t.GetString())).ToArray(),
        Data = Data(e, "data"),
        BlockNumber = OptionalUInt64(e, "blockNumber"),
        BlockHash = OptionalHash(e, "blockHash"),
        TransactionHash = OptionalHash(e, "transactionHash"),
        TransactionIndex = OptionalUInt64(e, "transactionIndex"),
        LogIndex = OptionalUInt64(e, "logIndex"),
        Removed = e.TryGetProperty("removed", out JsonElement r) && r.ValueKind == JsonValueKind.True,
    };

    public static TransactionReceipt Receipt(JsonElement e) => new()
    {
        TransactionHash = Hash(e, "transactionHash"),
        BlockHash = Hash(e, "blockHash"),
        BlockNumber = UInt64(e, "blockNumber"),
        TransactionIndex = UInt64(e, "transactionIndex"),
        From = Address(e, "from"),
        To = OptionalAddress(e, "to"),
        ContractAddress = OptionalAddress(e, "contractAddress"),
        Status = OptionalUInt64(e, "status") ?? 0,
        GasUsed = UInt64(e, "gasUsed"),
        CumulativeGasUsed = UInt64(e, "cumulativeGasUsed"),
        EffectiveGasPrice = Has(e, "effectiveGasPrice") ? Quantity(e, "effectiveGasPrice") : BigInteger.Zero,
        Type = (byte)(OptionalUInt64(e, "type") ?? 0),
        Logs = e.GetProperty("logs").EnumerateArray().Select(Log).ToArray(),
    };

    public static AccountProof Proof(JsonElement e) => new(
        Address(e, "address"),
        UInt64(e, "nonce"),
        Quantity(e, "balance"),
        Hash(e, "storageHash"),
        Hash(e, "codeHash"),
        Nodes(e.GetProperty("accountProof")),
        e.GetProperty("storageProof").EnumerateArray().Select(s => new StorageProof(
            Slot(Text(s, "key")),
            Quantity(s, "value"),
            Nodes(s.GetProperty("proof")))).ToArray());

    private static byte[][] Nodes(JsonElement array) => array.EnumerateArray().Select(n => Hex.Decode(n.GetString())).ToArray();

    // Storage keys come back as the caller wrote them (possibly without leading zeros): left-pad to 32 bytes.
    private static Hash32 Slot(string text)
    {
        byte[] bytes = Hex.Decode(text);
        if (bytes.Length > 32)
        {
            throw new EvmFormatException("JSON-RPC: a storage key is at most 32 bytes.");
        }

        var padded = new byte[32];
        bytes.CopyTo(padded, 32 - bytes.Length);
        return new Hash32(padded);
    }
}
