using System.Text.Json;
using Nexus.Crypto;

namespace Nexus.Mesh.Tests;

public class IdentityTests
{
    private static JsonElement Announces => TestVectors.Json("reticulum/announces.json").RootElement;

    [Fact]
    public void Identity_hash_of_every_recorded_identity_matches_rns()
    {
        var count = 0;
        foreach (var id in Announces.GetProperty("identities").EnumerateArray())
        {
            using var identity = NodeIdentity.Import(id.GetProperty("private_key_hex").Hex());
            var pub = IdentityPublicKey.FromIdentity(identity);
            Assert.Equal(id.GetProperty("public_key_hex").GetString(), Convert.ToHexStringLower(pub.AsSpan()));
            Assert.Equal(id.GetProperty("identity_hash_hex").GetString(), pub.Hash.ToString());
            Assert.Equal(pub.Hash, IdentityPublicKey.FromBytes(id.GetProperty("public_key_hex").Hex()).Hash);
            count++;
        }

        Assert.True(count >= 3);
    }

    [Fact]
    public void Name_and_destination_hashes_of_every_accepted_announce_match_rns()
    {
        var checkedCount = 0;
        foreach (var v in Announces.GetProperty("vectors").EnumerateArray())
        {
            var name = v.Str("app_name");
            if (v.GetProperty("expect").GetString() != "accept" || name is null)
            {
                continue;
            }

            var ann = v.GetProperty("announce");
            var pub = IdentityPublicKey.FromBytes(ann.GetProperty("public_key_hex").Hex());
            var dest = Destination.CreateSingle(pub, name);
            Assert.Equal(ann.GetProperty("name_hash_hex").GetString(), Convert.ToHexStringLower(dest.NameHash));
            Assert.Equal(v.GetProperty("header").GetProperty("destination_hash_hex").GetString(), dest.Hash.ToString());
            Assert.Equal(dest.Hash, DestinationHash.Compute(name, pub.Hash));
            if (v.Str("rns_destination_name") is { } display)
            {
                Assert.Equal(display, dest.ToString());
            }

            checkedCount++;
        }

        Assert.True(checkedCount >= 20);
    }

    [Theory]
    [InlineData("rnstransport.path.request", "6b9f66014d9853faab220fba47d02761")]
    [InlineData("rnstransport.tunnel.synthesize", "91bf0910267b59b0e864e0d4c91602ca")]
    public void Plain_destination_hashes_match_the_recorded_special_destinations(string name, string expected)
    {
        Assert.Equal(expected, Destination.CreatePlain(name).Hash.ToString());
        Assert.Equal(expected, DestinationHash.ComputePlain(name).ToString());
        Assert.Equal(DestinationType.Plain, Destination.CreatePlain(name).Type);
    }

    [Fact]
    public void Group_without_identity_hashes_like_plain_and_with_identity_like_single()
    {
        using var identity = NodeIdentity.Generate();
        var pub = IdentityPublicKey.FromIdentity(identity);
        Assert.Equal(Destination.CreatePlain("a.b").Hash, Destination.CreateGroup("a.b").Hash);
        Assert.Equal(Destination.CreateSingle(pub, "a.b").Hash, Destination.CreateGroup("a.b", pub).Hash);
        var linkId = new Hash128(new byte[16]);
        Assert.Equal(DestinationType.Link, Destination.ForLink(linkId).Type);
        Assert.Equal(linkId, Destination.ForLink(linkId).Hash);
    }

    [Fact]
    public void Wrong_sizes_are_argument_errors()
    {
        Assert.Throws<ArgumentException>(() => IdentityPublicKey.FromBytes(new byte[63]));
        Assert.Throws<ArgumentException>(() => DestinationHash.FromNameHash(new byte[9]));
        Assert.Throws<ArgumentException>(() => DestinationHash.NameHash(""));
    }
}
