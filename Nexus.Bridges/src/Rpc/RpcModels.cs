using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>The transaction-call object of eth_call and eth_estimateGas (Ethereum JSON-RPC specification, "GenericTransaction").</summary>
public sealed class CallRequest
{
    /// <summary>The sender, or null.</summary>
    public Address? From { get; init; }

    /// <summary>The callee, or null to simulate a contract creation.</summary>
    public Address? To { get; init; }

    /// <summary>The call data ("input").</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The value in wei, or null.</summary>
    public BigInteger? Value { get; init; }

    /// <summary>The gas limit, or null for the node's default.</summary>
    public ulong? Gas { get; init; }
}

/// <summary>The filter of eth_getLogs: a block range (or one block hash), contract addresses and topic positions.</summary>
public sealed class LogFilter
{
    /// <summary>The first block (default "earliest" when null and no <see cref="BlockHash"/>).</summary>
    public BlockParameter? FromBlock { get; init; }

    /// <summary>The last block (default "latest" when null).</summary>
    public BlockParameter? ToBlock { get; init; }

    /// <summary>A single block hash instead of a range (EIP-234), or null.</summary>
    public Hash32? BlockHash { get; init; }

    /// <summary>The emitting contracts (empty = any).</summary>
    public IReadOnlyList<Address> Addresses { get; init; } = [];

    /// <summary>Topic constraints by position: null = any topic at that position.</summary>
    public IReadOnlyList<Hash32?> Topics { get; init; } = [];
}

/// <summary>A log entry (yellow paper 4.3.1: address, topics, data) with the JSON-RPC position fields.</summary>
public sealed class LogEntry
{
    /// <summary>The emitting contract.</summary>
    public Address Address { get; init; }

    /// <summary>0 to 4 topics; topic 0 is the event signature hash unless the event is anonymous.</summary>
    public IReadOnlyList<Hash32> Topics { get; init; } = [];

    /// <summary>The non-indexed event data.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The block number, or null when pending.</summary>
    public ulong? BlockNumber { get; init; }

    /// <summary>The block hash, or null when pending.</summary>
    public Hash32? BlockHash { get; init; }

    /// <summary>The transaction hash.</summary>
    public Hash32? TransactionHash { get; init; }

    /// <summary>The transaction's index in the block.</summary>
    public ulong? TransactionIndex { get; init; }

    /// <summary>The log's index in the block.</summary>
    public ulong? LogIndex { get; init; }

    /// <summary>true when the log was removed by a chain reorganisation.</summary>
    public bool Removed { get; init; }
}

/// <summary>A transaction receipt from eth_getTransactionReceipt.</summary>
public sealed class TransactionReceipt
{
    /// <summary>The transaction hash.</summary>
    public Hash32 TransactionHash { get; init; }

    /// <summary>The block hash.</summary>
    public Hash32 BlockHash { get; init; }

    /// <summary>The block number.</summary>
    public ulong BlockNumber { get; init; }

    /// <summary>The transaction's index in the block.</summary>
    public ulong TransactionIndex { get; init; }

    /// <summary>The sender.</summary>
    public Address From { get; init; }

    /// <summary>The recipient, or null for a contract creation.</summary>
    public Address? To { get; init; }

    /// <summary>The created contract's address, or null.</summary>
    public Address? ContractAddress { get; init; }

    /// <summary>The EIP-658 status: 1 success, 0 failure (reverted).</summary>
    public ulong Status { get; init; }

    /// <summary>Gas used by this transaction.</summary>
    public ulong GasUsed { get; init; }

    /// <summary>Cumulative gas used in the block up to and including this transaction.</summary>
    public ulong CumulativeGasUsed { get; init; }

    /// <summary>The price paid per gas, in wei.</summary>
    public BigInteger EffectiveGasPrice { get; init; }

    /// <summary>The transaction type (0 legacy, 2 EIP-1559, ...).</summary>
    public byte Type { get; init; }

    /// <summary>The logs emitted.</summary>
    public IReadOnlyList<LogEntry> Logs { get; init; } = [];

    /// <summary>Whether <see cref="Status"/> is 1.</summary>
    public bool Succeeded => Status == 1;
}

/// <summary>A block from eth_getBlockByNumber (with transaction hashes) or a newHeads notification.</summary>
public sealed class RpcBlock
{
    /// <summary>The header fields.</summary>
    public required BlockHeader Header { get; init; }

    /// <summary>The block hash the node reported (compare with <see cref="BlockHeader.GetHash"/>).</summary>
    public Hash32 Hash { get; init; }

    /// <summary>The transaction hashes (empty for newHeads notifications).</summary>
    public IReadOnlyList<Hash32> TransactionHashes { get; init; } = [];
}
