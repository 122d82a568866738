using System.Buffers.Binary;
using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>Which side of a channel: party a holds the lexicographically lower 16-byte hash.</summary>
public enum ChannelParty
{
    /// <summary>The party with the lower destination hash (bytes 16..31 of the state).</summary>
    A = 0,

    /// <summary>The party with the higher destination hash (bytes 32..47 of the state).</summary>
    B = 1,
}

/// <summary>
/// One state of a bilateral payment channel: the fixed 200-byte <c>ChannelState</c> of spec
/// 02-economics section 2. All integers little-endian.
/// <code>
///  off  size field
///    0   16  channel_id   (ChannelId: BLAKE3 derive_key over the ordered parties and a nonce)
///   16   16  party_a      destination hash, the lexicographically lower one (decision D4)
///   32   16  party_b      destination hash, the higher one
///   48    8  balance_a    u64 μNXS
///   56    8  balance_b    u64 μNXS
///   64    8  sequence     u64, 0 at open, +1 per update
///   72   64  sig_a        Ed25519 by party a over the signing digest
///  136   64  sig_b        Ed25519 by party b over the signing digest
/// </code>
/// The spec leaves the signed message open; Nexus signs the 32-byte digest
/// <c>BLAKE3 derive_key("nexus 2026-11-24 channel state v1", bytes 0..71 ‖ ChannelTerms (16 B))</c>
/// (docs/protocol/channels.md): domain-separated from every other signature a node makes, and it
/// binds the channel's win probability and per-packet cost, so a probability change is itself a
/// dual-signed update (decision D6). An all-zero signature means "not signed yet".
/// </summary>
public readonly struct ChannelState : IEquatable<ChannelState>
{
    /// <summary>Size on the wire: 200 bytes.</summary>
    public const int SizeInBytes = 200;

    /// <summary>Length of the signed prefix (channel_id … sequence): 72 bytes.</summary>
    public const int SignedPrefixSizeInBytes = 72;

    /// <summary>The BLAKE3 derive_key context of the signing digest.</summary>
    public const string SigningContext = "nexus 2026-11-24 channel state v1";

    /// <summary>Creates a state; signatures default to "not signed".</summary>
    /// <param name="channel">The channel id.</param>
    /// <param name="partyA">Party a's 16-byte destination hash; must be lower than <paramref name="partyB"/>.</param>
    /// <param name="partyB">Party b's 16-byte destination hash.</param>
    /// <param name="balanceA">Party a's balance, μNXS.</param>
    /// <param name="balanceB">Party b's balance, μNXS.</param>
    /// <param name="sequence">The update counter.</param>
    /// <param name="signatureA">Party a's signature, or default.</param>
    /// <param name="signatureB">Party b's signature, or default.</param>
    /// <exception cref="ArgumentException">The parties are not in order (a &lt; b), or equal.</exception>
    /// <exception cref="OverflowException">balance_a + balance_b exceeds 2^64 − 1.</exception>
    public ChannelState(ChannelId channel, Hash128 partyA, Hash128 partyB, ulong balanceA, ulong balanceB, ulong sequence,
        Ed25519Signature signatureA = default, Ed25519Signature signatureB = default)
    {
        if (partyA.CompareTo(partyB) >= 0)
        {
            throw new ArgumentException("party_a must be the lexicographically lower hash.", nameof(partyA));
        }

        _ = checked(balanceA + balanceB);
        Channel = channel;
        PartyA = partyA;
        PartyB = partyB;
        BalanceA = balanceA;
        BalanceB = balanceB;
        Sequence = sequence;
        SignatureA = signatureA;
        SignatureB = signatureB;
    }

    /// <summary>channel_id (bytes 0..15).</summary>
    public ChannelId Channel { get; }

    /// <summary>party_a (bytes 16..31), the lower hash.</summary>
    public Hash128 PartyA { get; }

    /// <summary>party_b (bytes 32..47), the higher hash.</summary>
    public Hash128 PartyB { get; }

    /// <summary>balance_a, μNXS.</summary>
    public ulong BalanceA { get; }

    /// <summary>balance_b, μNXS.</summary>
    public ulong BalanceB { get; }

    /// <summary>sequence: 0 at open, +1 per update.</summary>
    public ulong Sequence { get; }

    /// <summary>sig_a (bytes 72..135); all zero when not signed.</summary>
    public Ed25519Signature SignatureA { get; }

    /// <summary>sig_b (bytes 136..199); all zero when not signed.</summary>
    public Ed25519Signature SignatureB { get; }

    /// <summary>balance_a + balance_b, μNXS (constant over a channel's life).</summary>
    public ulong Capacity => BalanceA + BalanceB;

    /// <summary>Whether both signature fields are filled (not verified: see <see cref="VerifySignature"/>).</summary>
    public bool IsDualSigned => !IsZero(SignatureA) && !IsZero(SignatureB);

    /// <summary>The party that owns a hash.</summary>
    /// <param name="party">A 16-byte destination hash.</param>
    /// <param name="side">Its side when it is a party.</param>
    /// <returns>False when <paramref name="party"/> is neither party.</returns>
    public bool TryGetSide(in Hash128 party, out ChannelParty side)
    {
        side = party == PartyA ? ChannelParty.A : ChannelParty.B;
        return party == PartyA || party == PartyB;
    }

    /// <summary>A party's balance, μNXS.</summary>
    /// <param name="side">Which party.</param>
    /// <returns>Its balance.</returns>
    public ulong BalanceOf(ChannelParty side) => side == ChannelParty.A ? BalanceA : BalanceB;

    /// <summary>A party's 16-byte hash.</summary>
    /// <param name="side">Which party.</param>
    /// <returns>Its hash.</returns>
    public Hash128 PartyOf(ChannelParty side) => side == ChannelParty.A ? PartyA : PartyB;

    /// <summary>A party's signature (all zero when not signed).</summary>
    /// <param name="side">Which party.</param>
    /// <returns>Its signature field.</returns>
    public Ed25519Signature SignatureOf(ChannelParty side) => side == ChannelParty.A ? SignatureA : SignatureB;

    /// <summary>
    /// The next unsigned state: <paramref name="amountMicroNxs"/> moves from <paramref name="payer"/>
    /// to the other party and the sequence goes up by one.
    /// </summary>
    /// <param name="payer">The paying side.</param>
    /// <param name="amountMicroNxs">μNXS to move; may be 0 (a terms-only update).</param>
    /// <returns>The successor state, unsigned.</returns>
    /// <exception cref="InvalidOperationException">The payer's balance is below the amount, or the sequence is at its maximum.</exception>
    public ChannelState Transfer(ChannelParty payer, ulong amountMicroNxs)
    {
        if (BalanceOf(payer) < amountMicroNxs)
        {
            throw new InvalidOperationException($"The payer holds {BalanceOf(payer)} μNXS; {amountMicroNxs} needed.");
        }

        if (Sequence == ulong.MaxValue)
        {
            throw new InvalidOperationException("The channel's sequence is exhausted.");
        }

        return payer == ChannelParty.A
            ? new ChannelState(Channel, PartyA, PartyB, BalanceA - amountMicroNxs, BalanceB + amountMicroNxs, Sequence + 1)
            : new ChannelState(Channel, PartyA, PartyB, BalanceA + amountMicroNxs, BalanceB - amountMicroNxs, Sequence + 1);
    }

    /// <summary>Whether two states agree on bytes 0..71 (everything but the signatures).</summary>
    /// <param name="other">The other state.</param>
    /// <returns>True when channel, parties, balances and sequence are equal.</returns>
    public bool ContentEquals(in ChannelState other) =>
        Channel == other.Channel && PartyA == other.PartyA && PartyB == other.PartyB
        && BalanceA == other.BalanceA && BalanceB == other.BalanceB && Sequence == other.Sequence;

    /// <summary>
    /// The unsigned state at <paramref name="sequence"/> that moves <paramref name="amountMicroNxs"/>
    /// from <paramref name="payer"/> to the other party relative to this one.
    /// </summary>
    /// <param name="payer">The paying side.</param>
    /// <param name="amountMicroNxs">μNXS to move; may be 0.</param>
    /// <param name="sequence">The new sequence, above this one.</param>
    /// <returns>The successor state, unsigned.</returns>
    /// <exception cref="InvalidOperationException">The payer's balance is below the amount.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sequence"/> is not above this state's.</exception>
    public ChannelState Transfer(ChannelParty payer, ulong amountMicroNxs, ulong sequence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sequence, Sequence);
        var next = Transfer(payer, amountMicroNxs);
        return new ChannelState(Channel, PartyA, PartyB, next.BalanceA, next.BalanceB, sequence);
    }

    /// <summary>
    /// Whether <paramref name="next"/> is this state's successor on the same channel: same channel
    /// and parties, sequence + 1, same capacity.
    /// </summary>
    /// <param name="next">The proposed successor.</param>
    /// <returns>True when it is a well-formed successor.</returns>
    public bool IsSuccessor(in ChannelState next) =>
        next.Channel == Channel && next.PartyA == PartyA && next.PartyB == PartyB
        && next.Sequence == Sequence + 1 && Sequence != ulong.MaxValue && next.Capacity == Capacity;

    /// <summary>
    /// Writes the 32-byte signing digest: BLAKE3 derive_key(<see cref="SigningContext"/>,
    /// bytes 0..71 ‖ the 16-byte terms).
    /// </summary>
    /// <param name="terms">The channel terms in force for this state.</param>
    /// <param name="digest">At least 32 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="digest"/> is shorter than 32 bytes.</exception>
    public void WriteSigningDigest(in ChannelTerms terms, Span<byte> digest)
    {
        if (digest.Length < Hash256.SizeInBytes)
        {
            throw new ArgumentException("The signing digest needs 32 bytes.", nameof(digest));
        }

        Span<byte> message = stackalloc byte[SignedPrefixSizeInBytes + ChannelTerms.SizeInBytes];
        WritePrefix(message);
        terms.WriteTo(message[SignedPrefixSizeInBytes..]);
        Blake3.DeriveKey(SigningContext, message, digest[..Hash256.SizeInBytes]);
    }

    /// <summary>Signs this state as one party and returns it with that signature filled in.</summary>
    /// <param name="side">The signer's side.</param>
    /// <param name="key">The signer's Ed25519 identity key.</param>
    /// <param name="terms">The channel terms in force for this state.</param>
    /// <returns>The state with sig_a or sig_b set.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public ChannelState Sign(ChannelParty side, Ed25519PrivateKey key, in ChannelTerms terms)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> digest = stackalloc byte[Hash256.SizeInBytes];
        WriteSigningDigest(terms, digest);
        var signature = key.Sign(digest);
        return WithSignature(side, signature);
    }

    /// <summary>This state with one signature field replaced.</summary>
    /// <param name="side">Which field.</param>
    /// <param name="signature">The signature.</param>
    /// <returns>The new state.</returns>
    public ChannelState WithSignature(ChannelParty side, in Ed25519Signature signature) => side == ChannelParty.A
        ? new ChannelState(Channel, PartyA, PartyB, BalanceA, BalanceB, Sequence, signature, SignatureB)
        : new ChannelState(Channel, PartyA, PartyB, BalanceA, BalanceB, Sequence, SignatureA, signature);

    /// <summary>Verifies one party's signature over the signing digest; never throws.</summary>
    /// <param name="side">Whose signature.</param>
    /// <param name="key">That party's Ed25519 public key.</param>
    /// <param name="terms">The channel terms in force for this state.</param>
    /// <returns>True when the signature is valid.</returns>
    public bool VerifySignature(ChannelParty side, in Ed25519PublicKey key, in ChannelTerms terms)
    {
        Span<byte> digest = stackalloc byte[Hash256.SizeInBytes];
        WriteSigningDigest(terms, digest);
        return key.Verify(digest, SignatureOf(side));
    }

    /// <summary>Verifies both signatures; never throws.</summary>
    /// <param name="keyA">Party a's public key.</param>
    /// <param name="keyB">Party b's public key.</param>
    /// <param name="terms">The channel terms in force for this state.</param>
    /// <returns>True when both are valid.</returns>
    public bool VerifyBoth(in Ed25519PublicKey keyA, in Ed25519PublicKey keyB, in ChannelTerms terms)
    {
        Span<byte> digest = stackalloc byte[Hash256.SizeInBytes];
        WriteSigningDigest(terms, digest);
        return keyA.Verify(digest, SignatureA) && keyB.Verify(digest, SignatureB);
    }

    /// <summary>Writes the 200-byte wire form.</summary>
    /// <param name="destination">At least 200 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 200 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException("A channel state needs 200 bytes.", nameof(destination));
        }

        WritePrefix(destination);
        SignatureA.WriteTo(destination[72..]);
        SignatureB.WriteTo(destination[136..]);
    }

    /// <summary>The 200-byte wire form as a new array.</summary>
    /// <returns>A copy.</returns>
    public byte[] ToArray()
    {
        var bytes = new byte[SizeInBytes];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Reads a state from at least 200 bytes (the first 200 are read); never throws.</summary>
    /// <param name="source">The wire form.</param>
    /// <param name="state">The state, or default.</param>
    /// <returns>False when shorter than 200 bytes, the parties are out of order, or the balances overflow.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out ChannelState state)
    {
        state = default;
        if (source.Length < SizeInBytes)
        {
            return false;
        }

        var a = new Hash128(source.Slice(16, 16));
        var b = new Hash128(source.Slice(32, 16));
        ulong balanceA = BinaryPrimitives.ReadUInt64LittleEndian(source[48..]);
        ulong balanceB = BinaryPrimitives.ReadUInt64LittleEndian(source[56..]);
        if (a.CompareTo(b) >= 0 || balanceA > ulong.MaxValue - balanceB)
        {
            return false;
        }

        state = new ChannelState(new ChannelId(source[..16]), a, b, balanceA, balanceB,
            BinaryPrimitives.ReadUInt64LittleEndian(source[64..]),
            new Ed25519Signature(source.Slice(72, 64)), new Ed25519Signature(source.Slice(136, 64)));
        return true;
    }

    private void WritePrefix(Span<byte> destination)
    {
        Channel.WriteTo(destination);
        PartyA.WriteTo(destination[16..]);
        PartyB.WriteTo(destination[32..]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[48..], BalanceA);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[56..], BalanceB);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[64..], Sequence);
    }

    private static bool IsZero(in Ed25519Signature signature) => !signature.AsSpan().ContainsAnyExcept((byte)0);

    /// <inheritdoc/>
    public bool Equals(ChannelState other) =>
        Channel == other.Channel && PartyA == other.PartyA && PartyB == other.PartyB && BalanceA == other.BalanceA
        && BalanceB == other.BalanceB && Sequence == other.Sequence && SignatureA == other.SignatureA && SignatureB == other.SignatureB;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ChannelState other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Channel, Sequence, BalanceA);

    /// <summary>Equality of all 200 bytes.</summary>
    /// <param name="left">One state.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(ChannelState left, ChannelState right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">One state.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(ChannelState left, ChannelState right) => !left.Equals(right);
}
