using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Nexus.Bridges.Evm;

/// <summary>
/// A "newHeads" subscription (eth_subscribe, geth/anvil pub-sub over WebSocket, Ethereum JSON-RPC "eth_subscribe"):
/// each new chain head arrives as an <see cref="RpcBlock"/> without transaction hashes. Built on
/// <see cref="ClientWebSocket"/>. Read it with one consumer at a time; dispose it to unsubscribe and close.
/// </summary>
public sealed partial class NewHeadsSubscription : IAsyncDisposable
{
    private const int MaxMessageBytes = 16 * 1024 * 1024;
    private readonly ClientWebSocket _socket;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    private NewHeadsSubscription(ClientWebSocket socket, string subscriptionId, ILogger logger, TimeProvider timeProvider)
    {
        _socket = socket;
        SubscriptionId = subscriptionId;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    /// <summary>The subscription id the node assigned.</summary>
    public string SubscriptionId { get; }

    /// <summary>Connects to a WebSocket endpoint and subscribes to newHeads.</summary>
    /// <param name="endpoint">The ws:// or wss:// endpoint, e.g. ws://127.0.0.1:8545.</param>
    /// <param name="logger">A logger, or null.</param>
    /// <param name="timeProvider">The clock for the 5-second unsubscribe/close deadline in <see cref="DisposeAsync"/>, or null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="cancellationToken">Cancels the connection and subscription.</param>
    /// <returns>The open subscription.</returns>
    /// <exception cref="WebSocketException">The connection failed.</exception>
    /// <exception cref="EthereumRpcException">The node rejected eth_subscribe.</exception>
    /// <exception cref="EvmFormatException">The node answered with something other than a subscription id.</exception>
    public static async Task<NewHeadsSubscription> ConnectAsync(Uri endpoint, ILogger<NewHeadsSubscription>? logger = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            byte[] request = EthereumRpcClient.WriteRequest(1, "eth_subscribe", ["newHeads"]);
            await socket.SendAsync(request, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                byte[] message = await ReceiveMessageAsync(socket, cancellationToken).ConfigureAwait(false)
                    ?? throw new WebSocketException("The node closed the connection before confirming the subscription.");
                if (IsNotification(message))
                {
                    continue;
                }

                JsonElement result = EthereumRpcClient.ReadResponse("eth_subscribe", 1, message);
                string id = result.ValueKind == JsonValueKind.String ? result.GetString()! : throw new EvmFormatException("eth_subscribe: the result is not a subscription id.");
                return new NewHeadsSubscription(socket, id, logger ?? (ILogger)NullLogger.Instance, timeProvider ?? TimeProvider.System);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Yields each new head as the node announces it, until the node closes the connection or the token is cancelled.</summary>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The heads, oldest first.</returns>
    /// <exception cref="EvmFormatException">A notification for this subscription has a malformed header.</exception>
    public async IAsyncEnumerable<RpcBlock> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            byte[]? message = await ReceiveMessageAsync(_socket, cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                yield break;
            }

            RpcBlock? head = ParseNotification(message);
            if (head is not null)
            {
                yield return head;
            }
        }
    }

    /// <summary>Sends eth_unsubscribe (best effort) and closes the socket.</summary>
    /// <returns>A task that completes when closed.</returns>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _timeProvider);
                byte[] request = EthereumRpcClient.WriteRequest(2, "eth_unsubscribe", [SubscriptionId]);
                await _socket.SendAsync(request, WebSocketMessageType.Text, true, timeout.Token).ConfigureAwait(false);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "unsubscribed", timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            LogCloseFailed(_logger, e.Message);
        }
        finally
        {
            _socket.Dispose();
        }
    }

    private RpcBlock? ParseNotification(byte[] message)
    {
        try
        {
            using var document = JsonDocument.Parse(message);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("method", out JsonElement method) || method.GetString() != "eth_subscription"
                || !root.TryGetProperty("params", out JsonElement p) || p.ValueKind != JsonValueKind.Object
                || !p.TryGetProperty("subscription", out JsonElement sub) || sub.GetString() != SubscriptionId)
            {
                return null;
            }

            return RpcJson.Parse(p.GetProperty("result"), RpcJson.Block);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new EvmFormatException("newHeads: malformed notification.", e);
        }
    }

    private static bool IsNotification(byte[] message)
    {
        try
        {
            using var document = JsonDocument.Parse(message);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("method", out _);
        }
        catch (JsonException e)
        {
            throw new EvmFormatException("eth_subscribe: the response is not JSON.", e);
        }
    }

    private static async Task<byte[]?> ReceiveMessageAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        using var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            if (message.Length + result.Count > MaxMessageBytes)
            {
                throw new EvmFormatException("newHeads: message larger than 16 MiB.");
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return message.ToArray();
            }
        }
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "newHeads: closing the subscription failed: {Reason}")]
    private static partial void LogCloseFailed(ILogger logger, string reason);
}
