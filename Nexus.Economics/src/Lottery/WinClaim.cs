using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>
/// A relay's claim that forwarding a packet won the lottery (decision D6). Wire layout, 128 bytes:
/// packet_hash (32, the RNS packet hash) ‖ channel_id (16) ‖ pi (80, the ECVRF proof over
/// alpha = packet_hash ‖ channel_id). The relay's key is the channel peer's; it is not in the claim.
/// </summary>
public readonly struct WinClaim : IEquatable<WinClaim>
{
    /// <summary>Size on the wire: 128 bytes.</summary>
    public const int SizeInBytes = Hash256.SizeInBytes + ChannelId.SizeInBytes + VrfProof.SizeInBytes;

    /// <summary>Creates a claim.</summary>
    /// <param name="packetHash">The RNS packet hash of the relayed packet.</param>
    /// <param name="channel">The channel the reward is claimed on.</param>
    /// <param name="proof">The ECVRF proof.</param>
    public WinClaim(Hash256 packetHash, ChannelId channel, VrfProof proof)
    {
        PacketHash = packetHash;
        Channel = channel;
        Proof = proof;
    }

    /// <summary>The 32-byte RNS packet hash of the relayed packet.</summary>
    public Hash256 PacketHash { get; }

    /// <summary>The channel whose payer is asked to pay.</summary>
    public ChannelId Channel { get; }

    /// <summary>The 80-byte ECVRF proof over packet_hash ‖ channel_id.</summary>
    public VrfProof Proof { get; }

    /// <summary>Writes the 128-byte wire form.</summary>
    /// <param name="destination">At least 128 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 128 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException("A win claim needs 128 bytes.", nameof(destination));
        }

        PacketHash.WriteTo(destination);
        Channel.WriteTo(destination[32..]);
        Proof.WriteTo(destination[48..]);
    }

    /// <summary>Reads a claim from exactly 128 bytes; never throws.</summary>
    /// <param name="source">The wire form.</param>
    /// <param name="claim">The claim, or default.</param>
    /// <returns>False when <paramref name="source"/> is not 128 bytes.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out WinClaim claim)
    {
        if (source.Length != SizeInBytes)
        {
            claim = default;
            return false;
        }

        claim = new WinClaim(new Hash256(source[..32]), new ChannelId(source.Slice(32, 16)), new VrfProof(source[48..]));
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(WinClaim other) => PacketHash == other.PacketHash && Channel == other.Channel && Proof == other.Proof;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is WinClaim other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(PacketHash, Channel);

    /// <summary>Equality.</summary>
    /// <param name="left">One claim.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(WinClaim left, WinClaim right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">One claim.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(WinClaim left, WinClaim right) => !left.Equals(right);
}
