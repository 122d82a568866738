using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Nexus.Crypto;
using Nexus.Mesh;

namespace Nexus.Hosting.Tests;

/// <summary>
/// Real Reticulum traffic: the TCP byte streams captured between real RNS 1.4.2 instances
/// (../shared/vectors/reticulum/framing.json) are replayed into a node's TCP server interface. The
/// node validates the announces, shows their destinations in its status, drops the corrupted ones,
/// and relays the valid ones to another connected client with the same packet hash (the signed
/// content unchanged; only hops and the transport header differ, as in RNS).
/// </summary>
public sealed class RealTrafficTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("nx-rns-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static string VectorsPath(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nexus.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "vectors", relative));
            }
        }

        throw new DirectoryNotFoundException("../shared/vectors not found beside the repository root.");
    }

    [Fact]
    public async Task Captured_RNS_streams_are_validated_listed_and_relayed_unchanged()
    {
        using var framing = JsonDocument.Parse(File.ReadAllBytes(VectorsPath("reticulum/framing.json")));
        using var announces = JsonDocument.Parse(File.ReadAllBytes(VectorsPath("reticulum/announces.json")));
        var streams = framing.RootElement.GetProperty("streams").EnumerateArray()
            .Where(s => s.GetProperty("stream").GetString() is "A->B" or "tap->A")
            .ToDictionary(s => s.GetProperty("stream").GetString()!, s => Convert.FromHexString(s.GetProperty("stream_hex").GetString()!));
        var payloads = framing.RootElement.GetProperty("streams").EnumerateArray()
            .Where(s => s.GetProperty("stream").GetString() is "A->B" or "tap->A")
            .SelectMany(s => s.GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("payload_hex").GetString()!))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        // The valid announces in those streams (expected in the routing table and relayed), and the corrupted ones.
        var accepted = new Dictionary<string, string>(StringComparer.Ordinal); // packet hash -> destination
        int rejected = 0;
        foreach (var v in announces.RootElement.GetProperty("vectors").EnumerateArray())
        {
            string raw = v.GetProperty("raw_hex").GetString()!;
            if (!payloads.Contains(raw))
            {
                continue;
            }

            var packet = Packet.Parse(Convert.FromHexString(raw));
            if (v.GetProperty("expect").GetString() == "accept")
            {
                accepted[packet.GetHash().ToString()] = packet.Header.DestinationHash.ToString();
            }
            else
            {
                rejected++;
            }
        }

        Assert.True(accepted.Count >= 5, $"expected several valid announces in the replayed streams, found {accepted.Count}");
        Assert.Equal(3, rejected);

        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var node = await NexusNode.StartAsync(new NodeOptions
        {
            DataDirectory = _dir.FullName,
            Interfaces = [new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpServer, Endpoint = new IPEndPoint(IPAddress.Loopback, port) }],
        });

        // After the captured traffic, on the same connection, comes a marker: a valid announce of a
        // fresh identity. A connection's frames are processed in order, so once the marker's path is
        // in the table every captured frame has been processed and the drop counters are final.
        using var markerIdentity = NodeIdentity.Generate();
        var markerPacket = AnnounceBuilder.Build(markerIdentity, "nexus.test.marker", AnnounceBuilder.NewRandomHash(TimeProvider.System), [], []);
        string marker = Packet.Parse(markerPacket).Header.DestinationHash.ToString();
        var markerFrame = new byte[Hdlc.MaxFramedLength(markerPacket.Length)];
        int markerFrameLength = Hdlc.Encode(markerPacket, markerFrame);

        // Every destination is relayed at least once with a captured packet hash (later announces of
        // the same destination within the rate limit, and path responses, are not rebroadcast, as in RNS).
        var relayed = new HashSet<string>(StringComparer.Ordinal);
        bool AllRelayed()
        {
            lock (relayed)
            {
                return accepted.GroupBy(a => a.Value).All(g => g.Any(a => relayed.Contains(a.Key)));
            }
        }

        long Invalid() => node.GetStatus()["counters"]!.AsObject()
            .Where(c => c.Key is "dropped_invalid_announce" or "dropped_malformed_announce").Sum(c => c.Value!.GetValue<long>());

        string Missing()
        {
            string missingRelays;
            lock (relayed)
            {
                missingRelays = string.Join(",", accepted.GroupBy(a => a.Value).Where(g => !g.Any(a => relayed.Contains(a.Key))).Select(g => g.Key));
            }

            string missingRoutes = string.Join(",", accepted.Values.Append(marker).Where(d => !HasRoute(node, d)).Distinct());
            return $"not relayed: [{missingRelays}] no route: [{missingRoutes}] of {accepted.Count} and the marker; status: {node.GetStatus().ToJsonString()}";
        }

        // Re-checked on every path change at the node and every announce the observer reads.
        using var done = new ConditionWaiter(() => AllRelayed() && accepted.Values.Append(marker).All(d => HasRoute(node, d)))
            .On<PathChangedEventArgs>(h => node.Mesh.PathChanged += h, h => node.Mesh.PathChanged -= h);

        // An observer connects first; then the captured RNS traffic arrives on another connection.
        using var observer = new TcpClient();
        await observer.ConnectAsync(IPAddress.Loopback, port);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var reader = ReadAnnouncesAsync(observer.GetStream(), relayed, done.Check, stop.Token);

        using var replay = new TcpClient();
        await replay.ConnectAsync(IPAddress.Loopback, port);
        foreach (var stream in new[] { "A->B", "tap->A" })
        {
            await replay.GetStream().WriteAsync(streams[stream], stop.Token);
        }

        await replay.GetStream().WriteAsync(markerFrame.AsMemory(0, markerFrameLength), stop.Token);
        await done.WaitAsync("every captured destination relayed and routed, then the marker routed", TimeSpan.FromSeconds(45), Missing);

        Assert.Equal(3, Invalid()); // exactly the 3 corrupted ones: every valid announce was accepted
        await stop.CancelAsync();
        try
        {
            await reader;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static bool HasRoute(NexusNode node, string destination) =>
        node.GetStatus()["routes"]!.AsArray().Any(r => r!["destination"]!.GetValue<string>() == destination);

    private static async Task ReadAnnouncesAsync(NetworkStream stream, HashSet<string> hashes, Action onAnnounce, CancellationToken cancellationToken)
    {
        var pending = new List<byte>();
        var chunk = new byte[4096];
        var packet = new byte[MeshConstants.Mtu];
        while (true)
        {
            int read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return;
            }

            pending.AddRange(chunk.AsSpan(0, read).ToArray());
            var sequence = new ReadOnlySequence<byte>(pending.ToArray());
            while (true)
            {
                var status = Hdlc.TryReadFrame(ref sequence, packet, out int written);
                if (status == FrameStatus.NeedMoreData)
                {
                    break;
                }

                if (status == FrameStatus.Frame && Packet.TryParse(packet.AsSpan(0, written), out var p) && p.Header.PacketType == PacketType.Announce)
                {
                    lock (hashes)
                    {
                        hashes.Add(p.GetHash().ToString());
                    }

                    onAnnounce();
                }
            }

            pending = [.. sequence.ToArray()];
        }
    }
}
