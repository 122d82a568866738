namespace Nexus.Economics;

/// <summary>Where a payment channel is in its lifecycle (spec 02-economics section 2).</summary>
public enum ChannelStatus
{
    /// <summary>The opener signed sequence 0 and waits for the peer's signature.</summary>
    Opening = 0,

    /// <summary>Both signed sequence 0: updates and settlements may happen.</summary>
    Open,

    /// <summary>
    /// A unilateral close (dispute or abandonment) is running: the highest dual-signed state
    /// submitted within the 2,880-round window wins.
    /// </summary>
    Closing,

    /// <summary>The window ended; the channel's latest state is the final state.</summary>
    Closed,
}
