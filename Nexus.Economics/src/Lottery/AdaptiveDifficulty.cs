namespace Nexus.Economics;

/// <summary>
/// Adaptive lottery difficulty for one relay link (spec 02-economics section 1):
/// p = clamp(0.1 / observed, 1/10,000, 1/5), where observed is the trailing 5-minute average of
/// relayed packets per minute, and p = 1/5 when nothing was observed. The result is only a
/// proposal: it takes effect through a dual-signed channel update (decision D6).
/// Time comes from a <see cref="TimeProvider"/>; counts are kept in 300 one-second buckets.
/// Not thread-safe.
/// </summary>
public sealed class AdaptiveDifficulty
{
    /// <summary>Target channel updates per minute: 0.1.</summary>
    public const double TargetUpdatesPerMinute = 0.1;

    /// <summary>The averaging window: 5 minutes.</summary>
    public static TimeSpan Window { get; } = TimeSpan.FromMinutes(5);

    private const int Buckets = 300;
    private readonly TimeProvider _time;
    private readonly long[] _counts = new long[Buckets];
    private readonly long _origin;
    private long _newestSecond;
    private long _total;

    /// <summary>Creates an empty estimator.</summary>
    /// <param name="timeProvider">The clock; tests pass a fake one.</param>
    /// <exception cref="ArgumentNullException"><paramref name="timeProvider"/> is null.</exception>
    public AdaptiveDifficulty(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
        _origin = timeProvider.GetTimestamp();
    }

    /// <summary>Counts relayed packets now.</summary>
    /// <param name="packets">How many, at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="packets"/> is negative.</exception>
    public void Record(int packets = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(packets);
        long second = Advance();
        _counts[second % Buckets] += packets;
        _total += packets;
    }

    /// <summary>Packets per minute averaged over the last 5 minutes.</summary>
    public double ObservedPacketsPerMinute
    {
        get
        {
            Advance();
            return _total / Window.TotalMinutes;
        }
    }

    /// <summary>The probability to propose now: clamp(0.1 / observed, 1/10,000, 1/5); 1/5 with no traffic.</summary>
    public WinProbability Probability
    {
        get
        {
            double observed = ObservedPacketsPerMinute;
            if (observed <= 0)
            {
                return WinProbability.Maximum;
            }

            double p = Math.Clamp(TargetUpdatesPerMinute / observed, WinProbability.Minimum.Probability, WinProbability.Maximum.Probability);
            return p >= WinProbability.Maximum.Probability ? WinProbability.Maximum
                : p <= WinProbability.Minimum.Probability ? WinProbability.Minimum
                : WinProbability.FromProbability(p);
        }
    }

    private long Advance()
    {
        long now = (long)_time.GetElapsedTime(_origin).TotalSeconds;
        if (now - _newestSecond >= Buckets)
        {
            Array.Clear(_counts);
            _total = 0;
        }
        else
        {
            for (long s = _newestSecond + 1; s <= now; s++)
            {
                _total -= _counts[s % Buckets];
                _counts[s % Buckets] = 0;
            }
        }

        if (now > _newestSecond)
        {
            _newestSecond = now;
        }

        return _newestSecond;
    }
}
