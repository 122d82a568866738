using System.Buffers.Binary;

namespace Nexus.Economics;

/// <summary>Why a channel update was proposed.</summary>
public enum ChannelUpdateKind : byte
{
    /// <summary>A relay-lottery win: the relay proposes, the payer checks the <see cref="WinClaim"/> and countersigns.</summary>
    Win = 0,

    /// <summary>A direct payment: the payer proposes moving an amount to the peer.</summary>
    Payment = 1,

    /// <summary>New <see cref="ChannelTerms"/> (for example an adaptive-difficulty p); balances unchanged.</summary>
    Terms = 2,
}

/// <summary>An update this side signed first and that waits for the peer's signature.</summary>
/// <param name="Kind">Why.</param>
/// <param name="Terms">The terms the proposed state is signed under.</param>
/// <param name="State">The proposed state, signed by this side only.</param>
/// <param name="Claim">The win claim for <see cref="ChannelUpdateKind.Win"/>; null otherwise.</param>
public sealed record PendingUpdate(ChannelUpdateKind Kind, ChannelTerms Terms, ChannelState State, WinClaim? Claim);

/// <summary>
/// Everything one side must not forget about a channel, stored before any signature it made is
/// released (write-ahead). Fixed 829-byte binary form (version 2; version 1 was the first 821 bytes
/// and is still read, with an update count of 0), all integers little-endian:
/// <code>
///   0  u8   version = 2
///   1  16   channel_id
///  17  u8   local side (0 = a, 1 = b)
///  18  u8   status
///  19  16   terms of the latest state
///  35  u64  opening balance_a
///  43  200  latest dual-signed state
/// 243  i64  last update, Unix ms
/// 251  i64  close deadline, Unix ms (0: none)
/// 259  u64  highest sequence this side ever signed
/// 267  u8   flags: bit0 pending, bit1 pending has claim, bit2 settlement
/// 268  u8   pending kind
/// 269  16   pending terms
/// 285  200  pending state
/// 485  128  pending claim
/// 613  192  last settlement
/// 805  16   the channel-id nonce of the OpenRequest
/// 821  u64  dual-signed updates completed on the channel (version 2)
/// </code>
/// </summary>
public sealed record ChannelSnapshot
{
    /// <summary>Size of the binary form: 829 bytes (version 2).</summary>
    public const int SizeInBytes = 829;

    /// <summary>Size of a version-1 snapshot, still readable: 821 bytes.</summary>
    public const int Version1SizeInBytes = 821;

    /// <summary>The channel id.</summary>
    public required ChannelId Channel { get; init; }

    /// <summary>This node's side.</summary>
    public required ChannelParty LocalSide { get; init; }

    /// <summary>The lifecycle status.</summary>
    public required ChannelStatus Status { get; init; }

    /// <summary>Terms the latest state is signed under.</summary>
    public required ChannelTerms Terms { get; init; }

    /// <summary>balance_a at sequence 0, μNXS (settlement amounts are relative to it).</summary>
    public required ulong OpeningBalanceA { get; init; }

    /// <summary>The latest state (dual-signed once <see cref="Status"/> is past <see cref="ChannelStatus.Opening"/>).</summary>
    public required ChannelState Latest { get; init; }

    /// <summary>When the latest state was signed, Unix ms.</summary>
    public required long LastUpdateUnixMilliseconds { get; init; }

    /// <summary>End of the dispute window while <see cref="ChannelStatus.Closing"/>, Unix ms; 0 otherwise.</summary>
    public long CloseDeadlineUnixMilliseconds { get; init; }

    /// <summary>The highest sequence this side has signed; it never signs a different state at or below it.</summary>
    public ulong HighestSignedSequence { get; init; }

    /// <summary>The update waiting for the peer's signature, if any.</summary>
    public PendingUpdate? Pending { get; init; }

    /// <summary>The last dual-signed settlement, if any.</summary>
    public SettlementRecord? LastSettlement { get; init; }

    /// <summary>The 16-byte nonce the channel id was derived from (the opener resends its OpenRequest with it).</summary>
    public Nexus.Crypto.Hash128 OpenNonce { get; init; }

    /// <summary>Dual-signed updates completed on the channel since it opened, as seen by this side (0 when read from a version-1 snapshot).</summary>
    public ulong UpdateCount { get; init; }

