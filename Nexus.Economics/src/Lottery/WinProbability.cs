using System.Globalization;

namespace Nexus.Economics;

/// <summary>
/// A relay-lottery win probability p, held exactly as the 64-bit target of decision D6: a packet
/// wins when the first 8 bytes of its VRF output, read as a little-endian u64, are below
/// <see cref="Target"/>, so p = Target / 2^64. Integer-only, so payer and relay always agree on
/// the win test and on the reward.
/// </summary>
public readonly record struct WinProbability
{
    /// <summary>The smallest probability adaptive difficulty uses: 1/10,000 (spec 02-economics section 1).</summary>
    public static WinProbability Minimum { get; } = FromOdds(10_000);

    /// <summary>The largest probability adaptive difficulty uses: 1/5 (spec 02-economics section 1).</summary>
    public static WinProbability Maximum { get; } = FromOdds(5);

    /// <summary>Creates a probability from its target.</summary>
    /// <param name="target">floor(p × 2^64); must be at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is 0 (a lottery nobody can win).</exception>
    public WinProbability(ulong target)
    {
        ArgumentOutOfRangeException.ThrowIfZero(target);
        Target = target;
    }

    /// <summary>floor(p × 2^64): outputs whose first 8 bytes (little-endian) are below it win.</summary>
    public ulong Target { get; }

    /// <summary>p as a double, for display and statistics (never for the win test or the reward).</summary>
    public double Probability => Target / 18446744073709551616.0;

    /// <summary>p = 1 / <paramref name="odds"/>: target = floor(2^64 / odds).</summary>
    /// <param name="odds">The N of "one win in N packets", at least 2.</param>
    /// <returns>The probability.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="odds"/> is below 2.</exception>
    public static WinProbability FromOdds(ulong odds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(odds, 2UL);
        return new WinProbability((ulong)((UInt128.One << 64) / odds));
    }

    /// <summary>target = floor(p × 2^64) for 0 &lt; p &lt; 1.</summary>
    /// <param name="probability">p, strictly between 0 and 1.</param>
    /// <returns>The probability, rounded down to a multiple of 2^-64 (and at least 2^-64).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is not in (0, 1).</exception>
    public static WinProbability FromProbability(double probability)
    {
        if (!(probability > 0 && probability < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A win probability is strictly between 0 and 1.");
        }

        // 2^64 · p < 2^64 exactly representable path: scale by 2^64 in floating point, then clamp.
        double scaled = Math.Floor(probability * 18446744073709551616.0);
        ulong target = scaled >= 18446744073709551615.0 ? ulong.MaxValue : (ulong)scaled;
        return new WinProbability(Math.Max(1UL, target));
    }

    /// <summary>
    /// The reward for one win: floor(<paramref name="perPacketCostMicroNxs"/> × 2^64 / Target) μNXS,
    /// i.e. per-packet cost / p rounded down (D6), so the expected payment per packet is the cost.
    /// </summary>
    /// <param name="perPacketCostMicroNxs">What one relayed packet costs, in μNXS.</param>
    /// <returns>The reward in μNXS.</returns>
    /// <exception cref="OverflowException">The reward does not fit in 64 bits.</exception>
    public ulong RewardFor(ulong perPacketCostMicroNxs)
    {
        UInt128 reward = ((UInt128)perPacketCostMicroNxs << 64) / Target;
        return reward > ulong.MaxValue ? throw new OverflowException("The lottery reward exceeds 2^64 - 1 μNXS.") : (ulong)reward;
    }

    /// <summary>Whether a VRF output wins: first 8 bytes of beta as little-endian u64 &lt; <see cref="Target"/>.</summary>
    /// <param name="beta">The 64-byte ECVRF output (at least 8 bytes are read).</param>
    /// <returns>True for a win.</returns>
    /// <exception cref="ArgumentException"><paramref name="beta"/> is shorter than 8 bytes.</exception>
    public bool IsWin(ReadOnlySpan<byte> beta)
    {
        if (beta.Length < 8)
        {
            throw new ArgumentException("A VRF output has at least 8 bytes.", nameof(beta));
        }

        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(beta) < Target;
    }

    /// <summary>"p=0.0100 (target 0x028f5c28f5c28f5c)".</summary>
    /// <returns>The probability and its target.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"p={Probability:0.######} (target 0x{Target:x16})");
}
