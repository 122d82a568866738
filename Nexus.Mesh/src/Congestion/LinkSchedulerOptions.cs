namespace Nexus.Mesh.Congestion;

/// <summary>Settings of a <see cref="LinkScheduler"/> (spec 01-mesh §7; defaults are the spec's values or, where it is silent, ours).</summary>
public sealed class LinkSchedulerOptions
{
    /// <summary>The link's nominal bit rate in bit/s, the starting value of the measured rate. Default 1000.</summary>
    public double NominalBitsPerSecond { get; set; } = 1000;

    /// <summary>The share of the measured rate handed to user traffic; the rest is kept for protocol traffic. Default 0.90 (spec).</summary>
    public double UserShare { get; set; } = 0.90;

    /// <summary>Queue capacity in bytes. Default 0: max(8 × 500-byte MTU, 4 s of the nominal rate) — the spec leaves the constant open.</summary>
    public long QueueCapacityBytes { get; set; }

    /// <summary>Per-neighbour token-bucket window in seconds: a bucket holds window × its rate bytes, and at least one 500-byte MTU. Default 2 s (the spec leaves window_sec open).</summary>
    public double BucketWindowSeconds { get; set; } = 2;

    /// <summary>Half-life of the measured-rate moving average. Default 60 s (spec).</summary>
    public TimeSpan RateHalfLife { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The minimum share of user bytes P3 receives while it has packets queued. Default 0.10 (spec).</summary>
    public double BulkMinimumShare { get; set; } = 0.10;

    /// <summary>Queue deadline of P0 packets. Default 500 ms (spec).</summary>
    public TimeSpan RealTimeDeadline { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Queue deadline of P1 packets. Default 5 s (spec).</summary>
    public TimeSpan InteractiveDeadline { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Queue deadline of P2 packets. Default 30 s (spec).</summary>
    public TimeSpan StandardDeadline { get; set; } = TimeSpan.FromSeconds(30);

    internal long EffectiveQueueCapacity => QueueCapacityBytes > 0
        ? QueueCapacityBytes
        : Math.Max(8 * MeshConstants.Mtu, (long)(NominalBitsPerSecond / 8 * 4));

    internal void Validate()
    {
        if (!(NominalBitsPerSecond > 0) || double.IsInfinity(NominalBitsPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(NominalBitsPerSecond), NominalBitsPerSecond, "Must be a positive finite bit rate.");
        }

        if (!(UserShare > 0 && UserShare <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(UserShare), UserShare, "Must be in (0, 1].");
        }

        if (!(BulkMinimumShare >= 0 && BulkMinimumShare < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(BulkMinimumShare), BulkMinimumShare, "Must be in [0, 1).");
        }

        if (!(BucketWindowSeconds > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(BucketWindowSeconds), BucketWindowSeconds, "Must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RateHalfLife, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(QueueCapacityBytes);
    }
}
