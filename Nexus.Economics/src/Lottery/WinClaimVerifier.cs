using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>
/// The paying neighbour's side of the relay lottery for one channel: remembers which packets it
/// forwarded to the relay (and the win probability in force for each), and accepts a
/// <see cref="WinClaim"/> only for such a packet, once, with a valid proof under the relay's key
/// and a winning output. Bounded: remembers at most <see cref="Capacity"/> packets, evicting the
/// oldest. Not thread-safe (one channel is driven by one task).
/// </summary>
public sealed class WinClaimVerifier
{
    private readonly Dictionary<Hash256, ulong> _forwarded;
    private readonly Queue<Hash256> _order;
    private readonly HashSet<Hash256> _paid = [];
    private readonly Queue<Hash256> _paidOrder = new();
    private readonly Ed25519PublicKey _relayKey;

    /// <summary>Creates a verifier for one channel.</summary>
    /// <param name="channel">The channel the relay claims on.</param>
    /// <param name="relayKey">The relay's Ed25519 public key (from the key cache filled by announces).</param>
    /// <param name="probability">The channel's win probability now.</param>
    /// <param name="capacity">How many forwarded packets to remember, at least 1; default 4,096.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is below 1.</exception>
    public WinClaimVerifier(ChannelId channel, Ed25519PublicKey relayKey, WinProbability probability, int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Channel = channel;
        _relayKey = relayKey;
        Probability = probability;
        Capacity = capacity;
        _forwarded = new Dictionary<Hash256, ulong>(Math.Min(capacity, 1024));
        _order = new Queue<Hash256>(Math.Min(capacity, 1024));
    }

    /// <summary>The channel this verifier pays on.</summary>
    public ChannelId Channel { get; }

    /// <summary>Maximum number of forwarded packets remembered.</summary>
    public int Capacity { get; }

    /// <summary>
    /// The win probability applied to packets forwarded from now on. Change it only together with
    /// the dual-signed channel update that agreed the new value.
    /// </summary>
    public WinProbability Probability { get; set; }

    /// <summary>Number of packets currently remembered.</summary>
    public int Count => _forwarded.Count;

    /// <summary>Records that a packet was forwarded to the relay over this channel.</summary>
    /// <param name="packetHash">Its RNS packet hash.</param>
    public void RecordForwarded(in Hash256 packetHash)
    {
        if (_forwarded.ContainsKey(packetHash))
        {
            return;
        }

        if (_forwarded.Count >= Capacity)
        {
            _forwarded.Remove(_order.Dequeue());
        }

        _forwarded.Add(packetHash, Probability.Target);
        _order.Enqueue(packetHash);
    }

    /// <summary>
    /// Verifies a claim and, when valid, marks the packet paid and gives the reward at the
    /// probability in force when the packet was forwarded.
    /// </summary>
    /// <param name="claim">The relay's claim.</param>
    /// <param name="perPacketCostMicroNxs">The agreed per-packet cost, μNXS.</param>
    /// <param name="rewardMicroNxs">The reward to pay (cost / p, rounded down) when valid; else 0.</param>
    /// <returns>The verdict; only <see cref="WinClaimStatus.Valid"/> means "sign the channel update".</returns>
    public WinClaimStatus Verify(in WinClaim claim, ulong perPacketCostMicroNxs, out ulong rewardMicroNxs)
    {
        rewardMicroNxs = 0;
        if (claim.Channel != Channel)
        {
            return WinClaimStatus.WrongChannel;
        }

        if (_paid.Contains(claim.PacketHash))
        {
            return WinClaimStatus.AlreadyPaid;
        }

        if (!_forwarded.TryGetValue(claim.PacketHash, out var target))
        {
            return WinClaimStatus.UnknownPacket;
        }

        var probability = new WinProbability(target);
        var status = RelayLottery.CheckProof(_relayKey, claim, probability);
        if (status != WinClaimStatus.Valid)
        {
            return status;
        }

        if (_paid.Count >= Capacity)
        {
            _paid.Remove(_paidOrder.Dequeue());
        }

        _paid.Add(claim.PacketHash);
        _paidOrder.Enqueue(claim.PacketHash);
        _forwarded.Remove(claim.PacketHash);
        rewardMicroNxs = probability.RewardFor(perPacketCostMicroNxs);
        return WinClaimStatus.Valid;
    }
}
