namespace Nexus.Mesh;

/// <summary>Settings of a <see cref="MeshTransport"/> (defaults from spec 01-mesh §5, §10).</summary>
public sealed class MeshTransportOptions
{
    /// <summary>Periodic re-announce interval of local destinations (default 30 min); routes expire after 3 intervals and are evicted one interval later.</summary>
    public TimeSpan AnnounceInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Neighbour beacon interval, one gossip round (default 60 s).</summary>
    public TimeSpan BeaconInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Missed beacons after which a neighbour is down and routes through it go stale (default 3).</summary>
    public int MissedBeaconsUntilDown { get; set; } = 3;

    /// <summary>Missed beacons after which routes through a silent neighbour are evicted (default 10).</summary>
    public int MissedBeaconsUntilEviction { get; set; } = 10;

    /// <summary>Largest random delay before rebroadcasting an announce (default 500 ms, RNS PATHFINDER_RW).</summary>
    public TimeSpan RebroadcastJitter { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Delay of the single retransmission of a rebroadcast no neighbour was heard repeating (default 5 s).</summary>
    public TimeSpan RetransmitDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Minimum time between two rebroadcasts of announces for the same destination (default 10 s).</summary>
    public TimeSpan AnnounceRateLimit { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>This node's relay cost in μNXS per byte, added to costs it forwards (default 0).</summary>
    public double RelayCostMicroNxsPerByte { get; set; }

    /// <summary>Largest number of destinations in the routing table (default 4096).</summary>
    public int MaxDestinations { get; set; } = 4096;

    /// <summary>Largest number of paths per destination (default 4).</summary>
    public int MaxPathsPerDestination { get; set; } = 4;

    /// <summary>Size of the packet-hash duplicate filter (default 65,536 hashes, FIFO).</summary>
    public int PacketHashCacheSize { get; set; } = 65_536;

    /// <summary>Policy used by <see cref="MeshTransport.Send"/> when none is given.</summary>
    public PathPolicy DefaultPolicy { get; set; } = PathPolicy.Default;

    /// <summary>
    /// Interfaces that are half-duplex (radios) or whose <see cref="MeshInterface.BitrateBitsPerSecond"/>
    /// is at most this many bit/s send through a <see cref="Congestion.LinkScheduler"/> (priority queues,
    /// per-neighbour fair share, backpressure); faster ones (TCP, UDP, fast in-memory links) hand
    /// packets straight to the medium. Default 1,000,000 bit/s; 0 schedules only half-duplex interfaces;
    /// <see cref="long.MaxValue"/> schedules every interface.
    /// </summary>
    public long ScheduleInterfacesUpToBitsPerSecond { get; set; } = 1_000_000;

    /// <summary>Queue capacity of each interface scheduler in bytes (0: the scheduler default, max(8 × 500 B, 4 s of the interface's capacity)).</summary>
    public long SchedulerQueueCapacityBytes { get; set; }

    /// <summary>The priority of packets this node relays (the wire format does not carry one). Default <see cref="Congestion.TrafficPriority.Standard"/>.</summary>
    public Congestion.TrafficPriority RelayPriority { get; set; } = Congestion.TrafficPriority.Standard;

    /// <summary>Optional payment-weighted fair-share hook handed to every interface scheduler (equal shares when null).</summary>
    public Congestion.IFairShareWeighting? FairShareWeighting { get; set; }

    /// <summary>Seed of the rebroadcast jitter (deterministic simulations).</summary>
    public int Seed { get; set; } = 1;
}
