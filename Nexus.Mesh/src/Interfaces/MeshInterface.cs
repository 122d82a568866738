namespace Nexus.Mesh;

/// <summary>Receives one packet from an interface; the span is valid only during the call.</summary>
/// <param name="source">The interface it arrived on.</param>
/// <param name="packet">The de-framed packet (IFAC already removed).</param>
public delegate void MeshPacketHandler(MeshInterface source, ReadOnlySpan<byte> packet);

/// <summary>
/// A Reticulum interface: something that carries whole packets to neighbours (TCP with HDLC framing,
/// UDP datagrams, serial KISS, an in-memory pair, a simulated LoRa radio). Sending never blocks:
/// <see cref="TrySend"/> queues or refuses. Received packets go to <see cref="PacketReceived"/>;
/// frames of 19 bytes or fewer are dropped (as RNS does), and with an <see cref="AccessCode"/> set
/// frames without a valid IFAC are dropped and counted in <see cref="FramesDropped"/>.
/// </summary>
public abstract class MeshInterface : IAsyncDisposable
{
    private long _packetsSent;
    private long _packetsReceived;
    private long _bytesSent;
    private long _bytesReceived;
    private long _framesDropped;

    /// <summary>Creates the interface.</summary>
    /// <param name="name">A name for logs and metrics.</param>
    /// <param name="bitrateBitsPerSecond">Nominal bitrate in bit/s (used for cost, rekey and airtime decisions).</param>
    protected MeshInterface(string name, long bitrateBitsPerSecond)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        BitrateBitsPerSecond = bitrateBitsPerSecond;
    }

    /// <summary>The interface's name.</summary>
    public string Name { get; }

    /// <summary>Nominal bitrate in bit/s.</summary>
    public long BitrateBitsPerSecond { get; protected set; }

    /// <summary>Whether the medium is half-duplex (radio); congestion control uses CSMA/CA there.</summary>
    public virtual bool IsHalfDuplex => false;

    /// <summary>Whether the interface can currently send.</summary>
    public abstract bool IsOnline { get; }

    /// <summary>One-way latency of this hop in milliseconds, used in path costs: <see cref="LatencyOverrideMs"/> when set, else the medium's nominal figure.</summary>
    public int LatencyMs => LatencyOverrideMs ?? NominalLatencyMs;

    /// <summary>A measured or configured latency in milliseconds that replaces the nominal one.</summary>
    public int? LatencyOverrideMs { get; set; }

    /// <summary>The medium's nominal one-way latency in milliseconds (5 ms unless a subclass knows better).</summary>
    protected virtual int NominalLatencyMs => 5;

    /// <summary>
    /// How full the interface's transmit queue is, 0 (empty or no queue) … 1 (full): the congestion
    /// input of the dynamic cost (spec 01-mesh §7, <c>Congestion.DynamicCost</c>). 0 unless the medium queues.
    /// </summary>
    public virtual double QueueFill => 0;

    /// <summary>
    /// The rate this interface can sustain in bit/s, the nominal rate of its <c>Congestion.LinkScheduler</c>
    /// in a <see cref="MeshTransport"/>: <see cref="BitrateBitsPerSecond"/> unless the medium knows
    /// better (a duty-cycled radio reports bitrate × framing efficiency × duty cycle).
    /// </summary>
    public virtual double CapacityBitsPerSecond => BitrateBitsPerSecond;

    /// <summary>
    /// The share of the medium's time one frame of <paramref name="frameLength"/> bytes uses up, the
    /// sample a <see cref="MeshTransport"/> feeds into its scheduler's measured rate
    /// (<c>LinkScheduler.RecordTransmission</c>): frameLength × 8 / <see cref="BitrateBitsPerSecond"/>
    /// seconds by default; a duty-cycled radio reports airtime ÷ duty cycle.
    /// </summary>
    /// <param name="frameLength">The frame length in bytes (after IFAC).</param>
    /// <returns>The time the frame costs (positive).</returns>
    public virtual TimeSpan TransmitCost(int frameLength) =>
        TimeSpan.FromSeconds(Math.Max(1, frameLength) * 8.0 / Math.Max(1, BitrateBitsPerSecond));

    /// <summary>
    /// How long until the medium can take a frame of <paramref name="frameLength"/> bytes without
    /// queueing it behind other frames or breaking a duty-cycle limit: <see cref="TimeSpan.Zero"/>
    /// for media without their own transmit queue (the default). A <see cref="MeshTransport"/> hands
    /// scheduled packets to the interface only when this is zero, so its priority queues, not the
    /// medium's FIFO, decide what goes next.
    /// </summary>
    /// <param name="frameLength">The frame length in bytes (after IFAC).</param>
    /// <returns>The wait; <see cref="TimeSpan.Zero"/> when the frame can go now.</returns>
    public virtual TimeSpan TimeUntilSendable(int frameLength) => TimeSpan.Zero;

    /// <summary>Hardware MTU in bytes: the largest packet this interface carries (500 by default).</summary>
    public virtual int HardwareMtu => MeshConstants.Mtu;

    /// <summary>An interface access code: when set, outgoing packets are signed and masked and incoming ones must carry a valid code.</summary>
    public Ifac? AccessCode { get; set; }

    /// <summary>Called when the interface (re)connects and can carry packets (set by the transport, which beacons on it at once).</summary>
    public Action<MeshInterface>? WentOnline { get; set; }

    /// <summary>Subclasses call this when a connection comes up (invokes <see cref="WentOnline"/>).</summary>
    protected void OnWentOnline() => WentOnline?.Invoke(this);

    /// <summary>Called for each received packet (set by the transport).</summary>
    public MeshPacketHandler? PacketReceived { get; set; }

    /// <summary>Packets handed to the medium.</summary>
    public long PacketsSent => Interlocked.Read(ref _packetsSent);

    /// <summary>Packets delivered to <see cref="PacketReceived"/>.</summary>
    public long PacketsReceived => Interlocked.Read(ref _packetsReceived);

    /// <summary>Bytes handed to the medium (after IFAC, before framing).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Bytes received (before IFAC removal, after de-framing).</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Frames dropped on receive: too short, too long, bad or missing IFAC.</summary>
    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    /// <summary>Starts background work (connecting, listening, reading). Idempotent.</summary>
    /// <param name="cancellationToken">Cancels start-up.</param>
    /// <returns>A task that completes when the interface has started.</returns>
    public virtual ValueTask StartAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>Queues a packet for transmission, adding the IFAC when configured.</summary>
    /// <param name="packet">The packet (at most <see cref="HardwareMtu"/> bytes).</param>
    /// <returns><see langword="false"/> when offline, the queue is full, or the packet is too big; never throws for those.</returns>
    public bool TrySend(ReadOnlySpan<byte> packet)
    {
        if (!IsOnline || packet.Length > HardwareMtu || packet.Length < 2)
        {
            return false;
        }

        bool sent;
        int length;
        if (AccessCode is { } ifac)
        {
            Span<byte> wrapped = stackalloc byte[packet.Length + ifac.Size];
            length = ifac.Wrap(packet, wrapped);
            sent = TrySendCore(wrapped[..length]);
        }
        else
        {
            length = packet.Length;
            sent = TrySendCore(packet);
        }

        if (sent)
        {
            Interlocked.Increment(ref _packetsSent);
            Interlocked.Add(ref _bytesSent, length);
        }

        return sent;
    }

    /// <summary>Hands one (IFAC-wrapped if configured) packet to the medium without blocking.</summary>
    /// <param name="frame">The bytes to carry as one frame/datagram.</param>
    /// <returns>Whether it was accepted.</returns>
    protected abstract bool TrySendCore(ReadOnlySpan<byte> frame);

    /// <summary>Delivers a received frame: drops short/oversized frames and checks the IFAC, then calls <see cref="PacketReceived"/>.</summary>
    /// <param name="frame">The de-framed bytes.</param>
    protected void OnFrameReceived(ReadOnlySpan<byte> frame)
    {
        Interlocked.Add(ref _bytesReceived, frame.Length);
        var ifac = AccessCode;
        var hasFlag = frame.Length > 0 && (frame[0] & 0x80) != 0;
        if (frame.Length <= MeshConstants.MinFrameSize || frame.Length > HardwareMtu + (ifac?.Size ?? 0) || hasFlag != (ifac is not null))
        {
            Interlocked.Increment(ref _framesDropped);
            return;
        }

        if (ifac is not null)
        {
            Span<byte> unwrapped = stackalloc byte[frame.Length];
            if (!ifac.TryUnwrap(frame, unwrapped, out var n))
            {
                Interlocked.Increment(ref _framesDropped);
                return;
            }

            Deliver(unwrapped[..n]);
            return;
        }

        Deliver(frame);
    }

    /// <summary>Counts a frame the subclass dropped before <see cref="OnFrameReceived"/> (e.g. oversized while de-framing).</summary>
    protected void CountDroppedFrame() => Interlocked.Increment(ref _framesDropped);

    /// <summary>Stops background work and releases resources.</summary>
    /// <returns>A task that completes when stopped.</returns>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>The interface's name.</summary>
    public override string ToString() => Name;

    private void Deliver(ReadOnlySpan<byte> packet)
    {
        Interlocked.Increment(ref _packetsReceived);
        PacketReceived?.Invoke(this, packet);
    }
}
