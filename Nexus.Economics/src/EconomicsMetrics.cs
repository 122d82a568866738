using System.Diagnostics.Metrics;

namespace Nexus.Economics;

/// <summary>
/// The package's counters, on a <see cref="Meter"/> named "Nexus.Economics". Every dropped
/// settlement, refused claim and dropped channel message is counted with a "reason" tag.
/// </summary>
internal sealed class EconomicsMetrics : IDisposable
{
    public const string MeterName = "Nexus.Economics";

    public EconomicsMetrics(IMeterFactory? meterFactory = null)
    {
        Meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);
        SettlementsAccepted = Meter.CreateCounter<long>("nexus.economics.settlements.accepted", "{settlement}", "Settlements validated and added to the ledger.");
        SettlementsDropped = Meter.CreateCounter<long>("nexus.economics.settlements.dropped", "{settlement}", "Settlements dropped silently, by reason.");
        ChannelUpdates = Meter.CreateCounter<long>("nexus.economics.channel.updates", "{update}", "Dual-signed channel updates completed.");
        ChannelMessagesDropped = Meter.CreateCounter<long>("nexus.economics.channel.messages.dropped", "{message}", "Channel messages refused, by reason.");
        LotteryPlays = Meter.CreateCounter<long>("nexus.economics.lottery.plays", "{packet}", "Relay lottery plays.");
        LotteryWins = Meter.CreateCounter<long>("nexus.economics.lottery.wins", "{packet}", "Relay lottery wins.");
        LinkMessagesSent = Meter.CreateCounter<long>("nexus.economics.link.messages.sent", "{message}", "Channel messages sealed onto NEXUS links.");
        LinkMessagesReceived = Meter.CreateCounter<long>("nexus.economics.link.messages.received", "{message}", "Channel messages received on NEXUS links and queued for delivery.");
        LinkMessagesDropped = Meter.CreateCounter<long>("nexus.economics.link.messages.dropped", "{message}", "Channel messages refused or dropped by the link transport, by reason.");
        LinksOpened = Meter.CreateCounter<long>("nexus.economics.link.opened", "{link}", "NEXUS links opened for channel messages (first links and replacements).");
        GossipRejected = Meter.CreateCounter<long>("nexus.economics.gossip.rejected", "{item}", "Settlement gossip items rejected, by reason.");
    }

    public static EconomicsMetrics Shared { get; } = new();

    public Meter Meter { get; }

    public Counter<long> SettlementsAccepted { get; }

    public Counter<long> SettlementsDropped { get; }

    public Counter<long> ChannelUpdates { get; }

    public Counter<long> ChannelMessagesDropped { get; }

    public Counter<long> LotteryPlays { get; }

    public Counter<long> LotteryWins { get; }

    public Counter<long> LinkMessagesSent { get; }

    public Counter<long> LinkMessagesReceived { get; }

    public Counter<long> LinkMessagesDropped { get; }

    public Counter<long> LinksOpened { get; }

    public Counter<long> GossipRejected { get; }

    public void LinkMessageDropped(string reason) =>
        LinkMessagesDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dropped(SettlementStatus reason) =>
        SettlementsDropped.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));

    public void MessageDropped(string reason) =>
        ChannelMessagesDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose()
    {
        if (!ReferenceEquals(this, Shared))
        {
            Meter.Dispose();
        }
    }
}
