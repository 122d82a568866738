using System.Text;
using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>
/// Reticulum name and destination hash derivation (decision D1; RNS <c>Destination.hash</c>):
/// name hash = SHA-256(UTF-8 full name, e.g. <c>"app.aspect1.aspect2"</c>)[0..10];
/// destination hash = SHA-256(name hash ‖ identity hash)[0..16] for SINGLE/GROUP with an identity,
/// SHA-256(name hash)[0..16] for PLAIN (no identity).
/// </summary>
public static class DestinationHash
{
    /// <summary>The 10-byte name hash of a full destination name.</summary>
    /// <param name="fullName">App name and aspects joined by dots, e.g. <c>nexus.node</c> (no identity hexhash).</param>
    /// <param name="destination">At least 10 bytes; receives the name hash.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 10 bytes, or the name is empty.</exception>
    public static void ComputeNameHash(string fullName, Span<byte> destination)
    {
        ArgumentException.ThrowIfNullOrEmpty(fullName);
        if (destination.Length < MeshConstants.NameHashSize)
        {
            throw new ArgumentException("The name hash is 10 bytes.", nameof(destination));
        }

        Sha2.Sha256(Encoding.UTF8.GetBytes(fullName)).AsSpan()[..MeshConstants.NameHashSize].CopyTo(destination);
    }

    /// <summary>The 10-byte name hash of a full destination name, as a new array.</summary>
    /// <param name="fullName">App name and aspects joined by dots.</param>
    /// <returns>10 bytes.</returns>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    public static byte[] NameHash(string fullName)
    {
        var hash = new byte[MeshConstants.NameHashSize];
        ComputeNameHash(fullName, hash);
        return hash;
    }

    /// <summary>Destination hash from a name hash and an identity hash: SHA-256(nameHash ‖ identityHash)[0..16].</summary>
    /// <param name="nameHash">10 bytes.</param>
    /// <param name="identityHash">The 16-byte identity hash.</param>
    /// <returns>The destination hash.</returns>
    /// <exception cref="ArgumentException"><paramref name="nameHash"/> is not 10 bytes.</exception>
    public static Hash128 FromNameHash(ReadOnlySpan<byte> nameHash, in Hash128 identityHash)
    {
        if (nameHash.Length != MeshConstants.NameHashSize)
        {
            throw new ArgumentException("The name hash is 10 bytes.", nameof(nameHash));
        }

        Span<byte> material = stackalloc byte[MeshConstants.NameHashSize + Hash128.SizeInBytes];
        nameHash.CopyTo(material);
        identityHash.WriteTo(material[MeshConstants.NameHashSize..]);
        return Hash128.Truncate(Sha2.Sha256(material));
    }

    /// <summary>Destination hash of a PLAIN destination: SHA-256(nameHash)[0..16].</summary>
    /// <param name="nameHash">10 bytes.</param>
    /// <returns>The destination hash.</returns>
    /// <exception cref="ArgumentException"><paramref name="nameHash"/> is not 10 bytes.</exception>
    public static Hash128 FromNameHash(ReadOnlySpan<byte> nameHash)
    {
        if (nameHash.Length != MeshConstants.NameHashSize)
        {
            throw new ArgumentException("The name hash is 10 bytes.", nameof(nameHash));
        }

        return Hash128.Truncate(Sha2.Sha256(nameHash));
    }

    /// <summary>Destination hash of a full name owned by an identity (SINGLE, or GROUP with an identity).</summary>
    /// <param name="fullName">App name and aspects joined by dots.</param>
    /// <param name="identityHash">The owner's 16-byte identity hash.</param>
    /// <returns>The destination hash.</returns>
    public static Hash128 Compute(string fullName, in Hash128 identityHash)
    {
        Span<byte> nameHash = stackalloc byte[MeshConstants.NameHashSize];
        ComputeNameHash(fullName, nameHash);
        return FromNameHash(nameHash, identityHash);
    }

    /// <summary>Destination hash of a PLAIN full name (no identity), e.g. <c>rnstransport.path.request</c>.</summary>
    /// <param name="fullName">App name and aspects joined by dots.</param>
    /// <returns>The destination hash.</returns>
    public static Hash128 ComputePlain(string fullName)
    {
        Span<byte> nameHash = stackalloc byte[MeshConstants.NameHashSize];
        ComputeNameHash(fullName, nameHash);
        return FromNameHash(nameHash);
    }
}
