namespace Nexus.Bridges.Evm;

/// <summary>
/// A secp256k1 public key in Ethereum's 64-byte form X || Y (each 32 bytes big-endian, the SEC 1 uncompressed
/// encoding without its 0x04 prefix). Immutable.
/// </summary>
public readonly struct Secp256k1PublicKey : IEquatable<Secp256k1PublicKey>
{
    /// <summary>The length in bytes (64).</summary>
    public const int Length = 64;

    private readonly byte[]? _bytes;

    /// <summary>Creates a key from X || Y, checking that the point is on the curve.</summary>
    /// <param name="xy">64 bytes X || Y.</param>
    /// <exception cref="ArgumentException">Not 64 bytes, or not a point on secp256k1.</exception>
    public Secp256k1PublicKey(ReadOnlySpan<byte> xy)
    {
        if (xy.Length != Length)
        {
            throw new ArgumentException("A public key is 64 bytes X || Y.", nameof(xy));
        }

        byte[] sec1 = new byte[65];
        sec1[0] = 0x04;
        xy.CopyTo(sec1.AsSpan(1));
        try
        {
            if (!Secp256k1.Domain.Curve.DecodePoint(sec1).IsValid())
            {
                throw new ArgumentException("The point is not on secp256k1.", nameof(xy));
            }
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException("The point is not on secp256k1.", nameof(xy), e);
        }

        _bytes = xy.ToArray();
    }

    /// <summary>The 64 bytes X || Y.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The account address: Keccak-256(X || Y)[12..32].</summary>
    public Address Address => Address.FromPublicKey(Bytes);

    /// <inheritdoc />
    public bool Equals(Secp256k1PublicKey other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Secp256k1PublicKey other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _bytes is null ? 0 : BitConverter.ToInt32(_bytes);

    /// <summary>"0x" + 128 hex digits (X || Y).</summary>
    /// <returns>The hex text.</returns>
    public override string ToString() => Hex.Encode(Bytes);

    /// <summary>Compares two keys.</summary>
    /// <param name="left">The first key.</param>
    /// <param name="right">The second key.</param>
    /// <returns>true when equal.</returns>
    public static bool operator ==(Secp256k1PublicKey left, Secp256k1PublicKey right) => left.Equals(right);

    /// <summary>Compares two keys.</summary>
    /// <param name="left">The first key.</param>
    /// <param name="right">The second key.</param>
    /// <returns>true when different.</returns>
    public static bool operator !=(Secp256k1PublicKey left, Secp256k1PublicKey right) => !left.Equals(right);
}
