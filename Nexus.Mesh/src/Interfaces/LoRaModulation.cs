namespace Nexus.Mesh;

/// <summary>
/// LoRa modulation parameters and the Semtech airtime formula (SX1276 datasheet §4.1.1.6, AN1200.13):
/// symbol time T_sym = 2^SF / BW; preamble time (n_preamble + 4.25)·T_sym; payload symbols
/// 8 + max(⌈(8·PL − 4·SF + 28 + 16·CRC − 20·IH) / (4·(SF − 2·DE))⌉·(CR + 4), 0) with CR = 1..4 for
/// 4/5..4/8, IH = 0 (explicit header), DE = 1 when T_sym ≥ 16 ms (low data rate optimisation).
/// Bitrate R_b = SF · BW / 2^SF · 4 / (4 + CR) bit/s. Packets above 255 bytes are sent as
/// ⌈length / 255⌉ frames, as RNode firmware splits them.
/// </summary>
/// <param name="SpreadingFactor">SF 6..12.</param>
/// <param name="BandwidthHz">Bandwidth in Hz (e.g. 125000).</param>
/// <param name="CodingRate">Coding rate denominator 5..8 (4/5..4/8).</param>
/// <param name="PreambleSymbols">Preamble length in symbols (default 8).</param>
/// <param name="Crc">Whether the payload CRC is on (default true).</param>
public sealed record LoRaModulation(int SpreadingFactor, int BandwidthHz, int CodingRate, int PreambleSymbols = 8, bool Crc = true)
{
    /// <summary>Largest LoRa PHY payload in bytes: 255.</summary>
    public const int MaxFrameSize = 255;

    /// <summary>Symbol duration in seconds: 2^SF / BW.</summary>
    public double SymbolSeconds => Math.Pow(2, SpreadingFactor) / BandwidthHz;

    /// <summary>Whether low data rate optimisation applies (symbol time ≥ 16 ms).</summary>
    public bool LowDataRateOptimize => SymbolSeconds >= 0.016;

    /// <summary>Raw bitrate in bit/s: SF · BW / 2^SF · 4 / (4 + CR).</summary>
    public double BitrateBitsPerSecond => SpreadingFactor * (BandwidthHz / Math.Pow(2, SpreadingFactor)) * 4.0 / CodingRate;

    /// <summary>Airtime of one PHY frame.</summary>
    /// <param name="payloadBytes">Frame payload, 0..255 bytes.</param>
    /// <returns>The time on air.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The payload exceeds 255 bytes or parameters are out of range.</exception>
    public TimeSpan FrameAirtime(int payloadBytes)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadBytes, MaxFrameSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(payloadBytes, 0);
        if (SpreadingFactor is < 6 or > 12 || CodingRate is < 5 or > 8 || BandwidthHz <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadBytes), "SF must be 6..12, CR 5..8 and BW positive.");
        }

        var tSym = SymbolSeconds;
        var de = LowDataRateOptimize ? 1 : 0;
        var numerator = (8.0 * payloadBytes) - (4 * SpreadingFactor) + 28 + (Crc ? 16 : 0);
        var symbols = 8 + Math.Max(Math.Ceiling(numerator / (4.0 * (SpreadingFactor - (2 * de)))) * CodingRate, 0);
        var seconds = ((PreambleSymbols + 4.25) * tSym) + (symbols * tSym);
        return TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
    }

    /// <summary>Airtime of a packet, split into 255-byte frames when longer.</summary>
    /// <param name="packetBytes">Packet length in bytes.</param>
    /// <returns>The total time on air.</returns>
    public TimeSpan PacketAirtime(int packetBytes)
    {
        var total = TimeSpan.Zero;
        var remaining = packetBytes;
        do
        {
            var frame = Math.Min(remaining, MaxFrameSize);
            total += FrameAirtime(frame);
            remaining -= frame;
        }
        while (remaining > 0);
        return total;
    }
}
