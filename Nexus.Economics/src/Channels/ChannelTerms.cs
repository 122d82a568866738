using System.Buffers.Binary;

namespace Nexus.Economics;

/// <summary>
/// What a channel's parties agreed besides balances (decision D6): the lottery win probability
/// and the per-packet cost the reward is computed from. Both are bound into every channel
/// signature (see <see cref="ChannelState"/>), so a change takes effect only through a dual-signed
/// update and the payer always knows p. Wire form, 16 bytes: win_target u64 LE ‖
/// per_packet_cost u64 LE (μNXS).
/// </summary>
/// <param name="Probability">The relay-lottery win probability for packets relayed over the channel.</param>
/// <param name="PerPacketCostMicroNxs">The price of one relayed packet, μNXS; a win pays this / p (rounded down).</param>
public readonly record struct ChannelTerms(WinProbability Probability, ulong PerPacketCostMicroNxs)
{
    /// <summary>Size on the wire: 16 bytes.</summary>
    public const int SizeInBytes = 16;

    /// <summary>The reward one win pays under these terms: cost × 2^64 / target, rounded down (μNXS).</summary>
    /// <exception cref="OverflowException">The reward does not fit in 64 bits.</exception>
    public ulong RewardMicroNxs => Probability.RewardFor(PerPacketCostMicroNxs);

    /// <summary>Writes the 16-byte wire form.</summary>
    /// <param name="destination">At least 16 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 16 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException("Channel terms need 16 bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination, Probability.Target);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], PerPacketCostMicroNxs);
    }

    /// <summary>Reads terms from at least 16 bytes; never throws.</summary>
    /// <param name="source">The wire form (the first 16 bytes are read).</param>
    /// <param name="terms">The terms, or default.</param>
    /// <returns>False when <paramref name="source"/> is shorter than 16 bytes or the target is 0.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out ChannelTerms terms)
    {
        terms = default;
        if (source.Length < SizeInBytes)
        {
            return false;
        }

        ulong target = BinaryPrimitives.ReadUInt64LittleEndian(source);
        if (target == 0)
        {
            return false;
        }

        terms = new ChannelTerms(new WinProbability(target), BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));
        return true;
    }
}
