using System.Runtime.InteropServices;

namespace Nexus.Crypto;

/// <summary>
/// P/Invoke declarations for the libsodium that NSec.Cryptography ships (package libsodium), for the
/// operations NSec does not expose: raw X25519 and the Edwards25519 group and scalar arithmetic that
/// ECVRF needs. Every function returns 0 on success and -1 on failure (invalid point, identity
/// result); callers treat -1 as "reject", never as an exception path.
/// </summary>
internal static unsafe partial class Sodium
{
    private const string Library = "libsodium";

    /// <summary>Edwards25519 point encoding size: 32 bytes.</summary>
    internal const int PointBytes = 32;

    /// <summary>Edwards25519 scalar size: 32 bytes, little-endian.</summary>
    internal const int ScalarBytes = 32;

    static Sodium()
    {
        // sodium_init is idempotent and thread-safe; 1 means "already initialized" (by NSec).
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialize (sodium_init returned -1).");
        }
    }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    /// <summary>X25519: q = clamp(n)·p (RFC 7748); -1 when the result is all zeros.</summary>
    [LibraryImport(Library)]
    internal static partial int crypto_scalarmult(byte* q, byte* n, byte* p);

    /// <summary>X25519: q = clamp(n)·9 (RFC 7748).</summary>
    [LibraryImport(Library)]
    internal static partial int crypto_scalarmult_base(byte* q, byte* n);

    /// <summary>1 when p is a canonical encoding of a point of prime order L (not small order, in the main subgroup), else 0.</summary>
    [LibraryImport(Library)]
    internal static partial int crypto_core_ed25519_is_valid_point(byte* p);

    /// <summary>r = p + q for any two points on the curve (no subgroup check); -1 when either does not decode.</summary>
    [LibraryImport(Library)]
    internal static partial int crypto_core_ed25519_add(byte* r, byte* p, byte* q);

    /// <summary>r = p - q for any two points on the curve; -1 when either does not decode.</summary>
    [LibraryImport(Library)]
    internal static partial int crypto_core_ed25519_sub(byte* r, byte* p, byte* q);

    /// <summary>r = s mod L for a 64-byte little-endian s.</summary>
    [LibraryImport(Library)]
    internal static partial void crypto_core_ed25519_scalar_reduce(byte* r, byte* s);

    /// <summary>z = x·y mod L.</summary>
    [LibraryImport(Library)]
    internal static partial void crypto_core_ed25519_scalar_mul(byte* z, byte* x, byte* y);

    /// <summary>z = x + y mod L.</summary>
    [LibraryImport(Library)]
    internal static partial void crypto_core_ed25519_scalar_add(byte* z, byte* x, byte* y);

    /// <summary>
    /// q = n·p without clamping (top bit of n cleared); -1 when p is not a prime-order point, or n·p
    /// is the identity (including n = 0).
    /// </summary>
    [LibraryImport(Library)]
    internal static partial int crypto_scalarmult_ed25519_noclamp(byte* q, byte* n, byte* p);

    /// <summary>q = n·B without clamping (top bit of n cleared); -1 when n is zero or n·B is the identity.</summary>
    [LibraryImport(Library)]
    internal static partial int crypto_scalarmult_ed25519_base_noclamp(byte* q, byte* n);
}
