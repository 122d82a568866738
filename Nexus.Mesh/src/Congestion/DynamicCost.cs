namespace Nexus.Mesh.Congestion;

/// <summary>
/// The quadratic congestion cost (spec 01-mesh §7): once an outbound queue passes 50 % of its
/// capacity, <c>effective_cost = base × (1 + (depth / capacity)²)</c>; below 50 % the cost is the
/// base cost. Worked values: fill 0.5 → ×1.25, 0.75 → ×1.5625, 1.0 → ×2.0. A fill of 0.5 is exactly
/// the 25 % change that triggers a re-announce, so the new cost travels in the next round's
/// CompactPathCost.
/// </summary>
public static class DynamicCost
{
    /// <summary>The fill at which the quadratic term switches on and backpressure starts: 0.5.</summary>
    public const double Threshold = 0.5;

    /// <summary>The cost multiplier for a queue holding <paramref name="depth"/> of <paramref name="capacity"/> bytes.</summary>
    /// <param name="depth">Queued bytes (≥ 0; values above capacity count as full).</param>
    /// <param name="capacity">Queue capacity in bytes (&gt; 0).</param>
    /// <returns>1.0 below the threshold, else 1 + fill² with fill clamped to [0, 1]: a value in [1.25, 2].</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> ≤ 0 or <paramref name="depth"/> &lt; 0.</exception>
    public static double Multiplier(long depth, long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        double fill = Math.Min(1.0, (double)depth / capacity);
        return fill < Threshold ? 1.0 : 1.0 + (fill * fill);
    }

    /// <summary>The effective cost: <paramref name="baseCost"/> × <see cref="Multiplier"/>.</summary>
    /// <param name="baseCost">The link's base cost (for example μNXS per byte; ≥ 0).</param>
    /// <param name="depth">Queued bytes.</param>
    /// <param name="capacity">Queue capacity in bytes (&gt; 0).</param>
    /// <returns>The effective cost in the unit of <paramref name="baseCost"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Multiplier"/>, or a negative base cost.</exception>
    public static double Effective(double baseCost, long depth, long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(baseCost);
        return baseCost * Multiplier(depth, capacity);
    }

    /// <summary>Whether a cost change from <paramref name="previous"/> to <paramref name="current"/> is more than 25 %,
    /// the spec's trigger for an event-driven re-announce (spec 01-mesh §5).</summary>
    /// <param name="previous">The cost last announced.</param>
    /// <param name="current">The cost now.</param>
    /// <returns>True when |current − previous| ≥ 0.25 × previous (a change from 0 to anything positive counts).</returns>
    public static bool WarrantsReannounce(double previous, double current)
    {
        if (previous <= 0)
        {
            return current > 0;
        }

        return Math.Abs(current - previous) >= 0.25 * previous - 1e-12;
    }
}
