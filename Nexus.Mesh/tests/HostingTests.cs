using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;

namespace Nexus.Mesh.Tests;

public class HostingTests
{
    [Fact]
    public void AddNexusMesh_wires_identity_transport_and_links_and_persists_the_identity()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var path = Path.Combine(dir.FullName, "node.identity");
            var time = new FakeTimeProvider();
            string first;
            {
                var services = new ServiceCollection().AddSingleton<TimeProvider>(time).AddMetrics().AddLogging();
                services.AddNexusMesh(o =>
                {
                    o.IdentityPath = path;
                    o.Transport.MaxDestinations = 17;
                });
                using var provider = services.BuildServiceProvider();
                var transport = provider.GetRequiredService<MeshTransport>();
                Assert.Equal(17, transport.Routes.MaxDestinations);
                Assert.Same(transport, provider.GetRequiredService<MeshTransport>());
                var links = provider.GetRequiredService<NexusLinkManager>();
                Assert.Equal(DestinationHash.Compute("nexus.link", transport.TransportId), links.Destination.Hash);
                first = transport.TransportId.ToString();
                Assert.True(File.Exists(path));
            }

            var again = new ServiceCollection().AddNexusMesh(o => o.IdentityPath = path).BuildServiceProvider();
            Assert.Equal(first, again.GetRequiredService<MeshTransport>().TransportId.ToString());
            again.Dispose();
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Metrics_count_packets_in_out_and_drops_by_reason()
    {
        var time = new FakeTimeProvider();
        using var identity = NodeIdentity.Generate();
        using var transport = new MeshTransport(identity, timeProvider: time);
        using var inbound = new MetricCollector<long>(transport.Metrics.Meter, "nexus.mesh.packets.in");
        using var dropped = new MetricCollector<long>(transport.Metrics.Meter, "nexus.mesh.packets.dropped");
        using var outbound = new MetricCollector<long>(transport.Metrics.Meter, "nexus.mesh.packets.out");
        using var announces = new MetricCollector<long>(transport.Metrics.Meter, "nexus.mesh.announces");
        var (a, _) = InMemoryInterface.CreatePair("a", "b", time, TimeSpan.FromMilliseconds(1));
        transport.AddInterface(a); // sends a beacon
        transport.ProcessInbound(a, new byte[5]);
        using var other = NodeIdentity.Generate();
        transport.ProcessInbound(a, AnnounceBuilder.Build(other, "x.y", new byte[10], [], []));
        Assert.True(inbound.GetMeasurementSnapshot().Count >= 2);
        Assert.Contains(dropped.GetMeasurementSnapshot(), m => (string?)m.Tags["reason"] == "malformed");
        Assert.Contains(announces.GetMeasurementSnapshot(), m => (string?)m.Tags["outcome"] == "valid");
        Assert.True(outbound.GetMeasurementSnapshot().Count >= 1);
    }
}
