using System.Buffers.Binary;

namespace Nexus.Mesh;

/// <summary>
/// The NEXUS 6-byte path cost (spec 01-mesh §3, decisions D2 and D5), little-endian:
/// <c>cumulative_cost u16</c> (log-encoded μNXS per byte, <c>enc = round(16·log2(cost+1))</c>),
/// <c>worst_latency_ms u16</c> (raw milliseconds, the maximum over the path's hops),
/// <c>bottleneck_bps u8</c> (log-encoded minimum bandwidth, <c>enc = round(8·log2(bps))</c>),
/// <c>hop_count u8</c> (relays traversed). Rounding is half away from zero; values saturate at the
/// field's maximum (D5). The bandwidth byte tops out at 2^(255/8) ≈ 3.94 Gbit/s: faster links
/// encode as 255. A bandwidth of 0 or 1 bps encodes as 0.
/// </summary>
public readonly record struct CompactPathCost
{
    /// <summary>Encoded size in bytes: 6.</summary>
    public const int SizeInBytes = 6;

    /// <summary>Creates a value from its encoded fields.</summary>
    /// <param name="cumulativeCost">Log-encoded cumulative cost (see <see cref="EncodeCost"/>).</param>
    /// <param name="worstLatencyMs">Worst per-hop latency in milliseconds.</param>
    /// <param name="bottleneckBandwidth">Log-encoded bottleneck bandwidth (see <see cref="EncodeBandwidth"/>).</param>
    /// <param name="hopCount">Relays traversed.</param>
    public CompactPathCost(ushort cumulativeCost, ushort worstLatencyMs, byte bottleneckBandwidth, byte hopCount)
    {
        CumulativeCost = cumulativeCost;
        WorstLatencyMs = worstLatencyMs;
        BottleneckBandwidth = bottleneckBandwidth;
        HopCount = hopCount;
    }

    /// <summary>Log-encoded cumulative cost (u16).</summary>
    public ushort CumulativeCost { get; init; }

    /// <summary>Worst latency on any hop of the path, in milliseconds (u16).</summary>
    public ushort WorstLatencyMs { get; init; }

    /// <summary>Log-encoded bottleneck bandwidth (u8).</summary>
    public byte BottleneckBandwidth { get; init; }

    /// <summary>Relays traversed (u8, saturating at 255).</summary>
    public byte HopCount { get; init; }

    /// <summary>The decoded cumulative cost in μNXS per byte: 2^(enc/16) − 1.</summary>
    public double CostMicroNxsPerByte => DecodeCost(CumulativeCost);

    /// <summary>The decoded bottleneck bandwidth in bits per second: 2^(enc/8).</summary>
    public double BandwidthBitsPerSecond => DecodeBandwidth(BottleneckBandwidth);

    /// <summary>The starting value an origin announces for itself: cost of its own service, no hops.</summary>
    /// <param name="costMicroNxsPerByte">The origin's own cost in μNXS per byte (≥ 0).</param>
    /// <param name="latencyMs">The origin's own latency contribution in milliseconds.</param>
    /// <param name="bandwidthBitsPerSecond">The origin's bandwidth in bit/s.</param>
    /// <returns>The origin's path cost (hop count 0).</returns>
    public static CompactPathCost ForOrigin(double costMicroNxsPerByte, int latencyMs, double bandwidthBitsPerSecond) =>
        new(EncodeCost(costMicroNxsPerByte), SaturateU16(latencyMs), EncodeBandwidth(bandwidthBitsPerSecond), 0);

    /// <summary>
    /// The relay update rule (spec 01-mesh §3): decode the cost, add <paramref name="relayCostMicroNxsPerByte"/>
    /// and re-encode; latency = max(old, <paramref name="latencyMs"/>); bandwidth = min(old,
    /// enc(<paramref name="bandwidthBitsPerSecond"/>)); hop count + 1 (saturating).
    /// Example: cost 41 (≈ 4.907) plus 3 gives 7.907, which re-encodes to 50.
    /// </summary>
    /// <param name="relayCostMicroNxsPerByte">This relay's cost in μNXS per byte (≥ 0).</param>
    /// <param name="latencyMs">This hop's measured latency in milliseconds.</param>
    /// <param name="bandwidthBitsPerSecond">This hop's bandwidth in bit/s.</param>
    /// <returns>The updated value.</returns>
    public CompactPathCost AddHop(double relayCostMicroNxsPerByte, int latencyMs, double bandwidthBitsPerSecond) => new(
        EncodeCost(DecodeCost(CumulativeCost) + Math.Max(0, relayCostMicroNxsPerByte)),
        Math.Max(WorstLatencyMs, SaturateU16(latencyMs)),
        Math.Min(BottleneckBandwidth, EncodeBandwidth(bandwidthBitsPerSecond)),
        HopCount == byte.MaxValue ? byte.MaxValue : (byte)(HopCount + 1));

    /// <summary>Encodes a cost: round(16·log2(cost + 1)), half away from zero, saturating at 65535; negative or NaN costs encode as 0.</summary>
    /// <param name="costMicroNxsPerByte">Cost in μNXS per byte.</param>
    /// <returns>The encoded cost. Worked values: 0→0, 1→16, 2→25, 5→41, 10→55, 50→91, 100→107, 1000→159, 10^6→319.</returns>
    public static ushort EncodeCost(double costMicroNxsPerByte)
    {
        if (!(costMicroNxsPerByte > 0))
        {
            return 0;
        }

        var enc = Math.Round(16 * Math.Log2(costMicroNxsPerByte + 1), MidpointRounding.AwayFromZero);
        return enc >= ushort.MaxValue ? ushort.MaxValue : (ushort)enc;
    }

    /// <summary>Decodes a cost: 2^(enc/16) − 1 μNXS per byte.</summary>
    /// <param name="encoded">The encoded cost.</param>
    /// <returns>The cost.</returns>
    public static double DecodeCost(ushort encoded) => Math.Pow(2, encoded / 16.0) - 1;

    /// <summary>Encodes a bandwidth: round(8·log2(bps)), half away from zero, saturating at 255 (≈ 3.94 Gbit/s); ≤ 1 bps encodes as 0.</summary>
    /// <param name="bitsPerSecond">Bandwidth in bit/s.</param>
    /// <returns>The encoded bandwidth. Worked values: 1→0, 300→66, 1000→80, 10^4→106, 5·10^4→125, 10^6→159, 10^8→213, 10^9→239.</returns>
    public static byte EncodeBandwidth(double bitsPerSecond)
    {
        if (!(bitsPerSecond > 1))
        {
            return 0;
        }

        var enc = Math.Round(8 * Math.Log2(bitsPerSecond), MidpointRounding.AwayFromZero);
        return enc >= byte.MaxValue ? byte.MaxValue : (byte)enc;
    }

    /// <summary>Decodes a bandwidth: 2^(enc/8) bit/s.</summary>
    /// <param name="encoded">The encoded bandwidth.</param>
    /// <returns>Bits per second.</returns>
    public static double DecodeBandwidth(byte encoded) => Math.Pow(2, encoded / 8.0);

    /// <summary>Reads 6 bytes (little-endian fields).</summary>
    /// <param name="source">At least 6 bytes.</param>
    /// <param name="value">The value on success.</param>
    /// <returns><see langword="false"/> when fewer than 6 bytes are given; never throws.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out CompactPathCost value)
    {
        if (source.Length < SizeInBytes)
        {
            value = default;
            return false;
        }

        value = new CompactPathCost(BinaryPrimitives.ReadUInt16LittleEndian(source), BinaryPrimitives.ReadUInt16LittleEndian(source[2..]), source[4], source[5]);
        return true;
    }

    /// <summary>Writes the 6 bytes.</summary>
    /// <param name="destination">At least 6 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 6 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException("CompactPathCost is 6 bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt16LittleEndian(destination, CumulativeCost);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], WorstLatencyMs);
        destination[4] = BottleneckBandwidth;
        destination[5] = HopCount;
    }

    private static ushort SaturateU16(int value) => value <= 0 ? (ushort)0 : value >= ushort.MaxValue ? ushort.MaxValue : (ushort)value;
}
