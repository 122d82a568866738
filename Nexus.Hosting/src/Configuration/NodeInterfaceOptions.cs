using System.Net;

namespace Nexus.Hosting;

/// <summary>The kind of a configured mesh interface.</summary>
public enum NodeInterfaceKind
{
    /// <summary>A Reticulum-compatible TCP server (HDLC framing) listening on <see cref="NodeInterfaceOptions.Endpoint"/>.</summary>
    TcpServer,

    /// <summary>A TCP client that connects (and reconnects with backoff) to <see cref="NodeInterfaceOptions.Endpoint"/>.</summary>
    TcpClient,

    /// <summary>A UDP interface bound to <see cref="NodeInterfaceOptions.Endpoint"/>, sending to <see cref="NodeInterfaceOptions.Forward"/>.</summary>
    Udp,

    /// <summary>A serial port with KISS framing (a LoRa TNC/modem) at <see cref="NodeInterfaceOptions.SerialPort"/>.</summary>
    Serial,
}

/// <summary>One configured mesh interface of a node.</summary>
public sealed record NodeInterfaceOptions
{
    /// <summary>The interface kind.</summary>
    public required NodeInterfaceKind Kind { get; init; }

    /// <summary>A name for status output and logs (default: kind and address, e.g. <c>tcp-server 127.0.0.1:4242</c>).</summary>
    public string? Name { get; init; }

    /// <summary>TCP server/UDP: the local address to listen on; TCP client: the address to connect to. Null for serial.</summary>
    public IPEndPoint? Endpoint { get; init; }

    /// <summary>UDP only: where datagrams are sent (a unicast or broadcast address). Null otherwise.</summary>
    public IPEndPoint? Forward { get; init; }

    /// <summary>Serial only: the device path, e.g. <c>/dev/ttyUSB0</c>.</summary>
    public string? SerialPort { get; init; }

    /// <summary>Serial only: the line speed in bits per second (default 115,200).</summary>
    public int BaudRate { get; init; } = 115_200;

    /// <summary>The display name: <see cref="Name"/> or a generated one.</summary>
    public string DisplayName => Name ?? Kind switch
    {
        NodeInterfaceKind.TcpServer => $"tcp-server {Endpoint}",
        NodeInterfaceKind.TcpClient => $"tcp-client {Endpoint}",
        NodeInterfaceKind.Udp => $"udp {Endpoint}",
        _ => $"serial {SerialPort}",
    };
}
