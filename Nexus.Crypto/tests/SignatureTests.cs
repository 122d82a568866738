using System.Text.Json;

namespace Nexus.Crypto.Tests;

public class SignatureTests
{
    public static TheoryData<string> Rfc8032Names()
    {
        var data = new TheoryData<string>();
        using var doc = TestVectors.Json("crypto/ed25519.json");
        foreach (var v in doc.RootElement.GetProperty("vectors").EnumerateArray())
        {
            data.Add(v.GetProperty("name").GetString()!);
        }

        return data;
    }

    private static JsonElement Vector(string name)
    {
        using var doc = TestVectors.Json("crypto/ed25519.json");
        return doc.RootElement.GetProperty("vectors").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name).Clone();
    }

    [Theory]
    [MemberData(nameof(Rfc8032Names))]
    public void Rfc8032_vector_gives_the_published_public_key_and_signature_and_verifies(string name)
    {
        var v = Vector(name);
        var message = Convert.FromHexString(v.GetProperty("msg").GetString()!);
        using var key = Ed25519PrivateKey.Import(Convert.FromHexString(v.GetProperty("sk").GetString()!));

        Assert.Equal(v.GetProperty("pk").GetString(), key.PublicKey.ToString());
        var signature = key.Sign(message);
        Assert.Equal(v.GetProperty("sig").GetString(), signature.ToString());
        Assert.True(key.PublicKey.Verify(message, signature));
    }

    [Theory]
    [MemberData(nameof(Rfc8032Names))]
    public void Verify_rejects_a_flipped_bit_in_the_signature_or_message(string name)
    {
        var v = Vector(name);
        var message = Convert.FromHexString(v.GetProperty("msg").GetString()!);
        var publicKey = Ed25519PublicKey.Parse(v.GetProperty("pk").GetString());
        var signature = Convert.FromHexString(v.GetProperty("sig").GetString()!);

        for (int bit = 0; bit < signature.Length * 8; bit += 7)
        {
            signature[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(publicKey.Verify(message, signature));
            signature[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        var altered = message.Length == 0 ? new byte[] { 0 } : message.ToArray();
        if (message.Length > 0)
        {
            altered[0] ^= 1;
        }

        Assert.False(publicKey.Verify(altered, signature));
    }

    [Fact]
    public void Verify_returns_false_for_a_wrong_length_signature_or_an_invalid_public_key()
    {
        using var key = Ed25519PrivateKey.Generate();
        var signature = key.Sign("hello"u8);
        Assert.False(key.PublicKey.Verify("hello"u8, signature.AsSpan()[..63]));
        Assert.False(key.PublicKey.Verify("hello"u8, new byte[65]));

        // y = p (non-canonical) and a small-order point (the identity) are not accepted as keys.
        var nonCanonical = Convert.FromHexString("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        Assert.False(new Ed25519PublicKey(nonCanonical).Verify("hello"u8, signature));
        var identityPoint = new byte[32];
        identityPoint[0] = 1;
        Assert.False(new Ed25519PublicKey(identityPoint).Verify("hello"u8, signature));
    }

    [Fact]
    public void Seed_export_round_trips_and_disposed_keys_refuse_to_sign()
    {
        var key = Ed25519PrivateKey.Generate();
        var seed = new byte[32];
        key.ExportSeed(seed);
        using (var again = Ed25519PrivateKey.Import(seed))
        {
            Assert.Equal(key.PublicKey, again.PublicKey);
            Assert.Equal(key.Sign("m"u8), again.Sign("m"u8));
        }

        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Sign("m"u8));
        Assert.Throws<ArgumentException>(() => Ed25519PrivateKey.Import(new byte[31]));
        Assert.Throws<ArgumentException>(() => new Ed25519PublicKey(new byte[33]));
        Assert.Throws<FormatException>(() => Ed25519PublicKey.Parse("zz"));
    }
}
