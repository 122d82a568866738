namespace Nexus.Mesh;

/// <summary>
/// A simulated half-duplex LoRa radio on a <see cref="SimulatedLoRaChannel"/>. Sends are queued
/// (at most 32 packets) and transmitted one at a time, each occupying the radio for its airtime.
/// A duty-cycle limit (fraction of airtime over a sliding <see cref="DutyCycleWindow"/>, e.g. 0.01
/// for the EU 868 MHz 1% rule) refuses packets that would exceed it (<see cref="MeshInterface.TrySend"/>
/// returns false and <see cref="DutyCycleRejections"/> counts it).
/// </summary>
public sealed class SimulatedLoRaInterface : MeshInterface
{
    private const int MaxQueuedPackets = 32;
    private readonly SimulatedLoRaChannel _channel;
    private readonly Queue<byte[]> _queue = new();
    private readonly List<(DateTimeOffset Start, DateTimeOffset End)> _history = [];
    private readonly object _gate = new();
    private bool _transmitting;
    private long _dutyRejections;

    /// <summary>Creates a radio and attaches it to the channel.</summary>
    /// <param name="name">Name.</param>
    /// <param name="channel">The shared channel.</param>
    /// <param name="dutyCycle">Allowed airtime fraction, 0..1 (1 = unlimited).</param>
    public SimulatedLoRaInterface(string name, SimulatedLoRaChannel channel, double dutyCycle = 1.0)
        : base(name, (long)(channel ?? throw new ArgumentNullException(nameof(channel))).Modulation.BitrateBitsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dutyCycle);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dutyCycle, 1);
        _channel = channel;
        DutyCycle = dutyCycle;
        channel.Attach(this);
    }

    /// <summary>Allowed airtime fraction.</summary>
    public double DutyCycle { get; }

    /// <summary>Sliding window of the duty-cycle limit (default 1 hour).</summary>
    public TimeSpan DutyCycleWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Packets refused by the duty-cycle limit.</summary>
    public long DutyCycleRejections => Interlocked.Read(ref _dutyRejections);

    /// <summary>Whether the radio is powered (a disabled radio neither sends nor hears).</summary>
    public bool Enabled { get; set; } = true;

    /// <inheritdoc />
    public override bool IsHalfDuplex => true;

    /// <summary>Packets waiting for the radio (the one on air excluded) over the queue's 32 slots.</summary>
    public override double QueueFill
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count / (double)MaxQueuedPackets;
            }
        }
    }

    /// <summary>Sustainable rate in bit/s: a full 500-byte packet's bits over its airtime, times the duty cycle.</summary>
    public override double CapacityBitsPerSecond =>
        MeshConstants.Mtu * 8 / _channel.Modulation.PacketAirtime(MeshConstants.Mtu).TotalSeconds * DutyCycle;

    /// <summary>The frame's airtime divided by the duty cycle.</summary>
    /// <param name="frameLength">Frame length in bytes.</param>
    /// <returns>The time the frame costs.</returns>
    public override TimeSpan TransmitCost(int frameLength) => _channel.Modulation.PacketAirtime(Math.Max(1, frameLength)) / DutyCycle;

    /// <summary>
    /// Zero when the radio is idle with nothing queued and the duty-cycle window has room for
    /// <paramref name="frameLength"/> bytes of airtime; otherwise the time until the frame on air
    /// (and any queued behind it) ends, or until enough airtime leaves the sliding window (at least 1 ms
    /// while a transmission is still marked active).
    /// </summary>
    /// <param name="frameLength">Frame length in bytes.</param>
    /// <returns>The wait.</returns>
    public override TimeSpan TimeUntilSendable(int frameLength)
    {
        var now = _channel.TimeProvider.GetUtcNow();
        lock (_gate)
        {
            var wait = TimeSpan.Zero;
            if (_transmitting || _queue.Count > 0)
            {
                var busyUntil = now;
                if (_history.Count > 0 && _history[^1].End > busyUntil)
                {
                    busyUntil = _history[^1].End;
                }

                foreach (var q in _queue)
                {
                    busyUntil += _channel.Modulation.PacketAirtime(q.Length);
                }

                wait = busyUntil - now;
                if (wait < TimeSpan.FromMilliseconds(1))
                {
                    wait = TimeSpan.FromMilliseconds(1);
                }
            }

            if (DutyCycle < 1)
            {
                var airtime = _channel.Modulation.PacketAirtime(Math.Max(1, frameLength));
                var since = now - DutyCycleWindow;
                var excess = UsedSince(since) + airtime - TimeSpan.FromTicks((long)(DutyCycle * DutyCycleWindow.Ticks));
                if (excess > TimeSpan.Zero)
                {
                    // The window slides: find how far it must move for `excess` of past airtime to leave it.
                    var left = excess;
                    foreach (var (start, end) in _history)
                    {
                        if (end <= since)
                        {
                            continue;
                        }

                        var from = start > since ? start : since;
                        if (end - from >= left)
                        {
                            var slide = from + left - since + TimeSpan.FromMilliseconds(1);
                            return slide > wait ? slide : wait;
                        }

                        left -= end - from;
                    }

                    return DutyCycleWindow; // unreachable unless the frame alone exceeds the limit
                }
            }

            return wait;
        }
    }

    /// <summary>The airtime of a full 500-byte packet in milliseconds.</summary>
    protected override int NominalLatencyMs => (int)Math.Ceiling(_channel.Modulation.PacketAirtime(MeshConstants.Mtu).TotalMilliseconds);

    /// <inheritdoc />
    public override bool IsOnline => Enabled;

    /// <summary>Airtime used within the current window.</summary>
    public TimeSpan AirtimeInWindow
    {
        get
        {
            var now = _channel.TimeProvider.GetUtcNow();
            lock (_gate)
            {
                return UsedSince(now - DutyCycleWindow);
            }
        }
    }

    /// <inheritdoc />
    protected override bool TrySendCore(ReadOnlySpan<byte> frame)
    {
        var now = _channel.TimeProvider.GetUtcNow();
        var airtime = _channel.Modulation.PacketAirtime(frame.Length);
        lock (_gate)
        {
            var queued = TimeSpan.Zero;
            foreach (var q in _queue)
            {
                queued += _channel.Modulation.PacketAirtime(q.Length);
            }

            if (DutyCycle < 1 && (UsedSince(now - DutyCycleWindow) + queued + airtime).Ticks > DutyCycle * DutyCycleWindow.Ticks)
            {
                Interlocked.Increment(ref _dutyRejections);
                return false;
            }

            if (_queue.Count >= MaxQueuedPackets)
            {
                return false;
            }

            _queue.Enqueue(frame.ToArray());
            if (!_transmitting)
            {
                StartNext();
            }
        }

        return true;
    }

    internal bool WasTransmitting(DateTimeOffset start, DateTimeOffset end)
    {
        lock (_gate)
        {
            return _history.Exists(t => t.Start < end && t.End > start);
        }
    }

    internal void Receive(byte[] packet) => OnFrameReceived(packet);

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        Enabled = false;
        _channel.Detach(this);
        return base.DisposeAsync();
    }

    private TimeSpan UsedSince(DateTimeOffset since)
    {
        var used = TimeSpan.Zero;
        foreach (var (start, end) in _history)
        {
            if (end > since)
            {
                used += end - (start > since ? start : since);
            }
        }

        return used;
    }

    // Called under _gate.
    private void StartNext()
    {
        if (_queue.Count == 0 || !Enabled)
        {
            _transmitting = false;
            return;
        }

        _transmitting = true;
        var time = _channel.TimeProvider;
        var idle = _channel.IdleAt();
        if (idle > time.GetUtcNow())
        {
            // Carrier sense: the channel is busy; try again once it is idle, after a random backoff.
            ITimer? wait = null;
            wait = time.CreateTimer(
                _ =>
                {
                    wait?.Dispose();
                    lock (_gate)
                    {
                        StartNext();
                    }
                },
                null,
                idle - time.GetUtcNow() + _channel.Backoff(10) + TimeSpan.FromMilliseconds(1),
                Timeout.InfiniteTimeSpan);
            return;
        }

        var packet = _queue.Dequeue();
        var start = time.GetUtcNow();
        var end = start + _channel.Modulation.PacketAirtime(packet.Length);
        _history.RemoveAll(t => t.End < start - DutyCycleWindow);
        _history.Add((start, end));
        _channel.BeginTransmission(this, start, end);
        ITimer? timer = null;
        timer = time.CreateTimer(
            _ =>
            {
                timer?.Dispose();
                _channel.EndTransmission(this, start, end, packet);
                lock (_gate)
                {
                    StartNext();
                }
            },
            null,
            end - start,
            Timeout.InfiniteTimeSpan);
    }
}
