using System.Buffers;
using System.Text.Json;
using CsCheck;
using Nexus.Crypto;

namespace Nexus.Mesh.Tests;

public class PacketTests
{
    private static JsonElement Packets => TestVectors.Json("reticulum/packets.json").RootElement.GetProperty("packets");

    [Fact]
    public void Every_recorded_packet_parses_to_its_recorded_fields_and_hash()
    {
        var count = 0;
        foreach (var p in Packets.EnumerateArray())
        {
            var raw = p.GetProperty("raw_hex").Hex();
            var h = p.GetProperty("header");
            var packet = Packet.Parse(raw);
            Assert.Equal(Convert.ToByte(h.GetProperty("flags_byte").GetString()![2..], 16), packet.Header.Flags);
            Assert.Equal(h.GetProperty("ifac_flag").GetInt32() == 1, packet.Header.IfacFlag);
            Assert.Equal(h.GetProperty("header_type").GetInt32(), (int)packet.Header.HeaderType);
            Assert.Equal(h.GetProperty("context_flag").GetInt32() == 1, packet.Header.ContextFlag);
            Assert.Equal(h.GetProperty("propagation_type").GetInt32(), (int)packet.Header.PropagationType);
            Assert.Equal(h.GetProperty("destination_type").GetInt32(), (int)packet.Header.DestinationType);
            Assert.Equal(h.GetProperty("packet_type").GetInt32(), (int)packet.Header.PacketType);
            Assert.Equal(h.GetProperty("hops").GetInt32(), packet.Header.Hops);
            Assert.Equal(h.Str("transport_id_hex") ?? Hash128.Zero.ToString(), packet.Header.TransportId.ToString());
            Assert.Equal(h.GetProperty("destination_hash_hex").GetString(), packet.Header.DestinationHash.ToString());
            Assert.Equal(h.GetProperty("context").GetInt32(), (int)packet.Header.Context);
            Assert.Equal(h.GetProperty("payload_offset").GetInt32(), packet.Header.Size);
            Assert.Equal(h.GetProperty("payload_len").GetInt32(), packet.Data.Length);

            var hashable = new byte[packet.HashablePartLength];
            packet.WriteHashablePart(hashable);
            Assert.Equal(p.GetProperty("hashable_part_hex").GetString(), Convert.ToHexStringLower(hashable));
            Assert.Equal(p.GetProperty("packet_hash_hex").GetString(), packet.GetHash().ToString());
            Assert.Equal(p.GetProperty("truncated_packet_hash_hex").GetString(), packet.GetTruncatedHash().ToString());

            // Re-encoding header + data gives the same bytes, through both writers.
            Assert.Equal(raw, PacketWriter.ToArray(packet.Header, packet.Data));
            var writer = new ArrayBufferWriter<byte>();
            Assert.Equal(raw.Length, PacketWriter.Write(writer, packet.Header, packet.Data));
            Assert.Equal(raw, writer.WrittenSpan.ToArray());
            count++;
        }

        Assert.Equal(66, count);
    }

    [Fact]
    public void Link_id_of_every_recorded_link_request_matches_rns()
    {
        var count = 0;
        foreach (var p in Packets.EnumerateArray())
        {
            if (p.GetProperty("kind").GetString() != "link_request")
            {
                continue;
            }

            var packet = Packet.Parse(p.GetProperty("raw_hex").Hex());
            Assert.Equal(p.GetProperty("link_request").GetProperty("link_id_hex").GetString(), packet.GetLinkId().ToString());
            count++;
        }

        Assert.Equal(3, count);
    }

    [Fact]
    public void Relayed_packet_keeps_its_hash_when_hops_and_transport_change()
    {
        var raw = Packets.EnumerateArray().First(p => p.GetProperty("header").GetProperty("header_type").GetInt32() == 1).GetProperty("raw_hex").Hex();
        var packet = Packet.Parse(raw);
        var hash = packet.GetHash();
        var h1 = PacketWriter.ToArray(packet.Header.WithoutTransport().WithHops(7), packet.Data);
        Assert.Equal(hash, Packet.Parse(h1).GetHash());
        Assert.Equal(HeaderType.Header1, Packet.Parse(h1).Header.HeaderType);
        var h2 = PacketWriter.ToArray(Packet.Parse(h1).Header.WithTransport(new Hash128(new byte[16])), packet.Data);
        Assert.Equal(hash, Packet.Parse(h2).GetHash());
        Assert.Equal(PropagationType.Transport, Packet.Parse(h2).Header.PropagationType);
    }

    [Fact]
    public void Multi_segment_sequence_parses_like_the_contiguous_packet()
    {
        var raw = Packets[5].GetProperty("raw_hex").Hex();
        var first = new Segment(raw.AsMemory(0, 7));
        var last = first.Append(raw.AsMemory(7));
        var sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        Span<byte> scratch = stackalloc byte[MeshConstants.Mtu];
        Assert.True(Packet.TryParse(sequence, scratch, out var packet));
        Assert.Equal(Packet.Parse(raw).GetHash(), packet.GetHash());
        Assert.True(Packet.TryParse(new ReadOnlySequence<byte>(raw), scratch, out packet));
        Assert.False(Packet.TryParse(sequence, new byte[10], out _));
    }

    [Fact]
    public void Malformed_packets_are_rejected_with_the_documented_exception()
    {
        Assert.False(Packet.TryParse(new byte[18], out _));
        Assert.False(Packet.TryParse(new byte[501], out _));
        Assert.True(Packet.TryParse(new byte[501], 8192, out _));
        var h2Short = new byte[30];
        h2Short[0] = 0x40;
        Assert.False(Packet.TryParse(h2Short, out _));
        var ifac = new byte[40];
        ifac[0] = 0x80;
        Assert.False(Packet.TryParse(ifac, out _));
        Assert.Throws<MeshFormatException>(() => Packet.Parse(new byte[3]));
        Assert.Throws<MeshFormatException>(() => Packet.Parse(new byte[600]));
        Assert.Throws<MeshFormatException>(() => Packet.Parse(ifac));
        Assert.Throws<ArgumentException>(() => PacketWriter.ToArray(new PacketHeader(PacketType.Data, DestinationType.Single, Hash128.Zero), new byte[482]));
    }

    [Fact]
    public void Header_fields_round_trip_for_every_flag_combination()
    {
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3], Gen.Byte, Gen.Byte, Gen.Bool, Gen.Bool, Gen.Byte.Array[16], Gen.Byte.Array[0, 465])
            .Sample((pt, dt, hops, ctx, flag, transport, addr, data) =>
            {
                var header = new PacketHeader((PacketType)pt, (DestinationType)dt, new Hash128(addr), (PacketContext)ctx, hops, transport ? new Hash128(addr.Reverse().ToArray()) : null, flag);
                var raw = PacketWriter.ToArray(header, data);
                var parsed = Packet.Parse(raw);
                Assert.Equal(header, parsed.Header);
                Assert.Equal(data, parsed.Data.ToArray());
                Assert.Equal(transport ? HeaderType.Header2 : HeaderType.Header1, parsed.Header.HeaderType);
                Assert.Equal(flag, parsed.Header.ContextFlag);
            });
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
