namespace Nexus.Mesh;

/// <summary>
/// One end of an in-memory point-to-point link for deterministic simulations: a packet sent on one
/// end arrives at the other after <see cref="Latency"/>, in order, on the <see cref="TimeProvider"/>
/// (use a fake clock in tests). <see cref="SetOnline"/> cuts or restores the link (both ends).
/// </summary>
public sealed class InMemoryInterface : MeshInterface
{
    private readonly TimeProvider _time;
    private readonly Queue<(DateTimeOffset Due, byte[] Packet)> _inbound = new();
    private readonly object _gate = new();
    private readonly ITimer _timer;
    private InMemoryInterface? _peer;
    private bool _online = true;
    private bool _armed;

    private InMemoryInterface(string name, long bitrate, TimeSpan latency, TimeProvider time)
        : base(name, bitrate)
    {
        _time = time;
        Latency = latency;
        _timer = time.CreateTimer(_ => DeliverDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>One-way delay of this end's outgoing packets.</summary>
    public TimeSpan Latency { get; }

    /// <inheritdoc />
    protected override int NominalLatencyMs => (int)Math.Ceiling(Latency.TotalMilliseconds);

    /// <inheritdoc />
    public override bool IsOnline => _online && _peer is { _online: true };

    /// <summary>Creates a connected pair.</summary>
    /// <param name="nameA">Name of the first end.</param>
    /// <param name="nameB">Name of the second end.</param>
    /// <param name="timeProvider">The clock that schedules deliveries.</param>
    /// <param name="latency">One-way delay (at least 1 ms, so deliveries never re-enter the sender).</param>
    /// <param name="bitrateBitsPerSecond">Nominal bitrate in bit/s (default 10 Mbit/s).</param>
    /// <returns>The two ends.</returns>
    public static (InMemoryInterface A, InMemoryInterface B) CreatePair(string nameA, string nameB, TimeProvider timeProvider, TimeSpan latency, long bitrateBitsPerSecond = 10_000_000)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (latency < TimeSpan.FromMilliseconds(1))
        {
            latency = TimeSpan.FromMilliseconds(1);
        }

        var a = new InMemoryInterface(nameA, bitrateBitsPerSecond, latency, timeProvider);
        var b = new InMemoryInterface(nameB, bitrateBitsPerSecond, latency, timeProvider);
        a._peer = b;
        b._peer = a;
        return (a, b);
    }

    /// <summary>Cuts (false) or restores (true) the link; packets in flight when cut are lost.</summary>
    /// <param name="online">The new state.</param>
    public void SetOnline(bool online)
    {
        _online = online;
        if (_peer is not null)
        {
            _peer._online = online;
        }
    }

    /// <inheritdoc />
    protected override bool TrySendCore(ReadOnlySpan<byte> frame)
    {
        var peer = _peer!;
        peer.Enqueue(_time.GetUtcNow() + Latency, frame.ToArray(), Latency);
        return true;
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        _online = false;
        _timer.Dispose();
        return base.DisposeAsync();
    }

    private void Enqueue(DateTimeOffset due, byte[] packet, TimeSpan latency)
    {
        lock (_gate)
        {
            _inbound.Enqueue((due, packet));
            if (!_armed)
            {
                _armed = true;
                _timer.Change(latency, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void DeliverDue()
    {
        while (true)
        {
            byte[] packet;
            lock (_gate)
            {
                if (_inbound.Count == 0)
                {
                    _armed = false;
                    return;
                }

                var (due, next) = _inbound.Peek();
                var now = _time.GetUtcNow();
                if (due > now)
                {
                    _timer.Change(due - now, Timeout.InfiniteTimeSpan);
                    return;
                }

                _inbound.Dequeue();
                packet = next;
            }

            if (_online)
            {
                OnFrameReceived(packet);
            }
        }
    }
}
