using System.Buffers;
using System.Security.Cryptography;
using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>
/// A zero-copy view of one Reticulum packet (decision D1): a parsed <see cref="PacketHeader"/>
/// plus the <see cref="Data"/> that follows it, both pointing into the caller's buffer.
/// Layout: HEADER_1 <c>flags hops destination[16] context data</c>, HEADER_2 <c>flags hops
/// transport_id[16] destination[16] context data</c>; at most <see cref="MeshConstants.Mtu"/> (500)
/// bytes unless a larger link MTU is passed to <see cref="TryParse(ReadOnlySpan{byte}, int, out Packet)"/>.
/// </summary>
public readonly ref struct Packet
{
    private Packet(ReadOnlySpan<byte> raw, PacketHeader header)
    {
        Raw = raw;
        Header = header;
    }

    /// <summary>The whole packet as received.</summary>
    public ReadOnlySpan<byte> Raw { get; }

    /// <summary>The parsed header.</summary>
    public PacketHeader Header { get; }

    /// <summary>The data after the header (may be empty).</summary>
    public ReadOnlySpan<byte> Data => Raw[Header.Size..];

    /// <summary>
    /// Parses a packet without copying. Rejects (returns <see langword="false"/>) input shorter than
    /// its header, longer than 500 bytes (RNS MTU), or with the IFAC flag still set (unwrap it
    /// with the interface access code first, as RNS does). Never throws.
    /// </summary>
    /// <param name="raw">The packet bytes.</param>
    /// <param name="packet">The view on success.</param>
    /// <returns>Whether <paramref name="raw"/> is a well-formed packet (at most 500 bytes).</returns>
    public static bool TryParse(ReadOnlySpan<byte> raw, out Packet packet) => TryParse(raw, MeshConstants.Mtu, out packet);

    /// <summary>Parses a packet without copying, accepting up to <paramref name="maxSize"/> bytes (a link MTU above 500).</summary>
    /// <param name="raw">The packet bytes.</param>
    /// <param name="maxSize">Largest accepted size in bytes.</param>
    /// <param name="packet">The view on success.</param>
    /// <returns>Whether <paramref name="raw"/> is a well-formed packet; never throws.</returns>
    public static bool TryParse(ReadOnlySpan<byte> raw, int maxSize, out Packet packet)
    {
        packet = default;
        if (raw.Length > maxSize || raw.Length < MeshConstants.Header1Size || (raw[0] & 0x80) != 0)
        {
            return false;
        }

        if (!PacketHeader.TryRead(raw, out var header))
        {
            return false;
        }

        packet = new Packet(raw, header);
        return true;
    }

    /// <summary>
    /// Parses a packet from a sequence: zero-copy when it is one segment, otherwise copied into
    /// <paramref name="scratch"/> (which must then hold the whole packet) and viewed there.
    /// </summary>
    /// <param name="raw">The packet bytes.</param>
    /// <param name="scratch">Buffer for a multi-segment sequence (≥ its length; 500 bytes suffice).</param>
    /// <param name="packet">The view on success.</param>
    /// <returns>Whether the bytes form a well-formed packet of at most 500 bytes (false also when scratch is too small); never throws.</returns>
    public static bool TryParse(in ReadOnlySequence<byte> raw, Span<byte> scratch, out Packet packet)
    {
        if (raw.IsSingleSegment)
        {
            return TryParse(raw.FirstSpan, out packet);
        }

        packet = default;
        if (raw.Length > MeshConstants.Mtu || raw.Length > scratch.Length)
        {
            return false;
        }

        var length = (int)raw.Length;
        raw.CopyTo(scratch);
        return TryParse(scratch[..length], out packet);
    }

    /// <summary>Parses a packet; see <see cref="TryParse(ReadOnlySpan{byte}, int, out Packet)"/> for the rules.</summary>
    /// <param name="raw">The packet bytes.</param>
    /// <param name="maxSize">Largest accepted size in bytes (default 500).</param>
    /// <returns>The view.</returns>
    /// <exception cref="MeshFormatException">The bytes are not a well-formed packet.</exception>
    public static Packet Parse(ReadOnlySpan<byte> raw, int maxSize = MeshConstants.Mtu)
    {
        if (TryParse(raw, maxSize, out var packet))
        {
            return packet;
        }

        throw new MeshFormatException(raw.Length > maxSize
            ? $"Packet of {raw.Length} bytes exceeds the MTU of {maxSize}."
            : raw.Length > 0 && (raw[0] & 0x80) != 0 ? "Packet still carries an interface access code." : $"Packet of {raw.Length} bytes is shorter than its header.");
    }

    /// <summary>Length of the hashable part: 1 + (raw length − 2) for HEADER_1, 1 + (raw length − 18) for HEADER_2.</summary>
    public int HashablePartLength => 1 + Raw.Length - (Header.HeaderType == HeaderType.Header2 ? 18 : 2);

    /// <summary>
    /// Writes the hashable part as RNS computes it (<c>Packet.get_hashable_part</c>): the flags byte
    /// masked to its low nibble (<c>flags &amp; 0x0F</c>: destination and packet type only), then the
    /// raw packet from byte 2 (HEADER_1) or byte 18 (HEADER_2). Hops, header type, propagation, context
    /// flag and transport id are excluded, so a relayed packet keeps its hash.
    /// </summary>
    /// <param name="destination">At least <see cref="HashablePartLength"/> bytes.</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public int WriteHashablePart(Span<byte> destination)
    {
        var length = HashablePartLength;
        if (destination.Length < length)
        {
            throw new ArgumentException($"The hashable part needs {length} bytes.", nameof(destination));
        }

        destination[0] = (byte)(Raw[0] & 0x0F);
        Raw[(Header.HeaderType == HeaderType.Header2 ? 18 : 2)..].CopyTo(destination[1..]);
        return length;
    }

    /// <summary>The packet hash: SHA-256(hashable part), 32 bytes (RNS <c>Packet.get_hash</c>).</summary>
    /// <returns>The full hash.</returns>
    public Hash256 GetHash()
    {
        Span<byte> hash = stackalloc byte[32];
        ComputeHash(hash);
        return new Hash256(hash);
    }

    /// <summary>The truncated packet hash: the first 16 bytes of <see cref="GetHash"/> (RNS <c>get_truncated_hash</c>).</summary>
    /// <returns>The truncated hash.</returns>
    public Hash128 GetTruncatedHash()
    {
        Span<byte> hash = stackalloc byte[32];
        ComputeHash(hash);
        return new Hash128(hash[..16]);
    }

    /// <summary>
    /// The link id a LINKREQUEST packet establishes: the truncated hash of its hashable part without
    /// the trailing signalling bytes (data beyond the 64 bytes of initiator keys), as RNS
    /// <c>Link.link_id_from_lr_packet</c>.
    /// </summary>
    /// <returns>The 16-byte link id.</returns>
    public Hash128 GetLinkId()
    {
        var extra = Math.Max(0, Data.Length - 64);
        var length = HashablePartLength - extra;
        var buffer = length <= 512 ? stackalloc byte[512] : new byte[length];
        WriteHashablePart(buffer);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer[..length], hash);
        return new Hash128(hash[..16]);
    }

    private void ComputeHash(Span<byte> hash)
    {
        var length = HashablePartLength;
        var buffer = length <= 512 ? stackalloc byte[512] : new byte[length];
        WriteHashablePart(buffer);
        SHA256.HashData(buffer[..length], hash);
    }
}
