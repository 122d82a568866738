using System.Buffers.Binary;
using Nexus.Crypto;
using Nexus.Mesh.Congestion;

namespace Nexus.Mesh;

/// <summary>
/// Congestion control on the real data path (docs/protocol/mesh-transport.md, "Outbound scheduling";
/// docs/protocol/gossip-and-congestion.md, "CongestionSignal on the wire"): per-interface
/// <see cref="LinkScheduler"/>s, the signed CongestionSignal (context 0xE1) sent one hop upstream on
/// backpressure, and the throttles and hop costs it causes at the receiver.
/// </summary>
public sealed partial class MeshTransport
{
    /// <summary>Full name of the congestion-signal PLAIN destination: <c>nexus.congestion</c>.</summary>
    public const string CongestionName = "nexus.congestion";

    /// <summary>Data bytes of a congestion-signal packet: sender transport id 16 + stamp 8 + signal 3 + Ed25519 signature 64 = 91.</summary>
    public const int CongestionSignalDataSize = 16 + 8 + CongestionSignal.SizeInBytes + 64;

    private static readonly Hash128 CongestionHash = DestinationHash.ComputePlain(CongestionName);

    // Upstream interfaces that fed a queue within this window receive its signals.
    private static readonly TimeSpan FeederWindow = TimeSpan.FromSeconds(5);

    private readonly Dictionary<MeshInterface, InterfaceQueue> _queues = [];
    private readonly Dictionary<Hash128, Ed25519PublicKey> _neighbourKeys = [];
    private readonly Dictionary<Hash128, ulong> _signalStampsIn = [];
    private readonly Dictionary<(Hash128, MeshInterface), (CongestionSeverity Severity, DateTimeOffset Until)> _signalled = [];
    private readonly Dictionary<MeshInterface, Hash128> _interfaceKeys = [];
    private long _interfaceKeyCounter;
    private ulong _lastSignalStamp;
    private long _signalsSent;
    private long _signalsReceived;

    /// <summary>CongestionSignals this node sent upstream.</summary>
    public long CongestionSignalsSent => Interlocked.Read(ref _signalsSent);

    /// <summary>Authenticated CongestionSignals this node received and obeyed.</summary>
    public long CongestionSignalsReceived => Interlocked.Read(ref _signalsReceived);

    /// <summary>
    /// The scheduler of an interface, or null when the interface is not scheduled (see
    /// <see cref="MeshTransportOptions.ScheduleInterfacesUpToBitsPerSecond"/>) or not attached. Read it
    /// under no concurrent traffic (as <see cref="Routes"/>, e.g. in simulations): the transport drives it under its lock.
    /// </summary>
    /// <param name="iface">The interface.</param>
    /// <returns>Its scheduler or null.</returns>
    public LinkScheduler? SchedulerOf(MeshInterface iface)
    {
        lock (_gate)
        {
            return _queues.TryGetValue(iface, out var q) ? q.Scheduler : null;
        }
    }

    /// <summary>
    /// The congestion of the hop toward <paramref name="neighbour"/> on <paramref name="iface"/> as a
    /// queue fill in [0, 1], the input of <see cref="DynamicCost"/>: the largest of the medium's
    /// <see cref="MeshInterface.QueueFill"/>, this node's scheduler fill, and the fill a CongestionSignal
    /// from that neighbour stands for while it is in force (Moderate 0.5, Severe 0.75, Saturated 0.95).
    /// </summary>
    internal double CongestionFill(MeshInterface iface, Hash128 neighbour)
    {
        lock (_gate)
        {
            double fill = Math.Clamp(iface.QueueFill, 0, 1);
            if (_queues.TryGetValue(iface, out var q))
            {
                fill = Math.Max(fill, q.Scheduler.Fill);
            }

            if (_signalled.TryGetValue((neighbour, iface), out var s) && s.Until > _time.GetUtcNow())
            {
                fill = Math.Max(fill, s.Severity switch
                {
                    CongestionSeverity.Moderate => 0.5,
                    CongestionSeverity.Severe => 0.75,
                    _ => 0.95,
                });
            }

            return fill;
        }
    }

