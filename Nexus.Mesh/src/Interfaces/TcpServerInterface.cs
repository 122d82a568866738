using System.Net;
using System.Net.Sockets;

namespace Nexus.Mesh;

/// <summary>
/// A Reticulum TCP server interface: listens on an endpoint and, like RNS
/// <c>TCPServerInterface</c>, spawns one child interface per connected client (HDLC framing by
/// default), announced through <see cref="InterfaceSpawned"/> so the transport routes per client.
/// The server itself carries no packets (<see cref="IsOnline"/> is false).
/// </summary>
public sealed class TcpServerInterface : MeshInterface
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private readonly List<SpawnedTcpInterface> _clients = [];
    private readonly StreamFraming _framing;
    private Task? _accept;
    private int _next;

    /// <summary>Creates the server (call <see cref="StartAsync"/> to listen).</summary>
    /// <param name="name">Name; children are named <c>name/n</c>.</param>
    /// <param name="endpoint">Where to listen (use port 0 for any free port; see <see cref="LocalEndPoint"/>).</param>
    /// <param name="framing">HDLC (default) or KISS.</param>
    /// <param name="bitrateBitsPerSecond">Nominal bitrate in bit/s (default 10 Mbit/s).</param>
    public TcpServerInterface(string name, IPEndPoint endpoint, StreamFraming framing = StreamFraming.Hdlc, long bitrateBitsPerSecond = 10_000_000)
        : base(name, bitrateBitsPerSecond)
    {
        _listener = new TcpListener(endpoint);
        _framing = framing;
    }

    /// <summary>Raised for each accepted client, with the child interface that carries its packets.</summary>
    public event Action<MeshInterface>? InterfaceSpawned;

    /// <summary>
    /// Raised once when a spawned child's client disconnects (end of stream, reset, broken pipe),
    /// after the child went offline and was dropped from <see cref="ConnectedClients"/>; a transport
    /// detaches it then (RNS detaches a spawned interface the same way). Not raised for children
    /// still connected when the server is disposed.
    /// </summary>
    public event Action<MeshInterface>? InterfaceClosed;

    /// <summary>Number of spawned children whose client is still connected.</summary>
    public int ConnectedClients
    {
        get
        {
            lock (_clients)
            {
                return _clients.Count;
            }
        }
    }

    /// <summary>The bound endpoint (after <see cref="StartAsync"/>).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <inheritdoc />
    public override bool IsOnline => false;

    /// <inheritdoc />
    public override ValueTask StartAsync(CancellationToken cancellationToken = default)
    {
        if (_accept is null)
        {
            _listener.Start();
            _accept = Task.Run(() => AcceptLoopAsync(_stop.Token), CancellationToken.None);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override bool TrySendCore(ReadOnlySpan<byte> frame) => false;

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        if (_accept is not null)
        {
            await _accept.ConfigureAwait(false);
        }

        SpawnedTcpInterface[] clients;
        lock (_clients)
        {
            clients = [.. _clients];
        }

        foreach (var c in clients)
        {
            await c.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            client.NoDelay = true;
            var child = new SpawnedTcpInterface($"{Name}/{Interlocked.Increment(ref _next)}", client, _framing, BitrateBitsPerSecond) { AccessCode = AccessCode };
            lock (_clients)
            {
                _clients.Add(child);
            }

            InterfaceSpawned?.Invoke(child);
            child.Start(this, cancellationToken);
        }
    }

    // Runs on the child's task when its stream ended without the child being disposed.
    private void OnChildDisconnected(SpawnedTcpInterface child)
    {
        bool removed;
        lock (_clients)
        {
            removed = _clients.Remove(child);
        }

        if (removed && Volatile.Read(ref _disposed) == 0)
        {
            InterfaceClosed?.Invoke(child);
        }
    }

    private sealed class SpawnedTcpInterface(string name, TcpClient client, StreamFraming framing, long bitrate) : StreamInterface(name, bitrate, framing)
    {
        private readonly CancellationTokenSource _stop = new();
        private int _disposed;
        private Task? _run;

        public void Start(TcpServerInterface server, CancellationToken cancellationToken)
        {
            var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
            _run = Task.Run(
                async () =>
                {
                    try
                    {
                        using (linked)
                        using (client)
                        {
                            await using var stream = client.GetStream();
                            await RunStreamAsync(stream, linked.Token).ConfigureAwait(false);
                        }
                    }
                    catch (Exception e) when (e is IOException or ObjectDisposedException)
                    {
                        // The socket closed under us (disposal, reset): the connection is over either way.
                    }
                    finally
                    {
                        // Also after an unexpected exception: a dead child must not stay attached.
                        if (Volatile.Read(ref _disposed) == 0)
                        {
                            server.OnChildDisconnected(this);
                        }
                    }
                },
                CancellationToken.None);
        }

        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            await _stop.CancelAsync().ConfigureAwait(false);
            client.Dispose();
            if (_run is not null)
            {
                await _run.ConfigureAwait(false);
            }

            _stop.Dispose();
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
