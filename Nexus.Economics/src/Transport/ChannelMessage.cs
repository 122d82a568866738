using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>The kind of a <see cref="ChannelMessage"/> (its first byte).</summary>
public enum ChannelMessageType : byte
{
    /// <summary>0x01: nonce (16) ‖ terms (16) ‖ state (200, sequence 0, signed by the opener). 233 bytes with the type.</summary>
    OpenRequest = 1,

    /// <summary>0x02: terms (16) ‖ state (200, dual-signed sequence 0). 217 bytes.</summary>
    OpenAccept = 2,

    /// <summary>0x03: kind (1) ‖ terms (16) ‖ state (200, signed by the proposer) ‖ claim (128, only for kind Win). 218 or 346 bytes.</summary>
    UpdateRequest = 3,

    /// <summary>0x04: terms (16) ‖ state (200, dual-signed). 217 bytes.</summary>
    UpdateAccept = 4,

    /// <summary>0x05: channel_id (16) ‖ sequence (u64 LE) ‖ reason (1). 26 bytes.</summary>
    UpdateReject = 5,

    /// <summary>0x06: settlement record (192, signed by the requester). 193 bytes.</summary>
    SettleRequest = 6,

    /// <summary>0x07: settlement record (192, dual-signed). 193 bytes.</summary>
    SettleAccept = 7,

    /// <summary>0x08: terms (16) ‖ state (200, dual-signed): a unilateral close or a dispute counter-submission. 217 bytes.</summary>
    Dispute = 8,
}

/// <summary>Why a channel peer refused an update.</summary>
public enum ChannelRejectReason : byte
{
    /// <summary>The channel is unknown or not open.</summary>
    NotOpen = 1,

    /// <summary>The state is not a successor of the latest one (channel, parties, capacity or sequence).</summary>
    NotSuccessor = 2,

    /// <summary>This side already signed a state at that sequence (concurrent proposals); retry above it.</summary>
    SequenceReused = 3,

    /// <summary>The proposer's signature does not verify.</summary>
    BadSignature = 4,

    /// <summary>The win claim was refused (bad proof, not a win, unknown or already paid packet, wrong channel).</summary>
    BadClaim = 5,

    /// <summary>The balances do not move by the amount the update's kind allows.</summary>
    WrongAmount = 6,

    /// <summary>The terms differ from the channel's, or new terms were not acceptable.</summary>
    TermsRefused = 7,
}

