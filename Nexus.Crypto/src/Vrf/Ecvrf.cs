namespace Nexus.Crypto;

/// <summary>
/// ECVRF-EDWARDS25519-SHA512-TAI, the verifiable random function of RFC 9381 (section 5.5, suite
/// 0x03), on the Edwards25519 operations of libsodium. The VRF key pair is the node's Ed25519 key
/// pair (RFC 9381 section 5.5: SK is the RFC 8032 seed, x its clamped SHA-512 half, Y = x·B).
/// <para>
/// The RFC's functions map to: ECVRF_prove → <see cref="Prove"/>, ECVRF_proof_to_hash →
/// <see cref="TryProofToHash"/>, ECVRF_verify → <see cref="Verify"/>, ECVRF_validate_key →
/// <see cref="IsValidPublicKey"/>.
/// </para>
/// <para>
/// Stricter than the RFC, on purpose: <see cref="Verify"/> accepts only a public key Y and a Gamma
/// that are canonical encodings (y &lt; p) of points of prime order L (no small-order point and no
/// small-order component), and s &lt; L. The RFC's validate_key only rejects small-order keys and
/// leaves Gamma's torsion to the cofactor in the challenge; with this rule every proof is either
/// accepted by all verifiers or by none, which a lottery that pays out on a VRF output needs.
/// Honest provers are unaffected: Gamma = x·H is always in the prime-order subgroup.
/// </para>
/// </summary>
public static class Ecvrf
{
    /// <summary>The proof size, pi: 80 bytes (Gamma 32 ‖ c 16 ‖ s 32).</summary>
    public const int ProofSizeInBytes = VrfProof.SizeInBytes;

    /// <summary>The output size, beta: 64 bytes (a SHA-512 value).</summary>
    public const int OutputSizeInBytes = Hash512.SizeInBytes;

    /// <summary>ECVRF_prove (RFC 9381 section 5.1): a deterministic proof for <paramref name="alpha"/> under the key.</summary>
    /// <param name="secretKey">The prover's Ed25519 key.</param>
    /// <param name="alpha">The VRF input alpha_string, any length.</param>
    /// <returns>The 80-byte proof pi; the same key and alpha always give the same proof.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="secretKey"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public static VrfProof Prove(Ed25519PrivateKey secretKey, ReadOnlySpan<byte> alpha)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        Span<byte> pi = stackalloc byte[ProofSizeInBytes];
        EcvrfEdwards25519Sha512Tai.ProveExpanded(secretKey.ExpandedSecret, secretKey.PublicKey.AsSpan(), alpha, pi);
        return new VrfProof(pi);
    }

    /// <summary>
    /// ECVRF_verify (RFC 9381 section 5.3) with the stricter point checks described on
    /// <see cref="Ecvrf"/>; on success also gives the output beta.
    /// </summary>
    /// <param name="publicKey">The prover's Ed25519 public key Y.</param>
    /// <param name="alpha">The VRF input alpha_string.</param>
    /// <param name="proof">The proof pi.</param>
    /// <param name="beta">The 64-byte VRF output when valid; default otherwise.</param>
    /// <returns>True ("VALID") or false ("INVALID"); never throws on any input.</returns>
    public static bool Verify(in Ed25519PublicKey publicKey, ReadOnlySpan<byte> alpha, in VrfProof proof, out Hash512 beta)
    {
        Span<byte> output = stackalloc byte[OutputSizeInBytes];
        if (!EcvrfEdwards25519Sha512Tai.Verify(publicKey.AsSpan(), alpha, proof.AsSpan(), output))
        {
            beta = default;
            return false;
        }

        beta = new Hash512(output);
        return true;
    }

    /// <summary>
    /// ECVRF_proof_to_hash (RFC 9381 section 5.2): the output beta of a proof, without verifying it.
    /// Only use it on a proof you made or already verified: an unverified proof's beta means nothing.
    /// </summary>
    /// <param name="proof">The proof pi.</param>
    /// <param name="beta">The 64-byte output; default when this returns false.</param>
    /// <returns>False when pi does not decode (Gamma not a canonical valid point, or s ≥ L).</returns>
    public static bool TryProofToHash(in VrfProof proof, out Hash512 beta)
    {
        Span<byte> output = stackalloc byte[OutputSizeInBytes];
        if (!EcvrfEdwards25519Sha512Tai.ProofToHash(proof.AsSpan(), output))
        {
            beta = default;
            return false;
        }

        beta = new Hash512(output);
        return true;
    }

    /// <summary>
    /// ECVRF_validate_key (RFC 9381 section 5.4.5), stricter: true only for a canonical encoding of a
    /// point of prime order L.
    /// </summary>
    /// <param name="publicKey">The candidate key Y.</param>
    /// <returns>Whether <see cref="Verify"/> can ever accept a proof under this key.</returns>
    public static bool IsValidPublicKey(in Ed25519PublicKey publicKey) => EcvrfEdwards25519Sha512Tai.ValidateKey(publicKey.AsSpan());
}
