using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Nexus.Bridges.Evm;

/// <summary>
/// An Ethereum JSON-RPC 2.0 client over HTTP (Ethereum JSON-RPC specification, "eth" namespace) built on
/// <see cref="HttpClient"/> and System.Text.Json. Transient failures (network errors, HTTP 408/429/5xx, HTTP timeouts)
/// are retried with exponential backoff and jitter through a Polly.Core resilience pipeline; JSON-RPC error objects are
/// not retried and surface as <see cref="EthereumRpcException"/>. Results of an unexpected shape throw
/// <see cref="EvmFormatException"/>. Every call takes a <see cref="CancellationToken"/>. Thread-safe.
/// </summary>
public sealed partial class EthereumRpcClient
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly EthereumRpcClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ResiliencePipeline _pipeline;
    private long _nextId;

    /// <summary>Creates a client. The <see cref="HttpClient"/> is not disposed by the client.</summary>
    /// <param name="httpClient">The HTTP client (its own Timeout applies per attempt).</param>
    /// <param name="endpoint">The node's HTTP endpoint, e.g. http://127.0.0.1:8545.</param>
    /// <param name="options">Retry and polling options, or null for the defaults.</param>
    /// <param name="logger">A logger for retries and failures, or null.</param>
    /// <param name="timeProvider">The clock for retry delays and receipt polling, or null for <see cref="TimeProvider.System"/>.</param>
    public EthereumRpcClient(HttpClient httpClient, Uri endpoint, EthereumRpcClientOptions? options = null, ILogger<EthereumRpcClient>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(endpoint);
        _http = httpClient;
        _endpoint = endpoint;
        _options = options ?? new EthereumRpcClientOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
        var builder = new ResiliencePipelineBuilder { TimeProvider = _timeProvider };
        if (_options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.MaxRetryAttempts,
                Delay = _options.RetryBaseDelay,
                MaxDelay = _options.RetryMaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TransientRpcTimeoutException>(),
                OnRetry = args =>
                {
                    LogRetry(_logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                    return default;
                },
            });
        }

        _pipeline = builder.Build();
    }

    /// <summary>eth_chainId: the EIP-155 chain id.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The chain id.</returns>
    public async Task<ulong> GetChainIdAsync(CancellationToken cancellationToken = default) =>
        Quantity(await SendAsync("eth_chainId", [], cancellationToken).ConfigureAwait(false));

    /// <summary>eth_blockNumber: the latest block number.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The block number.</returns>
    public async Task<ulong> GetBlockNumberAsync(CancellationToken cancellationToken = default) =>
        Quantity(await SendAsync("eth_blockNumber", [], cancellationToken).ConfigureAwait(false));

    /// <summary>eth_getBlockByNumber with transaction hashes only.</summary>
    /// <param name="block">The block number or tag.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The block, or null when the node does not have it.</returns>
    public async Task<RpcBlock?> GetBlockByNumberAsync(BlockParameter block, CancellationToken cancellationToken = default)
    {
        JsonElement result = await SendAsync("eth_getBlockByNumber", [block.ToString(), false], cancellationToken).ConfigureAwait(false);
        return result.ValueKind == JsonValueKind.Null ? null : RpcJson.Parse(result, RpcJson.Block);
    }

    /// <summary>eth_getBalance.</summary>
    /// <param name="address">The account.</param>
    /// <param name="block">The block number or tag.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The balance in wei.</returns>
    public async Task<BigInteger> GetBalanceAsync(Address address, BlockParameter block, CancellationToken cancellationToken = default) =>
        BigQuantity(await SendAsync("eth_getBalance", [Lower(address), block.ToString()], cancellationToken).ConfigureAwait(false));

    /// <summary>eth_getTransactionCount: the account nonce.</summary>
    /// <param name="address">The account.</param>
    /// <param name="block">The block number or tag ("pending" counts queued transactions).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The nonce.</returns>
    public async Task<ulong> GetTransactionCountAsync(Address address, BlockParameter block, CancellationToken cancellationToken = default) =>
        Quantity(await SendAsync("eth_getTransactionCount", [Lower(address), block.ToString()], cancellationToken).ConfigureAwait(false));

    /// <summary>eth_getStorageAt: one 32-byte storage slot.</summary>
    /// <param name="address">The contract.</param>
    /// <param name="slot">The slot.</param>
    /// <param name="block">The block number or tag.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The slot's 32-byte value.</returns>
    public async Task<Hash32> GetStorageAtAsync(Address address, Hash32 slot, BlockParameter block, CancellationToken cancellationToken = default)
    {
        JsonElement result = await SendAsync("eth_getStorageAt", [Lower(address), slot.ToString(), block.ToString()], cancellationToken).ConfigureAwait(false);
        return RpcJson.Parse(result, r => Hash32.Parse(r.GetString()));
    }

    /// <summary>eth_call: executes a call without creating a transaction.</summary>
    /// <param name="call">The call.</param>
    /// <param name="block">The block number or tag.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The return data.</returns>
    /// <exception cref="EthereumRpcException">The call reverted (the revert data is in <see cref="EthereumRpcException.Data"/>).</exception>
    public async Task<byte[]> CallAsync(CallRequest call, BlockParameter block, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        JsonElement result = await SendAsync("eth_call", [CallObject(call), block.ToString()], cancellationToken).ConfigureAwait(false);
        return RpcJson.Parse(result, r => Hex.Decode(r.GetString()));
    }

    /// <summary>eth_estimateGas.</summary>
    /// <param name="call">The transaction to estimate.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The estimated gas.</returns>
    public async Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        return Quantity(await SendAsync("eth_estimateGas", [CallObject(call)], cancellationToken).ConfigureAwait(false));
    }

    /// <summary>eth_gasPrice: the node's suggested legacy gas price.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The gas price in wei.</returns>
    public async Task<BigInteger> GetGasPriceAsync(CancellationToken cancellationToken = default) =>
        BigQuantity(await SendAsync("eth_gasPrice", [], cancellationToken).ConfigureAwait(false));

    /// <summary>eth_sendRawTransaction.</summary>
    /// <param name="signedTransaction">The network encoding of a signed transaction (<see cref="Transaction.Encode"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The transaction hash (the receipt may not exist yet: see <see cref="WaitForReceiptAsync"/>).</returns>
    public async Task<Hash32> SendRawTransactionAsync(ReadOnlyMemory<byte> signedTransaction, CancellationToken cancellationToken = default)
    {
        JsonElement result = await SendAsync("eth_sendRawTransaction", [Hex.Encode(signedTransaction.Span)], cancellationToken).ConfigureAwait(false);
        return RpcJson.Parse(result, r => Hash32.Parse(r.GetString()));
    }

    /// <summary>eth_getTransactionReceipt.</summary>
    /// <param name="transactionHash">The transaction hash.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The receipt, or null while the transaction is not yet mined.</returns>
    public async Task<TransactionReceipt?> GetTransactionReceiptAsync(Hash32 transactionHash, CancellationToken cancellationToken = default)
    {
        JsonElement result = await SendAsync("eth_getTransactionReceipt", [transactionHash.ToString()], cancellationToken).ConfigureAwait(false);
        return result.ValueKind == JsonValueKind.Null ? null : RpcJson.Parse(result, RpcJson.Receipt);
    }

    /// <summary>Polls eth_getTransactionReceipt every <see cref="EthereumRpcClientOptions.ReceiptPollInterval"/> (on the
    /// client's <see cref="TimeProvider"/>) until the receipt exists.</summary>
    /// <param name="transactionHash">The transaction hash.</param>
    /// <param name="timeout">How long to wait in total.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="TimeoutException">No receipt within <paramref name="timeout"/>.</exception>
    public async Task<TransactionReceipt> WaitForReceiptAsync(Hash32 transactionHash, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long started = _timeProvider.GetTimestamp();
        while (true)
        {
            TransactionReceipt? receipt = await GetTransactionReceiptAsync(transactionHash, cancellationToken).ConfigureAwait(false);
            if (receipt is not null)
            {
                return receipt;
            }

            if (_timeProvider.GetElapsedTime(started) >= timeout)
            {
                throw new TimeoutException($"No receipt for {transactionHash} within {timeout}.");
            }

            await Task.Delay(_options.ReceiptPollInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>eth_getLogs.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The matching logs.</returns>
    public async Task<IReadOnlyList<LogEntry>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var obj = new Dictionary<string, object?>();
        if (filter.BlockHash is Hash32 blockHash)
        {
            obj["blockHash"] = blockHash.ToString();
        }
        else
        {
            obj["fromBlock"] = (filter.FromBlock ?? BlockParameter.Earliest).ToString();
            obj["toBlock"] = (filter.ToBlock ?? BlockParameter.Latest).ToString();
        }

        if (filter.Addresses.Count > 0)
        {
            obj["address"] = filter.Addresses.Select(a => (object?)Lower(a)).ToArray();
        }

        if (filter.Topics.Count > 0)
        {
            obj["topics"] = filter.Topics.Select(t => (object?)t?.ToString()).ToArray();
        }

        JsonElement result = await SendAsync("eth_getLogs", [obj], cancellationToken).ConfigureAwait(false);
        return RpcJson.Parse(result, r => r.EnumerateArray().Select(RpcJson.Log).ToArray());
    }

    /// <summary>eth_getProof (EIP-1186): the account and storage proofs at a block; check them with
    /// <see cref="AccountProof.Verify"/> against that block's stateRoot.</summary>
    /// <param name="address">The account.</param>
    /// <param name="storageKeys">The storage slots to prove.</param>
    /// <param name="block">The block number or tag.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The proofs.</returns>
    public async Task<AccountProof> GetProofAsync(Address address, IReadOnlyList<Hash32> storageKeys, BlockParameter block, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storageKeys);
        object?[] keys = storageKeys.Select(k => (object?)k.ToString()).ToArray();
        JsonElement result = await SendAsync("eth_getProof", [Lower(address), keys, block.ToString()], cancellationToken).ConfigureAwait(false);
        return RpcJson.Parse(result, RpcJson.Proof);
    }

    /// <summary>
    /// Sends any JSON-RPC request and returns its "result". Parameters may be null, bool, integers, strings, arrays
    /// (object?[]) and objects (IReadOnlyDictionary&lt;string, object?&gt;).
    /// </summary>
    /// <param name="method">The method, e.g. "eth_chainId".</param>
    /// <param name="parameters">The positional parameters.</param>
    /// <param name="cancellationToken">Cancels the call (including retries and their delays).</param>
    /// <returns>A detached copy of the result element.</returns>
    /// <exception cref="EthereumRpcException">The node returned an error object.</exception>
    /// <exception cref="EvmFormatException">The response is not a JSON-RPC 2.0 response.</exception>
    /// <exception cref="HttpRequestException">The request still failed after the retries.</exception>
    /// <exception cref="TimeoutException">The HTTP client timed out on every attempt.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<JsonElement> SendAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(parameters);
        long id = Interlocked.Increment(ref _nextId);
        byte[] body = WriteRequest(id, method, parameters);
        try
        {
            return await _pipeline.ExecuteAsync(
                async token => await SendOnceAsync(id, method, body, token).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TransientRpcTimeoutException e)
        {
            throw new TimeoutException(e.Message, e);
        }
    }

    private async ValueTask<JsonElement> SendOnceAsync(long id, string method, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(_endpoint, content, cancellationToken).ConfigureAwait(false);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientRpcTimeoutException($"{method}: HTTP timeout.", e);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
            {
                throw new HttpRequestException($"{method}: HTTP {(int)response.StatusCode}.", null, response.StatusCode);
            }

            if (response.Content.Headers.ContentLength > _options.MaxResponseBytes)
            {
                throw new EvmFormatException($"{method}: response larger than {_options.MaxResponseBytes} bytes.");
            }

            byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (bytes.Length > _options.MaxResponseBytes)
            {
                throw new EvmFormatException($"{method}: response larger than {_options.MaxResponseBytes} bytes.");
            }

            return ReadResponse(method, id, bytes);
        }
    }

    internal static JsonElement ReadResponse(string method, long? id, ReadOnlySpan<byte> bytes)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 256 });
            using var document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new EvmFormatException($"{method}: the response is not a JSON object.");
            }

            if (id is long expected && (!root.TryGetProperty("id", out JsonElement idElement) || idElement.ValueKind != JsonValueKind.Number || idElement.GetInt64() != expected))
            {
                throw new EvmFormatException($"{method}: the response id does not match the request.");
            }

            if (root.TryGetProperty("error", out JsonElement error) && error.ValueKind == JsonValueKind.Object)
            {
                int code = error.TryGetProperty("code", out JsonElement c) && c.TryGetInt32(out int ci) ? ci : 0;
                string message = error.TryGetProperty("message", out JsonElement m) ? m.GetString() ?? string.Empty : string.Empty;
                string? data = error.TryGetProperty("data", out JsonElement d) ? d.GetRawText() : null;
                throw new EthereumRpcException(code, message, data);
            }

            if (!root.TryGetProperty("result", out JsonElement result))
            {
                throw new EvmFormatException($"{method}: the response has neither result nor error.");
            }

            return result.Clone();
        }
        catch (JsonException e)
        {
            throw new EvmFormatException($"{method}: the response is not JSON.", e);
        }
        catch (InvalidOperationException e)
        {
            throw new EvmFormatException($"{method}: unexpected response shape.", e);
        }
    }

    internal static byte[] WriteRequest(long? id, string method, IReadOnlyList<object?> parameters)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            if (id is long value)
            {
                writer.WriteNumber("id", value);
            }

            writer.WriteString("method", method);
            writer.WritePropertyName("params");
            WriteValue(writer, parameters.ToArray());
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case ulong ul:
                writer.WriteNumberValue(ul);
                break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (KeyValuePair<string, object?> pair in map)
                {
                    writer.WritePropertyName(pair.Key);
                    WriteValue(writer, pair.Value);
                }

                writer.WriteEndObject();
                break;
            case System.Collections.IEnumerable list:
                writer.WriteStartArray();
                foreach (object? item in list)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"Unsupported JSON-RPC parameter type {value.GetType()}.", nameof(value));
        }
    }

    private static Dictionary<string, object?> CallObject(CallRequest call)
    {
        var obj = new Dictionary<string, object?>();
        if (call.From is Address from)
        {
            obj["from"] = Lower(from);
        }

        if (call.To is Address to)
        {
            obj["to"] = Lower(to);
        }

        if (call.Gas is ulong gas)
        {
            obj["gas"] = Hex.EncodeQuantity(gas);
        }

        if (call.Value is BigInteger v)
        {
            obj["value"] = Hex.EncodeQuantity(v);
        }

        obj["input"] = Hex.Encode(call.Data.Span);
        return obj;
    }

    private static string Lower(Address address) => Hex.Encode(address.Bytes);

    private static ulong Quantity(JsonElement e) => RpcJson.Parse(e, r => Hex.DecodeQuantityUInt64(r.GetString()));

    private static BigInteger BigQuantity(JsonElement e) => RpcJson.Parse(e, r => Hex.DecodeQuantity(r.GetString()));

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "JSON-RPC attempt {Attempt} failed ({Reason}); retrying in {Delay}")]
    private static partial void LogRetry(ILogger logger, int attempt, TimeSpan delay, string? reason);

    /// <summary>An HTTP timeout (not the caller's cancellation), treated as transient.</summary>
    private sealed class TransientRpcTimeoutException : Exception
    {
        public TransientRpcTimeoutException(string message, Exception inner)
            : base(message, inner)
        {
        }
    }
}
