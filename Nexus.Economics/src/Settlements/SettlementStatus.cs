namespace Nexus.Economics;

/// <summary>What became of a settlement submitted to the ledger (spec 02-economics section 3, decision D7).</summary>
public enum SettlementStatus
{
    /// <summary>Valid and new: added to the GSet and counted in balances; gossip it onward.</summary>
    Accepted = 0,

    /// <summary>Its settlement hash is already in the GSet; nothing changed.</summary>
    Duplicate,

    /// <summary>A party's key is not in the <see cref="ChannelKeyCache"/>; dropped (it may be offered again later).</summary>
    UnknownParty,

    /// <summary>A signature does not verify over the settlement hash; dropped and counted.</summary>
    BadSignature,

    /// <summary>
    /// Valid, but its final_sequence is not above the channel's last settled one: kept in the GSet
    /// (so merges stay order-independent) but superseded, so it changes no balance and is not gossiped.
    /// </summary>
    Replayed,

    /// <summary>
    /// Valid and new, but on the merged set a party's balance would go negative, so the
    /// deterministic overdraft rule excludes it (it is kept and applies if funds arrive later).
    /// </summary>
    Overdrawn,

    /// <summary>The bytes are not a settlement record (wrong length, parties out of order).</summary>
    Malformed,
}
