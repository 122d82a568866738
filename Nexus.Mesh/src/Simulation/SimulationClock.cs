namespace Nexus.Mesh.Simulation;

/// <summary>
/// A virtual clock for deterministic simulation: time moves only when events run
/// (<see cref="RunUntil"/>), events due at the same instant run in the order they were scheduled,
/// and timers created through <see cref="TimeProvider.CreateTimer"/> fire on the same queue. Starts
/// at 2026-01-01T00:00:00Z; timestamps are in <see cref="TimeSpan"/> ticks (100 ns). Not thread-safe.
/// </summary>
public sealed class SimulationClock : TimeProvider
{
    private static readonly DateTimeOffset s_epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly PriorityQueue<Scheduled, (long Due, long Sequence)> _queue = new();
    private long _now;
    private long _sequence;

    /// <summary>Time elapsed since the start of the simulation.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(_now);

    /// <summary>Events waiting to run.</summary>
    public int PendingEvents => _queue.Count;

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => s_epoch + Elapsed;

    /// <inheritdoc/>
    public override long GetTimestamp() => _now;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Schedules <paramref name="action"/> to run <paramref name="delay"/> from now (negative delays run now).</summary>
    /// <param name="delay">The delay.</param>
    /// <param name="action">The event.</param>
    public void Schedule(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        long due = delay <= TimeSpan.Zero ? _now : _now + Math.Min(delay.Ticks, long.MaxValue - _now);
        _queue.Enqueue(new Scheduled(action, null), (due, _sequence++));
    }

    /// <summary>Runs every event due up to <paramref name="elapsed"/> (time since start), then sets the clock to it.</summary>
    /// <param name="elapsed">The target time since start; earlier than now: no-op.</param>
    public void RunUntil(TimeSpan elapsed)
    {
        while (_queue.TryPeek(out var next, out var key) && key.Due <= elapsed.Ticks)
        {
            _queue.Dequeue();
            _now = Math.Max(_now, key.Due);
            if (next.Timer is { } timer)
            {
                timer.Fire(key.Sequence);
            }
            else
            {
                next.Action!();
            }
        }

        _now = Math.Max(_now, elapsed.Ticks);
    }

    /// <summary>Runs events for <paramref name="duration"/> from now.</summary>
    /// <param name="duration">How long to advance.</param>
    public void Advance(TimeSpan duration) => RunUntil(Elapsed + duration);

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new SimulatedTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private long Arm(SimulatedTimer timer, TimeSpan due)
    {
        long sequence = _sequence++;
        _queue.Enqueue(new Scheduled(null, timer), (_now + Math.Max(0, due.Ticks), sequence));
        return sequence;
    }

    private readonly record struct Scheduled(Action? Action, SimulatedTimer? Timer);

    private sealed class SimulatedTimer(SimulationClock clock, TimerCallback callback, object? state) : ITimer
    {
        private long _armed = -1;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            _armed = dueTime == Timeout.InfiniteTimeSpan ? -1 : clock.Arm(this, dueTime);
            return true;
        }

        public void Fire(long sequence)
        {
            if (sequence != _armed)
            {
                return; // superseded by Change or Dispose
            }

            _armed = _period == Timeout.InfiniteTimeSpan || _period <= TimeSpan.Zero ? -1 : clock.Arm(this, _period);
            callback(state);
        }

        public void Dispose() => _armed = -1;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
