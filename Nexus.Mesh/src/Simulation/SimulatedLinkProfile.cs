namespace Nexus.Mesh.Simulation;

/// <summary>The physical character of a simulated link.</summary>
/// <param name="Kind">A label for reports ("LoRa", "WiFi", …).</param>
/// <param name="BitsPerSecond">Nominal bit rate in bit/s (&gt; 0).</param>
/// <param name="HalfDuplex">Whether both ends share one channel (CSMA/CA applies, one frame on air at a time).</param>
/// <param name="LatencyMs">Propagation and processing delay per frame in milliseconds, added after the airtime.</param>
/// <param name="LossRate">Probability in [0, 1) that a frame is lost (drawn from the simulator's seeded random source).</param>
/// <param name="Airtime">Optional airtime model (bytes → time on air), for example a LoRa modem model; null: bytes × 8 / bit rate.</param>
public sealed record SimulatedLinkProfile(string Kind, double BitsPerSecond, bool HalfDuplex, int LatencyMs = 0, double LossRate = 0, Func<int, TimeSpan>? Airtime = null)
{
    /// <summary>LoRa SF7 / 125 kHz / CR 4/5: 5 469 bit/s, half-duplex, 10 ms latency.</summary>
    public static SimulatedLinkProfile LoRaSf7Bw125 { get; } = new("LoRa", 5469, HalfDuplex: true, LatencyMs: 10);

    /// <summary>LoRa SF7 / 500 kHz / CR 4/5: 21 875 bit/s, half-duplex, 5 ms latency.</summary>
    public static SimulatedLinkProfile LoRaSf7Bw500 { get; } = new("LoRa", 21875, HalfDuplex: true, LatencyMs: 5);

    /// <summary>LoRa SF12 / 125 kHz: about 1 kbit/s (a constrained link), half-duplex, 20 ms latency.</summary>
    public static SimulatedLinkProfile LoRaSlow { get; } = new("LoRa", 1000, HalfDuplex: true, LatencyMs: 20);

    /// <summary>WiFi at 10 Mbit/s (its own MAC handles access; modelled full-duplex), 2 ms latency.</summary>
    public static SimulatedLinkProfile WiFi { get; } = new("WiFi", 10_000_000, HalfDuplex: false, LatencyMs: 2);

    /// <summary>Wired Ethernet at 100 Mbit/s, full-duplex, 1 ms latency.</summary>
    public static SimulatedLinkProfile Ethernet { get; } = new("Ethernet", 100_000_000, HalfDuplex: false, LatencyMs: 1);

    /// <summary>Time on air of a frame of <paramref name="bytes"/> bytes.</summary>
    /// <param name="bytes">Frame size.</param>
    /// <returns>The airtime.</returns>
    public TimeSpan AirtimeOf(int bytes) =>
        Airtime?.Invoke(bytes) ?? TimeSpan.FromTicks((long)Math.Ceiling(bytes * 8.0 / BitsPerSecond * TimeSpan.TicksPerSecond));
}
