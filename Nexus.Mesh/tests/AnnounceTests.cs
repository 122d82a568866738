using System.Text.Json;
using Nexus.Crypto;

namespace Nexus.Mesh.Tests;

public class AnnounceTests
{
    private static readonly JsonElement Root = TestVectors.Json("reticulum/announces.json").RootElement;

    private static IEnumerable<JsonElement> Vectors => Root.GetProperty("vectors").EnumerateArray();

    [Fact]
    public void Every_recorded_valid_announce_validates_and_exposes_its_recorded_fields()
    {
        var count = 0;
        foreach (var v in Vectors.Where(v => v.GetProperty("expect").GetString() == "accept"))
        {
            var raw = v.GetProperty("raw_hex").Hex();
            var ann = v.GetProperty("announce");
            var announce = Announce.Parse(Packet.Parse(raw));
            Assert.Equal(AnnounceValidationResult.Valid, announce.Validate());
            Assert.Equal(AnnounceValidationResult.Valid, Announce.Validate(raw));
            Assert.Equal(ann.GetProperty("public_key_hex").GetString(), Convert.ToHexStringLower(announce.PublicKey));
            Assert.Equal(ann.GetProperty("name_hash_hex").GetString(), Convert.ToHexStringLower(announce.NameHash));
            Assert.Equal(ann.GetProperty("random_hash_hex").GetString(), Convert.ToHexStringLower(announce.RandomHash));
            Assert.Equal(ann.GetProperty("random_hash_timestamp").GetInt64(), announce.Timestamp);
            Assert.Equal(ann.Str("ratchet_hex") ?? string.Empty, Convert.ToHexStringLower(announce.Ratchet));
            Assert.Equal(ann.GetProperty("signature_hex").GetString(), Convert.ToHexStringLower(announce.Signature));
            Assert.Equal(ann.Str("app_data_hex") ?? string.Empty, Convert.ToHexStringLower(announce.AppData));
            var signed = new byte[announce.SignedDataLength];
            announce.WriteSignedData(signed);
            Assert.Equal(ann.GetProperty("signed_data_hex").GetString(), Convert.ToHexStringLower(signed));
            Assert.Equal(v.GetProperty("is_path_response").GetBoolean(), announce.IsPathResponse);
            count++;
        }

        Assert.Equal(26, count);
    }

    [Theory]
    [InlineData("corrupt_bad_signature", AnnounceValidationResult.InvalidSignature)]
    [InlineData("corrupt_truncated", AnnounceValidationResult.Malformed)]
    [InlineData("corrupt_wrong_destination_hash", AnnounceValidationResult.DestinationMismatch)]
    public void Every_recorded_corrupted_announce_is_rejected_with_its_reason(string corruption, AnnounceValidationResult expected)
    {
        var v = Vectors.Single(v => v.Str("corruption") == corruption);
        Assert.Equal(expected, Announce.Validate(v.GetProperty("raw_hex").Hex()));
    }

