using Nexus.Mesh.Congestion;

namespace Nexus.Mesh.Gossip;

/// <summary>The gossip bandwidth budget settings (spec 01-mesh §6). Tier shares are fractions of the link's bit rate.</summary>
public sealed class GossipBudgetOptions
{
    /// <summary>Tier 1 (routing announces) cap. Default 0.03.</summary>
    public double CriticalShare { get; set; } = 0.03;

    /// <summary>Tier 2 (payments, settlements) cap. Default 0.03.</summary>
    public double EconomicShare { get; set; } = 0.03;

    /// <summary>Tier 3 (capabilities, DHT, pub/sub) cap. Default 0.02.</summary>
    public double ServicesShare { get; set; } = 0.02;

    /// <summary>Tier 4 (trust, names) cap. Default 0.02.</summary>
    public double SocialShare { get; set; } = 0.02;

    /// <summary>Links slower than this (bit/s) are constrained: tiers 3–4 pull-only, summaries capped at <see cref="ConstrainedSummaryBytes"/>, one slice per topic per round. Default 10 000.</summary>
    public double ConstrainedBelowBitsPerSecond { get; set; } = 10_000;

    /// <summary>The Bloom filter cap on constrained links, in bytes of filter bits. Default 256 (spec).</summary>
    public int ConstrainedSummaryBytes { get; set; } = 256;

    /// <summary>Largest burst a tier may send at once, in seconds of its rate (at least one full message). Default 2 s.</summary>
    public double BurstSeconds { get; set; } = 2;

    /// <summary>The total protocol overhead cap, the sum of the four shares may not exceed it. Default 0.10 (spec).</summary>
    public double MaximumOverheadShare { get; set; } = 0.10;

    internal double ShareOf(GossipTier tier) => tier switch
    {
        GossipTier.Critical => CriticalShare,
        GossipTier.Economic => EconomicShare,
        GossipTier.Services => ServicesShare,
        GossipTier.Social => SocialShare,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "Unknown tier."),
    };

    internal void Validate()
    {
        double sum = 0;
        foreach (var tier in (ReadOnlySpan<GossipTier>)[GossipTier.Critical, GossipTier.Economic, GossipTier.Services, GossipTier.Social])
        {
            double share = ShareOf(tier);
            if (!(share >= 0 && share < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(tier), share, $"The {tier} share must be in [0, 1).");
            }

            sum += share;
        }

        if (sum > MaximumOverheadShare + 1e-12)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumOverheadShare), sum, $"The tier shares add up to {sum:P1}, above the {MaximumOverheadShare:P1} overhead cap.");
        }

        if (ConstrainedSummaryBytes < 8)
        {
            throw new ArgumentOutOfRangeException(nameof(ConstrainedSummaryBytes), ConstrainedSummaryBytes, "At least 8 bytes.");
        }

        if (!(BurstSeconds > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(BurstSeconds), BurstSeconds, "Must be positive.");
        }
    }
}

/// <summary>
/// The gossip budget of one link (spec 01-mesh §6): one token bucket per tier at
/// share × bit rate / 8 bytes per second, starting empty, holding at most
/// max(one full packet, <see cref="GossipBudgetOptions.BurstSeconds"/> of its rate). Because the
/// buckets start empty, the gossip bytes a link carries from its creation to any time t never exceed
/// Σ share × rate × t + Σ (burst − rate × BurstSeconds) ≤ 10 % of its capacity plus at most one packet per tier.
/// </summary>
public sealed class GossipLinkBudget
{
    private readonly TokenBucket[] _buckets = new TokenBucket[4];
    private readonly GossipBudgetOptions _options;

    /// <summary>Creates the budget of a link.</summary>
    /// <param name="bitsPerSecond">The link's nominal bit rate (&gt; 0).</param>
    /// <param name="options">The shares (validated).</param>
    /// <param name="time">The clock.</param>
    /// <param name="constrained">Whether the link is constrained; null: the rate is below <see cref="GossipBudgetOptions.ConstrainedBelowBitsPerSecond"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive rate or invalid options.</exception>
    public GossipLinkBudget(double bitsPerSecond, GossipBudgetOptions options, TimeProvider time, bool? constrained = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (!(bitsPerSecond > 0) || double.IsInfinity(bitsPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(bitsPerSecond), bitsPerSecond, "Must be positive and finite.");
        }

        options.Validate();
        _options = options;
        BitsPerSecond = bitsPerSecond;
        IsConstrained = constrained ?? bitsPerSecond < options.ConstrainedBelowBitsPerSecond;
        for (int t = 0; t < 4; t++)
        {
            double rate = bitsPerSecond / 8 * options.ShareOf((GossipTier)(t + 1));
            long capacity = Math.Max(MeshConstants.Mtu, (long)(rate * options.BurstSeconds));
            _buckets[t] = new TokenBucket(rate, capacity, time, initialBytes: 0);
        }
    }

    /// <summary>The bit rate the shares apply to.</summary>
    public double BitsPerSecond { get; }

    /// <summary>Whether the link is constrained (below 10 kbit/s by default): tiers 3–4 pull-only, small summaries.</summary>
    public bool IsConstrained { get; }

    /// <summary>The cap on a summary's Bloom filter bits in bytes: <see cref="GossipBudgetOptions.ConstrainedSummaryBytes"/> on constrained links, else what fits one message.</summary>
    public int MaxFilterBytes => IsConstrained
        ? _options.ConstrainedSummaryBytes
        : GossipMessage.MaxMessageSize - GossipMessage.SummaryHeaderSize - 7 - 4;

    /// <summary>Whether <paramref name="tier"/> is pull-only on this link (tiers 3–4 on constrained links).</summary>
    /// <param name="tier">The tier.</param>
    /// <returns>True when the tier must not be pushed.</returns>
    public bool IsPullOnly(GossipTier tier) => IsConstrained && tier >= GossipTier.Services;

    /// <summary>The tier's rate in bytes per second.</summary>
    /// <param name="tier">The tier.</param>
    /// <returns>share × bit rate / 8.</returns>
    public double RateOf(GossipTier tier) => Bucket(tier).RateBytesPerSecond;

    /// <summary>Takes <paramref name="bytes"/> from the tier's bucket when available.</summary>
    /// <param name="tier">The tier.</param>
    /// <param name="bytes">Bytes on the wire (message plus packet header).</param>
    /// <returns>False (nothing taken) when the tier is over budget right now.</returns>
    public bool TryConsume(GossipTier tier, int bytes) => Bucket(tier).TryConsume(bytes);

    /// <summary>How long until the tier can send <paramref name="bytes"/>.</summary>
    /// <param name="tier">The tier.</param>
    /// <param name="bytes">Bytes wanted.</param>
    /// <returns>The wait; <see cref="TimeSpan.MaxValue"/> when the tier's share is 0.</returns>
    public TimeSpan TimeUntilAvailable(GossipTier tier, int bytes) => Bucket(tier).TimeUntilAvailable(bytes);

    private TokenBucket Bucket(GossipTier tier) =>
        tier is >= GossipTier.Critical and <= GossipTier.Social ? _buckets[(int)tier - 1] : throw new ArgumentOutOfRangeException(nameof(tier), tier, "Unknown tier.");
}
