using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nexus.Hosting;

/// <summary>
/// Calls a running node's control API (<see cref="ControlServer"/>): one connection per client,
/// one request at a time. Used by <c>nexus status</c> and <c>nexus peer</c>.
/// </summary>
public sealed class ControlClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[8192];
    private readonly MemoryStream _pending = new();
    private long _nextId;

    private ControlClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects to the node's control socket.</summary>
    /// <param name="socketPath">The control socket path.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <exception cref="ControlException">With <see cref="ControlException.NotRunning"/>: no node listens at <paramref name="socketPath"/>.</exception>
    public static async Task<ControlClient> ConnectAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return new ControlClient(socket);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ControlException(ControlException.NotRunning, $"No node is running with control socket {socketPath} ({e.SocketErrorCode}). Start one with 'nexus node'.", e);
        }
    }

    /// <summary>Calls <paramref name="method"/> and returns its result (a clone, valid after the call).</summary>
    /// <param name="method">The method name, e.g. <c>status</c>.</param>
    /// <param name="parameters">The params object or array; null to omit.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ControlException">The node answered with an error (its code), the connection broke, or the answer is not JSON-RPC 2.0.</exception>
    public async Task<JsonElement> CallAsync(string method, JsonNode? parameters = null, CancellationToken cancellationToken = default)
    {
        long id = ++_nextId;
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["id"] = id };
        if (parameters is not null)
        {
            request["params"] = parameters;
        }

        try
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"), cancellationToken).ConfigureAwait(false);
            byte[] line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.TryGetProperty("error", out var error))
            {
                int code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out int v) ? v : ControlException.InternalError;
                string message = error.TryGetProperty("message", out var m) ? m.GetString() ?? "error" : "error";
                throw new ControlException(code, message);
            }

            if (!root.TryGetProperty("result", out var result))
            {
                throw new ControlException(ControlException.InvalidRequest, "The node's answer has neither result nor error.");
            }

            return result.Clone();
        }
        catch (Exception e) when (e is IOException or SocketException or JsonException)
        {
            throw new ControlException(ControlException.InternalError, $"Control connection failed: {e.Message}", e);
        }
    }

    private async Task<byte[]> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var pending = _pending.GetBuffer().AsSpan(0, (int)_pending.Length);
            int newline = pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                byte[] line = pending[..newline].ToArray();
                byte[] rest = pending[(newline + 1)..].ToArray();
                _pending.SetLength(0);
                _pending.Write(rest);
                return line;
            }

            if (_pending.Length > ControlServer.MaxRequestBytes * 16)
            {
                throw new IOException("The node's answer is too long.");
            }

            int read = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("The node closed the control connection.");
            }

            _pending.Write(_buffer, 0, read);
        }
    }

    /// <summary>Closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _pending.DisposeAsync().ConfigureAwait(false);
    }
}
