using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>
/// JSON-RPC 2.0 over HTTP POST and WebSocket on <see cref="HttpListener"/> (no Kestrel). Hashes,
/// keys and encodings are lowercase hex; amounts and heights are decimal strings (64-bit safe).
/// Methods: <c>chain_sendTransaction [txHex]</c> → { hash, status };
/// <c>chain_blockNumber</c>; <c>chain_getBlockByHeight [height]</c>; <c>chain_getBlockByHash [hash]</c>;
/// <c>chain_getTransaction [hash]</c> (with receipt and location, or status "pending"/"unknown");
/// <c>chain_getReceipt [hash]</c>; <c>chain_getBalance [address]</c>; <c>chain_getNonce [address]</c>;
/// <c>chain_getStateProof [address, height?]</c> → { height, stateRoot, proof (StateProofProto hex) }: against the
/// current state, or the state after block <c>height</c> (decimal string) while it is retained
/// (<see cref="ChainApplication.RetainedStates"/>; otherwise −32602).
/// Over WebSocket also <c>chain_subscribe ["newHeads"]</c> and <c>chain_subscribe ["txStatus", hash]</c>,
/// notified as { method: "chain_subscription", params: { subscription, result } }.
/// Errors use the JSON-RPC codes −32700, −32600, −32601, −32602 and −32000 (rejected transaction).
/// </summary>
public sealed class JsonRpcServer : IAsyncDisposable
{
    private readonly ChainApplication _app;
    private readonly BlockStore _store;
    private readonly HttpListener _listener = new();
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cts = new();
    private readonly ConcurrentDictionary<WebSocketSession, byte> _sockets = new();
    private Task? _loop;

    /// <summary>Creates the server for http://127.0.0.1:<paramref name="port"/>/ (call <see cref="Start"/>).</summary>
    /// <param name="app">The chain application (mempool, state).</param>
    /// <param name="store">The block store to read from.</param>
    /// <param name="port">TCP port on 127.0.0.1.</param>
    /// <param name="logger">Logger.</param>
    public JsonRpcServer(ChainApplication app, BlockStore store, int port, ILogger<JsonRpcServer>? logger = null)
    {
        _app = app ?? throw new ArgumentNullException(nameof(app));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        _listener.Prefixes.Add(Url.ToString());
        _app.BlockCommitted += OnBlock;
    }

    /// <summary>The HTTP endpoint (ws:// on the same host and port for subscriptions).</summary>
    public Uri Url { get; }

