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
    /// <summary>LoRa SF7 / 125 kHz / CR 4/5: 5 469 bit/s, half-duplex, Semtech airtime, 10 ms latency.</summary>
    public static SimulatedLinkProfile LoRaSf7Bw125 { get; } = FromLoRa(new LoRaModulation(7, 125_000, 5), latencyMs: 10);

    /// <summary>LoRa SF7 / 500 kHz / CR 4/5: 21 875 bit/s, half-duplex, Semtech airtime, 5 ms latency.</summary>
    public static SimulatedLinkProfile LoRaSf7Bw500 { get; } = FromLoRa(new LoRaModulation(7, 500_000, 5), latencyMs: 5);

    /// <summary>LoRa SF10 / 125 kHz / CR 4/5: 977 bit/s (a constrained link), half-duplex, Semtech airtime, 20 ms latency.</summary>
    public static SimulatedLinkProfile LoRaSlow { get; } = FromLoRa(new LoRaModulation(10, 125_000, 5), latencyMs: 20);

    /// <summary>A half-duplex LoRa link using the mesh layer's <see cref="LoRaModulation"/> airtime model (packets above 255 bytes split into frames).</summary>
    /// <param name="modulation">The modem settings.</param>
    /// <param name="latencyMs">Processing latency per frame in milliseconds.</param>
    /// <param name="lossRate">Frame loss probability in [0, 1).</param>
    /// <returns>The profile (kind "LoRa", bit rate from the modulation).</returns>
    public static SimulatedLinkProfile FromLoRa(LoRaModulation modulation, int latencyMs = 10, double lossRate = 0)
    {
        ArgumentNullException.ThrowIfNull(modulation);
        return new("LoRa", modulation.BitrateBitsPerSecond, HalfDuplex: true, latencyMs, lossRate, modulation.PacketAirtime);
    }

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
