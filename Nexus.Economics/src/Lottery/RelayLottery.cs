using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>
/// The relay side of the VRF relay lottery (decision D6, spec 02-economics section 1): for each
/// relayed packet, pi = ECVRF_prove(relay key, alpha = packet_hash ‖ channel_id), beta =
/// proof_to_hash(pi); the packet wins when beta's first 8 bytes (u64 little-endian) are below the
/// channel's target. One output per (key, packet, channel): a relay cannot grind for wins.
/// </summary>
public static class RelayLottery
{
    /// <summary>Size of alpha: packet_hash (32) ‖ channel_id (16) = 48 bytes.</summary>
    public const int AlphaSizeInBytes = Hash256.SizeInBytes + ChannelId.SizeInBytes;

    /// <summary>Writes alpha = packet_hash ‖ channel_id.</summary>
    /// <param name="packetHash">The RNS packet hash (32 bytes).</param>
    /// <param name="channel">The channel id (16 bytes).</param>
    /// <param name="alpha">At least 48 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="alpha"/> is shorter than 48 bytes.</exception>
    public static void WriteAlpha(in Hash256 packetHash, in ChannelId channel, Span<byte> alpha)
    {
        if (alpha.Length < AlphaSizeInBytes)
        {
            throw new ArgumentException("Alpha needs 48 bytes.", nameof(alpha));
        }

        packetHash.WriteTo(alpha);
        channel.WriteTo(alpha[32..]);
    }

    /// <summary>Plays the lottery for one relayed packet (one ECVRF prove, about 100 μs).</summary>
    /// <param name="relayKey">The relay's Ed25519 identity key.</param>
    /// <param name="packetHash">The relayed packet's RNS packet hash.</param>
    /// <param name="channel">The channel with the upstream neighbour that pays.</param>
    /// <param name="probability">The channel's current win probability.</param>
    /// <param name="claim">On a win, the claim to send to the payer; default otherwise.</param>
    /// <returns>True when the packet won.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="relayKey"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="relayKey"/> was disposed.</exception>
    public static bool TryWin(Ed25519PrivateKey relayKey, in Hash256 packetHash, in ChannelId channel, WinProbability probability, out WinClaim claim)
    {
        Span<byte> alpha = stackalloc byte[AlphaSizeInBytes];
        WriteAlpha(packetHash, channel, alpha);
        var proof = Ecvrf.Prove(relayKey, alpha);
        if (Ecvrf.TryProofToHash(proof, out var beta) && probability.IsWin(beta.AsSpan()))
        {
            claim = new WinClaim(packetHash, channel, proof);
            return true;
        }

        claim = default;
        return false;
    }

    /// <summary>
    /// Checks a claim's cryptography and win test: the proof verifies under the relay's key for
    /// alpha = claim's packet_hash ‖ channel_id, and its output wins at <paramref name="probability"/>.
    /// Whether the payer really forwarded that packet on that channel, and whether it was already
    /// paid, is <see cref="WinClaimVerifier"/>'s job.
    /// </summary>
    /// <param name="relayKey">The relay's Ed25519 public key.</param>
    /// <param name="claim">The claim.</param>
    /// <param name="probability">The channel's win probability.</param>
    /// <returns><see cref="WinClaimStatus.Valid"/>, <see cref="WinClaimStatus.BadProof"/> or <see cref="WinClaimStatus.NotAWin"/>.</returns>
    public static WinClaimStatus CheckProof(in Ed25519PublicKey relayKey, in WinClaim claim, WinProbability probability)
    {
        Span<byte> alpha = stackalloc byte[AlphaSizeInBytes];
        WriteAlpha(claim.PacketHash, claim.Channel, alpha);
        if (!Ecvrf.Verify(relayKey, alpha, claim.Proof, out var beta))
        {
            return WinClaimStatus.BadProof;
        }

        return probability.IsWin(beta.AsSpan()) ? WinClaimStatus.Valid : WinClaimStatus.NotAWin;
    }
}

/// <summary>Why a <see cref="WinClaim"/> was accepted or refused.</summary>
public enum WinClaimStatus
{
    /// <summary>Proof valid, output wins, packet forwarded on this channel and not yet paid.</summary>
    Valid = 0,

    /// <summary>The ECVRF proof does not verify under the relay's key for this packet and channel.</summary>
    BadProof,

    /// <summary>The proof is valid but its output is not below the channel's target.</summary>
    NotAWin,

    /// <summary>The claim names another channel than the one it arrived on.</summary>
    WrongChannel,

    /// <summary>The payer has no record of forwarding this packet to the relay (or it aged out).</summary>
    UnknownPacket,

    /// <summary>This packet's win was already paid.</summary>
    AlreadyPaid,
}
