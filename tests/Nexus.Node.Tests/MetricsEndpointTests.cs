using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;

namespace Nexus.Node.Tests;

public class MetricsEndpointTests
{
    [Fact]
    public async Task Meters_of_the_process_are_served_in_Prometheus_text_format()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var endpoint = (IPEndPoint)probe.LocalEndpoint;
        probe.Stop();

        using var meter = new Meter("Nexus.Mesh.TestProbe");
        var counter = meter.CreateCounter<long>("nexus_test_packets", description: "test counter");
        counter.Add(3);
        using var server = MetricsEndpoint.TryStart(endpoint, TextWriter.Null);
        Assert.NotNull(server);
        counter.Add(4);

        using var http = new HttpClient();
        string text = "";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!text.Contains("nexus_test_packets", StringComparison.Ordinal))
        {
            text = await http.GetStringAsync(new Uri($"http://{endpoint}/metrics"), timeout.Token);
            if (!text.Contains("nexus_test_packets", StringComparison.Ordinal))
            {
                counter.Add(1);
                await Task.Delay(200, timeout.Token); // the meter adapter publishes on its own schedule
            }
        }

        Assert.Contains("# TYPE", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_address_that_cannot_be_bound_is_one_line()
    {
        var error = new StringWriter();
        Assert.Null(MetricsEndpoint.TryStart(new IPEndPoint(IPAddress.Parse("203.0.113.1"), 9), error));
        Assert.StartsWith("nexus node: cannot serve metrics on 203.0.113.1:9", error.ToString(), StringComparison.Ordinal);
    }
}