    [Fact]
    public void Announces_built_for_the_recorded_keys_and_inputs_reencode_byte_identically()
    {
        var identities = Root.GetProperty("identities").EnumerateArray().ToDictionary(i => i.GetProperty("label").GetString()!, i => i.GetProperty("private_key_hex").Hex());
        var count = 0;
        foreach (var v in Vectors)
        {
            if (!v.TryGetProperty("reencode", out var re) || re.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            using var identity = NodeIdentity.Import(identities[re.GetProperty("identity_label").GetString()!]);
            var built = AnnounceBuilder.Build(
                identity,
                re.GetProperty("full_name").GetString()!,
                re.GetProperty("random_hash_hex").Hex(),
                re.Str("ratchet_public_hex") is { } r ? Convert.FromHexString(r) : [],
                re.Str("app_data_hex") is { } a ? Convert.FromHexString(a) : [],
                (PacketContext)re.GetProperty("context").GetInt32());
            Assert.Equal(re.GetProperty("expected_header1_raw_hex").GetString(), Convert.ToHexStringLower(built));
            count++;
        }

        Assert.True(count >= 20, $"only {count} re-encodings");
    }

    [Fact]
    public void Recorded_nexus_extensions_parse_to_their_recorded_fields()
    {
        var count = 0;
        foreach (var v in Vectors)
        {
            if (!v.TryGetProperty("nexus_ext", out var ext) || ext.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var announce = Announce.Parse(Packet.Parse(v.GetProperty("raw_hex").Hex()));
            Assert.True(NexusExtension.TryParse(announce.AppData, out var parsed));
            Assert.Equal(ext.GetProperty("version").GetInt32(), parsed.Version);
            var cost = new byte[6];
            parsed.PathCost.WriteTo(cost);
            Assert.Equal(ext.GetProperty("compact_path_cost_hex").GetString(), Convert.ToHexStringLower(cost));
            var tlvs = parsed.GetTlvs();
            var expected = ext.GetProperty("tlvs").EnumerateArray().ToArray();
            Assert.Equal(expected.Length, tlvs.Length);
            for (var i = 0; i < tlvs.Length; i++)
            {
                Assert.Equal(expected[i].GetProperty("type").GetInt32(), tlvs[i].Type);
                Assert.Equal(expected[i].GetProperty("value_hex").GetString(), Convert.ToHexStringLower(tlvs[i].Value.Span));
            }

            // Our encoder gives the same app_data bytes.
            Assert.Equal(Convert.ToHexStringLower(announce.AppData), Convert.ToHexStringLower(NexusExtension.ToArray(parsed.PathCost, tlvs)));
            count++;
        }

        Assert.True(count >= 5);
    }

    [Fact]
    public void Announce_without_the_extension_still_validates()
    {
        var plain = Vectors.First(v => v.GetProperty("app_data_kind").GetString() == "utf8_text");
        var announce = Announce.Parse(Packet.Parse(plain.GetProperty("raw_hex").Hex()));
        Assert.False(NexusExtension.TryParse(announce.AppData, out _));
        Assert.Equal(AnnounceValidationResult.Valid, announce.Validate());
    }

    [Fact]
    public void Any_single_bit_flip_in_the_signed_region_invalidates_an_announce()
    {
        using var identity = NodeIdentity.Generate();
        var app = NexusExtension.ToArray(CompactPathCost.ForOrigin(5, 10, 1e6), new NexusTlv(1, "x"u8.ToArray()));
        var raw = AnnounceBuilder.Build(identity, "nexus.node", AnnounceBuilder.NewRandomHash(TimeProvider.System), [], app);
        Assert.Equal(AnnounceValidationResult.Valid, Announce.Validate(raw));
        for (var bit = 2 * 8; bit < raw.Length * 8; bit += 7)
        {
            var copy = (byte[])raw.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            if (bit / 8 == 18)
            {
                continue; // the context byte is not signed
            }

            Assert.NotEqual(AnnounceValidationResult.Valid, Announce.Validate(copy));
        }

        // Hops and context are not signed: changing them keeps the announce valid.
        var relayed = (byte[])raw.Clone();
        relayed[1] = 5;
        Assert.Equal(AnnounceValidationResult.Valid, Announce.Validate(relayed));
    }

    [Fact]
    public void Malformed_extensions_are_rejected()
    {
        Assert.False(NexusExtension.TryParse([0x4E, 1, 0, 0, 0, 0, 0], out _));
        Assert.False(NexusExtension.TryParse([0x4D, 1, 0, 0, 0, 0, 0, 0], out _));
        Assert.False(NexusExtension.TryParse([0x4E, 1, 0, 0, 0, 0, 0, 0, 7, 3, 1], out _));
        Assert.True(NexusExtension.TryParse([0x4E, 1, 0, 0, 0, 0, 0, 0, 7, 1, 1], out var ok));
        Assert.True(ok.TryGetTlv(7, out var value));
        Assert.Equal([1], value.ToArray());
        Assert.Throws<MeshFormatException>(() => NexusExtension.Parse([1]));
        Assert.Throws<ArgumentException>(() => NexusExtension.ToArray(default, new NexusTlv(1, new byte[256])));
    }
}
