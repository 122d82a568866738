namespace Nexus.Mesh.Congestion;

/// <summary>Channel activity detection (LoRa CAD) on a half-duplex medium.</summary>
public interface IChannelSense
{
    /// <summary>Whether another transmitter is on the channel now. A LoRa radio answers after about one CAD period (5 ms).</summary>
    /// <returns>True when the channel is busy.</returns>
    bool IsChannelBusy();
}

/// <summary>What to do next in a <see cref="CsmaCa"/> channel-access attempt.</summary>
public enum CsmaDecision : byte
{
    /// <summary>The channel is clear: transmit now.</summary>
    Transmit = 0,

    /// <summary>The channel is busy: wait the returned backoff, then sense again.</summary>
    Backoff = 1,

    /// <summary>Busy on every attempt: drop the packet and signal congestion upstream.</summary>
    GiveUp = 2,
}

/// <summary>Settings of <see cref="CsmaCa"/> (spec 01-mesh §7, decision D8).</summary>
public sealed class CsmaCaOptions
{
    /// <summary>The link's bit rate in bit/s (&gt; 0). Default 1000.</summary>
    public double BitsPerSecond { get; set; } = 1000;

    /// <summary>Whether the link is half-duplex. On a full-duplex link CSMA/CA is a no-op (always <see cref="CsmaDecision.Transmit"/>). Default true.</summary>
    public bool HalfDuplex { get; set; } = true;

    /// <summary>The largest frame on the link in bytes; the slot time is its airtime. Default 500 (the Reticulum MTU).</summary>
    public int MaxFrameBytes { get; set; } = MeshConstants.Mtu;

    /// <summary>
    /// The radio's airtime model: bytes → time on air. The interface supplies it (for LoRa: the
    /// modem's airtime from spreading factor, bandwidth, coding rate and preamble). Null: bytes × 8 /
    /// <see cref="BitsPerSecond"/>.
    /// </summary>
    public Func<int, TimeSpan>? Airtime { get; set; }

    /// <summary>How long one channel-activity detection takes. Default 5 ms (spec).</summary>
    public TimeSpan CadDuration { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Channel-access attempts before giving up. Default 7 (spec).</summary>
    public int MaxAttempts { get; set; } = 7;
}

/// <summary>
/// CSMA/CA listen-before-talk with binary exponential backoff for half-duplex links (spec 01-mesh
/// §7, decision D8): sense the channel (CAD); when busy on attempt <c>a</c> (1-based), wait
/// <c>uniform{1 … 2^a} × slot_time</c> and sense again; after <see cref="CsmaCaOptions.MaxAttempts"/>
/// busy attempts give up. <c>slot_time</c> is the airtime of the link's largest frame, derived from
/// the bit rate and the airtime model — not the spec's fixed 200 ms, which is wrong for 500 B at
/// 1 kbit/s (4 s). The inclusive range and 1-based attempt are our choices where the spec is silent.
/// Randomness comes from the supplied <see cref="Random"/> (seed it for reproducible runs).
/// </summary>
public sealed class CsmaCa
{
    private readonly CsmaCaOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;

    /// <summary>Creates the access procedure.</summary>
    /// <param name="options">Settings.</param>
    /// <param name="time">The clock.</param>
    /// <param name="random">The backoff's random source.</param>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive bit rate, frame size or attempt count, or a negative CAD duration.</exception>
    public CsmaCa(CsmaCaOptions options, TimeProvider time, Random random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(random);
        if (!(options.BitsPerSecond > 0) || double.IsInfinity(options.BitsPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BitsPerSecond, "BitsPerSecond must be positive and finite.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxFrameBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxAttempts);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CadDuration, TimeSpan.Zero);
        _options = options;
        _time = time;
        _random = random;
        SlotTime = AirtimeOf(options.MaxFrameBytes);
    }

    /// <summary>The backoff slot: the airtime of a <see cref="CsmaCaOptions.MaxFrameBytes"/> frame (500 B at 1 kbit/s: 4 s).</summary>
    public TimeSpan SlotTime { get; }

    /// <summary>Whether the procedure applies (half-duplex links only).</summary>
    public bool Enabled => _options.HalfDuplex;

    /// <summary>The time on air of a frame of <paramref name="bytes"/> bytes under the configured model.</summary>
    /// <param name="bytes">Frame size in bytes.</param>
    /// <returns>The airtime.</returns>
    public TimeSpan AirtimeOf(int bytes) =>
        _options.Airtime?.Invoke(bytes) ?? TimeSpan.FromTicks((long)Math.Ceiling(bytes * 8.0 / _options.BitsPerSecond * TimeSpan.TicksPerSecond));

    /// <summary>The decision after sensing on attempt <paramref name="attempt"/>.</summary>
    /// <param name="attempt">1-based attempt number.</param>
    /// <param name="channelBusy">What CAD reported.</param>
    /// <param name="backoff">The wait before the next attempt when the decision is <see cref="CsmaDecision.Backoff"/>, else zero.</param>
    /// <returns>The decision.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempt"/> is below 1.</exception>
    public CsmaDecision Decide(int attempt, bool channelBusy, out TimeSpan backoff)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        backoff = TimeSpan.Zero;
        if (!_options.HalfDuplex || !channelBusy)
        {
            return CsmaDecision.Transmit;
        }

        if (attempt >= _options.MaxAttempts)
        {
            return CsmaDecision.GiveUp;
        }

        backoff = Backoff(attempt);
        return CsmaDecision.Backoff;
    }

    /// <summary>A backoff for attempt <paramref name="attempt"/>: uniform{1 … 2^attempt} slots (the exponent is capped at 16).</summary>
    /// <param name="attempt">1-based attempt number.</param>
    /// <returns>The wait.</returns>
    public TimeSpan Backoff(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        int slots = _random.Next(1, (1 << Math.Min(attempt, 16)) + 1);
        return SlotTime * slots;
    }

    /// <summary>
    /// Runs the procedure on a live radio: sense (waiting one CAD period), back off while busy, and
    /// return when the channel is clear. Waits use <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/>
    /// on the configured clock.
    /// </summary>
    /// <param name="sense">The radio's channel-activity detector.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>True when the caller may transmit; false when every attempt found the channel busy (drop and signal congestion).</returns>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public async ValueTask<bool> AcquireAsync(IChannelSense sense, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sense);
        if (!_options.HalfDuplex)
        {
            return true;
        }

        for (int attempt = 1; ; attempt++)
        {
            if (_options.CadDuration > TimeSpan.Zero)
            {
                await Task.Delay(_options.CadDuration, _time, cancellationToken).ConfigureAwait(false);
            }

            switch (Decide(attempt, sense.IsChannelBusy(), out var backoff))
            {
                case CsmaDecision.Transmit:
                    return true;
                case CsmaDecision.GiveUp:
                    return false;
                default:
                    await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }
}
