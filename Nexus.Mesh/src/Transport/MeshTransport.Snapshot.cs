namespace Nexus.Mesh;

/// <summary>Thread-safe read access for hosts (status pages, control APIs).</summary>
public sealed partial class MeshTransport
{
    /// <summary>
    /// The best path to every known destination under <paramref name="policy"/> (the options'
    /// default when null), copied under the transport's lock, so it is safe to call from any thread
    /// while packets are being processed.
    /// </summary>
    /// <param name="policy">The path policy that picks the best path.</param>
    /// <returns>One entry per destination with a usable path.</returns>
    public IReadOnlyList<RoutingEntry> GetBestRoutes(PathPolicy? policy = null)
    {
        lock (_gate)
        {
            var result = new List<RoutingEntry>(Routes.DestinationCount);
            foreach (var destination in Routes.Destinations)
            {
                if (Routes.Select(destination, policy ?? Options.DefaultPolicy) is { } best)
                {
                    result.Add(best);
                }
            }

            return result;
        }
    }
}
