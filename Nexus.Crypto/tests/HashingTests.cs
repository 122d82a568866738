using CsCheck;
using Org.BouncyCastle.Crypto.Digests;

namespace Nexus.Crypto.Tests;

public class HashingTests
{
    [Fact]
    public void Blake2b_512_of_abc_is_the_rfc7693_appendix_a_value()
    {
        Assert.Equal(
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
            Blake2b.Hash512("abc"u8).ToString());
    }

    [Fact]
    public void Blake2b_agrees_with_bouncycastle_on_random_inputs()
    {
        Gen.Byte.Array[0, 3000].Sample(data =>
        {
            foreach (var size in new[] { 32, 48, 64 })
            {
                var expected = new byte[size];
                var digest = new Blake2bDigest(size * 8);
                digest.BlockUpdate(data, 0, data.Length);
                digest.DoFinal(expected, 0);
                var actual = new byte[size];
                Blake2b.Hash(data, actual);
                Assert.Equal(expected, actual);
            }

            Assert.Equal(Blake2b.Hash256(data).ToArray(), Sha(new Blake2bDigest(256), data));
        }, iter: 200);
    }

    [Fact]
    public void Blake2b_mac_agrees_with_bouncycastle_keyed_blake2b()
    {
        var key = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var data = Enumerable.Range(0, 255).Select(i => (byte)i).ToArray();
        var expected = new byte[64];
        var digest = new Blake2bDigest(key, 64, null, null);
        digest.BlockUpdate(data, 0, data.Length);
        digest.DoFinal(expected, 0);
        var mac = new byte[64];
        Blake2b.Mac(key, data, mac);
        Assert.Equal(expected, mac);
        Assert.Throws<ArgumentException>(() => Blake2b.Mac(new byte[8], data, mac));
    }

    [Fact]
    public void Sha2_gives_the_fips_180_values_for_abc()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha2.Sha256("abc"u8).ToString());
        Assert.Equal(
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            Sha2.Sha512("abc"u8).ToString());
    }

    [Fact]
    public void Hkdf_rfc5869_test_case_1_matches()
    {
        var ikm = Enumerable.Repeat((byte)0x0b, 22).ToArray();
        var salt = Convert.FromHexString("000102030405060708090a0b0c");
        var info = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9");
        var prk = new byte[32];
        Hkdf.Extract(ikm, salt, prk);
        Assert.Equal("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", Convert.ToHexStringLower(prk));
        var okm = new byte[42];
        Hkdf.Expand(prk, info, okm);
        Assert.Equal("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", Convert.ToHexStringLower(okm));
        var direct = new byte[42];
        Hkdf.DeriveKey(ikm, salt, info, direct);
        Assert.Equal(okm, direct);
        Assert.Throws<ArgumentException>(() => Hkdf.DeriveKey(ikm, salt, info, new byte[Hkdf.MaxOutputSizeInBytes + 1]));
    }

    [Fact]
    public void Hash256_parses_formats_and_orders_as_big_endian()
    {
        var low = Hash256.Parse("00000000000000000000000000000000000000000000000000000000000000ff");
        var high = Hash256.Parse("0100000000000000000000000000000000000000000000000000000000000000");
        Assert.True(low < high);
        Assert.Equal("0100000000000000000000000000000000000000000000000000000000000000", high.ToString());
        Assert.Equal(high, new Hash256(high.ToArray()));
        Assert.False(Hash256.TryParse("0g" + new string('0', 62), out _));
        Assert.False(Hash256.TryParse(new string('0', 63), out _));
        Assert.Throws<FormatException>(() => Hash256.Parse("xyz"));
        Assert.Throws<ArgumentException>(() => new Hash256(new byte[31]));
    }

    private static byte[] Sha(Blake2bDigest digest, byte[] data)
    {
        var output = new byte[digest.GetDigestSize()];
        digest.BlockUpdate(data, 0, data.Length);
        digest.DoFinal(output, 0);
        return output;
    }
}

public class Hash128Tests
{
    [Fact]
    public void Hash128_is_the_rns_truncated_hash_and_orders_bytes_big_endian()
    {
        var full = Sha2.Sha256("nexus"u8);
        var truncated = Hash128.Truncate(full);
        Assert.Equal(full.ToString()[..32], truncated.ToString());
        Assert.Equal(truncated, Hash128.Parse(truncated.ToString().ToUpperInvariant()));
        Assert.True(Hash128.Parse("00000000000000000000000000000001") < Hash128.Parse("00000000000000000000000000000100"));
        Assert.True(Hash128.Parse("01000000000000000000000000000000") > Hash128.Parse("00ffffffffffffffffffffffffffffff"));
        Assert.False(Hash128.TryParse("0011", out _));
        Assert.Throws<ArgumentException>(() => new Hash128(new byte[32]));
        Assert.Throws<FormatException>(() => Hash128.Parse("zz000000000000000000000000000000"));
    }
}
