namespace Nexus.Mesh;

/// <summary>
/// How the transport picks among known paths to a destination (spec 01-mesh §4): minimise
/// <c>score = α·norm_ring_distance(next hop, destination) + β·norm_cost + γ·norm_latency +
/// δ·(1 − reliability/255)</c>, every term normalised by its maximum over the candidate set
/// (decoded values, never the log-encoded ones; a maximum of 0 gives 0). Weights: Cheapest
/// α 0.1 β 0.8 γ 0.1; Fastest α 0.1 β 0.1 γ 0.8; PureGreedy α 1; MostReliable α 0.1 δ 0.9;
/// Balanced(cost_w, latency_w, reliability_w) keeps α = 0.1 and splits 0.9 over β, γ, δ in
/// proportion to its three weights (default 1:1:1 → 0.3 each). The spec gives Balanced no numbers
/// and no reliability term; this resolution is recorded in <c>docs/protocol/mesh-transport.md</c>.
/// </summary>
/// <param name="Name">Policy name for logs.</param>
/// <param name="RingWeight">α: ring distance weight.</param>
/// <param name="CostWeight">β: decoded cost weight.</param>
/// <param name="LatencyWeight">γ: worst latency weight.</param>
/// <param name="ReliabilityWeight">δ: unreliability weight.</param>
public sealed record PathPolicy(string Name, double RingWeight, double CostWeight, double LatencyWeight, double ReliabilityWeight)
{
    /// <summary>Bulk replication: α 0.1, β 0.8, γ 0.1.</summary>
    public static PathPolicy Cheapest { get; } = new("Cheapest", 0.1, 0.8, 0.1, 0);

    /// <summary>Voice and interactive traffic: α 0.1, β 0.1, γ 0.8.</summary>
    public static PathPolicy Fastest { get; } = new("Fastest", 0.1, 0.1, 0.8, 0);

    /// <summary>Maximise delivery probability: α 0.1, δ 0.9.</summary>
    public static PathPolicy MostReliable { get; } = new("MostReliable", 0.1, 0, 0, 0.9);

    /// <summary>Kleinberg greedy routing on ring distance only: α 1.</summary>
    public static PathPolicy PureGreedy { get; } = new("PureGreedy", 1, 0, 0, 0);

    /// <summary>The default policy, Balanced(1, 1, 1): α 0.1, β = γ = δ = 0.3.</summary>
    public static PathPolicy Default { get; } = Balanced(1, 1, 1);

    /// <summary>Balanced: α = 0.1 and 0.9 split over cost, latency and reliability in proportion to the weights.</summary>
    /// <param name="costWeight">Relative cost weight (≥ 0).</param>
    /// <param name="latencyWeight">Relative latency weight (≥ 0).</param>
    /// <param name="reliabilityWeight">Relative reliability weight (≥ 0).</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentException">A weight is negative or all are zero.</exception>
    public static PathPolicy Balanced(double costWeight, double latencyWeight, double reliabilityWeight)
    {
        var sum = costWeight + latencyWeight + reliabilityWeight;
        if (costWeight < 0 || latencyWeight < 0 || reliabilityWeight < 0 || !(sum > 0))
        {
            throw new ArgumentException("Balanced weights must be non-negative and not all zero.");
        }

        return new PathPolicy("Balanced", 0.1, 0.9 * costWeight / sum, 0.9 * latencyWeight / sum, 0.9 * reliabilityWeight / sum);
    }
}
