using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>
/// One side's view of a bilateral payment channel with a direct neighbour (spec 02-economics
/// section 2): the latest dual-signed <see cref="ChannelState"/>, its terms, the last settlement and
/// the lifecycle status. Read-only for callers; an <see cref="EconomicsNode"/> drives it through the
/// channel protocol (open → update on win → settle → dispute → abandon) and persists every change
/// before releasing a signature.
/// </summary>
public sealed class PaymentChannel
{
    internal PaymentChannel(ChannelSnapshot snapshot)
    {
        Id = snapshot.Channel;
        LocalSide = snapshot.LocalSide;
        Restore(snapshot);
    }

    /// <summary>The channel id.</summary>
    public ChannelId Id { get; }

    /// <summary>This node's side.</summary>
    public ChannelParty LocalSide { get; }

    /// <summary>The peer's side.</summary>
    public ChannelParty PeerSide => LocalSide == ChannelParty.A ? ChannelParty.B : ChannelParty.A;

    /// <summary>This node's 16-byte hash.</summary>
    public Hash128 Local => Latest.PartyOf(LocalSide);

    /// <summary>The peer's 16-byte hash.</summary>
    public Hash128 Peer => Latest.PartyOf(PeerSide);

    /// <summary>The lifecycle status.</summary>
    public ChannelStatus Status { get; internal set; }

    /// <summary>Terms (win probability, per-packet cost) the latest state is signed under.</summary>
    public ChannelTerms Terms { get; internal set; }

    /// <summary>The latest state; dual-signed unless <see cref="Status"/> is <see cref="ChannelStatus.Opening"/>.</summary>
    public ChannelState Latest { get; internal set; }

    /// <summary>balance_a at sequence 0, μNXS.</summary>
    public ulong OpeningBalanceA { get; internal set; }

    /// <summary>The last dual-signed settlement, or null.</summary>
    public SettlementRecord? LastSettlement { get; internal set; }

    /// <summary>When the latest state was signed.</summary>
    public DateTimeOffset LastUpdate { get; internal set; }

    /// <summary>End of the dispute window while <see cref="ChannelStatus.Closing"/>; null otherwise.</summary>
    public DateTimeOffset? CloseDeadline { get; internal set; }

    /// <summary>Dual-signed updates (wins, payments, terms) completed on this channel since it opened, counted once by this side; the opening state is not one. Persisted.</summary>
    public ulong UpdateCount { get; internal set; }

    /// <summary>This node's balance in the latest state, μNXS.</summary>
    public ulong LocalBalance => Latest.BalanceOf(LocalSide);

    /// <summary>The peer's balance in the latest state, μNXS.</summary>
    public ulong PeerBalance => Latest.BalanceOf(PeerSide);

    /// <summary>Whether an update this side proposed waits for the peer's signature.</summary>
    public bool HasPendingUpdate => Pending is not null;

    /// <summary>Packets-per-minute estimate of traffic relayed for the peer, and the p it suggests (apply it with <see cref="EconomicsNode.ProposeTermsAsync"/>).</summary>
    public AdaptiveDifficulty Difficulty { get; private set; } = null!;

    internal PendingUpdate? Pending { get; set; }

    internal ulong HighestSigned { get; set; }

    internal Hash128 OpenNonce { get; set; }

    internal WinClaimVerifier? Verifier { get; set; }

    internal LinkedList<Intent> Queue { get; } = new();

    internal void AttachClock(TimeProvider time) => Difficulty = new AdaptiveDifficulty(time);

    internal void Restore(ChannelSnapshot snapshot)
    {
        Status = snapshot.Status;
        Terms = snapshot.Terms;
        Latest = snapshot.Latest;
        OpeningBalanceA = snapshot.OpeningBalanceA;
        LastSettlement = snapshot.LastSettlement;
        LastUpdate = DateTimeOffset.FromUnixTimeMilliseconds(snapshot.LastUpdateUnixMilliseconds);
        CloseDeadline = snapshot.CloseDeadlineUnixMilliseconds == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(snapshot.CloseDeadlineUnixMilliseconds);
        HighestSigned = snapshot.HighestSignedSequence;
        Pending = snapshot.Pending;
        OpenNonce = snapshot.OpenNonce;
        UpdateCount = snapshot.UpdateCount;
    }

    internal ChannelSnapshot ToSnapshot() => new()
    {
        Channel = Id,
        LocalSide = LocalSide,
        Status = Status,
        Terms = Terms,
        OpeningBalanceA = OpeningBalanceA,
        Latest = Latest,
        LastUpdateUnixMilliseconds = LastUpdate.ToUnixTimeMilliseconds(),
        CloseDeadlineUnixMilliseconds = CloseDeadline?.ToUnixTimeMilliseconds() ?? 0,
        HighestSignedSequence = HighestSigned,
        Pending = Pending,
        LastSettlement = LastSettlement,
        OpenNonce = OpenNonce,
        UpdateCount = UpdateCount,
    };

    /// <summary>Something this side wants to propose once no other proposal is in flight.</summary>
    /// <param name="Kind">Why.</param>
    /// <param name="Amount">μNXS to pay (Payment only).</param>
    /// <param name="Terms">The terms to sign under (the new ones for a Terms update).</param>
    /// <param name="Claim">The win claim (Win only).</param>
    /// <param name="Retry">Proposed again after a sequence collision: goes to the next sequence of this side's parity.</param>
    internal sealed record Intent(ChannelUpdateKind Kind, ulong Amount, ChannelTerms Terms, WinClaim? Claim, bool Retry = false);
}
