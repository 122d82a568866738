using Nexus.Crypto;

namespace Nexus.Mesh.Congestion;

/// <summary>
/// The payment-weighted priority hook of the per-neighbour fair share (spec 01-mesh §7: "neighbours
/// with payment channels get a share weighted by channel balance"). Nexus.Economics implements it
/// from channel balances; without one, every neighbour weighs 1.
/// </summary>
public interface IFairShareWeighting
{
    /// <summary>The weight of <paramref name="neighbour"/>'s share. Each active neighbour receives rate × weight / Σ weights.</summary>
    /// <param name="neighbour">The neighbour's identity hash (or transport id).</param>
    /// <returns>A finite weight &gt; 0; values ≤ 0 or not finite are treated as 1.</returns>
    double GetWeight(Hash128 neighbour);
}
