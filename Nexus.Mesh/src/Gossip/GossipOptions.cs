namespace Nexus.Mesh.Gossip;

/// <summary>Settings of a <see cref="GossipEngine"/> (spec 01-mesh §5–§6, decision D9).</summary>
public sealed class GossipOptions
{
    /// <summary>Time between rounds. Default 60 s (spec).</summary>
    public TimeSpan RoundInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Target Bloom false-positive rate. Default 0.01 (D9).</summary>
    public double FalsePositiveRate { get; set; } = 0.01;

    /// <summary>The bandwidth budget shares.</summary>
    public GossipBudgetOptions Budget { get; set; } = new();

    /// <summary>Messages queued per neighbour before tier 4, then tier 3 messages are dropped. Default 50 ([Mehr]).</summary>
    public int MaxQueuedMessages { get; set; } = 50;

    /// <summary>Hard cap on queued messages per neighbour; past it the oldest message of the lowest tier goes (summaries resend what is lost). Default 200.</summary>
    public int HardMaxQueuedMessages { get; set; } = 200;

    /// <summary>Consecutive silent rounds before a neighbour is marked down. Default 3 (spec).</summary>
    public int DownAfterRounds { get; set; } = 3;

    /// <summary>Consecutive silent rounds before routes through a neighbour are evicted. Default 10 (spec).</summary>
    public int EvictAfterRounds { get; set; } = 10;

    /// <summary>Bytes charged per message for the Reticulum packet around it. Default 19 (HEADER_1).</summary>
    public int PacketOverheadBytes { get; set; } = MeshConstants.Header1Size;

    /// <summary>
    /// Largest gossip message in bytes (64 … <see cref="GossipMessage.MaxMessageSize"/> = 464; default 464).
    /// A carrier that wraps messages (for example <see cref="MeshGossipService"/>'s signed envelope)
    /// lowers it; summaries shrink to fit and items whose encoding does not fit one delta are not sent.
    /// </summary>
    public int MaxMessageBytes { get; set; } = GossipMessage.MaxMessageSize;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RoundInterval, TimeSpan.Zero);
        if (!(FalsePositiveRate > 0 && FalsePositiveRate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(FalsePositiveRate), FalsePositiveRate, "Must be in (0, 1).");
        }

        ArgumentNullException.ThrowIfNull(Budget);
        Budget.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(HardMaxQueuedMessages, MaxQueuedMessages);
        ArgumentOutOfRangeException.ThrowIfLessThan(DownAfterRounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(EvictAfterRounds, DownAfterRounds);
        ArgumentOutOfRangeException.ThrowIfNegative(PacketOverheadBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 64);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxMessageBytes, GossipMessage.MaxMessageSize);
    }
}

/// <summary>Lets a topic ask the engine to push an item to neighbours at once (event-driven propagation).</summary>
public interface IGossipPublisher
{
    /// <summary>Queues the topic's current offer for <paramref name="key"/> to every neighbour (except <paramref name="except"/>), within each link's budget.</summary>
    /// <param name="topic">The topic (registered with the engine).</param>
    /// <param name="key">The item key.</param>
    /// <param name="except">A neighbour to skip (the one the item came from), or null.</param>
    void Publish(IGossipTopic topic, ReadOnlySpan<byte> key, Nexus.Crypto.Hash128? except = null);
}

/// <summary>Optional interface for topics with periodic work (refresh, expiry); called at the start of every round.</summary>
public interface IGossipRoundObserver
{
    /// <summary>Runs the topic's periodic work.</summary>
    /// <param name="round">The new round number.</param>
    /// <param name="publisher">Where to push items that changed.</param>
    void OnRound(uint round, IGossipPublisher publisher);
}
