using System.Security.Cryptography;
using CsCheck;

namespace Nexus.Crypto.Tests;

/// <summary>
/// The ECVRF-EDWARDS25519-SHA512-TAI core against RFC 9381 Appendix B.3 (every intermediate the
/// RFC prints) and the strict-verification rules documented on <see cref="Ecvrf"/>.
/// </summary>
public class EcvrfTests
{
    // A point of order 2, (0, -1), and one of order 8 (libsodium's small-order blocklist).
    private static readonly byte[] Order2Point = Convert.FromHexString("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    private static readonly byte[] Order8Point = Convert.FromHexString("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05");
    private static readonly byte[] Identity = Convert.FromHexString("0100000000000000000000000000000000000000000000000000000000000000");
    private static readonly byte[] OrderL = Convert.FromHexString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

    public static TheoryData<string> Examples => ["Example 16", "Example 17", "Example 18"];

    private sealed record Example(byte[] Sk, byte[] Pk, byte[] Alpha, byte[] X, int Ctr, byte[] H, byte[] KString, byte[] K, byte[] U, byte[] V, byte[] Gamma, byte[] C, byte[] S, byte[] Pi, byte[] Beta);

    private static Example Load(string name)
    {
        using var doc = TestVectors.Json("crypto/ecvrf_edwards25519_sha512_tai.json");
        var v = doc.RootElement.GetProperty("vectors").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        byte[] Hex(string field) => Convert.FromHexString(v.GetProperty(field).GetString()!);
        return new Example(Hex("sk"), Hex("pk"), Hex("alpha"), Hex("x"), v.GetProperty("ctr").GetInt32(), Hex("h"), Hex("k_string"), Hex("k"),
            Hex("u"), Hex("v"), Hex("gamma"), Hex("c"), Hex("s"), Hex("pi"), Hex("beta"));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public unsafe void Every_intermediate_value_of_the_rfc_example_is_reproduced(string name)
    {
        var e = Load(name);
        var expanded = SHA512.HashData(e.Sk);

        // x = clamped first half, as the RFC prints it (not reduced).
        var x = expanded[..32];
        x[0] &= 248;
        x[31] &= 127;
        x[31] |= 64;
        Assert.Equal(e.X, x);

        var h = new byte[32];
        Assert.True(EcvrfEdwards25519Sha512Tai.EncodeToCurveTryAndIncrement(e.Pk, e.Alpha, h, out var ctr));
        Assert.Equal(e.Ctr, ctr);
        Assert.Equal(e.H, h);

        var kString = SHA512.HashData([.. expanded[32..], .. h]);
        Assert.Equal(e.KString, kString);
        var k = new byte[32];
        var u = new byte[32];
        var v = new byte[32];
        fixed (byte* pk = k, pks = kString, pu = u, pv = v, ph = h)
        {
            Sodium.crypto_core_ed25519_scalar_reduce(pk, pks);
            Assert.Equal(0, Sodium.crypto_scalarmult_ed25519_base_noclamp(pu, pk));
            Assert.Equal(0, Sodium.crypto_scalarmult_ed25519_noclamp(pv, pk, ph));
        }

        Assert.Equal(e.K, k);
        Assert.Equal(e.U, u);
        Assert.Equal(e.V, v);

        var pi = new byte[80];
        EcvrfEdwards25519Sha512Tai.ProveExpanded(expanded, e.Pk, e.Alpha, pi);
        Assert.Equal(e.Pi, pi);
        Assert.Equal(e.Gamma, pi[..32]);
        Assert.Equal(e.C, pi[32..48]);
        Assert.Equal(e.S, pi[48..]);

        var c = new byte[16];
        EcvrfEdwards25519Sha512Tai.ChallengeGeneration(e.Pk, h, e.Gamma, u, v, c);
        Assert.Equal(e.C, c);

        var beta = new byte[64];
        Assert.True(EcvrfEdwards25519Sha512Tai.ProofToHash(pi, beta));
        Assert.Equal(e.Beta, beta);
        var verified = new byte[64];
        Assert.True(EcvrfEdwards25519Sha512Tai.Verify(e.Pk, e.Alpha, pi, verified));
        Assert.Equal(e.Beta, verified);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_single_bit_flip_of_a_valid_proof_is_rejected(string name)
    {
        var e = Load(name);
        var beta = new byte[64];
        for (int bit = 0; bit < 80 * 8; bit++)
        {
            var pi = (byte[])e.Pi.Clone();
            pi[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(EcvrfEdwards25519Sha512Tai.Verify(e.Pk, e.Alpha, pi, beta), $"bit {bit} flipped still verifies");
        }
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void A_proof_fails_under_another_key_another_alpha_and_a_flipped_key_bit(string name)
    {
        var e = Load(name);
        var beta = new byte[64];
        foreach (var other in new[] { "Example 16", "Example 17", "Example 18" })
        {
            var o = Load(other);
            Assert.Equal(o.Pk.AsSpan().SequenceEqual(e.Pk), EcvrfEdwards25519Sha512Tai.Verify(o.Pk, e.Alpha, e.Pi, beta));
        }

        Assert.False(EcvrfEdwards25519Sha512Tai.Verify(e.Pk, [.. e.Alpha, 0x00], e.Pi, beta));
        Assert.False(EcvrfEdwards25519Sha512Tai.Verify(e.Pk, "another input"u8, e.Pi, beta));
        for (int bit = 0; bit < 256; bit++)
        {
            var pk = (byte[])e.Pk.Clone();
            pk[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(EcvrfEdwards25519Sha512Tai.Verify(pk, e.Alpha, e.Pi, beta));
        }
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public unsafe void A_gamma_with_a_small_order_component_is_rejected_although_its_output_would_be_unchanged(string name)
    {
        var e = Load(name);
        var beta = new byte[64];
        foreach (var torsion in new[] { Order2Point, Order8Point })
        {
            var gamma = new byte[32];
            fixed (byte* pg = gamma, pe = e.Gamma, pt = torsion)
            {
                Assert.Equal(0, Sodium.crypto_core_ed25519_add(pg, pe, pt));
            }

            // 8·(Gamma + T) = 8·Gamma: a lenient verifier would hand out the same beta for a
            // different proof string; the strict verifier refuses the proof outright.
            var cleared = new byte[32];
            var clearedHonest = new byte[32];
            Assert.True(EcvrfEdwards25519Sha512Tai.TryMultiplyByCofactor(gamma, cleared));
            Assert.True(EcvrfEdwards25519Sha512Tai.TryMultiplyByCofactor(e.Gamma, clearedHonest));
            Assert.Equal(clearedHonest, cleared);

            byte[] pi = [.. gamma, .. e.Pi[32..]];
            Assert.False(EcvrfEdwards25519Sha512Tai.Verify(e.Pk, e.Alpha, pi, beta));
            Assert.False(EcvrfEdwards25519Sha512Tai.ProofToHash(pi, beta));
        }
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Non_canonical_s_and_gamma_are_rejected(string name)
    {
        var e = Load(name);
        var beta = new byte[64];

        // s + L encodes the same residue; RFC 9381 section 5.4.4 requires s < L.
        var s = new System.Numerics.BigInteger(e.S, isUnsigned: true) + new System.Numerics.BigInteger(OrderL, isUnsigned: true);
        var sPlusL = new byte[32];
        Assert.True(s.TryWriteBytes(sPlusL, out _, isUnsigned: true));
        byte[] pi = [.. e.Pi[..48], .. sPlusL];
        Assert.False(EcvrfEdwards25519Sha512Tai.Verify(e.Pk, e.Alpha, pi, beta));
        Assert.False(EcvrfEdwards25519Sha512Tai.ProofToHash(pi, beta));

        // Gamma with the sign bit of x flipped is -Gamma: a valid point, a different proof.
        byte[] negated = [.. e.Pi];
        negated[31] ^= 0x80;
        Assert.False(EcvrfEdwards25519Sha512Tai.Verify(e.Pk, e.Alpha, negated, beta));

        Assert.False(EcvrfEdwards25519Sha512Tai.IsScalarBelowL(OrderL));
        Assert.True(EcvrfEdwards25519Sha512Tai.IsScalarBelowL(e.S));
    }

    [Fact]
    public unsafe void Validate_key_accepts_only_canonical_prime_order_points()
    {
        var e = Load("Example 16");
        Assert.True(EcvrfEdwards25519Sha512Tai.ValidateKey(e.Pk));

        var withTorsion = new byte[32];
        fixed (byte* pw = withTorsion, pp = e.Pk, pt = Order8Point)
        {
            Assert.Equal(0, Sodium.crypto_core_ed25519_add(pw, pp, pt));
        }

        Assert.False(EcvrfEdwards25519Sha512Tai.ValidateKey(withTorsion));
        Assert.False(EcvrfEdwards25519Sha512Tai.ValidateKey(Identity));
        Assert.False(EcvrfEdwards25519Sha512Tai.ValidateKey(Order2Point));
        Assert.False(EcvrfEdwards25519Sha512Tai.ValidateKey(Order8Point));
        Assert.False(EcvrfEdwards25519Sha512Tai.ValidateKey(new byte[32]));
        Assert.False(EcvrfEdwards25519Sha512Tai.ValidateKey(e.Pk.AsSpan(0, 31)));

        // y = p + 1 is a non-canonical encoding of y = 1.
        var nonCanonical = Convert.FromHexString("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        Assert.False(EcvrfEdwards25519Sha512Tai.IsCanonicalY(nonCanonical));
        Assert.False(EcvrfEdwards25519Sha512Tai.ValidateKey(nonCanonical));
        Assert.True(EcvrfEdwards25519Sha512Tai.IsCanonicalY(Order2Point)); // y = p - 1 is canonical

        // x = 0 with the sign bit set (y = 1 and y = -1) does not decode under RFC 8032.
        var h = new byte[32];
        Assert.False(EcvrfEdwards25519Sha512Tai.TryMultiplyByCofactor([0x01, .. new byte[30], 0x80], h));
        Assert.False(EcvrfEdwards25519Sha512Tai.TryMultiplyByCofactor([0xec, .. Enumerable.Repeat((byte)0xff, 30), 0xff], h));
        Assert.True(EcvrfEdwards25519Sha512Tai.TryMultiplyByCofactor(Identity, h));
    }

    [Fact]
    public void Random_keys_and_inputs_prove_and_verify_and_garbage_never_verifies()
    {
        Gen.Select(Gen.Byte.Array[32], Gen.Byte.Array[0, 2000], Gen.Byte.Array[80]).Sample((seed, alpha, garbage) =>
        {
            using var key = Ed25519PrivateKey.Import(seed);
            var proof = Ecvrf.Prove(key, alpha);
            Assert.True(Ecvrf.Verify(key.PublicKey, alpha, proof, out var beta));
            Assert.True(Ecvrf.TryProofToHash(proof, out var beta2));
            Assert.Equal(beta, beta2);
            Assert.False(Ecvrf.Verify(key.PublicKey, alpha, new VrfProof(garbage), out _));
        }, iter: 200);
    }

    [Fact]
    public void Wrong_lengths_are_rejected_not_thrown()
    {
        var e = Load("Example 17");
        var beta = new byte[64];
        Assert.False(EcvrfEdwards25519Sha512Tai.Verify(e.Pk, e.Alpha, e.Pi.AsSpan(0, 79), beta));
        Assert.False(EcvrfEdwards25519Sha512Tai.Verify(e.Pk, e.Alpha, [.. e.Pi, 0], beta));
        Assert.False(EcvrfEdwards25519Sha512Tai.Verify(e.Pk.AsSpan(0, 31), e.Alpha, e.Pi, beta));
        Assert.False(EcvrfEdwards25519Sha512Tai.Verify(e.Pk, e.Alpha, e.Pi, new byte[32]));
        Assert.False(EcvrfEdwards25519Sha512Tai.ProofToHash(e.Pi.AsSpan(0, 10), beta));
        Assert.Throws<ArgumentException>(() => EcvrfEdwards25519Sha512Tai.ProveExpanded(new byte[63], e.Pk, e.Alpha, new byte[80]));
    }

    [Fact]
    public void Key_validation_cache_only_ever_answers_for_the_exact_key_it_validated()
    {
        using var key = Ed25519PrivateKey.Generate();
        var valid = key.PublicKey.ToArray();
        Assert.True(EcvrfEdwards25519Sha512Tai.ValidateKey(valid));
        Assert.True(EcvrfEdwards25519Sha512Tai.ValidateKey(valid)); // from the cache

        // Same cache slot (byte 30 unchanged), different key: the full checks run and reject it.
        for (int bit = 0; bit < 8; bit++)
        {
            var other = (byte[])valid.Clone();
            other[0] ^= (byte)(1 << bit);
            Assert.Equal(other[30], valid[30]);
            bool expected = other.AsSpan().SequenceEqual(valid) || FullCheck(other);
            Assert.Equal(expected, EcvrfEdwards25519Sha512Tai.ValidateKey(other));
        }

        // A small-order point is rejected; given the valid key's byte 30 (its cache slot) it is some other
        // encoding, which the full checks accept about one time in sixteen, so the cache must answer exactly as they do.
        Assert.False(EcvrfEdwards25519Sha512Tai.ValidateKey(Order8Point));
        var sameSlot = (byte[])Order8Point.Clone();
        sameSlot[30] = valid[30];
        Assert.Equal(FullCheck(sameSlot), EcvrfEdwards25519Sha512Tai.ValidateKey(sameSlot));
        Assert.True(EcvrfEdwards25519Sha512Tai.ValidateKey(valid));
    }

    private static unsafe bool FullCheck(byte[] point)
    {
        // Independent of the cache: libsodium's own check (canonical, on the curve, not small order, main subgroup).
        fixed (byte* p = point)
        {
            return Sodium.crypto_core_ed25519_is_valid_point(p) == 1;
        }
    }
}
