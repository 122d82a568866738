namespace Nexus.Chain;

/// <summary>Size bounds every decoder enforces before it allocates (README "Canonical encoding").</summary>
public static class ChainLimits
{
    /// <summary>Largest encoded transaction: 65,536 bytes.</summary>
    public const int MaxTransactionBytes = 64 * 1024;

    /// <summary>Longest chain id: 64 UTF-8 bytes.</summary>
    public const int MaxChainIdBytes = 64;

    /// <summary>Largest encoded block (header, transactions, evidence, last commit): 16 MiB.</summary>
    public const int MaxBlockBytes = 16 * 1024 * 1024;

    /// <summary>Most transactions in one block: 65,536.</summary>
    public const int MaxBlockTransactions = 65_536;

    /// <summary>Most evidence items in one block: 64.</summary>
    public const int MaxBlockEvidence = 64;

    /// <summary>Most validators in a set (and signatures in a commit): 1,024.</summary>
    public const int MaxValidators = 1024;

    /// <summary>Largest encoded vote: 256 bytes.</summary>
    public const int MaxVoteBytes = 256;

    /// <summary>Largest encoded header: 1,024 bytes.</summary>
    public const int MaxHeaderBytes = 1024;

    /// <summary>Largest encoded receipt list of one block: 64 MiB.</summary>
    public const int MaxReceiptBytes = 64 * 1024 * 1024;

    /// <summary>Deepest state proof: 256 siblings (one per bit of the 32-byte key).</summary>
    public const int MaxProofDepth = 256;

    /// <summary>Largest network message (one consensus, sync or gossip frame): 17 MiB.</summary>
    public const int MaxMessageBytes = 17 * 1024 * 1024;
}
