using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Nexus.Crypto;

/// <summary>
/// The ECVRF-EDWARDS25519-SHA512-TAI core (RFC 9381 sections 5.1–5.5, suite_string 0x03) on
/// libsodium's Edwards25519 arithmetic. Span in, span out, no allocation for inputs up to 1 KiB.
/// Every intermediate buffer is explicitly initialised (the assembly may skip locals init, and the
/// 16-byte challenge in particular must be zero-extended to a 32-byte scalar).
/// </summary>
internal static unsafe class EcvrfEdwards25519Sha512Tai
{
    /// <summary>suite_string for ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381 section 5.5).</summary>
    internal const byte SuiteString = 0x03;

    /// <summary>Challenge length cLen: 16 bytes.</summary>
    internal const int ChallengeBytes = 16;

    /// <summary>Proof length: Gamma 32 ‖ c 16 ‖ s 32 = 80 bytes.</summary>
    internal const int ProofBytes = 80;

    /// <summary>Output length: 64 bytes (SHA-512).</summary>
    internal const int OutputBytes = 64;

    private const int PointBytes = Sodium.PointBytes;
    private const int ScalarBytes = Sodium.ScalarBytes;
    private const int StackAlphaLimit = 1024;

    // The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    private static ReadOnlySpan<byte> OrderL =>
    [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ];

