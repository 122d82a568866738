namespace Nexus.Mesh.Congestion;

/// <summary>User-traffic priority classes (spec 01-mesh §7). Lower value = served first.</summary>
public enum TrafficPriority : byte
{
    /// <summary>P0 real-time (Codec2 voice, interactive control): tail-dropped at a 500 ms queue deadline.</summary>
    RealTime = 0,

    /// <summary>P1 interactive (messaging, DHT lookups, link setup): FIFO, at most 5 s in the queue.</summary>
    Interactive = 1,

    /// <summary>P2 standard (posts, pub/sub, names): FIFO, at most 30 s in the queue.</summary>
    Standard = 2,

    /// <summary>P3 bulk (replication, large files): FIFO, no deadline, guaranteed ≥ 10 % of user bytes when backlogged.</summary>
    Bulk = 3,
}

/// <summary>A packet waiting in a <see cref="LinkScheduler"/>.</summary>
public sealed class ScheduledPacket
{
    /// <summary>Creates a packet.</summary>
    /// <param name="data">The bytes to transmit (its length is what buckets and queues charge).</param>
    /// <param name="priority">The priority class.</param>
    /// <param name="neighbour">The neighbour the packet came from (the fair-share key); <see cref="Nexus.Crypto.Hash128.Zero"/> for locally originated traffic.</param>
    /// <param name="tag">Caller state carried through the queue (for example the packet's next hop).</param>
    public ScheduledPacket(ReadOnlyMemory<byte> data, TrafficPriority priority, Nexus.Crypto.Hash128 neighbour, object? tag = null)
    {
        Data = data;
        Priority = priority;
        Neighbour = neighbour;
        Tag = tag;
    }

    /// <summary>The bytes to transmit.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The length charged, in bytes.</summary>
    public int Length => Data.Length;

    /// <summary>The priority class.</summary>
    public TrafficPriority Priority { get; }

    /// <summary>The upstream neighbour (fair-share key).</summary>
    public Nexus.Crypto.Hash128 Neighbour { get; }

    /// <summary>Caller state.</summary>
    public object? Tag { get; }

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> value when the packet was enqueued.</summary>
    public long EnqueuedTimestamp { get; internal set; }
}

/// <summary>Why a <see cref="LinkScheduler"/> dropped a packet.</summary>
public enum DropReason : byte
{
    /// <summary>The packet waited past its priority's deadline (P0 500 ms, P1 5 s, P2 30 s).</summary>
    DeadlineExpired = 0,

    /// <summary>The queue was full and the packet had the lowest priority (tail drop).</summary>
    QueueFull = 1,

    /// <summary>CSMA/CA found the channel busy on every attempt.</summary>
    ChannelBusy = 2,
}