/// <summary>
/// One message of the channel protocol (docs/protocol/channels.md), carried between direct
/// neighbours over an authenticated NEXUS link, so the sender is known from the link. Wire form:
/// type (1 byte) ‖ body; every type has one exact length (see <see cref="ChannelMessageType"/>),
/// at most 346 bytes. Parsing validates lengths and field ranges and never throws.
/// </summary>
public readonly struct ChannelMessage
{
    /// <summary>The longest message: an UpdateRequest with a win claim, 346 bytes.</summary>
    public const int MaxSizeInBytes = 1 + 1 + ChannelTerms.SizeInBytes + ChannelState.SizeInBytes + WinClaim.SizeInBytes;

    private ChannelMessage(ChannelMessageType type, ChannelTerms terms = default, ChannelState state = default, Hash128 nonce = default,
        ChannelUpdateKind kind = default, WinClaim? claim = null, SettlementRecord settlement = default, ChannelId channel = default,
        ulong sequence = 0, ChannelRejectReason reason = default)
    {
        Type = type;
        Terms = terms;
        State = state;
        Nonce = nonce;
        Kind = kind;
        Claim = claim;
        Settlement = settlement;
        Channel = type switch
        {
            ChannelMessageType.UpdateReject => channel,
            ChannelMessageType.SettleRequest or ChannelMessageType.SettleAccept => settlement.Channel,
            _ => state.Channel,
        };
        Sequence = sequence;
        Reason = reason;
    }

    /// <summary>The message type.</summary>
    public ChannelMessageType Type { get; }

    /// <summary>The channel concerned (every type names one).</summary>
    public ChannelId Channel { get; }

    /// <summary>Terms (Open*, Update*, Dispute).</summary>
    public ChannelTerms Terms { get; }

    /// <summary>The channel state (Open*, UpdateRequest, UpdateAccept, Dispute).</summary>
    public ChannelState State { get; }

    /// <summary>The channel-id nonce (OpenRequest).</summary>
    public Hash128 Nonce { get; }

    /// <summary>The update kind (UpdateRequest).</summary>
    public ChannelUpdateKind Kind { get; }

    /// <summary>The win claim (UpdateRequest of kind Win).</summary>
    public WinClaim? Claim { get; }

    /// <summary>The settlement record (Settle*).</summary>
    public SettlementRecord Settlement { get; }

    /// <summary>The refused sequence (UpdateReject).</summary>
    public ulong Sequence { get; }

    /// <summary>Why (UpdateReject).</summary>
    public ChannelRejectReason Reason { get; }

    /// <summary>An OpenRequest.</summary>
    /// <param name="nonce">The 16-byte nonce the channel id derives from.</param>
    /// <param name="terms">The proposed terms.</param>
    /// <param name="state">Sequence 0, signed by the opener.</param>
    /// <returns>The message.</returns>
    public static ChannelMessage OpenRequest(Hash128 nonce, ChannelTerms terms, ChannelState state) => new(ChannelMessageType.OpenRequest, terms, state, nonce);

    /// <summary>An OpenAccept.</summary>
    /// <param name="terms">The terms.</param>
    /// <param name="state">Sequence 0, dual-signed.</param>
    /// <returns>The message.</returns>
    public static ChannelMessage OpenAccept(ChannelTerms terms, ChannelState state) => new(ChannelMessageType.OpenAccept, terms, state);

    /// <summary>An UpdateRequest.</summary>
    /// <param name="kind">Why.</param>
    /// <param name="terms">The terms the state is signed under.</param>
    /// <param name="state">The proposed state, signed by the proposer.</param>
    /// <param name="claim">The win claim; required for <see cref="ChannelUpdateKind.Win"/>, ignored otherwise.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ArgumentException">A Win without a claim.</exception>
    public static ChannelMessage UpdateRequest(ChannelUpdateKind kind, ChannelTerms terms, ChannelState state, WinClaim? claim)
    {
        if (kind == ChannelUpdateKind.Win && claim is null)
        {
            throw new ArgumentException("A win update carries its claim.", nameof(claim));
        }

        return new(ChannelMessageType.UpdateRequest, terms, state, kind: kind, claim: kind == ChannelUpdateKind.Win ? claim : null);
    }

    /// <summary>An UpdateAccept.</summary>
    /// <param name="terms">The terms.</param>
    /// <param name="state">The dual-signed state.</param>
    /// <returns>The message.</returns>
    public static ChannelMessage UpdateAccept(ChannelTerms terms, ChannelState state) => new(ChannelMessageType.UpdateAccept, terms, state);

    /// <summary>An UpdateReject.</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="sequence">The refused proposal's sequence.</param>
    /// <param name="reason">Why.</param>
    /// <returns>The message.</returns>
    public static ChannelMessage UpdateReject(ChannelId channel, ulong sequence, ChannelRejectReason reason) =>
        new(ChannelMessageType.UpdateReject, channel: channel, sequence: sequence, reason: reason);

    /// <summary>A SettleRequest.</summary>
    /// <param name="record">The record, signed by the requester.</param>
    /// <returns>The message.</returns>
    public static ChannelMessage SettleRequest(SettlementRecord record) => new(ChannelMessageType.SettleRequest, settlement: record);

    /// <summary>A SettleAccept.</summary>
    /// <param name="record">The dual-signed record.</param>
    /// <returns>The message.</returns>
    public static ChannelMessage SettleAccept(SettlementRecord record) => new(ChannelMessageType.SettleAccept, settlement: record);

    /// <summary>A Dispute (unilateral close or counter-submission).</summary>
    /// <param name="terms">The terms the state is signed under.</param>
    /// <param name="state">A dual-signed state.</param>
    /// <returns>The message.</returns>
    public static ChannelMessage Dispute(ChannelTerms terms, ChannelState state) => new(ChannelMessageType.Dispute, terms, state);

    /// <summary>The size of this message's wire form, bytes.</summary>
    public int Size => Type switch
    {
        ChannelMessageType.OpenRequest => 233,
        ChannelMessageType.OpenAccept or ChannelMessageType.UpdateAccept or ChannelMessageType.Dispute => 217,
        ChannelMessageType.UpdateRequest => Kind == ChannelUpdateKind.Win ? MaxSizeInBytes : 218,
        ChannelMessageType.UpdateReject => 26,
        _ => 193,
    };

    /// <summary>Writes the wire form.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public int WriteTo(Span<byte> destination)
    {
        int size = Size;
        if (destination.Length < size)
        {
            throw new ArgumentException($"This channel message needs {size} bytes.", nameof(destination));
        }

        destination[0] = (byte)Type;
        var body = destination[1..];
        switch (Type)
        {
            case ChannelMessageType.OpenRequest:
                Nonce.WriteTo(body);
                Terms.WriteTo(body[16..]);
                State.WriteTo(body[32..]);
                break;
            case ChannelMessageType.OpenAccept or ChannelMessageType.UpdateAccept or ChannelMessageType.Dispute:
                Terms.WriteTo(body);
                State.WriteTo(body[16..]);
                break;
            case ChannelMessageType.UpdateRequest:
                body[0] = (byte)Kind;
                Terms.WriteTo(body[1..]);
                State.WriteTo(body[17..]);
                Claim?.WriteTo(body[217..]);
                break;
            case ChannelMessageType.UpdateReject:
                Channel.WriteTo(body);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(body[16..], Sequence);
                body[24] = (byte)Reason;
                break;
            default:
                Settlement.WriteTo(body);
                break;
        }

        return size;
    }

    /// <summary>The wire form as a new array.</summary>
    /// <returns>A copy.</returns>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Parses a message; never throws, never reads past <paramref name="source"/>.</summary>
    /// <param name="source">Exactly one message.</param>
    /// <param name="message">The message, or default.</param>
    /// <returns>False for an unknown type, a wrong length for the type, or an invalid field.</returns>
    public static bool TryParse(ReadOnlySpan<byte> source, out ChannelMessage message)
    {
        message = default;
        if (source.IsEmpty)
        {
            return false;
        }

        var body = source[1..];
        switch ((ChannelMessageType)source[0])
        {
            case ChannelMessageType.OpenRequest when source.Length == 233:
                if (ChannelTerms.TryRead(body[16..], out var t1) && ChannelState.TryRead(body[32..], out var s1))
                {
                    message = OpenRequest(new Hash128(body[..16]), t1, s1);
                    return true;
                }

                return false;
            case ChannelMessageType.OpenAccept or ChannelMessageType.UpdateAccept or ChannelMessageType.Dispute when source.Length == 217:
                if (ChannelTerms.TryRead(body, out var t2) && ChannelState.TryRead(body[16..], out var s2))
                {
                    message = new ChannelMessage((ChannelMessageType)source[0], t2, s2);
                    return true;
                }

                return false;
            case ChannelMessageType.UpdateRequest when source.Length is 218 or MaxSizeInBytes:
                var kind = (ChannelUpdateKind)body[0];
                bool withClaim = source.Length == MaxSizeInBytes;
                if (kind > ChannelUpdateKind.Terms || withClaim != (kind == ChannelUpdateKind.Win)
                    || !ChannelTerms.TryRead(body[1..], out var t3) || !ChannelState.TryRead(body[17..], out var s3))
                {
                    return false;
                }

                WinClaim? claim = null;
                if (withClaim && WinClaim.TryRead(body[217..], out var c))
                {
                    claim = c;
                }

                message = new ChannelMessage(ChannelMessageType.UpdateRequest, t3, s3, kind: kind, claim: claim);
                return true;
            case ChannelMessageType.UpdateReject when source.Length == 26:
                if (body[24] is < (byte)ChannelRejectReason.NotOpen or > (byte)ChannelRejectReason.TermsRefused)
                {
                    return false;
                }

                message = UpdateReject(new ChannelId(body[..16]), System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(body[16..]), (ChannelRejectReason)body[24]);
                return true;
            case ChannelMessageType.SettleRequest or ChannelMessageType.SettleAccept when source.Length == 193:
                if (SettlementRecord.TryRead(body, out var record))
                {
                    message = new ChannelMessage((ChannelMessageType)source[0], settlement: record);
                    return true;
                }

                return false;
            default:
                return false;
        }
    }
}
