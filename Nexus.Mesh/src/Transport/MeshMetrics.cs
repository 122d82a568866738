using System.Diagnostics.Metrics;

namespace Nexus.Mesh;

/// <summary>
/// The Nexus.Mesh instruments on the <see cref="MeterName"/> meter: counters
/// <c>nexus.mesh.packets.in</c>, <c>nexus.mesh.packets.out</c>, <c>nexus.mesh.packets.dropped</c>
/// (tag <c>reason</c>), <c>nexus.mesh.announces</c> (tag <c>outcome</c>: valid, invalid_signature,
/// destination_mismatch, malformed, rebroadcast), <c>nexus.mesh.congestion.signals</c> (tags
/// <c>direction</c>: sent, received; <c>severity</c>); observable gauges <c>nexus.mesh.routes</c> and
/// <c>nexus.mesh.links</c>.
/// </summary>
public sealed class MeshMetrics : IDisposable
{
    /// <summary>The meter name: <c>Nexus.Mesh</c>.</summary>
    public const string MeterName = "Nexus.Mesh";

    private readonly Meter _meter;
    private readonly Counter<long> _in;
    private readonly Counter<long> _out;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _announces;
    private readonly Counter<long> _signals;

    /// <summary>Creates the instruments.</summary>
    /// <param name="meterFactory">Factory for the meter (DI); <see langword="null"/> creates a standalone meter.</param>
    /// <param name="routes">Callback for the route gauge.</param>
    /// <param name="links">Callback for the link gauge.</param>
    public MeshMetrics(IMeterFactory? meterFactory, Func<int> routes, Func<int> links)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _in = _meter.CreateCounter<long>("nexus.mesh.packets.in", "{packet}", "Packets received on any interface.");
        _out = _meter.CreateCounter<long>("nexus.mesh.packets.out", "{packet}", "Packets sent on any interface.");
        _dropped = _meter.CreateCounter<long>("nexus.mesh.packets.dropped", "{packet}", "Packets dropped, by reason.");
        _announces = _meter.CreateCounter<long>("nexus.mesh.announces", "{announce}", "Announces handled, by outcome.");
        _signals = _meter.CreateCounter<long>("nexus.mesh.congestion.signals", "{signal}", "CongestionSignals sent upstream and received from downstream neighbours.");
        _meter.CreateObservableGauge("nexus.mesh.routes", routes, "{path}", "Paths in the routing table.");
        _meter.CreateObservableGauge("nexus.mesh.links", links, "{link}", "Established NEXUS links.");
    }

    internal void PacketIn() => _in.Add(1);

    internal void PacketOut() => _out.Add(1);

    internal void Dropped(string reason) => _dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void Announce(string outcome) => _announces.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    internal void CongestionSignal(string direction, Congestion.CongestionSeverity severity) =>
        _signals.Add(1, new KeyValuePair<string, object?>("direction", direction), new KeyValuePair<string, object?>("severity", severity.ToString()));

    /// <summary>The meter holding the instruments (named <see cref="MeterName"/>).</summary>
    public Meter Meter => _meter;

    /// <summary>Disposes the meter.</summary>
    public void Dispose() => _meter.Dispose();
}
