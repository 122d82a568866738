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
    }

    public static EconomicsMetrics Shared { get; } = new();

    public Meter Meter { get; }

    public Counter<long> SettlementsAccepted { get; }

    public Counter<long> SettlementsDropped { get; }

    public Counter<long> ChannelUpdates { get; }

    public Counter<long> ChannelMessagesDropped { get; }

    public Counter<long> LotteryPlays { get; }

    public Counter<long> LotteryWins { get; }

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
