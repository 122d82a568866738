using Microsoft.Extensions.Logging;

namespace Nexus.Chain;

/// <summary>Source-generated log messages of Nexus.Chain.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Dropped {Kind} from {Peer}: {Error}")]
    public static partial void Dropped(ILogger logger, ConsensusMessageKind kind, object? peer, string error);

    [LoggerMessage(2, LogLevel.Warning, "Double vote by {Validator} at {Height}/{Round}")]
    public static partial void DoubleVote(ILogger logger, string validator, ulong height, int round);

    [LoggerMessage(3, LogLevel.Information, "Committed height {Height} ({Hash}, {Count} transactions)")]
    public static partial void Committed(ILogger logger, ulong height, string hash, int count);

    [LoggerMessage(4, LogLevel.Information, "Peer {Peer} connected")]
    public static partial void PeerConnected(ILogger logger, string peer);

    [LoggerMessage(5, LogLevel.Information, "Peer {Peer} disconnected: {Reason}")]
    public static partial void PeerDisconnected(ILogger logger, string peer, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Peer {Peer} banned: {Reason}")]
    public static partial void PeerBanned(ILogger logger, string peer, string reason);

    [LoggerMessage(7, LogLevel.Debug, "Peer {Peer} sent invalid data: {Reason}")]
    public static partial void PeerInvalid(ILogger logger, string peer, string reason);

    [LoggerMessage(8, LogLevel.Debug, "RPC request failed: {Reason}")]
    public static partial void RpcFailed(ILogger logger, string reason);
}