    /// <summary>
    /// ECVRF_prove (RFC 9381 section 5.1) from the RFC 8032 expanded secret SHA-512(SK).
    /// </summary>
    /// <param name="expandedSecret">64 bytes: SHA-512 of the Ed25519 seed (first half is clamped here to x, second half is the nonce key).</param>
    /// <param name="publicKey">32 bytes: Y = x·B, the Ed25519 public key of that seed.</param>
    /// <param name="alpha">The VRF input.</param>
    /// <param name="pi">80 bytes, receives Gamma ‖ c ‖ s.</param>
    /// <exception cref="CryptographicException">libsodium refused an operation (only for a public key that is not x·B of a valid point).</exception>
    internal static void ProveExpanded(ReadOnlySpan<byte> expandedSecret, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> alpha, Span<byte> pi)
    {
        if (expandedSecret.Length != 64 || publicKey.Length != PointBytes || pi.Length != ProofBytes)
        {
            throw new ArgumentException("ECVRF prove needs a 64-byte expanded secret, a 32-byte public key and an 80-byte proof buffer.");
        }

        Span<byte> x = stackalloc byte[ScalarBytes];
        Span<byte> wide = stackalloc byte[64];
        Span<byte> h = stackalloc byte[PointBytes];
        Span<byte> gamma = stackalloc byte[PointBytes];
        Span<byte> k = stackalloc byte[ScalarBytes];
        Span<byte> u = stackalloc byte[PointBytes];
        Span<byte> v = stackalloc byte[PointBytes];
        Span<byte> c = stackalloc byte[ScalarBytes];
        Span<byte> s = stackalloc byte[ScalarBytes];
        try
        {
            // x = clamp(SHA-512(SK)[0..31]) (RFC 8032 section 5.1.5), reduced mod L for scalar arithmetic.
            expandedSecret[..32].CopyTo(x);
            x[0] &= 248;
            x[31] &= 127;
            x[31] |= 64;

            if (!EncodeToCurveTryAndIncrement(publicKey, alpha, h, out _))
            {
                throw new CryptographicException("ECVRF encode_to_curve found no point in 256 attempts.");
            }

            fixed (byte* px = x, ph = h, pg = gamma, pk = k, pu = u, pv = v, pc = c, ps = s, pw = wide)
            {
                // Gamma = x·H (H is in the prime-order subgroup, so the unreduced clamped x is fine).
                Check(Sodium.crypto_scalarmult_ed25519_noclamp(pg, px, ph), "x·H");

                // k = SHA-512(SHA-512(SK)[32..63] ‖ H) mod L (RFC 9381 section 5.4.2.2).
                Span<byte> nonceInput = stackalloc byte[64];
                expandedSecret[32..].CopyTo(nonceInput);
                h.CopyTo(nonceInput[32..]);
                SHA512.HashData(nonceInput, wide);
                nonceInput.Clear();
                Sodium.crypto_core_ed25519_scalar_reduce(pk, pw);

                // U = k·B, V = k·H.
                Check(Sodium.crypto_scalarmult_ed25519_base_noclamp(pu, pk), "k·B");
                Check(Sodium.crypto_scalarmult_ed25519_noclamp(pv, pk, ph), "k·H");

                // c = challenge_generation(Y, H, Gamma, U, V), zero-extended to 32 bytes.
                c.Clear();
                ChallengeGeneration(publicKey, h, gamma, u, v, c[..ChallengeBytes]);

                // s = (k + c·x) mod L.
                wide.Clear();
                x.CopyTo(wide);
                Sodium.crypto_core_ed25519_scalar_reduce(px, pw);
                Sodium.crypto_core_ed25519_scalar_mul(ps, pc, px);
                Sodium.crypto_core_ed25519_scalar_add(ps, pk, ps);
            }

            gamma.CopyTo(pi);
            c[..ChallengeBytes].CopyTo(pi[PointBytes..]);
            s.CopyTo(pi[(PointBytes + ChallengeBytes)..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(x);
            CryptographicOperations.ZeroMemory(wide);
            CryptographicOperations.ZeroMemory(k);
            CryptographicOperations.ZeroMemory(s);
        }
    }

    /// <summary>
    /// ECVRF_verify (RFC 9381 section 5.3) with strict point validation: Y and Gamma must be
    /// canonical encodings of points of prime order L, s must be below L.
    /// </summary>
    /// <param name="publicKey">Y, any length (anything but 32 bytes is rejected).</param>
    /// <param name="alpha">The VRF input.</param>
    /// <param name="pi">The proof, any length (anything but 80 bytes is rejected).</param>
    /// <param name="beta">64 bytes, receives the output when the proof is valid; untouched otherwise.</param>
    /// <returns>True for VALID; false for INVALID. Never throws for any input.</returns>
    internal static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> alpha, ReadOnlySpan<byte> pi, Span<byte> beta)
    {
        if (beta.Length != OutputBytes || publicKey.Length != PointBytes || !ValidateKey(publicKey))
        {
            return false;
        }

        if (!DecodeProof(pi, out var gammaOffset))
        {
            return false;
        }

        ReadOnlySpan<byte> gamma = pi.Slice(gammaOffset, PointBytes);
        Span<byte> c = stackalloc byte[ScalarBytes];
        Span<byte> s = stackalloc byte[ScalarBytes];
        Span<byte> h = stackalloc byte[PointBytes];
        Span<byte> sB = stackalloc byte[PointBytes];
        Span<byte> cY = stackalloc byte[PointBytes];
        Span<byte> sH = stackalloc byte[PointBytes];
        Span<byte> cGamma = stackalloc byte[PointBytes];
        Span<byte> u = stackalloc byte[PointBytes];
        Span<byte> v = stackalloc byte[PointBytes];
        Span<byte> expected = stackalloc byte[ChallengeBytes];

        c.Clear(); // c is 16 bytes on the wire; the upper 16 bytes of the scalar must be zero.
        pi.Slice(PointBytes, ChallengeBytes).CopyTo(c);
        pi.Slice(PointBytes + ChallengeBytes, ScalarBytes).CopyTo(s);

        if (!EncodeToCurveTryAndIncrement(publicKey, alpha, h, out _))
        {
            return false;
        }

        fixed (byte* py = publicKey, pg = gamma, pc = c, ps = s, ph = h, psb = sB, pcy = cY, psh = sH, pcg = cGamma, pu = u, pv = v)
        {
            // U = s·B - c·Y; V = s·H - c·Gamma. libsodium returns -1 for an identity product
            // (s = 0 or c = 0), which no honest proof produces with non-negligible probability.
            if (Sodium.crypto_scalarmult_ed25519_base_noclamp(psb, ps) != 0
                || Sodium.crypto_scalarmult_ed25519_noclamp(pcy, pc, py) != 0
                || Sodium.crypto_core_ed25519_sub(pu, psb, pcy) != 0
                || Sodium.crypto_scalarmult_ed25519_noclamp(psh, ps, ph) != 0
                || Sodium.crypto_scalarmult_ed25519_noclamp(pcg, pc, pg) != 0
                || Sodium.crypto_core_ed25519_sub(pv, psh, pcg) != 0)
            {
                return false;
            }
        }

        ChallengeGeneration(publicKey, h, gamma, u, v, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, pi.Slice(PointBytes, ChallengeBytes)))
        {
            return false;
        }

        return GammaToHash(gamma, beta);
    }

    /// <summary>ECVRF_proof_to_hash (RFC 9381 section 5.2) with the strict decode of <see cref="Verify"/>.</summary>
    /// <param name="pi">The proof (80 bytes, else false).</param>
    /// <param name="beta">64 bytes, receives beta.</param>
    /// <returns>False when pi does not decode.</returns>
    internal static bool ProofToHash(ReadOnlySpan<byte> pi, Span<byte> beta)
    {
        if (beta.Length != OutputBytes || !DecodeProof(pi, out var gammaOffset))
        {
            return false;
        }

        return GammaToHash(pi.Slice(gammaOffset, PointBytes), beta);
    }

