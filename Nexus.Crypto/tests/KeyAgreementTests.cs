namespace Nexus.Crypto.Tests;

public class KeyAgreementTests
{
    private static byte[] X25519(byte[] scalar, byte[] u)
    {
        using var key = X25519PrivateKey.Import(scalar);
        var output = new byte[32];
        Assert.True(key.TryAgree(new X25519PublicKey(u), output));
        return output;
    }

    [Fact]
    public void Rfc7748_scalar_multiplication_vectors_match()
    {
        using var doc = TestVectors.Json("crypto/x25519.json");
        foreach (var v in doc.RootElement.GetProperty("scalarmult").EnumerateArray())
        {
            var output = X25519(Convert.FromHexString(v.GetProperty("scalar").GetString()!), Convert.FromHexString(v.GetProperty("u").GetString()!));
            Assert.Equal(v.GetProperty("output").GetString(), Convert.ToHexStringLower(output));
        }
    }

    [Fact]
    public void Rfc7748_iterated_vector_matches_after_1_and_1000_iterations()
    {
        using var doc = TestVectors.Json("crypto/x25519.json");
        var iterated = doc.RootElement.GetProperty("iterated");
        var k = Convert.FromHexString(iterated.GetProperty("initial_k").GetString()!);
        var u = Convert.FromHexString(iterated.GetProperty("initial_u").GetString()!);
        for (int i = 1; i <= 1000; i++)
        {
            var r = X25519(k, u);
            u = k;
            k = r;
            if (i == 1)
            {
                Assert.Equal(iterated.GetProperty("after").GetProperty("1").GetString(), Convert.ToHexStringLower(k));
            }
        }

        Assert.Equal(iterated.GetProperty("after").GetProperty("1000").GetString(), Convert.ToHexStringLower(k));
    }

    [Fact]
    public void Rfc7748_diffie_hellman_example_gives_both_sides_the_same_secret()
    {
        using var doc = TestVectors.Json("crypto/x25519.json");
        var v = doc.RootElement.GetProperty("dh")[0];
        using var alice = X25519PrivateKey.Import(Convert.FromHexString(v.GetProperty("alice_private").GetString()!));
        using var bob = X25519PrivateKey.Import(Convert.FromHexString(v.GetProperty("bob_private").GetString()!));
        Assert.Equal(v.GetProperty("alice_public").GetString(), alice.PublicKey.ToString());
        Assert.Equal(v.GetProperty("bob_public").GetString(), bob.PublicKey.ToString());

        var ab = new byte[32];
        var ba = new byte[32];
        Assert.True(alice.TryAgree(bob.PublicKey, ab));
        Assert.True(bob.TryAgree(alice.PublicKey, ba));
        Assert.Equal(v.GetProperty("shared").GetString(), Convert.ToHexStringLower(ab));
        Assert.Equal(ab, ba);
    }

    [Fact]
    public void Agreement_with_a_small_order_point_fails_and_leaves_zeros()
    {
        using var key = X25519PrivateKey.Generate();
        var secret = new byte[32];
        secret.AsSpan().Fill(0xAA);
        Assert.False(key.TryAgree(new X25519PublicKey(new byte[32]), secret)); // u = 0 has order 4
        Assert.All(secret, b => Assert.Equal(0, b));
        var one = new byte[32];
        one[0] = 1;
        Assert.False(key.TryAgree(new X25519PublicKey(one), secret)); // u = 1 is also a small-order point
        Assert.Throws<ArgumentException>(() => key.TryAgree(key.PublicKey, new byte[31]));
    }
}
