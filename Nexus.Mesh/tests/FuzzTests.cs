using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;

namespace Nexus.Mesh.Tests;

public class FuzzTests
{
    [Fact]
    public void Hundred_thousand_random_and_mutated_packets_never_escape_an_exception_and_memory_stays_bounded()
    {
        var seeds = TestVectors.Json("reticulum/packets.json").RootElement.GetProperty("packets").EnumerateArray()
            .Select(p => p.GetProperty("raw_hex").Hex()).ToArray();
        var random = new Random(20261201);
        var time = new FakeTimeProvider();
        using var identity = NodeIdentity.Generate();
        var options = new MeshTransportOptions { MaxDestinations = 32, MaxPathsPerDestination = 2, PacketHashCacheSize = 256 };
        using var transport = new MeshTransport(identity, options, time);
        var (a, _) = InMemoryInterface.CreatePair("a", "b", time, TimeSpan.FromMilliseconds(1));
        transport.AddInterface(a);
        var buffer = new byte[700];
        var parsed = 0;
        for (var i = 0; i < 100_000; i++)
        {
            byte[] packet;
            if (i % 3 == 0)
            {
                packet = new byte[random.Next(0, 600)];
                random.NextBytes(packet);
            }
            else
            {
                packet = (byte[])seeds[random.Next(seeds.Length)].Clone();
                var mutations = random.Next(1, 4);
                for (var m = 0; m < mutations; m++)
                {
                    switch (random.Next(4))
                    {
                        case 0 when packet.Length > 0:
                            packet[random.Next(packet.Length)] ^= (byte)(1 << random.Next(8));
                            break;
                        case 1:
                            packet = packet[..random.Next(packet.Length + 1)];
                            break;
                        case 2 when packet.Length > 0:
                            packet[random.Next(packet.Length)] = (byte)random.Next(256);
                            break;
                        default:
                            packet = [.. packet, .. Enumerable.Range(0, random.Next(1, 40)).Select(_ => (byte)random.Next(256))];
                            break;
                    }
                }
            }

            if (Packet.TryParse(packet, out var p))
            {
                parsed++;
                _ = p.GetHash();
                if (Announce.TryParse(p, out var ann) && ann.AppData.Length > 0)
                {
                    _ = NexusExtension.TryParse(ann.AppData, out _);
                }
            }

            try
            {
                Packet.Parse(packet);
            }
            catch (MeshFormatException)
            {
            }

            var seq = new System.Buffers.ReadOnlySequence<byte>(packet);
            Hdlc.TryReadFrame(ref seq, buffer, out _);
            transport.ProcessInbound(a, packet);
            if (i % 10_000 == 0)
            {
                time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        Assert.True(parsed > 30_000);
        Assert.True(transport.Routes.DestinationCount <= 32);
        Assert.True(transport.Routes.PathCount <= 64);
        Assert.True(transport.Drops.Values.Sum() > 10_000);
    }
}
