using System.Buffers.Binary;
using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>
/// A dual-signed settlement of a payment channel: the 192-byte <c>SettlementRecord</c> of spec
/// 02-economics section 3. All integers little-endian.
/// <code>
///  off  size field
///    0   16  channel_id
///   16   16  party_a          lower destination hash
///   32   16  party_b          higher destination hash
///   48    8  amount_a_to_b    i64 μNXS, negative = b pays a
///   56    8  final_sequence   u64, the channel state's sequence being settled
///   64   64  sig_a            Ed25519 by party a over settlement_hash
///  128   64  sig_b            Ed25519 by party b over settlement_hash
/// settlement_hash = BLAKE3-256(bytes 0..63)
/// </code>
/// Nexus resolves the spec's open question (decision D7, docs/protocol/ledger.md):
/// <c>amount_a_to_b</c> is the <em>cumulative</em> net transfer since the channel opened
/// (opening balance_a − balance_a at <c>final_sequence</c>), so a later settlement of the same
/// channel supersedes an earlier one instead of adding to it, and no settlement can count twice.
/// </summary>
public readonly struct SettlementRecord : IEquatable<SettlementRecord>
{
    /// <summary>Size on the wire: 192 bytes.</summary>
    public const int SizeInBytes = 192;

    /// <summary>Size of the hashed prefix: 64 bytes.</summary>
    public const int HashedPrefixSizeInBytes = 64;

    /// <summary>Creates a record; signatures default to "not signed" (all zero).</summary>
    /// <param name="channel">The channel id.</param>
    /// <param name="partyA">Party a's hash; must be lower than <paramref name="partyB"/>.</param>
    /// <param name="partyB">Party b's hash.</param>
    /// <param name="amountAToB">Cumulative net μNXS from a to b since open; negative when b paid a.</param>
    /// <param name="finalSequence">The settled state's sequence.</param>
    /// <param name="signatureA">Party a's signature over the settlement hash, or default.</param>
    /// <param name="signatureB">Party b's signature over the settlement hash, or default.</param>
    /// <exception cref="ArgumentException">The parties are not in order.</exception>
    public SettlementRecord(ChannelId channel, Hash128 partyA, Hash128 partyB, long amountAToB, ulong finalSequence,
        Ed25519Signature signatureA = default, Ed25519Signature signatureB = default)
    {
        if (partyA.CompareTo(partyB) >= 0)
        {
            throw new ArgumentException("party_a must be the lexicographically lower hash.", nameof(partyA));
        }

        Channel = channel;
        PartyA = partyA;
        PartyB = partyB;
        AmountAToB = amountAToB;
        FinalSequence = finalSequence;
        SignatureA = signatureA;
        SignatureB = signatureB;
    }

    /// <summary>channel_id.</summary>
    public ChannelId Channel { get; }

    /// <summary>party_a, the lower hash.</summary>
    public Hash128 PartyA { get; }

    /// <summary>party_b, the higher hash.</summary>
    public Hash128 PartyB { get; }

    /// <summary>amount_a_to_b: cumulative net μNXS a paid b since open (negative: b paid a).</summary>
    public long AmountAToB { get; }

    /// <summary>final_sequence: the sequence of the channel state this settles.</summary>
    public ulong FinalSequence { get; }

    /// <summary>sig_a over the settlement hash.</summary>
    public Ed25519Signature SignatureA { get; }

    /// <summary>sig_b over the settlement hash.</summary>
    public Ed25519Signature SignatureB { get; }

    /// <summary>
    /// Builds the (unsigned) settlement of a channel state: amount_a_to_b = opening balance_a −
    /// balance_a now, final_sequence = the state's sequence.
    /// </summary>
    /// <param name="state">The dual-signed state being settled.</param>
    /// <param name="openingBalanceA">Party a's balance at sequence 0, μNXS.</param>
    /// <returns>The unsigned record.</returns>
    /// <exception cref="OverflowException">The net transfer does not fit in an i64.</exception>
    public static SettlementRecord ForState(in ChannelState state, ulong openingBalanceA)
    {
        long amount = openingBalanceA >= state.BalanceA
            ? checked((long)(openingBalanceA - state.BalanceA))
            : checked(-(long)(state.BalanceA - openingBalanceA));
        return new SettlementRecord(state.Channel, state.PartyA, state.PartyB, amount, state.Sequence);
    }

    /// <summary>settlement_hash = BLAKE3-256 over bytes 0..63.</summary>
    /// <returns>The 32-byte hash both parties sign and the ledger's GSet is keyed by.</returns>
    public Hash256 ComputeHash()
    {
        Span<byte> prefix = stackalloc byte[HashedPrefixSizeInBytes];
        WritePrefix(prefix);
        return Blake3.Hash(prefix);
    }

    /// <summary>Signs as one party and returns the record with that signature set.</summary>
    /// <param name="side">The signer's side.</param>
    /// <param name="key">The signer's Ed25519 identity key.</param>
    /// <returns>The record with sig_a or sig_b set.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public SettlementRecord Sign(ChannelParty side, Ed25519PrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = ComputeHash();
        var signature = key.Sign(hash.AsSpan());
        return side == ChannelParty.A
            ? new SettlementRecord(Channel, PartyA, PartyB, AmountAToB, FinalSequence, signature, SignatureB)
            : new SettlementRecord(Channel, PartyA, PartyB, AmountAToB, FinalSequence, SignatureA, signature);
    }

    /// <summary>Verifies one signature against a precomputed settlement hash; never throws.</summary>
    /// <param name="side">Whose signature.</param>
    /// <param name="key">That party's public key.</param>
    /// <param name="hash">The record's settlement hash.</param>
    /// <returns>True when valid.</returns>
    public bool VerifySignature(ChannelParty side, in Ed25519PublicKey key, in Hash256 hash) =>
        key.Verify(hash.AsSpan(), side == ChannelParty.A ? SignatureA : SignatureB);

    /// <summary>The net amount a party gained through this channel (positive) or paid (negative), μNXS.</summary>
    /// <param name="side">Which party.</param>
    /// <returns>amount_a_to_b for b, −amount_a_to_b for a.</returns>
    public long NetFor(ChannelParty side) => side == ChannelParty.B ? AmountAToB : -AmountAToB;

    /// <summary>Writes the 192-byte wire form.</summary>
    /// <param name="destination">At least 192 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 192 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException("A settlement record needs 192 bytes.", nameof(destination));
        }

        WritePrefix(destination);
        SignatureA.WriteTo(destination[64..]);
        SignatureB.WriteTo(destination[128..]);
    }

    /// <summary>The 192-byte wire form as a new array.</summary>
    /// <returns>A copy.</returns>
    public byte[] ToArray()
    {
        var bytes = new byte[SizeInBytes];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Reads a record from at least 192 bytes (the first 192 are read); never throws.</summary>
    /// <param name="source">The wire form.</param>
    /// <param name="record">The record, or default.</param>
    /// <returns>False when shorter than 192 bytes, the parties are out of order, or amount is i64.MinValue.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out SettlementRecord record)
    {
        record = default;
        if (source.Length < SizeInBytes)
        {
            return false;
        }

        var a = new Hash128(source.Slice(16, 16));
        var b = new Hash128(source.Slice(32, 16));
        long amount = BinaryPrimitives.ReadInt64LittleEndian(source[48..]);
        if (a.CompareTo(b) >= 0 || amount == long.MinValue)
        {
            return false;
        }

        record = new SettlementRecord(new ChannelId(source[..16]), a, b, amount,
            BinaryPrimitives.ReadUInt64LittleEndian(source[56..]),
            new Ed25519Signature(source.Slice(64, 64)), new Ed25519Signature(source.Slice(128, 64)));
        return true;
    }

    private void WritePrefix(Span<byte> destination)
    {
        Channel.WriteTo(destination);
        PartyA.WriteTo(destination[16..]);
        PartyB.WriteTo(destination[32..]);
        BinaryPrimitives.WriteInt64LittleEndian(destination[48..], AmountAToB);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[56..], FinalSequence);
    }

    /// <inheritdoc/>
    public bool Equals(SettlementRecord other) =>
        Channel == other.Channel && PartyA == other.PartyA && PartyB == other.PartyB && AmountAToB == other.AmountAToB
        && FinalSequence == other.FinalSequence && SignatureA == other.SignatureA && SignatureB == other.SignatureB;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SettlementRecord other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Channel, FinalSequence, AmountAToB);

    /// <summary>Equality of all 192 bytes.</summary>
    /// <param name="left">One record.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(SettlementRecord left, SettlementRecord right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">One record.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(SettlementRecord left, SettlementRecord right) => !left.Equals(right);
}
