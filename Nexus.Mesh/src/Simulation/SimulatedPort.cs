using Nexus.Mesh.Congestion;

namespace Nexus.Mesh.Simulation;

/// <summary>One direction of a simulated link: the sender's scheduler, its CSMA/CA state and transmitter.</summary>
internal sealed class SimulatedPort(NetworkSimulator sim, SimulatedNode from, SimulatedNode to, SimulatedLink link, LinkScheduler scheduler, CsmaCa csma)
{
    private static readonly TimeSpan s_cad = TimeSpan.FromMilliseconds(5);
    private bool _transmitting;
    private int _attempt;
    private long _wakeAt = long.MaxValue;
    private readonly Queue<byte[]> _signals = new();

    public SimulatedLink Link => link;

    public LinkScheduler Scheduler => scheduler;

    /// <summary>Queues a 3-byte CongestionSignal to the neighbour; it goes out before gossip and user traffic.</summary>
    public void SendSignal(CongestionSignal signal)
    {
        var bytes = new byte[CongestionSignal.SizeInBytes];
        signal.WriteTo(bytes);
        _signals.Enqueue(bytes);
        Kick();
    }

    public void Kick()
    {
        if (_transmitting)
        {
            return;
        }

        var clock = sim.Clock;
        long now = clock.GetTimestamp();
        bool busy = link.Profile.HalfDuplex && link.BusyUntil > now;
        if (busy)
        {
            var decision = csma.Decide(++_attempt, channelBusy: true, out var backoff);
            if (decision == CsmaDecision.GiveUp)
            {
                _attempt = 0;
                if (scheduler.TryDequeue(out var dropped))
                {
                    sim.Dropped(dropped!.Priority);
                }

                Wake(s_cad);
            }
            else
            {
                Wake(s_cad + backoff);
            }

            return;
        }

        _attempt = 0;
        byte[]? gossip = null;
        ScheduledPacket? user = null;
        _signals.TryDequeue(out var signal);
        if (signal is null && !from.Engine.TryDequeue(to.Id, out gossip) && !scheduler.TryDequeue(out user))
        {
            var wait = from.Engine.TimeUntilSendable(to.Id);
            var eligible = scheduler.TimeUntilEligible();
            if (eligible < wait)
            {
                wait = eligible;
            }

            if (wait != TimeSpan.MaxValue)
            {
                Wake(wait);
            }

            return;
        }

        int bytes = signal is not null ? signal.Length + MeshConstants.Header1Size
            : gossip is not null ? gossip.Length + from.Engine.Options.PacketOverheadBytes
            : user!.Length;
        var airtime = link.Profile.AirtimeOf(bytes);
        _transmitting = true;
        if (link.Profile.HalfDuplex)
        {
            link.BusyUntil = now + airtime.Ticks;
        }

        link.Count(signal is not null ? SimulatedLink.Traffic.Signal : gossip is not null ? SimulatedLink.Traffic.Gossip : SimulatedLink.Traffic.User, bytes, clock.Elapsed);
        clock.Schedule(airtime, () =>
        {
            _transmitting = false;
            scheduler.RecordTransmission(bytes, airtime);
            Kick();
        });

        bool lost = link.IsDown || (link.Profile.LossRate > 0 && sim.Random.NextDouble() < link.Profile.LossRate);
        if (lost)
        {
            link.LostFrames++;
            if (user?.Tag is NetworkSimulator.UserPacket lostPacket)
            {
                sim.Dropped(lostPacket.Priority);
            }

            return;
        }

        clock.Schedule(airtime + TimeSpan.FromMilliseconds(link.Profile.LatencyMs), () =>
        {
            if (signal is not null)
            {
                if (CongestionSignal.TryRead(signal, out var parsed))
                {
                    to.Ports[from.Id].Scheduler.ApplySignal(parsed);
                }
            }
            else if (gossip is not null)
            {
                to.Engine.Receive(from.Id, gossip);
            }
            else if (user!.Tag is NetworkSimulator.UserPacket packet)
            {
                sim.Delivered(to, packet, from.Id);
            }
        });
    }

    private void Wake(TimeSpan delay)
    {
        var clock = sim.Clock;
        long at = clock.GetTimestamp() + Math.Max(delay.Ticks, 1);
        if (_wakeAt > clock.GetTimestamp() && _wakeAt <= at)
        {
            return; // an earlier wake-up is already scheduled
        }

        _wakeAt = at;
        clock.Schedule(TimeSpan.FromTicks(at - clock.GetTimestamp()), () =>
        {
            if (_wakeAt == at)
            {
                _wakeAt = long.MaxValue;
            }

            Kick();
        });
    }
}
