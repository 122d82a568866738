namespace Nexus.Mesh;

/// <summary>
/// A simulated shared LoRa channel for deterministic tests: every <see cref="SimulatedLoRaInterface"/>
/// on it hears every transmission after its airtime (<see cref="LoRaModulation.PacketAirtime"/>),
/// unless the receiver was itself transmitting (half-duplex), another transmission overlapped
/// (collision: both are lost), or the seeded loss draw drops it (<see cref="LossProbability"/>).
/// Radios sense the carrier before transmitting (as RNode firmware does): a radio that finds the
/// channel busy waits until it is idle plus a seeded random backoff of 0..10 slots of 10 ms.
/// Driven entirely by the <see cref="TimeProvider"/>.
/// </summary>
public sealed class SimulatedLoRaChannel
{
    private readonly List<SimulatedLoRaInterface> _radios = [];
    private readonly List<(SimulatedLoRaInterface Sender, DateTimeOffset Start, DateTimeOffset End)> _onAir = [];
    private readonly Random _random;
    private readonly object _gate = new();
    private long _collisions;
    private long _lost;

    /// <summary>Creates a channel.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="modulation">Modulation shared by all radios.</param>
    /// <param name="lossProbability">Independent per-receiver loss probability, 0..1.</param>
    /// <param name="seed">Seed of the loss draws.</param>
    public SimulatedLoRaChannel(TimeProvider timeProvider, LoRaModulation modulation, double lossProbability = 0, int seed = 1)
    {
        TimeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        Modulation = modulation ?? throw new ArgumentNullException(nameof(modulation));
        ArgumentOutOfRangeException.ThrowIfLessThan(lossProbability, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lossProbability, 1);
        LossProbability = lossProbability;
        _random = new Random(seed);
    }

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The modulation.</summary>
    public LoRaModulation Modulation { get; }

    /// <summary>Per-receiver loss probability.</summary>
    public double LossProbability { get; }

    /// <summary>Receptions lost to overlapping transmissions.</summary>
    public long Collisions => Interlocked.Read(ref _collisions);

    /// <summary>Receptions lost to the random loss draw.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>Whether any radio is transmitting now (what channel activity detection would report).</summary>
    public bool IsBusy
    {
        get
        {
            var now = TimeProvider.GetUtcNow();
            lock (_gate)
            {
                return _onAir.Exists(t => t.End > now);
            }
        }
    }

    /// <summary>When the channel becomes idle (now when it is idle).</summary>
    internal DateTimeOffset IdleAt()
    {
        var idle = TimeProvider.GetUtcNow();
        lock (_gate)
        {
            foreach (var t in _onAir)
            {
                if (t.End > idle)
                {
                    idle = t.End;
                }
            }
        }

        return idle;
    }

    /// <summary>A seeded random backoff of 0..<paramref name="slots"/> slots of 10 ms.</summary>
    internal TimeSpan Backoff(int slots)
    {
        lock (_gate)
        {
            return TimeSpan.FromMilliseconds(10 * _random.Next(0, slots + 1));
        }
    }

    internal void Attach(SimulatedLoRaInterface radio)
    {
        lock (_gate)
        {
            _radios.Add(radio);
        }
    }

    internal void Detach(SimulatedLoRaInterface radio)
    {
        lock (_gate)
        {
            _radios.Remove(radio);
        }
    }

    internal void BeginTransmission(SimulatedLoRaInterface sender, DateTimeOffset start, DateTimeOffset end)
    {
        lock (_gate)
        {
            _onAir.RemoveAll(t => t.End < start - TimeSpan.FromMinutes(1));
            _onAir.Add((sender, start, end));
        }
    }

    internal void EndTransmission(SimulatedLoRaInterface sender, DateTimeOffset start, DateTimeOffset end, byte[] packet)
    {
        List<SimulatedLoRaInterface> receivers = [];
        lock (_gate)
        {
            var collided = _onAir.Exists(t => t.Sender != sender && t.Start < end && t.End > start);
            foreach (var radio in _radios)
            {
                if (radio == sender || !radio.Enabled)
                {
                    continue;
                }

                if (collided)
                {
                    Interlocked.Increment(ref _collisions);
                    continue;
                }

                if (radio.WasTransmitting(start, end))
                {
                    continue; // half-duplex: it could not listen
                }

                if (LossProbability > 0 && _random.NextDouble() < LossProbability)
                {
                    Interlocked.Increment(ref _lost);
                    continue;
                }

                receivers.Add(radio);
            }
        }

        foreach (var radio in receivers)
        {
            radio.Receive(packet);
        }
    }
}
