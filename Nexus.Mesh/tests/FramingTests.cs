using System.Buffers;
using System.Text.Json;
using CsCheck;

namespace Nexus.Mesh.Tests;

public class FramingTests
{
    private static readonly JsonElement Root = TestVectors.Json("reticulum/framing.json").RootElement;

    private static List<byte[]> Deframe(byte[] stream, bool kiss, int chunk)
    {
        var frames = new List<byte[]>();
        var pending = new List<byte>();
        var dest = new byte[MeshConstants.Mtu + 64]; // IFAC frames carry up to 64 more bytes
        for (var i = 0; i < stream.Length; i += chunk)
        {
            pending.AddRange(stream.AsSpan(i, Math.Min(chunk, stream.Length - i)).ToArray());
            var seq = new ReadOnlySequence<byte>(pending.ToArray());
            while (true)
            {
                var status = kiss ? Kiss.TryReadFrame(ref seq, dest, out var n) : Hdlc.TryReadFrame(ref seq, dest, out n);
                if (status == FrameStatus.NeedMoreData)
                {
                    break;
                }

                if (status == FrameStatus.Frame)
                {
                    frames.Add(dest[..n]);
                }
            }

            pending = [.. seq.ToArray()];
        }

        return frames;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100000)]
    public void Every_recorded_stream_deframes_to_its_recorded_packets_and_reframes_identically(int chunk)
    {
        var streams = 0;
        foreach (var s in Root.GetProperty("streams").EnumerateArray())
        {
            var kiss = s.GetProperty("framing").GetString() == "KISS";
            var frames = Deframe(s.GetProperty("stream_hex").Hex(), kiss, chunk);
            var expected = s.GetProperty("frames").EnumerateArray().ToArray();
            Assert.Equal(expected.Length, frames.Count);
            for (var i = 0; i < frames.Count; i++)
            {
                Assert.Equal(expected[i].GetProperty("payload_hex").GetString(), Convert.ToHexStringLower(frames[i]));
                var writer = new ArrayBufferWriter<byte>();
                if (kiss)
                {
                    Kiss.Encode(writer, frames[i]);
                }
                else
                {
                    Hdlc.Encode(writer, frames[i]);
                }

                Assert.Equal(expected[i].GetProperty("framed_hex").GetString(), Convert.ToHexStringLower(writer.WrittenSpan));
            }

            streams++;
        }

        Assert.Equal(10, streams);
    }

    [Fact]
    public void Ifac_key_and_every_recorded_ifac_frame_match_rns()
    {
        var ifacJson = Root.GetProperty("ifac");
        using var ifac = Ifac.Create(ifacJson.GetProperty("network_name").GetString(), ifacJson.GetProperty("passphrase").GetString(), ifacJson.GetProperty("ifac_size").GetInt32());
        Assert.Equal(ifacJson.GetProperty("ifac_key_hex").GetString(), Convert.ToHexStringLower(ifac.Key));
        Assert.Equal(ifacJson.GetProperty("ifac_identity_ed25519_pub_hex").GetString(), Convert.ToHexStringLower(ifac.PublicKey.AsSpan()));
        var count = 0;
        foreach (var f in ifacJson.GetProperty("frames").EnumerateArray())
        {
            var masked = f.GetProperty("masked_hex").Hex();
            var unmasked = f.GetProperty("unmasked_hex").Hex();
            var buffer = new byte[masked.Length];
            Assert.True(ifac.TryUnwrap(masked, buffer, out var n));
            Assert.Equal(unmasked, buffer[..n]);
            var wrapped = new byte[unmasked.Length + ifac.Size];
            Assert.Equal(masked.Length, ifac.Wrap(unmasked, wrapped));
            Assert.Equal(masked, wrapped);
            var tampered = (byte[])masked.Clone();
            tampered[^1] ^= 1;
            Assert.False(ifac.TryUnwrap(tampered, buffer, out _));
            count++;
        }

        Assert.True(count >= 2);
        using var other = Ifac.Create("other", "key");
        Assert.False(other.TryUnwrap(ifacJson.GetProperty("frames")[0].GetProperty("masked_hex").Hex(), new byte[600], out _));
    }

    [Fact]
    public void Framing_round_trips_any_packet_and_garbage_never_throws()
    {
        Gen.Select(Gen.Byte.Array[1, 500], Gen.Bool).Sample((packet, kiss) =>
        {
            var framed = new byte[Kiss.MaxFramedLength(packet.Length)];
            var n = kiss ? Kiss.Encode(packet, framed) : Hdlc.Encode(packet, framed);
            var frames = Deframe(framed[..n], kiss, 13);
            return frames.Count == 1 && frames[0].AsSpan().SequenceEqual(packet);
        });
        Gen.Byte.Array[0, 3000].Sample(garbage =>
        {
            Deframe(garbage, false, 64);
            Deframe(garbage, true, 64);
        });
    }

    [Fact]
    public void Oversized_and_unterminated_frames_are_bounded()
    {
        var big = new byte[600];
        var framed = new byte[Hdlc.MaxFramedLength(600)];
        var n = Hdlc.Encode(big, framed);
        var seq = new ReadOnlySequence<byte>(framed[..n]);
        Assert.Equal(FrameStatus.Oversized, Hdlc.TryReadFrame(ref seq, new byte[500], out _));
        var open = new byte[5000];
        open[0] = Hdlc.Flag;
        seq = new ReadOnlySequence<byte>(open);
        Assert.Equal(FrameStatus.NeedMoreData, Hdlc.TryReadFrame(ref seq, new byte[500], out _));
        Assert.True(seq.IsEmpty);
    }
}
