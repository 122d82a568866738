namespace Nexus.Bridges.Evm;

/// <summary>
/// The block argument of Ethereum JSON-RPC methods: a block number (QUANTITY) or one of the tags "latest", "earliest",
/// "pending", "safe", "finalized" (Ethereum JSON-RPC specification, "BlockNumberOrTag").
/// </summary>
public readonly struct BlockParameter : IEquatable<BlockParameter>
{
    private readonly string? _tag;

    private BlockParameter(string tag)
    {
        _tag = tag;
        Number = null;
    }

    /// <summary>A specific block.</summary>
    /// <param name="number">The block number.</param>
    public BlockParameter(ulong number)
    {
        _tag = null;
        Number = number;
    }

    /// <summary>The block number, or null for a tag.</summary>
    public ulong? Number { get; }

    /// <summary>The most recent block ("latest", the default).</summary>
    public static BlockParameter Latest => new("latest");

    /// <summary>The genesis block ("earliest").</summary>
    public static BlockParameter Earliest => new("earliest");

    /// <summary>The pending state ("pending").</summary>
    public static BlockParameter Pending => new("pending");

    /// <summary>The latest safe head ("safe").</summary>
    public static BlockParameter Safe => new("safe");

    /// <summary>The latest finalized block ("finalized").</summary>
    public static BlockParameter Finalized => new("finalized");

    /// <summary>A block number.</summary>
    /// <param name="number">The block number.</param>
    public static implicit operator BlockParameter(ulong number) => new(number);

    /// <summary>A block number.</summary>
    /// <param name="number">The block number.</param>
    /// <returns>The parameter.</returns>
    public static BlockParameter FromUInt64(ulong number) => new(number);

    /// <summary>The JSON-RPC text: a QUANTITY such as "0x1b4" or a tag.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Number is ulong n ? Hex.EncodeQuantity(n) : _tag ?? "latest";

    /// <inheritdoc />
    public bool Equals(BlockParameter other) => ToString() == other.ToString();

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is BlockParameter other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    /// <summary>Compares the JSON-RPC texts.</summary>
    /// <param name="left">The first parameter.</param>
    /// <param name="right">The second parameter.</param>
    /// <returns>true when equal.</returns>
    public static bool operator ==(BlockParameter left, BlockParameter right) => left.Equals(right);

    /// <summary>Compares the JSON-RPC texts.</summary>
    /// <param name="left">The first parameter.</param>
    /// <param name="right">The second parameter.</param>
    /// <returns>true when different.</returns>
    public static bool operator !=(BlockParameter left, BlockParameter right) => !left.Equals(right);
}
