namespace Nexus.Crypto.Tests;

/// <summary>The public <see cref="Ecvrf"/> surface on the RFC 9381 vectors (the core is tested in EcvrfTests).</summary>
public class VrfTests
{
    [Fact]
    public void Rfc9381_examples_prove_and_verify_through_the_public_api()
    {
        using var doc = TestVectors.Json("crypto/ecvrf_edwards25519_sha512_tai.json");
        foreach (var v in doc.RootElement.GetProperty("vectors").EnumerateArray())
        {
            byte[] Hex(string name) => Convert.FromHexString(v.GetProperty(name).GetString()!);
            using var key = Ed25519PrivateKey.Import(Hex("sk"));
            Assert.Equal(v.GetProperty("pk").GetString(), key.PublicKey.ToString());
            Assert.True(Ecvrf.IsValidPublicKey(key.PublicKey));

            var proof = Ecvrf.Prove(key, Hex("alpha"));
            Assert.Equal(v.GetProperty("pi").GetString(), proof.ToString());
            Assert.True(Ecvrf.TryProofToHash(proof, out var beta));
            Assert.Equal(v.GetProperty("beta").GetString(), beta.ToString());

            Assert.True(Ecvrf.Verify(key.PublicKey, Hex("alpha"), proof, out var verified));
            Assert.Equal(beta, verified);
            Assert.False(Ecvrf.Verify(key.PublicKey, [.. Hex("alpha"), 0], proof, out var none));
            Assert.Equal(default, none);
        }
    }

    [Fact]
    public void A_proof_under_one_key_does_not_verify_under_another_and_disposed_keys_refuse()
    {
        var a = Ed25519PrivateKey.Generate();
        using var b = Ed25519PrivateKey.Generate();
        var proof = Ecvrf.Prove(a, "packet"u8);
        Assert.True(Ecvrf.Verify(a.PublicKey, "packet"u8, proof, out _));
        Assert.False(Ecvrf.Verify(b.PublicKey, "packet"u8, proof, out _));
        Assert.Equal(proof, Ecvrf.Prove(a, "packet"u8));
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Ecvrf.Prove(a, "packet"u8));
        Assert.Throws<ArgumentException>(() => new VrfProof(new byte[79]));
    }
}
