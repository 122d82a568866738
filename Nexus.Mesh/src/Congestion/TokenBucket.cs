namespace Nexus.Mesh.Congestion;

/// <summary>
/// A token bucket on a <see cref="TimeProvider"/> (1 token = 1 byte, spec 01-mesh §7): it holds at
/// most <see cref="CapacityBytes"/> tokens and gains <see cref="RateBytesPerSecond"/> tokens per
/// second. Arithmetic is exact (integer units of 1/(1000·<see cref="TimeSpan.TicksPerSecond"/>)
/// byte over <see cref="TimeProvider.GetTimestamp"/> ticks), so over any window of length W the
/// bytes taken never exceed <c>capacity + rate × W</c>.
/// Not thread-safe: use one bucket per scheduler.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private Int128 _scaled; // tokens × 1000 × timestamp frequency
    private long _lastTimestamp;
    private long _rateMilliBytesPerSecond;
    private long _capacityBytes;

    /// <summary>Creates a bucket.</summary>
    /// <param name="rateBytesPerSecond">Refill rate in bytes per second (≥ 0; resolved to 0.001 byte/s).</param>
    /// <param name="capacityBytes">Maximum tokens in bytes (≥ 1).</param>
    /// <param name="time">The clock.</param>
    /// <param name="initialBytes">Tokens at creation, clamped to [0, capacity]; null: full.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative rate or a capacity below 1.</exception>
    public TokenBucket(double rateBytesPerSecond, long capacityBytes, TimeProvider time, long? initialBytes = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        SetRate(rateBytesPerSecond, capacityBytes);
        _lastTimestamp = time.GetTimestamp();
        _scaled = Scale(Math.Clamp(initialBytes ?? capacityBytes, 0, capacityBytes));
    }

    /// <summary>The refill rate in bytes per second.</summary>
    public double RateBytesPerSecond => _rateMilliBytesPerSecond / 1000.0;

    /// <summary>The maximum number of tokens in bytes.</summary>
    public long CapacityBytes => _capacityBytes;

    /// <summary>The whole tokens available now (refills first).</summary>
    public long AvailableBytes
    {
        get
        {
            Refill();
            return (long)(_scaled / Scale(1));
        }
    }

    /// <summary>Changes the rate and capacity from now on; tokens above the new capacity are discarded.</summary>
    /// <param name="rateBytesPerSecond">Refill rate in bytes per second (≥ 0).</param>
    /// <param name="capacityBytes">Maximum tokens in bytes (≥ 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite rate, or a capacity below 1.</exception>
    public void SetRate(double rateBytesPerSecond, long capacityBytes)
    {
        if (!(rateBytesPerSecond >= 0) || double.IsInfinity(rateBytesPerSecond) || rateBytesPerSecond > long.MaxValue / 1000.0)
        {
            throw new ArgumentOutOfRangeException(nameof(rateBytesPerSecond), rateBytesPerSecond, "The rate must be a finite number ≥ 0.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 1);
        if (_capacityBytes != 0)
        {
            Refill();
        }

        _rateMilliBytesPerSecond = (long)Math.Floor(rateBytesPerSecond * 1000.0);
        _capacityBytes = capacityBytes;
        if (_scaled > Scale(capacityBytes))
        {
            _scaled = Scale(capacityBytes);
        }
    }

    /// <summary>Takes <paramref name="bytes"/> tokens when that many are available.</summary>
    /// <param name="bytes">Bytes to send (≥ 0).</param>
    /// <returns>True when the tokens were taken; false (nothing taken) when too few are available.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is negative.</exception>
    public bool TryConsume(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Refill();
        var need = Scale(bytes);
        if (_scaled < need)
        {
            return false;
        }

        _scaled -= need;
        return true;
    }

    /// <summary>How long until <paramref name="bytes"/> tokens are available at the current rate.</summary>
    /// <param name="bytes">Bytes wanted (≥ 0).</param>
    /// <returns><see cref="TimeSpan.Zero"/> when available now; <see cref="TimeSpan.MaxValue"/> when the rate is 0 or the request exceeds the capacity.</returns>
    public TimeSpan TimeUntilAvailable(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Refill();
        var need = Scale(bytes);
        if (_scaled >= need)
        {
            return TimeSpan.Zero;
        }

        if (_rateMilliBytesPerSecond == 0 || bytes > _capacityBytes)
        {
            return TimeSpan.MaxValue;
        }

        var missing = need - _scaled; // in scaled units; each timestamp tick adds rateMilli units
        var ticks = (missing + _rateMilliBytesPerSecond - 1) / _rateMilliBytesPerSecond;
        var seconds = (double)ticks / _time.TimestampFrequency;
        return seconds >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)Math.Ceiling(seconds * TimeSpan.TicksPerSecond));
    }

    private Int128 Scale(long bytes) => (Int128)bytes * 1000 * _time.TimestampFrequency;

    private void Refill()
    {
        long now = _time.GetTimestamp();
        long elapsed = now - _lastTimestamp;
        if (elapsed <= 0)
        {
            return;
        }

        _lastTimestamp = now;
        var cap = Scale(_capacityBytes);
        _scaled += (Int128)elapsed * _rateMilliBytesPerSecond;
        if (_scaled > cap)
        {
            _scaled = cap;
        }
    }
}
