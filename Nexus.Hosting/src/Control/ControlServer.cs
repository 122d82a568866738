using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Nexus.Hosting;

/// <summary>
/// A control method: receives the request's <c>params</c> (null when absent) and returns the
/// <c>result</c>. Throw <see cref="ControlException"/> (for example with
/// <see cref="ControlException.InvalidParams"/>) to answer with that error; any other exception
/// answers <see cref="ControlException.InternalError"/> and is logged.
/// </summary>
/// <param name="parameters">The request's params (object or array), or null.</param>
/// <param name="cancellationToken">Cancelled when the server stops.</param>
/// <returns>The result value (null is sent as JSON null).</returns>
public delegate ValueTask<JsonNode?> ControlMethod(JsonElement? parameters, CancellationToken cancellationToken);

/// <summary>
/// The node's local control API: JSON-RPC 2.0 (https://www.jsonrpc.org/specification) over a Unix
/// domain socket, one UTF-8 JSON message per line (newline-delimited), requests answered in
/// order per connection. The socket file is created with mode 0600, so only the node's user can
/// control it. Requests longer than <see cref="MaxRequestBytes"/> close the connection. Batch
/// requests are not supported (answered with <see cref="ControlException.InvalidRequest"/>).
/// </summary>
public sealed partial class ControlServer : IAsyncDisposable
{
    /// <summary>The longest request line accepted: 1 MiB.</summary>
    public const int MaxRequestBytes = 1 << 20;

    private readonly string _path;
    private readonly IReadOnlyDictionary<string, ControlMethod> _methods;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private Socket? _listener;
    private Task? _acceptLoop;

    /// <summary>Creates a server; call <see cref="Start"/> to listen.</summary>
    /// <param name="socketPath">The Unix socket path (at most about 100 bytes on Linux).</param>
    /// <param name="methods">Method name → handler.</param>
    /// <param name="logger">Logger; null for none.</param>
    public ControlServer(string socketPath, IReadOnlyDictionary<string, ControlMethod> methods, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(methods);
        _path = socketPath;
        _methods = methods;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The socket path.</summary>
    public string SocketPath => _path;

    /// <summary>
    /// Binds the socket and starts accepting connections. A stale socket file (no one listening)
    /// is replaced.
    /// </summary>
    /// <exception cref="IOException">Another process is already serving this socket (another node runs with the same data directory), or the path cannot be bound.</exception>
    public void Start()
    {
        if (File.Exists(_path))
        {
            if (IsServed(_path))
            {
                throw new IOException($"Another node is already running with control socket {_path}.");
            }

            File.Delete(_path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(_path));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            listener.Listen(16);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new IOException($"Cannot listen on control socket {_path}: {e.Message}", e);
        }

        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener);
    }

    private static bool IsServed(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int read = await stream.ReadAsync(chunk, _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                int start = 0;
                for (int i = 0; i < read; i++)
                {
                    if (chunk[i] != (byte)'\n')
                    {
                        continue;
                    }

                    buffer.Write(chunk, start, i - start);
                    start = i + 1;
                    byte[] response = await HandleAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).ConfigureAwait(false);
                    buffer.SetLength(0);
                    await stream.WriteAsync(response, _stop.Token).ConfigureAwait(false);
                }

                buffer.Write(chunk, start, read - start);
                if (buffer.Length > MaxRequestBytes)
                {
                    LogRequestTooLong(_logger, MaxRequestBytes);
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
            // The client went away or the server is stopping.
        }
    }

    /// <summary>Answers one request line; the result ends with a newline.</summary>
    internal async Task<byte[]> HandleAsync(ReadOnlyMemory<byte> line)
    {
        JsonNode? id = null;
        try
        {
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 32 });
            }
            catch (JsonException e)
            {
                return Error(null, ControlException.ParseError, "Parse error: " + e.Message.Split('\n')[0]);
            }

            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return Error(null, ControlException.InvalidRequest, "Invalid request: expected one JSON object (batches are not supported).");
                }

                if (root.TryGetProperty("id", out var idElement) && idElement.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                {
                    id = JsonNode.Parse(idElement.GetRawText());
                }

                if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0" ||
                    !root.TryGetProperty("method", out var methodElement) || methodElement.ValueKind != JsonValueKind.String)
                {
                    return Error(id, ControlException.InvalidRequest, "Invalid request: jsonrpc must be \"2.0\" and method a string.");
                }

                string method = methodElement.GetString()!;
                if (!_methods.TryGetValue(method, out var handler))
                {
                    return Error(id, ControlException.MethodNotFound, $"Method not found: {method}.");
                }

                JsonElement? parameters = root.TryGetProperty("params", out var p) && p.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? p.Clone() : null;
                JsonNode? result = await handler(parameters, _stop.Token).ConfigureAwait(false);
                var response = new JsonObject { ["jsonrpc"] = "2.0", ["result"] = result, ["id"] = id };
                return Line(response);
            }
        }
        catch (ControlException e)
        {
            return Error(id, e.Code, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogMethodFailed(_logger, e);
            return Error(id, ControlException.InternalError, "Internal error: " + e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Control request over {Limit} bytes; closing the connection")]
    private static partial void LogRequestTooLong(ILogger logger, int limit);

    [LoggerMessage(Level = LogLevel.Error, Message = "Control method failed")]
    private static partial void LogMethodFailed(ILogger logger, Exception exception);

    private static byte[] Error(JsonNode? id, int code, string message) =>
        Line(new JsonObject { ["jsonrpc"] = "2.0", ["error"] = new JsonObject { ["code"] = code, ["message"] = message }, ["id"] = id });

    private static byte[] Line(JsonObject message) => Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");

    /// <summary>Stops accepting, closes connections and removes the socket file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open).ConfigureAwait(false);
        if (_listener is not null)
        {
            try
            {
                File.Delete(_path);
            }
            catch (IOException)
            {
                // Already gone.
            }
        }

        _stop.Dispose();
    }
}
