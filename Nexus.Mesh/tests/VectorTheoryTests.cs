using System.Text.Json;
using Nexus.Crypto;

namespace Nexus.Mesh.Tests;

/// <summary>One test case per captured RNS vector, so a failure names the packet, announce, stream or frame.</summary>
public class VectorTheoryTests
{
    private static readonly JsonElement Packets = TestVectors.Json("reticulum/packets.json").RootElement.GetProperty("packets");
    private static readonly JsonElement Announces = TestVectors.Json("reticulum/announces.json").RootElement;
    private static readonly JsonElement Framing = TestVectors.Json("reticulum/framing.json").RootElement;

    public static TheoryData<string> PacketIds()
    {
        var data = new TheoryData<string>();
        foreach (var p in Packets.EnumerateArray())
        {
            data.Add(p.GetProperty("id").GetString()!);
        }

        return data;
    }

    public static TheoryData<string> AnnounceIds()
    {
        var data = new TheoryData<string>();
        foreach (var v in Announces.GetProperty("vectors").EnumerateArray())
        {
            data.Add(v.GetProperty("id").GetString()!);
        }

        return data;
    }

    public static TheoryData<string, int> IfacFrames()
    {
        var data = new TheoryData<string, int>();
        var i = 0;
        foreach (var f in Framing.GetProperty("ifac").GetProperty("frames").EnumerateArray())
        {
            data.Add(f.GetProperty("stream").GetString()!, i++);
        }

        return data;
    }

    public static TheoryData<string> Streams()
    {
        var data = new TheoryData<string>();
        foreach (var s in Framing.GetProperty("streams").EnumerateArray())
        {
            data.Add(s.GetProperty("stream").GetString()!);
        }

        return data;
    }

    private static JsonElement PacketById(string id) => Packets.EnumerateArray().Single(p => p.GetProperty("id").GetString() == id);

    private static JsonElement AnnounceById(string id) => Announces.GetProperty("vectors").EnumerateArray().Single(p => p.GetProperty("id").GetString() == id);

    [Theory]
    [MemberData(nameof(PacketIds))]
    public void Captured_packet_round_trips_and_hashes_as_rns(string id)
    {
        var p = PacketById(id);
        var raw = p.GetProperty("raw_hex").Hex();
        var packet = Packet.Parse(raw);
        Assert.Equal(p.GetProperty("packet_hash_hex").GetString(), packet.GetHash().ToString());
        Assert.Equal(raw, PacketWriter.ToArray(packet.Header, packet.Data));
        Assert.Equal(p.GetProperty("header").GetProperty("destination_hash_hex").GetString(), packet.Header.DestinationHash.ToString());

        // Any single-byte truncation either still parses (shorter data) or is rejected; never throws.
        for (var length = 0; length < raw.Length; length++)
        {
            var ok = Packet.TryParse(raw.AsSpan(0, length), out var cut);
            Assert.Equal(length >= packet.Header.Size, ok);
            if (ok)
            {
                Assert.Equal(length - packet.Header.Size, cut.Data.Length);
            }
        }
    }

    [Theory]
    [MemberData(nameof(AnnounceIds))]
    public void Captured_announce_is_judged_as_rns_judged_it(string id)
    {
        var v = AnnounceById(id);
        var raw = v.GetProperty("raw_hex").Hex();
        var verdict = Announce.Validate(raw);
        var rnsAccepted = v.GetProperty("expect").GetString() == "accept";
        Assert.Equal(rnsAccepted, verdict == AnnounceValidationResult.Valid);
        if (v.TryGetProperty("rns_offline_validate_announce", out var rns) && rns.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            Assert.Equal(rns.GetBoolean(), verdict == AnnounceValidationResult.Valid);
        }

        if (rnsAccepted && v.TryGetProperty("reencode", out var re) && re.ValueKind == JsonValueKind.Object)
        {
            var identities = Announces.GetProperty("identities").EnumerateArray();
            var key = identities.Single(i => i.GetProperty("label").GetString() == re.GetProperty("identity_label").GetString()).GetProperty("private_key_hex").Hex();
            using var identity = NodeIdentity.Import(key);
            var built = AnnounceBuilder.Build(identity, re.GetProperty("full_name").GetString()!, re.GetProperty("random_hash_hex").Hex(),
                re.Str("ratchet_public_hex") is { } r ? Convert.FromHexString(r) : [], re.Str("app_data_hex") is { } a ? Convert.FromHexString(a) : [],
                (PacketContext)re.GetProperty("context").GetInt32());
            Assert.Equal(re.GetProperty("expected_header1_raw_hex").GetString(), Convert.ToHexStringLower(built));
        }
    }

    [Theory]
    [MemberData(nameof(AnnounceIds))]
    public void Transport_accepts_exactly_the_announces_rns_accepted(string id)
    {
        var v = AnnounceById(id);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var identity = NodeIdentity.Generate();
        using var transport = new MeshTransport(identity, timeProvider: time);
        var (a, _) = InMemoryInterface.CreatePair("a", "b", time, TimeSpan.FromMilliseconds(1));
        transport.AddInterface(a);
        var raw = v.GetProperty("raw_hex").Hex();
        transport.ProcessInbound(a, raw);
        var destination = Packet.Parse(raw).Header.DestinationHash;
        Assert.Equal(v.GetProperty("expect").GetString() == "accept", transport.Routes.Contains(destination));
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public void Captured_stream_deframes_to_its_packets_which_all_parse(string stream)
    {
        var s = Framing.GetProperty("streams").EnumerateArray().Single(x => x.GetProperty("stream").GetString() == stream);
        var kiss = s.GetProperty("framing").GetString() == "KISS";
        var seq = new System.Buffers.ReadOnlySequence<byte>(s.GetProperty("stream_hex").Hex());
        var dest = new byte[600];
        var frames = new List<byte[]>();
        while (true)
        {
            var status = kiss ? Kiss.TryReadFrame(ref seq, dest, out var n) : Hdlc.TryReadFrame(ref seq, dest, out n);
            if (status == FrameStatus.NeedMoreData)
            {
                break;
            }

            frames.Add(dest[..n]);
        }

        var expected = s.GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("payload_hex").GetString()).ToArray();
        Assert.Equal(expected, frames.Select(Convert.ToHexStringLower).ToArray());
        Assert.All(frames.Where(f => (f[0] & 0x80) == 0), f => Assert.True(Packet.TryParse(f, out _)));
    }

    [Theory]
    [MemberData(nameof(IfacFrames))]
    public void Captured_ifac_frame_unmasks_verifies_and_rewraps_identically(string stream, int index)
    {
        var ifacJson = Framing.GetProperty("ifac");
        var f = ifacJson.GetProperty("frames")[index];
        Assert.Equal(stream, f.GetProperty("stream").GetString());
        using var ifac = Ifac.Create(ifacJson.GetProperty("network_name").GetString(), ifacJson.GetProperty("passphrase").GetString(), ifacJson.GetProperty("ifac_size").GetInt32());
        var masked = f.GetProperty("masked_hex").Hex();
        var buffer = new byte[masked.Length];
        Assert.Equal(f.GetProperty("ifac_valid").GetBoolean(), ifac.TryUnwrap(masked, buffer, out var n));
        Assert.Equal(f.GetProperty("unmasked_hex").GetString(), Convert.ToHexStringLower(buffer.AsSpan(0, n)));
        Assert.Equal(f.GetProperty("ifac_hex").GetString(), Convert.ToHexStringLower(masked.AsSpan(2, ifac.Size)));
        Assert.True(Packet.TryParse(buffer.AsSpan(0, n), out _));
    }
}
