using System.Buffers.Binary;
using System.Security.Cryptography;
using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>
/// Builds signed Reticulum announces (RNS 1.4.2 <c>Destination.announce</c>), byte-identical to what
/// RNS emits for the same identity and inputs (Ed25519 is deterministic). Output is a HEADER_1,
/// hops 0, SINGLE ANNOUNCE packet; see <see cref="Announce"/> for the layout.
/// </summary>
public static class AnnounceBuilder
{
    /// <summary>Makes an RNS random hash: 5 random bytes ‖ the current unix time in seconds as 5 big-endian bytes.</summary>
    /// <param name="timeProvider">The clock (wall-clock UTC).</param>
    /// <returns>10 bytes.</returns>
    public static byte[] NewRandomHash(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var hash = new byte[Announce.RandomHashSize];
        RandomNumberGenerator.Fill(hash.AsSpan(0, 5));
        Span<byte> time = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(time, (ulong)timeProvider.GetUtcNow().ToUnixTimeSeconds());
        time[3..].CopyTo(hash.AsSpan(5));
        return hash;
    }

    /// <summary>Builds and signs an announce for <paramref name="identity"/>'s SINGLE destination <paramref name="fullName"/>.</summary>
    /// <param name="identity">The announcing identity (signs with its Ed25519 key).</param>
    /// <param name="fullName">App name and aspects, e.g. <c>nexus.node</c>.</param>
    /// <param name="randomHash">10 bytes (see <see cref="NewRandomHash"/>).</param>
    /// <param name="ratchet">A 32-byte ratchet public key, or empty for none (sets the context flag when present).</param>
    /// <param name="appData">Application data (may be empty), e.g. a <see cref="NexusExtension"/>.</param>
    /// <param name="context">The context byte (<see cref="PacketContext.PathResponse"/> when answering a path request).</param>
    /// <returns>The packet bytes (at most 500).</returns>
    /// <exception cref="ArgumentException">Wrong field sizes, or the announce would exceed 500 bytes.</exception>
    public static byte[] Build(NodeIdentity identity, string fullName, ReadOnlySpan<byte> randomHash, ReadOnlySpan<byte> ratchet, ReadOnlySpan<byte> appData, PacketContext context = PacketContext.None)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (randomHash.Length != Announce.RandomHashSize)
        {
            throw new ArgumentException("The random hash is 10 bytes.", nameof(randomHash));
        }

        if (ratchet.Length is not (0 or Announce.RatchetSize))
        {
            throw new ArgumentException("The ratchet is 32 bytes or empty.", nameof(ratchet));
        }

        Span<byte> nameHash = stackalloc byte[MeshConstants.NameHashSize];
        DestinationHash.ComputeNameHash(fullName, nameHash);
        var destination = DestinationHash.FromNameHash(nameHash, new Hash128(identity.Hash));
        var header = new PacketHeader(PacketType.Announce, DestinationType.Single, destination, context, contextFlag: ratchet.Length > 0);
        var dataLength = Announce.MinimumSize + ratchet.Length + appData.Length;
        if (header.Size + dataLength > MeshConstants.Mtu)
        {
            throw new ArgumentException($"The announce would be {header.Size + dataLength} bytes, above the MTU of 500.", nameof(appData));
        }

        var data = new byte[dataLength];
        identity.PublicKey.CopyTo(data);
        nameHash.CopyTo(data.AsSpan(64));
        randomHash.CopyTo(data.AsSpan(74));
        ratchet.CopyTo(data.AsSpan(84));
        var signatureOffset = 84 + ratchet.Length;
        appData.CopyTo(data.AsSpan(signatureOffset + 64));

        var signed = new byte[16 + dataLength - 64];
        destination.WriteTo(signed);
        data.AsSpan(0, signatureOffset).CopyTo(signed.AsSpan(16));
        appData.CopyTo(signed.AsSpan(16 + signatureOffset));
        identity.SigningKey.Sign(signed, data.AsSpan(signatureOffset, 64));
        return PacketWriter.ToArray(header, data);
    }
}