    /// <summary>Starts accepting requests.</summary>
    public void Start()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    /// <summary>Stops the server and closes subscriptions.</summary>
    /// <returns>Completion.</returns>
    public async ValueTask DisposeAsync()
    {
        _app.BlockCommitted -= OnBlock;
        await _cts.CancelAsync().ConfigureAwait(false);
        _listener.Close();
        foreach (var s in _sockets.Keys) s.Socket.Abort();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _cts.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_cts.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => Serve(context));
        }
    }

    private async Task Serve(HttpListenerContext context)
    {
        try
        {
            if (context.Request.IsWebSocketRequest)
            {
                var ws = await context.AcceptWebSocketAsync(null).ConfigureAwait(false);
                await ServeSocket(new WebSocketSession(ws.WebSocket)).ConfigureAwait(false);
                return;
            }

            if (context.Request.HttpMethod != "POST" || context.Request.ContentLength64 > ChainLimits.MaxTransactionBytes * 4)
            {
                context.Response.StatusCode = 400;
                context.Response.Close();
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            string body = await reader.ReadToEndAsync().ConfigureAwait(false);
            byte[] response = Encoding.UTF8.GetBytes(Handle(body, null).ToJsonString());
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(response).ConfigureAwait(false);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or WebSocketException or ObjectDisposedException)
        {
            Log.RpcFailed(_logger, ex.Message);
        }
    }

    private async Task ServeSocket(WebSocketSession session)
    {
        _sockets[session] = 0;
        byte[] buffer = new byte[256 * 1024];
        try
        {
            while (session.Socket.State == WebSocketState.Open)
            {
                int count = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await session.Socket.ReceiveAsync(buffer.AsMemory(count), _cts.Token).ConfigureAwait(false) is var r
                        ? new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage) : null!;
                    count += result.Count;
                }
                while (!result.EndOfMessage && count < buffer.Length);

                if (result.MessageType == WebSocketMessageType.Close || !result.EndOfMessage)
                {
                    break;
                }

                await session.SendAsync(Handle(Encoding.UTF8.GetString(buffer, 0, count), session)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            _sockets.TryRemove(session, out _);
            session.Dispose();
        }
    }

    private JsonObject Handle(string body, WebSocketSession? session)
    {
        JsonNode? request;
        try
        {
            request = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return Error(null, -32700, "parse error");
        }

        if (request is not JsonObject obj || obj["method"] is not JsonValue methodValue || !methodValue.TryGetValue(out string? method))
        {
            return Error(null, -32600, "invalid request");
        }

        var id = obj["id"]?.DeepClone();
        var args = obj["params"] as JsonArray ?? new JsonArray();
        try
        {
            JsonNode? result = method switch
            {
                "chain_sendTransaction" => SendTransaction(Hex(args, 0)),
                "chain_blockNumber" => _app.State.Height.ToString(CultureInfo.InvariantCulture),
                "chain_getBlockByHeight" => BlockJson(_store.GetBlock(ulong.Parse(Str(args, 0), CultureInfo.InvariantCulture))),
                "chain_getBlockByHash" => BlockJson(_store.GetBlock(new Hash256(Hex(args, 0)))),
                "chain_getTransaction" => TransactionJson(new Hash256(Hex(args, 0))),
                "chain_getReceipt" => _store.GetTransaction(new Hash256(Hex(args, 0))) is { } t ? ReceiptJson(t.Receipt) : null,
                "chain_getBalance" => _app.State.Accounts.Get(new Ed25519PublicKey(Hex(args, 0))).Balance.ToString(CultureInfo.InvariantCulture),
                "chain_getNonce" => _app.State.Accounts.Get(new Ed25519PublicKey(Hex(args, 0))).Nonce.ToString(CultureInfo.InvariantCulture),
                "chain_getStateProof" => StateProofJson(new Ed25519PublicKey(Hex(args, 0)), args.Count > 1 ? ulong.Parse(Str(args, 1), CultureInfo.InvariantCulture) : null),
                "chain_subscribe" when session is not null => session.Subscribe(Str(args, 0), args.Count > 1 ? new Hash256(Hex(args, 1)) : null),
                _ => throw new MissingMethodException(),
            };
            return new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result };
        }
        catch (MissingMethodException)
        {
            return Error(id, -32601, "method not found");
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or InvalidOperationException or ChainFormatException)
        {
            return Error(id, -32602, "invalid params: " + ex.Message);
        }
        catch (RejectedException ex)
        {
            return Error(id, -32000, ex.Message);
        }
    }

    private JsonObject SendTransaction(byte[] encoded)
    {
        if (!Transaction.TryDecode(encoded, out var tx, out var error))
        {
            throw new RejectedException("transaction rejected: " + error);
        }

        var status = _app.Mempool.Add(tx!);
        if (status is not (AdmissionStatus.Accepted or AdmissionStatus.Replaced or AdmissionStatus.Duplicate))
        {
            throw new RejectedException("transaction rejected: " + status);
        }

        return new JsonObject { ["hash"] = tx!.Hash.ToString(), ["status"] = status.ToString() };
    }

    private JsonObject StateProofJson(Ed25519PublicKey address, ulong? height)
    {
        ChainState? state = _app.State;
        if (height is { } h && !_app.TryGetState(h, out state))
        {
            throw new ArgumentException($"the state at height {h} is not available (this node keeps the current state and the {_app.RetainedStates} before it; see ChainNodeOptions.RetainedStates)");
        }

        return new JsonObject
        {
            ["height"] = state!.Height.ToString(CultureInfo.InvariantCulture),
            ["stateRoot"] = state.StateRoot.ToString(),
            ["proof"] = Convert.ToHexStringLower(state.Accounts.Prove(address).Encode()),
        };
    }

    private JsonObject TransactionJson(Hash256 hash)
    {
        if (_store.GetTransaction(hash) is { } found)
        {
            var json = TxJson(found.Transaction);
            json["status"] = "committed";
            json["height"] = found.Location.Height.ToString(CultureInfo.InvariantCulture);
            json["index"] = found.Location.Index;
            json["receipt"] = ReceiptJson(found.Receipt);
            return json;
        }

        if (_app.Mempool.TryGet(hash, out var pending))
        {
            var json = TxJson(pending!);
            json["status"] = "pending";
            return json;
        }

        return new JsonObject { ["hash"] = hash.ToString(), ["status"] = "unknown" };
    }

    internal static JsonObject TxJson(Transaction tx) => new()
    {
        ["hash"] = tx.Hash.ToString(),
        ["chainId"] = tx.ChainId,
        ["sender"] = tx.Sender.ToString(),
        ["nonce"] = tx.Nonce.ToString(CultureInfo.InvariantCulture),
        ["recipient"] = tx.Recipient?.ToString(),
        ["amount"] = tx.Amount.ToString(CultureInfo.InvariantCulture),
        ["fee"] = tx.Fee.ToString(CultureInfo.InvariantCulture),
        ["kind"] = tx.Kind.ToString(),
        ["raw"] = Convert.ToHexStringLower(tx.Encoded.Span),
    };

    private static JsonObject ReceiptJson(Receipt r) => new()
    {
        ["transactionHash"] = r.TransactionHash.ToString(),
        ["status"] = r.Status.ToString(),
        ["feePaid"] = r.FeePaid.ToString(CultureInfo.InvariantCulture),
        ["events"] = new JsonArray(r.Events.Select(e => (JsonNode)new JsonObject
        {
            ["type"] = e.Type,
            ["attributes"] = new JsonObject(e.Attributes.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
        }).ToArray()),
    };

    internal static JsonObject HeaderJson(BlockHeader h) => new()
    {
        ["hash"] = h.Hash.ToString(),
        ["chainId"] = h.ChainId,
        ["height"] = h.Height.ToString(CultureInfo.InvariantCulture),
        ["timeUnixMs"] = h.TimeUnixMs.ToString(CultureInfo.InvariantCulture),
        ["parentHash"] = h.ParentHash.ToString(),
        ["proposer"] = h.Proposer.ToString(),
        ["transactionsRoot"] = h.TransactionsRoot.ToString(),
        ["stateRoot"] = h.StateRoot.ToString(),
        ["validatorSetHash"] = h.ValidatorSetHash.ToString(),
        ["nextValidatorSetHash"] = h.NextValidatorSetHash.ToString(),
        ["lastCommitHash"] = h.LastCommitHash.ToString(),
        ["receiptsRoot"] = h.ReceiptsRoot.ToString(),
        ["evidenceRoot"] = h.EvidenceRoot.ToString(),
    };

    private static JsonObject? BlockJson(Block? block)
    {
        if (block is null)
        {
            return null;
        }

        var json = HeaderJson(block.Header);
        json["transactions"] = new JsonArray(block.Transactions.Select(t => (JsonNode)t.Hash.ToString()).ToArray());
        json["evidence"] = block.Evidence.Count;
        return json;
    }

    private void OnBlock(Block block, IReadOnlyList<Receipt> receipts)
    {
        foreach (var s in _sockets.Keys)
        {
            s.Notify(block, receipts);
        }
    }

    private static string Str(JsonArray args, int i) =>
        args.Count > i && args[i] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new ArgumentException($"parameter {i} must be a string");

    private static byte[] Hex(JsonArray args, int i) => Convert.FromHexString(Str(args, i));

    private static JsonObject Error(JsonNode? id, int code, string message) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    private sealed class RejectedException(string message) : Exception(message);

    private sealed class WebSocketSession(WebSocket socket) : IDisposable
    {
        private readonly SemaphoreSlim _send = new(1, 1);
        private readonly ConcurrentDictionary<string, Hash256?> _subscriptions = new();
        private int _next;

        public WebSocket Socket => socket;

        public void Dispose()
        {
            socket.Dispose();
            _send.Dispose();
        }

        public string Subscribe(string kind, Hash256? hash)
        {
            if (kind is not ("newHeads" or "txStatus") || (kind == "txStatus" && hash is null))
            {
                throw new ArgumentException("subscribe to \"newHeads\" or [\"txStatus\", hash]");
            }

            string id = "0x" + Interlocked.Increment(ref _next).ToString("x", CultureInfo.InvariantCulture);
            _subscriptions[id] = kind == "newHeads" ? null : hash;
            return id;
        }

        public void Notify(Block block, IReadOnlyList<Receipt> receipts)
        {
            foreach (var (id, hash) in _subscriptions)
            {
                JsonNode? result = null;
                if (hash is null)
                {
                    result = HeaderJson(block.Header);
                }
                else
                {
                    for (int i = 0; i < block.Transactions.Count; i++)
                    {
                        if (block.Transactions[i].Hash == hash)
                        {
                            result = new JsonObject
                            {
                                ["hash"] = hash.ToString(),
                                ["status"] = "committed",
                                ["height"] = block.Height.ToString(CultureInfo.InvariantCulture),
                                ["receipt"] = ReceiptJson(receipts[i]),
                            };
                            _subscriptions.TryRemove(id, out _);
                        }
                    }
                }

                if (result is not null)
                {
                    _ = SendAsync(new JsonObject
                    {
                        ["jsonrpc"] = "2.0",
                        ["method"] = "chain_subscription",
                        ["params"] = new JsonObject { ["subscription"] = id, ["result"] = result },
                    });
                }
            }
        }

        public async Task SendAsync(JsonNode message)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
            await _send.WaitAsync().ConfigureAwait(false);
            try
            {
                if (socket.State == WebSocketState.Open)
                {
                    await socket.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
            {
            }
            finally
            {
                _send.Release();
            }
        }
    }
}
