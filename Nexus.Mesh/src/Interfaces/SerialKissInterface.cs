using System.IO.Ports;

namespace Nexus.Mesh;

/// <summary>
/// A serial interface with KISS framing (RNS <c>SerialInterface</c>/KISS TNCs) over
/// <see cref="SerialPort"/>: 8N1 at <see cref="BaudRate"/>; nominal bitrate = baud rate.
/// Opens the port on <see cref="StartAsync"/>; reads and writes run through System.IO.Pipelines.
/// </summary>
public sealed class SerialKissInterface : StreamInterface
{
    private readonly SerialPort _port;
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private Task? _run;

    /// <summary>Creates the interface.</summary>
    /// <param name="name">Name.</param>
    /// <param name="portName">Device, e.g. <c>/dev/ttyUSB0</c>.</param>
    /// <param name="baudRate">Baud rate (bit/s).</param>
    public SerialKissInterface(string name, string portName, int baudRate = 115_200)
        : base(name, baudRate, StreamFraming.Kiss)
    {
        ArgumentException.ThrowIfNullOrEmpty(portName);
        BaudRate = baudRate;
        _port = new SerialPort(portName, baudRate, Parity.None, 8, StopBits.One) { Handshake = Handshake.None };
    }

    /// <summary>The baud rate.</summary>
    public int BaudRate { get; }

    /// <summary>Opens the port and starts reading.</summary>
    /// <param name="cancellationToken">Unused; present for the base signature.</param>
    /// <returns>A completed task.</returns>
    /// <exception cref="IOException">The port cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">Access to the port is denied.</exception>
    public override ValueTask StartAsync(CancellationToken cancellationToken = default)
    {
        if (_run is null)
        {
            _port.Open();
            var stream = _port.BaseStream;
            _run = Task.Run(() => RunStreamAsync(stream, _stop.Token), CancellationToken.None);
        }

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
        _port.Dispose();
        if (_run is not null)
        {
            try
            {
                await _run.ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }

        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