    /// <summary>Writes the 829-byte binary form (version 2).</summary>
    /// <param name="destination">At least 829 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 829 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException("A channel snapshot needs 829 bytes.", nameof(destination));
        }

        destination[..SizeInBytes].Clear();
        destination[0] = 2;
        Channel.WriteTo(destination[1..]);
        destination[17] = (byte)LocalSide;
        destination[18] = (byte)Status;
        Terms.WriteTo(destination[19..]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[35..], OpeningBalanceA);
        Latest.WriteTo(destination[43..]);
        BinaryPrimitives.WriteInt64LittleEndian(destination[243..], LastUpdateUnixMilliseconds);
        BinaryPrimitives.WriteInt64LittleEndian(destination[251..], CloseDeadlineUnixMilliseconds);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[259..], HighestSignedSequence);
        byte flags = 0;
        if (Pending is { } pending)
        {
            flags |= 1;
            destination[268] = (byte)pending.Kind;
            pending.Terms.WriteTo(destination[269..]);
            pending.State.WriteTo(destination[285..]);
            if (pending.Claim is { } claim)
            {
                flags |= 2;
                claim.WriteTo(destination[485..]);
            }
        }

        if (LastSettlement is { } settlement)
        {
            flags |= 4;
            settlement.WriteTo(destination[613..]);
        }

        destination[267] = flags;
        OpenNonce.WriteTo(destination[805..]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[821..], UpdateCount);
    }

    /// <summary>The binary form as a new array.</summary>
    /// <returns>829 bytes.</returns>
    public byte[] ToArray()
    {
        var bytes = new byte[SizeInBytes];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Reads the binary form; never throws.</summary>
    /// <param name="source">Exactly 829 bytes (version 2) or 821 bytes (version 1).</param>
    /// <param name="snapshot">The snapshot, or null.</param>
    /// <returns>False when the bytes are neither a version-2 nor a version-1 snapshot.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out ChannelSnapshot? snapshot)
    {
        snapshot = null;
        bool v2 = source.Length == SizeInBytes && source[0] == 2;
        bool v1 = source.Length == Version1SizeInBytes && source[0] == 1;
        if (!(v1 || v2) || source[17] > 1 || source[18] > (byte)ChannelStatus.Closed
            || !ChannelTerms.TryRead(source[19..], out var terms) || !ChannelState.TryRead(source[43..], out var latest))
        {
            return false;
        }

        byte flags = source[267];
        PendingUpdate? pending = null;
        if ((flags & 1) != 0)
        {
            if (source[268] > (byte)ChannelUpdateKind.Terms || !ChannelTerms.TryRead(source[269..], out var pendingTerms)
                || !ChannelState.TryRead(source[285..], out var pendingState))
            {
                return false;
            }

            WinClaim? claim = null;
            if ((flags & 2) != 0 && WinClaim.TryRead(source.Slice(485, WinClaim.SizeInBytes), out var c))
            {
                claim = c;
            }

            pending = new PendingUpdate((ChannelUpdateKind)source[268], pendingTerms, pendingState, claim);
        }

        SettlementRecord? settlement = null;
        if ((flags & 4) != 0)
        {
            if (!SettlementRecord.TryRead(source[613..], out var s))
            {
                return false;
            }

            settlement = s;
        }

        snapshot = new ChannelSnapshot
        {
            Channel = new ChannelId(source.Slice(1, 16)),
            LocalSide = (ChannelParty)source[17],
            Status = (ChannelStatus)source[18],
            Terms = terms,
            OpeningBalanceA = BinaryPrimitives.ReadUInt64LittleEndian(source[35..]),
            Latest = latest,
            LastUpdateUnixMilliseconds = BinaryPrimitives.ReadInt64LittleEndian(source[243..]),
            CloseDeadlineUnixMilliseconds = BinaryPrimitives.ReadInt64LittleEndian(source[251..]),
            HighestSignedSequence = BinaryPrimitives.ReadUInt64LittleEndian(source[259..]),
            Pending = pending,
            LastSettlement = settlement,
            OpenNonce = new Nexus.Crypto.Hash128(source.Slice(805, 16)),
            UpdateCount = v2 ? BinaryPrimitives.ReadUInt64LittleEndian(source[821..]) : 0,
        };
        return true;
    }
}