    private bool IsScheduled(MeshInterface iface) => iface.IsHalfDuplex || iface.BitrateBitsPerSecond <= Options.ScheduleInterfacesUpToBitsPerSecond;

    // Called under _gate when an interface is attached.
    private void AttachScheduler(MeshInterface iface)
    {
        if (!IsScheduled(iface) || _queues.ContainsKey(iface))
        {
            return;
        }

        var options = new LinkSchedulerOptions
        {
            NominalBitsPerSecond = Math.Max(1, iface.CapacityBitsPerSecond),
            QueueCapacityBytes = Options.SchedulerQueueCapacityBytes,
        };
        var queue = new InterfaceQueue(iface, new LinkScheduler(options, _time, Options.FairShareWeighting));
        queue.Timer = _time.CreateTimer(_ => PumpFromTimer(queue), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        queue.Scheduler.PacketDropped += (_, reason) => Drop(reason switch
        {
            DropReason.DeadlineExpired => "scheduler_deadline",
            DropReason.QueueFull => "scheduler_queue_full",
            _ => "scheduler_channel_busy",
        });
        queue.Scheduler.CongestionSignalled += signal => SignalUpstream(queue, signal);
        _queues.Add(iface, queue);
    }

    // Called under _gate when an interface is detached.
    private void DetachScheduler(MeshInterface iface)
    {
        if (_queues.Remove(iface, out var queue))
        {
            queue.Timer?.Dispose();
            queue.Detached = true;
        }

        _interfaceKeys.Remove(iface);
        foreach (var q in _queues.Values)
        {
            q.Feeders.Remove(iface);
        }
    }

    /// <summary>
    /// Hands a packet to an interface: straight to the medium when it is not scheduled, else into its
    /// scheduler at <paramref name="priority"/>, its fair-share key taken from <paramref name="from"/>
    /// (the interface a relayed packet arrived on; null, key <see cref="Hash128.Zero"/>, for our own traffic).
    /// </summary>
    /// <returns>Whether the medium or the scheduler accepted it.</returns>
    private bool Transmit(MeshInterface iface, ReadOnlySpan<byte> raw, TrafficPriority priority, MeshInterface? from = null)
    {
        if (!_queues.TryGetValue(iface, out var queue))
        {
            if (iface.TrySend(raw))
            {
                _metrics.PacketOut();
                return true;
            }

            return false;
        }

        if (raw.Length > iface.HardwareMtu || raw.Length < 2)
        {
            return false;
        }

        var key = Hash128.Zero;
        if (from is not null)
        {
            key = UpstreamKey(from);
            queue.Feeders[from] = _time.GetTimestamp();
        }

        if (!queue.Scheduler.Enqueue(new ScheduledPacket(raw.ToArray(), priority, key)))
        {
            return false;
        }

        Pump(queue);
        return true;
    }

    private void PumpFromTimer(InterfaceQueue queue)
    {
        lock (_gate)
        {
            if (!_disposed && !queue.Detached)
            {
                queue.Armed = false;
                Pump(queue);
            }
        }
    }

    // Moves packets from the scheduler to the medium while the medium is ready; arms the queue's timer otherwise.
    private void Pump(InterfaceQueue queue)
    {
        var iface = queue.Interface;
        var scheduler = queue.Scheduler;
        int largestFrame = iface.HardwareMtu + (iface.AccessCode?.Size ?? 0);
        while (scheduler.Count > 0)
        {
            var wait = iface.IsOnline ? iface.TimeUntilSendable(largestFrame) : TimeSpan.FromSeconds(1);
            if (wait <= TimeSpan.Zero)
            {
                if (!scheduler.TryDequeue(out var packet))
                {
                    wait = scheduler.TimeUntilEligible();
                    if (wait == TimeSpan.MaxValue)
                    {
                        return; // emptied by deadline drops
                    }
                }
                else
                {
                    if (iface.TrySend(packet!.Data.Span))
                    {
                        _metrics.PacketOut();
                        int frame = packet.Length + (iface.AccessCode?.Size ?? 0);
                        scheduler.RecordTransmission(frame, iface.TransmitCost(frame));
                    }
                    else
                    {
                        Drop("interface_refused");
                    }

                    continue;
                }
            }

            Arm(queue, wait);
            return;
        }
    }

    private void Arm(InterfaceQueue queue, TimeSpan wait)
    {
        if (wait < TimeSpan.FromMilliseconds(1))
        {
            wait = TimeSpan.FromMilliseconds(1);
        }

        var due = _time.GetUtcNow() + wait;
        if (!queue.Armed || due < queue.ArmedFor)
        {
            queue.Armed = true;
            queue.ArmedFor = due;
            queue.Timer!.Change(wait, Timeout.InfiniteTimeSpan);
        }
    }

    // The fair-share key of packets arriving on `from`: the one neighbour heard there (point-to-point
    // links), else a key standing for the interface (shared media, where a relayed packet does not
    // name its previous hop).
    private Hash128 UpstreamKey(MeshInterface from)
    {
        Hash128? only = null;
        foreach (var (id, iface) in _neighbours.Keys)
        {
            if (iface == from)
            {
                if (only is not null)
                {
                    return InterfaceKey(from);
                }

                only = id;
            }
        }

        return only ?? InterfaceKey(from);
    }

    private Hash128 InterfaceKey(MeshInterface iface)
    {
        if (!_interfaceKeys.TryGetValue(iface, out var key))
        {
            Span<byte> bytes = stackalloc byte[16];
            bytes.Fill(0xFF); // never a real identity hash in practice, never Hash128.Zero
            BinaryPrimitives.WriteInt64LittleEndian(bytes, ++_interfaceKeyCounter);
            key = new Hash128(bytes);
            _interfaceKeys[iface] = key;
        }

        return key;
    }

    // The scheduler of `queue` passed a fill threshold: tell every interface that fed it recently.
    private void SignalUpstream(InterfaceQueue queue, CongestionSignal signal)
    {
        long now = _time.GetTimestamp();
        List<MeshInterface>? targets = null;
        foreach (var (from, last) in queue.Feeders)
        {
            if (_time.GetElapsedTime(last, now) <= FeederWindow && from != queue.Interface && _interfaces.Contains(from))
            {
                (targets ??= []).Add(from);
            }
        }

        if (targets is null)
        {
            return; // only our own traffic is queued: nobody upstream to slow down
        }

        queue.SignalValidUntil = _time.GetUtcNow() + TimeSpan.FromMilliseconds(Math.Max(1000, (int)signal.EstimatedDrainMs));

        Span<byte> data = stackalloc byte[CongestionSignalDataSize];
        TransportId.WriteTo(data);
        _lastSignalStamp = Math.Max((ulong)_time.GetUtcNow().ToUnixTimeMilliseconds(), _lastSignalStamp + 1);
        BinaryPrimitives.WriteUInt64LittleEndian(data[16..], _lastSignalStamp);
        signal.WriteTo(data[24..]);
        Span<byte> signed = stackalloc byte[16 + 27];
        WriteCongestionSigned(data[..27], signed);
        _identity.SigningKey.Sign(signed, data[27..]);
        Span<byte> buffer = stackalloc byte[MeshConstants.Header1Size + CongestionSignalDataSize];
        int n = PacketWriter.Write(new PacketHeader(PacketType.Data, DestinationType.Plain, CongestionHash, PacketContext.NexusCongestion), data, buffer);
        foreach (var target in targets)
        {
            if (Transmit(target, buffer[..n], TrafficPriority.RealTime))
            {
                Interlocked.Increment(ref _signalsSent);
                _metrics.CongestionSignal("sent", signal.Severity);
            }
        }
    }

    // Called under _gate every second (Maintain): a queue still at or above 50 % when its last signal
    // lapses signals again, so the upstream throttle lasts as long as the congestion does.
    private void RenewCongestionSignals(DateTimeOffset now)
    {
        foreach (var queue in _queues.Values)
        {
            if (now >= queue.SignalValidUntil && queue.Scheduler.CurrentSignal() is { } signal)
            {
                SignalUpstream(queue, signal);
            }
        }
    }

    private static void WriteCongestionSigned(ReadOnlySpan<byte> body, Span<byte> signed)
    {
        "nexus.congestion"u8.CopyTo(signed);
        body.CopyTo(signed[16..]);
    }

    // Data: sender 16 ‖ stamp u64 LE 8 ‖ CongestionSignal 3 ‖ Ed25519 signature 64 over "nexus.congestion" ‖ first 27 bytes.
    private void HandleCongestionSignal(MeshInterface source, in Packet packet)
    {
        var data = packet.Data;
        if (packet.Header.DestinationHash != CongestionHash || data.Length != CongestionSignalDataSize
            || !CongestionSignal.TryRead(data[24..], out var signal))
        {
            Drop("malformed_congestion_signal");
            return;
        }

        var sender = new Hash128(data[..16]);
        if (!_neighbours.ContainsKey((sender, source)) || !_neighbourKeys.TryGetValue(sender, out var key))
        {
            Drop("unknown_congestion_sender");
            return;
        }

        Span<byte> signed = stackalloc byte[16 + 27];
        WriteCongestionSigned(data[..27], signed);
        if (!key.Verify(signed, data[27..]))
        {
            Drop("bad_congestion_signature");
            return;
        }

        ulong stamp = BinaryPrimitives.ReadUInt64LittleEndian(data[16..]);
        if (_signalStampsIn.TryGetValue(sender, out var last) && stamp <= last)
        {
            Drop("replayed_congestion_signal");
            return;
        }

        _signalStampsIn[sender] = stamp;
        Interlocked.Increment(ref _signalsReceived);
        _metrics.CongestionSignal("received", signal.Severity);
        var until = _time.GetUtcNow() + TimeSpan.FromMilliseconds(Math.Max(1000, (int)signal.EstimatedDrainMs));
        _signalled[(sender, source)] = (signal.Severity, until);
        if (_queues.TryGetValue(source, out var queue))
        {
            queue.Scheduler.ApplySignal(signal);
            Pump(queue);
        }
    }

    // Called under _gate from HandleBeacon: remember the key that authenticates the neighbour's signals.
    private void RememberNeighbourKey(Hash128 neighbour, ReadOnlySpan<byte> publicKey)
    {
        if (!_neighbourKeys.ContainsKey(neighbour))
        {
            _neighbourKeys[neighbour] = new Ed25519PublicKey(publicKey.Slice(32, 32));
        }
    }

    // Called under _gate when a neighbour is evicted from every interface.
    private void ForgetNeighbour(Hash128 neighbour, MeshInterface iface)
    {
        _signalled.Remove((neighbour, iface));
        foreach (var (id, _) in _neighbours.Keys)
        {
            if (id == neighbour)
            {
                return;
            }
        }

        _neighbourKeys.Remove(neighbour);
        _signalStampsIn.Remove(neighbour);
    }

    private sealed class InterfaceQueue(MeshInterface iface, LinkScheduler scheduler)
    {
        public MeshInterface Interface { get; } = iface;

        public LinkScheduler Scheduler { get; } = scheduler;

        public Dictionary<MeshInterface, long> Feeders { get; } = [];

        public ITimer? Timer { get; set; }

        public bool Armed { get; set; }

        public DateTimeOffset ArmedFor { get; set; }

        public bool Detached { get; set; }

        public DateTimeOffset SignalValidUntil { get; set; }
    }
}
