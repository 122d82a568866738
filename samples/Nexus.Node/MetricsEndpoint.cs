using System.Net;
using Prometheus;

namespace Nexus.Node;

/// <summary>
/// The node's optional Prometheus endpoint (prometheus-net): every System.Diagnostics.Metrics meter
/// of the process — "Nexus.Mesh", "Nexus.Economics", the runtime's — exported in the Prometheus
/// text format at <c>http://address:port/metrics</c>.
/// </summary>
internal static class MetricsEndpoint
{
    /// <summary>Starts serving, or writes one line to <paramref name="error"/> and returns null when the address cannot be bound.</summary>
    public static IMetricServer? TryStart(IPEndPoint? endpoint, TextWriter error)
    {
        if (endpoint is null)
        {
            return null;
        }

        try
        {
            return new MetricServer(endpoint.Address.ToString(), endpoint.Port, "metrics/").Start();
        }
        catch (HttpListenerException e)
        {
            error.WriteLine($"nexus node: cannot serve metrics on {endpoint}: {e.Message}");
            return null;
        }
    }
}
