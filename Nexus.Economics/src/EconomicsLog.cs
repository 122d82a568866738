using Microsoft.Extensions.Logging;
using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>The package's log messages (source-generated, allocation-free when disabled).</summary>
internal static partial class EconomicsLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Dropped settlement {Hash}: {Reason}")]
    public static partial void SettlementDropped(ILogger logger, Hash256 hash, SettlementStatus reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Dropped channel message from {Peer}: {Reason}")]
    public static partial void MessageDropped(ILogger logger, Hash128 peer, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Channel {Channel} with {Peer} is {Status}")]
    public static partial void ChannelStatusChanged(ILogger logger, ChannelId channel, Hash128 peer, ChannelStatus status);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Rejected a settlement gossip item from {Peer}: {Reason}")]
    public static partial void GossipItemRejected(ILogger logger, Hash128 peer, string reason);
}
