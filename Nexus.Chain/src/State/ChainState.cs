using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>Consensus-critical parameters fixed at genesis.</summary>
/// <param name="Authority">The account allowed to send <see cref="TransactionKind.ValidatorUpdate"/> transactions (the PoA authority).</param>
/// <param name="MinFee">Smallest accepted fee per transaction, μNXS.</param>
/// <param name="SlashPercent">Percentage (0–100) of a double-signer's balance burned when its evidence is included.</param>
/// <param name="MaxEvidenceAge">Evidence older than this many heights is refused.</param>
public sealed record ChainParameters(Ed25519PublicKey Authority, ulong MinFee, uint SlashPercent, ulong MaxEvidenceAge = 100);

/// <summary>
/// The replicated state after a committed height: accounts, the validator set for the next height,
/// the set that signed the last block, and the last block's hash and time. Immutable; execution
/// (<see cref="BlockExecutor"/>) returns a new instance.
/// </summary>
public sealed class ChainState
{
    /// <summary>Creates a state.</summary>
    /// <param name="chainId">Chain id.</param>
    /// <param name="parameters">Genesis parameters.</param>
    /// <param name="height">Last committed height (0 = genesis).</param>
    /// <param name="lastBlockHash">Hash of the block at <paramref name="height"/> (zero at genesis).</param>
    /// <param name="lastBlockTimeUnixMs">Time of that block (genesis time at height 0), Unix ms.</param>
    /// <param name="accounts">Account tree.</param>
    /// <param name="validators">Validators of height + 1.</param>
    /// <param name="lastValidators">Validators that signed the block at <paramref name="height"/>; null at genesis.</param>
    public ChainState(string chainId, ChainParameters parameters, ulong height, Hash256 lastBlockHash, long lastBlockTimeUnixMs, StateTree accounts, ValidatorSet validators, ValidatorSet? lastValidators)
    {
        ChainId = chainId ?? throw new ArgumentNullException(nameof(chainId));
        Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        Height = height;
        LastBlockHash = lastBlockHash;
        LastBlockTimeUnixMs = lastBlockTimeUnixMs;
        Accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        Validators = validators ?? throw new ArgumentNullException(nameof(validators));
        LastValidators = lastValidators;
    }

    /// <summary>Chain id.</summary>
    public string ChainId { get; }

    /// <summary>Genesis parameters.</summary>
    public ChainParameters Parameters { get; }

    /// <summary>Last committed height; 0 before the first block.</summary>
    public ulong Height { get; }

    /// <summary>Hash of the last committed block; zero at genesis.</summary>
    public Hash256 LastBlockHash { get; }

    /// <summary>Time of the last committed block (or genesis), Unix ms.</summary>
    public long LastBlockTimeUnixMs { get; }

    /// <summary>The account tree; its root is the last header's state root.</summary>
    public StateTree Accounts { get; }

    /// <summary>Validators that vote on height + 1.</summary>
    public ValidatorSet Validators { get; }

    /// <summary>Validators that signed the last block (verify its commit); null at genesis.</summary>
    public ValidatorSet? LastValidators { get; }

    /// <summary>The state root (root of <see cref="Accounts"/>).</summary>
    public Hash256 StateRoot => Accounts.Root;
}
