using System.Diagnostics.CodeAnalysis;

namespace Nexus.Crypto;

/// <summary>
/// An ECVRF-EDWARDS25519-SHA512-TAI proof, RFC 9381 section 5.5: pi = Gamma (32-byte point) ‖
/// c (16-byte challenge) ‖ s (32-byte little-endian scalar), 80 bytes. Construction only checks the
/// length; <see cref="Ecvrf.Verify"/> and <see cref="Ecvrf.TryProofToHash"/> decode and validate it.
/// </summary>
public readonly struct VrfProof : IEquatable<VrfProof>
{
    /// <summary>The proof size in bytes: 80.</summary>
    public const int SizeInBytes = 80;

    private readonly Bytes80 _bytes;

    /// <summary>Copies a proof from exactly 80 bytes.</summary>
    /// <param name="bytes">Gamma ‖ c ‖ s.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 80 bytes long.</exception>
    public VrfProof(ReadOnlySpan<byte> bytes)
    {
        FixedBytes.RequireLength(bytes, SizeInBytes, nameof(VrfProof), nameof(bytes));
        _bytes = Bytes80.Copy(bytes);
    }

    /// <summary>The 80 proof bytes, valid while this value is alive.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => _bytes;

    /// <summary>Returns a new 80-byte array holding the proof.</summary>
    public byte[] ToArray() => AsSpan().ToArray();

    /// <summary>Writes the 80 bytes to <paramref name="destination"/>.</summary>
    /// <param name="destination">At least 80 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 80 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        FixedBytes.RequireDestination(destination, SizeInBytes, nameof(destination));
        AsSpan().CopyTo(destination);
    }

    /// <summary>Parses 160 hex digits.</summary>
    /// <param name="hex">160 hex digits.</param>
    /// <exception cref="FormatException"><paramref name="hex"/> is not 160 hex digits.</exception>
    public static VrfProof Parse(ReadOnlySpan<char> hex)
    {
        Span<byte> bytes = stackalloc byte[SizeInBytes];
        return FixedBytes.TryDecodeHex(hex, bytes) ? new VrfProof(bytes) : throw new FormatException("A VRF proof is written as 160 hex digits.");
    }

    /// <inheritdoc/>
    public bool Equals(VrfProof other) => AsSpan().SequenceEqual(other.AsSpan());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is VrfProof other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(AsSpan());

    /// <summary>160 lowercase hex digits.</summary>
    public override string ToString() => Convert.ToHexStringLower(AsSpan());

    /// <summary>Equality of all 80 bytes.</summary>
    public static bool operator ==(VrfProof left, VrfProof right) => left.Equals(right);

    /// <summary>Inequality of any of the 80 bytes.</summary>
    public static bool operator !=(VrfProof left, VrfProof right) => !left.Equals(right);
}
