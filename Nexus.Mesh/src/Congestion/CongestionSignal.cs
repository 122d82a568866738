using System.Buffers.Binary;

namespace Nexus.Mesh.Congestion;

/// <summary>How hard a congested neighbour asks its upstream to back off (spec 01-mesh §7, decision D8).</summary>
public enum CongestionSeverity : byte
{
    /// <summary>Code 0: cut the sending rate by 25 %.</summary>
    Moderate = 0,

    /// <summary>Code 1: cut the sending rate by 50 % and reroute P2/P3 traffic.</summary>
    Severe = 1,

    /// <summary>Code 2: stop P2/P3, throttle P1, send P0 only. (Code 3 is unused and rejected by parsers.)</summary>
    Saturated = 2,
}

/// <summary>Which of the signalling node's outbound queues are congested (spec 01-mesh §7).</summary>
public enum CongestionScope : byte
{
    /// <summary>Code 0: only the link the signal arrived on.</summary>
    ThisLink = 0,

    /// <summary>Code 1: every outbound link of the signalling node. (Codes 2–3 are rejected by parsers.)</summary>
    AllOutbound = 1,
}

/// <summary>
/// The 3-byte CongestionSignal, sent one hop upstream when an outbound queue passes 50 % of its
/// capacity (spec 01-mesh §7, normative r5 layout; decision D8 — the roadmap's 4-byte form is stale).
/// <para>
/// Layout: byte 0 = severity (bits 7–6) | scope (bits 5–4) | reserved (bits 3–0, written as zero and
/// ignored on read); bytes 1–2 = <c>estimated_drain_ms</c>, u16 little-endian. The bit placement and
/// enum numbering (declaration order from 0) are our choices where the spec is silent; they are
/// recorded in docs/protocol/gossip-and-congestion.md.
/// </para>
/// </summary>
public readonly record struct CongestionSignal
{
    /// <summary>Encoded size in bytes: 3.</summary>
    public const int SizeInBytes = 3;

    /// <summary>Creates a signal.</summary>
    /// <param name="severity">The severity (a defined <see cref="CongestionSeverity"/>).</param>
    /// <param name="scope">The scope (a defined <see cref="CongestionScope"/>).</param>
    /// <param name="estimatedDrainMs">Milliseconds until the queue is expected to drain below the threshold (saturates at 65535).</param>
    /// <exception cref="ArgumentOutOfRangeException">An undefined severity or scope code.</exception>
    public CongestionSignal(CongestionSeverity severity, CongestionScope scope, ushort estimatedDrainMs)
    {
        if ((byte)severity > (byte)CongestionSeverity.Saturated)
        {
            throw new ArgumentOutOfRangeException(nameof(severity), severity, "Severity codes are 0..2.");
        }

        if ((byte)scope > (byte)CongestionScope.AllOutbound)
        {
            throw new ArgumentOutOfRangeException(nameof(scope), scope, "Scope codes are 0..1.");
        }

        Severity = severity;
        Scope = scope;
        EstimatedDrainMs = estimatedDrainMs;
    }

    /// <summary>The severity.</summary>
    public CongestionSeverity Severity { get; }

    /// <summary>The scope.</summary>
    public CongestionScope Scope { get; }

    /// <summary>Estimated milliseconds until the signalling queue drains (u16).</summary>
    public ushort EstimatedDrainMs { get; }

    /// <summary>The fraction by which the upstream should cut its rate to this neighbour: 0.25, 0.5 or 1.0 for P2/P3 under <see cref="CongestionSeverity.Saturated"/>.</summary>
    public double RateCut => Severity switch
    {
        CongestionSeverity.Moderate => 0.25,
        CongestionSeverity.Severe => 0.5,
        _ => 1.0,
    };

    /// <summary>Reads a signal without throwing.</summary>
    /// <param name="source">At least 3 bytes; only the first 3 are read.</param>
    /// <param name="signal">The signal on success.</param>
    /// <returns><see langword="false"/> when fewer than 3 bytes are given, the severity code is 3 or the scope code is 2 or 3.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out CongestionSignal signal)
    {
        signal = default;
        if (source.Length < SizeInBytes)
        {
            return false;
        }

        int severity = source[0] >> 6;
        int scope = (source[0] >> 4) & 0b11;
        if (severity > (int)CongestionSeverity.Saturated || scope > (int)CongestionScope.AllOutbound)
        {
            return false;
        }

        signal = new CongestionSignal((CongestionSeverity)severity, (CongestionScope)scope, BinaryPrimitives.ReadUInt16LittleEndian(source[1..]));
        return true;
    }

    /// <summary>Reads a signal.</summary>
    /// <param name="source">At least 3 bytes.</param>
    /// <returns>The signal.</returns>
    /// <exception cref="MeshFormatException">The bytes are not a signal (see <see cref="TryRead"/>).</exception>
    public static CongestionSignal Read(ReadOnlySpan<byte> source) =>
        TryRead(source, out var signal) ? signal : throw new MeshFormatException("Not a CongestionSignal: too short, severity code 3, or scope code above 1.");

    /// <summary>Writes the 3 bytes.</summary>
    /// <param name="destination">At least 3 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 3 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException("A CongestionSignal is 3 bytes.", nameof(destination));
        }

        destination[0] = (byte)(((int)Severity << 6) | ((int)Scope << 4));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], EstimatedDrainMs);
    }

    /// <summary>The severity a queue at <paramref name="fill"/> (queued bytes / capacity) signals, or null below the 50 % threshold:
    /// [0.5, 0.75) Moderate, [0.75, 0.95) Severe, ≥ 0.95 Saturated (thresholds are our choice; the spec only fixes the 50 % trigger).</summary>
    /// <param name="fill">Queue fill in [0, 1].</param>
    /// <returns>The severity, or null when no signal is due.</returns>
    public static CongestionSeverity? SeverityForFill(double fill) => fill switch
    {
        >= 0.95 => CongestionSeverity.Saturated,
        >= 0.75 => CongestionSeverity.Severe,
        >= DynamicCost.Threshold => CongestionSeverity.Moderate,
        _ => null,
    };
}
