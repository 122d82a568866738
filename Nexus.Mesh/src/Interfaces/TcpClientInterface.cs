using System.Net.Sockets;

namespace Nexus.Mesh;

/// <summary>
/// A Reticulum TCP client interface with HDLC framing (or KISS when asked): connects to
/// <see cref="Host"/>:<see cref="Port"/>, and after a failure or disconnect reconnects with
/// exponential backoff — delays <see cref="InitialReconnectDelay"/>, ×2 each attempt, capped at
/// <see cref="MaxReconnectDelay"/>, reset after a successful connection — timed on the
/// <see cref="TimeProvider"/>. A real RNS <c>TCPServerInterface</c> accepts it.
/// </summary>
public sealed class TcpClientInterface : StreamInterface
{
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private Task? _run;
    private long _connectAttempts;

    /// <summary>Creates the interface (call <see cref="StartAsync"/> to connect).</summary>
    /// <param name="name">Name.</param>
    /// <param name="host">Host name or address.</param>
    /// <param name="port">TCP port.</param>
    /// <param name="timeProvider">Clock for the backoff (default: system).</param>
    /// <param name="framing">HDLC (default) or KISS.</param>
    /// <param name="bitrateBitsPerSecond">Nominal bitrate in bit/s (default 10 Mbit/s, RNS's TCP figure).</param>
    public TcpClientInterface(string name, string host, int port, TimeProvider? timeProvider = null, StreamFraming framing = StreamFraming.Hdlc, long bitrateBitsPerSecond = 10_000_000)
        : base(name, bitrateBitsPerSecond, framing)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        Host = host;
        Port = port;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The server host.</summary>
    public string Host { get; }

    /// <summary>The server port.</summary>
    public int Port { get; }

    /// <summary>First reconnect delay (default 1 s).</summary>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest reconnect delay (default 60 s).</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Connection attempts made so far.</summary>
    public long ConnectAttempts => Interlocked.Read(ref _connectAttempts);

    /// <summary>The delay before reconnect attempt <paramref name="failures"/> (0-based): initial × 2^failures, capped.</summary>
    /// <param name="failures">Consecutive failures so far.</param>
    /// <returns>The delay.</returns>
    public TimeSpan GetReconnectDelay(int failures)
    {
        var ticks = InitialReconnectDelay.Ticks * Math.Pow(2, Math.Min(failures, 30));
        return ticks >= MaxReconnectDelay.Ticks ? MaxReconnectDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <inheritdoc />
    public override ValueTask StartAsync(CancellationToken cancellationToken = default)
    {
        _run ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }

        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _connectAttempts);
            try
            {
                using var client = new TcpClient { NoDelay = true };
                await client.ConnectAsync(Host, Port, cancellationToken).ConfigureAwait(false);
                failures = 0;
                await using var stream = client.GetStream();
                await RunStreamAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
            }
            catch (IOException)
            {
            }

            try
            {
                await Task.Delay(GetReconnectDelay(failures++), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
