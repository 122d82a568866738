using System.Buffers.Binary;
using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>Why an announce was accepted or rejected by <see cref="Announce.Validate()"/>.</summary>
public enum AnnounceValidationResult
{
    /// <summary>The signature verifies and the destination hash matches the name hash and identity.</summary>
    Valid = 0,

    /// <summary>Not an ANNOUNCE packet, or its data is shorter than the 148 bytes (180 with a ratchet) of the fixed fields.</summary>
    Malformed,

    /// <summary>The Ed25519 signature over the signed data does not verify (RNS "Invalid signature").</summary>
    InvalidSignature,

    /// <summary>The signature verifies but SHA-256(name hash ‖ identity hash)[0..16] is not the packet's destination hash (RNS "Destination mismatch").</summary>
    DestinationMismatch,
}

/// <summary>
/// A zero-copy view of a Reticulum announce (decision D1; RNS 1.4.2 <c>Identity.validate_announce</c>).
/// Data layout: public key 64 (X25519 ‖ Ed25519) ‖ name hash 10 ‖ random hash 10 (5 random bytes ‖
/// 5-byte big-endian unix time) ‖ [ratchet 32, when the header's context flag is set] ‖ signature 64
/// ‖ app_data (rest, possibly empty). Signed data: destination hash 16 ‖ public key ‖ name hash ‖
/// random hash ‖ ratchet ‖ app_data; flags, hops, transport id and context are not signed, so relays
/// may change them. With NEXUS, app_data may hold a <see cref="NexusExtension"/>.
/// </summary>
public readonly ref struct Announce
{
    /// <summary>Size of the fixed fields without a ratchet: 64 + 10 + 10 + 64 = 148 bytes.</summary>
    public const int MinimumSize = 148;

    /// <summary>Size of a ratchet public key (X25519): 32 bytes.</summary>
    public const int RatchetSize = 32;

    /// <summary>Size of the random hash: 10 bytes.</summary>
    public const int RandomHashSize = 10;

    private Announce(Hash128 destinationHash, PacketContext context, ReadOnlySpan<byte> data, bool hasRatchet)
    {
        DestinationHash = destinationHash;
        Context = context;
        PublicKey = data[..64];
        NameHash = data.Slice(64, 10);
        RandomHash = data.Slice(74, 10);
        var offset = 84;
        Ratchet = hasRatchet ? data.Slice(offset, RatchetSize) : default;
        offset += hasRatchet ? RatchetSize : 0;
        Signature = data.Slice(offset, 64);
        AppData = data[(offset + 64)..];
    }

    /// <summary>The announced destination hash (from the packet header).</summary>
    public Hash128 DestinationHash { get; }

    /// <summary>The packet context (<see cref="PacketContext.PathResponse"/> for path responses).</summary>
    public PacketContext Context { get; }

    /// <summary>The announcing identity's 64-byte public key.</summary>
    public ReadOnlySpan<byte> PublicKey { get; }

    /// <summary>The 10-byte name hash.</summary>
    public ReadOnlySpan<byte> NameHash { get; }

    /// <summary>The 10-byte random hash (5 random bytes ‖ 5-byte big-endian unix seconds).</summary>
    public ReadOnlySpan<byte> RandomHash { get; }

    /// <summary>The 32-byte ratchet public key, or empty when the context flag is clear.</summary>
    public ReadOnlySpan<byte> Ratchet { get; }

    /// <summary>The 64-byte Ed25519 signature.</summary>
    public ReadOnlySpan<byte> Signature { get; }

    /// <summary>The application data (empty when absent).</summary>
    public ReadOnlySpan<byte> AppData { get; }

    /// <summary>Whether this announce answers a path request (context 0x0B).</summary>
    public bool IsPathResponse => Context == PacketContext.PathResponse;

    /// <summary>The emission time the random hash carries: its last 5 bytes as big-endian unix seconds.</summary>
    public long Timestamp
    {
        get
        {
            Span<byte> buffer = stackalloc byte[8];
            buffer.Clear();
            RandomHash[5..].CopyTo(buffer[3..]);
            return (long)BinaryPrimitives.ReadUInt64BigEndian(buffer);
        }
    }

    /// <summary>Size of the signed data in bytes: 16 + data length − 64 (the signature).</summary>
    public int SignedDataLength => 16 + 64 + 10 + 10 + Ratchet.Length + AppData.Length;

    /// <summary>Reads the announce fields of an ANNOUNCE packet. Never throws.</summary>
    /// <param name="packet">A parsed packet.</param>
    /// <param name="announce">The view on success.</param>
    /// <returns><see langword="false"/> when the packet is not an announce or its data is too short.</returns>
    public static bool TryParse(in Packet packet, out Announce announce)
    {
        announce = default;
        var header = packet.Header;
        var data = packet.Data;
        var hasRatchet = header.ContextFlag;
        if (header.PacketType != PacketType.Announce || data.Length < MinimumSize + (hasRatchet ? RatchetSize : 0))
        {
            return false;
        }

        announce = new Announce(header.DestinationHash, header.Context, data, hasRatchet);
        return true;
    }

    /// <summary>Reads the announce fields; see <see cref="TryParse"/>.</summary>
    /// <param name="packet">A parsed packet.</param>
    /// <returns>The announce.</returns>
    /// <exception cref="MeshFormatException">The packet is not an announce or is too short.</exception>
    public static Announce Parse(in Packet packet) =>
        TryParse(packet, out var announce) ? announce : throw new MeshFormatException("Not an announce, or shorter than its fixed fields.");

    /// <summary>Writes the signed data (see the type summary).</summary>
    /// <param name="destination">At least <see cref="SignedDataLength"/> bytes.</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public int WriteSignedData(Span<byte> destination)
    {
        if (destination.Length < SignedDataLength)
        {
            throw new ArgumentException($"The signed data needs {SignedDataLength} bytes.", nameof(destination));
        }

        DestinationHash.WriteTo(destination);
        var offset = 16;
        PublicKey.CopyTo(destination[offset..]);
        offset += 64;
        NameHash.CopyTo(destination[offset..]);
        offset += 10;
        RandomHash.CopyTo(destination[offset..]);
        offset += 10;
        Ratchet.CopyTo(destination[offset..]);
        offset += Ratchet.Length;
        AppData.CopyTo(destination[offset..]);
        return offset + AppData.Length;
    }

    /// <summary>
    /// Validates the announce as RNS does: the destination hash must equal SHA-256(name hash ‖
    /// SHA-256(public key)[0..16])[0..16] and the Ed25519 signature must verify over the signed data
    /// with the announced public key. (The cheap hash check runs first; the result names the first
    /// failing check in RNS's order: signature, then destination.)
    /// </summary>
    /// <returns>The verdict; never throws.</returns>
    public AnnounceValidationResult Validate()
    {
        var identityHash = IdentityPublicKey.ComputeHash(PublicKey);
        Span<byte> material = stackalloc byte[26];
        NameHash.CopyTo(material);
        identityHash.WriteTo(material[10..]);
        var destinationMatches = Hash128.Truncate(Sha2.Sha256(material)) == DestinationHash;

        var length = SignedDataLength;
        var signed = length <= 1024 ? stackalloc byte[1024] : new byte[length];
        WriteSignedData(signed);
        var signingKey = new Ed25519PublicKey(PublicKey[32..]);
        if (!signingKey.Verify(signed[..length], Signature))
        {
            return AnnounceValidationResult.InvalidSignature;
        }

        return destinationMatches ? AnnounceValidationResult.Valid : AnnounceValidationResult.DestinationMismatch;
    }

    /// <summary>Parses and validates a raw announce packet in one step.</summary>
    /// <param name="rawPacket">The packet bytes (at most 500).</param>
    /// <returns><see cref="AnnounceValidationResult.Malformed"/> when it is not a well-formed announce, otherwise <see cref="Validate()"/>'s verdict; never throws.</returns>
    public static AnnounceValidationResult Validate(ReadOnlySpan<byte> rawPacket) =>
        Packet.TryParse(rawPacket, out var packet) && TryParse(packet, out var announce) ? announce.Validate() : AnnounceValidationResult.Malformed;
}
