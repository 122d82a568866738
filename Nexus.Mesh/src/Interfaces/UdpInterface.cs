using System.Net;
using System.Net.Sockets;

namespace Nexus.Mesh;

/// <summary>
/// A Reticulum UDP interface (RNS <c>UDPInterface</c>): one packet per datagram, no framing; binds
/// <see cref="ListenEndPoint"/> and sends every packet to <see cref="ForwardEndPoint"/> (a peer or a
/// broadcast address). Datagrams are sent synchronously from <see cref="MeshInterface.TrySend"/>.
/// </summary>
public sealed class UdpInterface : MeshInterface
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private Task? _receive;

    /// <summary>Creates and binds the interface.</summary>
    /// <param name="name">Name.</param>
    /// <param name="listen">Local endpoint to bind (port 0 for any).</param>
    /// <param name="forward">Where packets are sent.</param>
    /// <param name="bitrateBitsPerSecond">Nominal bitrate in bit/s (default 10 Mbit/s).</param>
    public UdpInterface(string name, IPEndPoint listen, IPEndPoint forward, long bitrateBitsPerSecond = 10_000_000)
        : base(name, bitrateBitsPerSecond)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ForwardEndPoint = forward ?? throw new ArgumentNullException(nameof(forward));
        _socket = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(listen);
    }

    /// <summary>The bound local endpoint.</summary>
    public IPEndPoint ListenEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>The destination of outgoing datagrams.</summary>
    public IPEndPoint ForwardEndPoint { get; set; }

    /// <inheritdoc />
    public override bool IsOnline => !_stop.IsCancellationRequested;

    /// <inheritdoc />
    public override ValueTask StartAsync(CancellationToken cancellationToken = default)
    {
        _receive ??= Task.Run(() => ReceiveLoopAsync(_stop.Token), CancellationToken.None);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override bool TrySendCore(ReadOnlySpan<byte> frame)
    {
        try
        {
            return _socket.SendTo(frame, SocketFlags.None, ForwardEndPoint) == frame.Length;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        if (_receive is not null)
        {
            await _receive.ConfigureAwait(false);
        }

        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
                OnFrameReceived(buffer.AsSpan(0, result.ReceivedBytes));
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
            }
        }
    }
}
