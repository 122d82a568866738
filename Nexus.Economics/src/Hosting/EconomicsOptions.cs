namespace Nexus.Economics;

/// <summary>Settings of an <see cref="EconomicsNode"/> (bind from configuration with Microsoft.Extensions.Options).</summary>
public sealed class EconomicsOptions
{
    /// <summary>Epochs without an update after which either side may close alone: 4 (spec 02-economics section 2).</summary>
    public const int AbandonAfterEpochs = 4;

    /// <summary>Gossip rounds a dispute stays open for a higher-sequence state: 2,880 (about 48 h; spec section 2).</summary>
    public const int DisputeWindowRounds = 2_880;

    /// <summary>The largest sequence jump an update may make (proposals refused at a sequence are not signed again): 64.</summary>
    public const ulong MaxSequenceGap = 64;

    /// <summary>
    /// Directory of the RocksDB store <see cref="EconomicsServiceCollectionExtensions.AddNexusEconomics"/>
    /// opens for channels and the ledger; null or empty keeps both in memory.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// The length of an epoch for abandonment; default 10 minutes (the spec's "about 1 epoch per 10
    /// minutes", section 7). Epochs proper (section 6) are a later milestone; this is their clock.
    /// </summary>
    public TimeSpan EpochLength { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The length of one gossip round; default 60 s, so 2,880 rounds ≈ 48 h.</summary>
    public TimeSpan GossipRoundLength { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// When true, <see cref="EconomicsNode.TickAsync"/> proposes the p that <see cref="AdaptiveDifficulty"/>
    /// suggests for a channel on which this node relayed packets in the last 5 minutes, once the suggestion
    /// differs from the channel's p by at least a factor of 2 (the change still needs the peer's signature).
    /// Default false.
    /// </summary>
    public bool AutoAdjustDifficulty { get; set; }

    /// <summary>How many forwarded packets each channel's claim verifier remembers; default 4,096.</summary>
    public int ForwardedPacketMemory { get; set; } = 4_096;

    /// <summary>How many won claims may wait while an update is in flight; further wins are dropped and counted. Default 256.</summary>
    public int ClaimQueueCapacity { get; set; } = 256;

    /// <summary>
    /// The largest opening balance, μNXS, this node lets a peer assign to it in an OpenRequest under the
    /// default policy (opening deposits are promises, not locked funds: spec section 2). Default 0: a
    /// peer may open a channel it funds, not one that commits this node.
    /// </summary>
    public ulong MaxResponderDepositMicroNxs { get; set; }

    /// <summary>
    /// Decides whether to accept a peer's channel: (peer, our opening balance, peer's opening balance,
    /// terms). Default: accept when the win probability is within [1/10,000, 1/5] and our opening
    /// balance is at most <see cref="MaxResponderDepositMicroNxs"/>.
    /// </summary>
    public Func<Nexus.Crypto.Hash128, ulong, ulong, ChannelTerms, bool>? AcceptChannel { get; set; }

    /// <summary>
    /// Decides whether to accept new terms a peer proposes: (current, proposed). Default: accept when the
    /// per-packet cost is unchanged and the probability is within [1/10,000, 1/5].
    /// </summary>
    public Func<ChannelTerms, ChannelTerms, bool>? AcceptTerms { get; set; }

    /// <summary>The dispute window: <see cref="DisputeWindowRounds"/> × <see cref="GossipRoundLength"/>.</summary>
    public TimeSpan DisputeWindow => GossipRoundLength * DisputeWindowRounds;

    /// <summary>Idle time after which a channel may be abandoned: <see cref="AbandonAfterEpochs"/> × <see cref="EpochLength"/>.</summary>
    public TimeSpan AbandonAfter => EpochLength * AbandonAfterEpochs;

    internal static bool WithinBounds(WinProbability p) =>
        p.Target >= WinProbability.Minimum.Target && p.Target <= WinProbability.Maximum.Target;
}