    /// <summary>
    /// Strict ECVRF_validate_key (RFC 9381 section 5.4.5): true only for a canonical (y &lt; p)
    /// encoding of a point of prime order L.
    /// </summary>
    /// <param name="publicKey">The candidate key (anything but 32 bytes is false).</param>
    /// <returns>Whether the key is acceptable.</returns>
    internal static bool ValidateKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PointBytes)
        {
            return false;
        }

        // The prime-order check is a full scalar multiplication by L (a third of a verification), and
        // a verifier sees the same few keys again and again (its neighbours), so keys that passed are
        // remembered: 256 slots picked by one key byte, each an immutable copy compared in full, so
        // a slot can only ever say "this exact key was valid"; invalid keys are never cached.
        byte[]? known = ValidKeyCache[publicKey[31 - 1]];
        if (known is not null && publicKey.SequenceEqual(known))
        {
            return true;
        }

        if (!IsCanonicalY(publicKey) || !IsPrimeOrderPoint(publicKey))
        {
            return false;
        }

        ValidKeyCache[publicKey[31 - 1]] = publicKey.ToArray();
        return true;
    }

    /// <summary>Recently validated public keys (see <see cref="ValidateKey"/>); a reference write is atomic, so no lock.</summary>
    private static readonly byte[]?[] ValidKeyCache = new byte[]?[256];

    /// <summary>
    /// ECVRF_encode_to_curve_try_and_increment (RFC 9381 section 5.4.1.1): the first ctr in 0..255
    /// whose hash SHA-512(suite ‖ 0x01 ‖ Y ‖ alpha ‖ ctr ‖ 0x00)[0..31] decodes (RFC 8032 section
    /// 5.1.3, including the y &lt; p and "x = 0 with sign bit" rules) gives H = 8·point, the cofactor
    /// cleared by three doublings (libsodium's scalar multiplication refuses points outside the
    /// prime-order subgroup, which most candidates are).
    /// </summary>
    /// <param name="publicKey">Y (32 bytes).</param>
    /// <param name="alpha">The VRF input.</param>
    /// <param name="h">32 bytes, receives H.</param>
    /// <param name="counter">The ctr value that succeeded.</param>
    /// <returns>False only if all 256 candidates fail (probability about 2^-256).</returns>
    internal static bool EncodeToCurveTryAndIncrement(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> alpha, Span<byte> h, out int counter)
    {
        int length = 2 + PointBytes + alpha.Length + 2;
        byte[]? rented = null;
        Span<byte> input = alpha.Length <= StackAlphaLimit
            ? stackalloc byte[2 + PointBytes + StackAlphaLimit + 2]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        input = input[..length];
        Span<byte> hash = stackalloc byte[64];
        try
        {
            input[0] = SuiteString;
            input[1] = 0x01;
            publicKey.CopyTo(input[2..]);
            alpha.CopyTo(input[(2 + PointBytes)..]);
            input[^1] = 0x00;
            for (counter = 0; counter < 256; counter++)
            {
                input[^2] = (byte)counter;
                SHA512.HashData(input, hash);
                if (TryMultiplyByCofactor(hash[..PointBytes], h))
                {
                    return true;
                }
            }

            counter = -1;
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// ECVRF_challenge_generation (RFC 9381 section 5.4.3):
    /// c = SHA-512(suite ‖ 0x02 ‖ Y ‖ H ‖ Gamma ‖ U ‖ V ‖ 0x00)[0..15].
    /// </summary>
    internal static void ChallengeGeneration(
        ReadOnlySpan<byte> y, ReadOnlySpan<byte> h, ReadOnlySpan<byte> gamma, ReadOnlySpan<byte> u, ReadOnlySpan<byte> v, Span<byte> c)
    {
        Span<byte> input = stackalloc byte[2 + (5 * PointBytes) + 1];
        Span<byte> hash = stackalloc byte[64];
        input[0] = SuiteString;
        input[1] = 0x02;
        y.CopyTo(input[2..]);
        h.CopyTo(input[(2 + PointBytes)..]);
        gamma.CopyTo(input[(2 + (2 * PointBytes))..]);
        u.CopyTo(input[(2 + (3 * PointBytes))..]);
        v.CopyTo(input[(2 + (4 * PointBytes))..]);
        input[^1] = 0x00;
        SHA512.HashData(input, hash);
        hash[..ChallengeBytes].CopyTo(c);
    }

    /// <summary>ECVRF_decode_proof (RFC 9381 section 5.4.4), strict: Gamma of prime order, s &lt; L.</summary>
    private static bool DecodeProof(ReadOnlySpan<byte> pi, out int gammaOffset)
    {
        gammaOffset = 0;
        if (pi.Length != ProofBytes)
        {
            return false;
        }

        ReadOnlySpan<byte> gamma = pi[..PointBytes];
        ReadOnlySpan<byte> s = pi.Slice(PointBytes + ChallengeBytes, ScalarBytes);
        return IsCanonicalY(gamma) && IsScalarBelowL(s) && IsPrimeOrderPoint(gamma);
    }

    /// <summary>beta = SHA-512(suite ‖ 0x03 ‖ encode(8·Gamma) ‖ 0x00) (RFC 9381 section 5.2).</summary>
    private static bool GammaToHash(ReadOnlySpan<byte> gamma, Span<byte> beta)
    {
        Span<byte> input = stackalloc byte[2 + PointBytes + 1];
        input[0] = SuiteString;
        input[1] = 0x03;
        input[^1] = 0x00;
        if (!TryMultiplyByCofactor(gamma, input.Slice(2, PointBytes)))
        {
            return false;
        }

        SHA512.HashData(input, beta);
        return true;
    }

    /// <summary>
    /// Decodes <paramref name="point"/> as RFC 8032 does (y &lt; p; x = 0 never with the sign bit;
    /// y must give a square) and writes 8·point via three doublings.
    /// </summary>
    internal static bool TryMultiplyByCofactor(ReadOnlySpan<byte> point, Span<byte> result)
    {
        if (!IsCanonicalY(point) || IsNegativeZeroX(point))
        {
            return false;
        }

        Span<byte> t = stackalloc byte[PointBytes];
        point.CopyTo(t);
        fixed (byte* pt = t)
        {
            for (int i = 0; i < 3; i++)
            {
                // crypto_core_ed25519_add decodes both operands (failing when x² has no root) and
                // checks they are on the curve; it does not require the prime-order subgroup.
                if (Sodium.crypto_core_ed25519_add(pt, pt, pt) != 0)
                {
                    return false;
                }
            }
        }

        t.CopyTo(result);
        return true;
    }

    /// <summary>libsodium's check: canonical, on the curve, not small order, in the prime-order subgroup.</summary>
    private static bool IsPrimeOrderPoint(ReadOnlySpan<byte> point)
    {
        fixed (byte* p = point)
        {
            return Sodium.crypto_core_ed25519_is_valid_point(p) == 1;
        }
    }

    /// <summary>True when the 255-bit little-endian y (sign bit masked) is below p = 2^255 - 19.</summary>
    internal static bool IsCanonicalY(ReadOnlySpan<byte> point)
    {
        // y ≥ p exactly when bytes 1..30 are 0xff, byte 31 (masked) is 0x7f and byte 0 ≥ 0xed.
        if ((point[31] & 0x7f) != 0x7f || point[0] < 0xed)
        {
            return true;
        }

        for (int i = 1; i < 31; i++)
        {
            if (point[i] != 0xff)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for the encodings RFC 8032 rejects because x = 0 but the sign bit is set (y = ±1).</summary>
    private static bool IsNegativeZeroX(ReadOnlySpan<byte> point)
    {
        if ((point[31] & 0x80) == 0)
        {
            return false;
        }

        // y = 1: 01 00 .. 00 (top byte 0x80 with the sign bit); y = p - 1: ec ff .. ff (top byte 0xff).
        bool one = point[0] == 0x01 && point[31] == 0x80;
        bool minusOne = point[0] == 0xec && point[31] == 0xff;
        if (!one && !minusOne)
        {
            return false;
        }

        byte fill = one ? (byte)0x00 : (byte)0xff;
        for (int i = 1; i < 31; i++)
        {
            if (point[i] != fill)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the 32-byte little-endian scalar is below the group order L.</summary>
    internal static bool IsScalarBelowL(ReadOnlySpan<byte> scalar)
    {
        for (int i = 31; i >= 0; i--)
        {
            if (scalar[i] != OrderL[i])
            {
                return scalar[i] < OrderL[i];
            }
        }

        return false; // equal to L
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Check(int result, string operation)
    {
        if (result != 0)
        {
            throw new CryptographicException($"libsodium refused {operation} during ECVRF prove.");
        }
    }
}
