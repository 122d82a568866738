// EmbeddedChat: two processes exchange text messages through embedded Nexus nodes.
//   dotnet run --project samples/EmbeddedChat -- --data-dir /tmp/alice --listen 127.0.0.1:4500
//   dotnet run --project samples/EmbeddedChat -- --data-dir /tmp/bob --listen 127.0.0.1:4501 --peer 127.0.0.1:4500
// Type a line and press Enter: it goes to every node this one has a route to.
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nexus.Hosting;

string? dataDir = null, listen = null, peer = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--data-dir": dataDir = args[i + 1]; break;
        case "--listen": listen = args[i + 1]; break;
        case "--peer": peer = args[i + 1]; break;
        default:
            Console.Error.WriteLine($"embedded-chat: unknown option {args[i]} (use --data-dir DIR --listen ADDR:PORT [--peer ADDR:PORT])");
            return 1;
    }
}

if (dataDir is null || listen is null || !IPEndPoint.TryParse(listen, out var listenAt) || (peer is not null && !IPEndPoint.TryParse(peer, out _)))
{
    Console.Error.WriteLine("embedded-chat: usage: --data-dir DIR --listen ADDR:PORT [--peer ADDR:PORT]");
    return 1;
}

var interfaces = new List<NodeInterfaceOptions> { new() { Kind = NodeInterfaceKind.TcpServer, Endpoint = listenAt } };
if (peer is not null)
{
    interfaces.Add(new NodeInterfaceOptions { Kind = NodeInterfaceKind.TcpClient, Endpoint = IPEndPoint.Parse(peer) });
}

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddNexusNode(new NodeOptions
{
    DataDirectory = Path.GetFullPath(dataDir),
    Interfaces = interfaces,
    AnnounceIntervalSeconds = 10,
});
using var host = builder.Build();
try
{
    await host.StartAsync();
}
catch (NodeStartException e)
{
    Console.Error.WriteLine($"embedded-chat: {e.Message}");
    return 1;
}

var node = host.Services.GetRequiredService<NexusNodeHost>().Node;
node.MessageReceived += (_, e) => Console.WriteLine($"[{e.Sender.ToString()[..8]}] {Encoding.UTF8.GetString(e.Data.Span)}");
Console.WriteLine($"chat node {node.Identity} (destination {node.Destination.Hash}) listening on {listen}; type a message and press Enter, Ctrl+D to quit.");

while (await Console.In.ReadLineAsync() is { } line)
{
    byte[] text = Encoding.UTF8.GetBytes(line);
    if (text.Length > NexusNode.MaxMessageSize)
    {
        Console.Error.WriteLine($"(too long: at most {NexusNode.MaxMessageSize} bytes)");
        continue;
    }

    int sent = 0;
    foreach (var route in node.Mesh.GetBestRoutes())
    {
        sent += await node.SendAsync(route.Destination, text) ? 1 : 0;
    }

    Console.WriteLine(sent == 0 ? "(no peer reachable yet: wait for its announce)" : $"(sent to {sent})");
}

await host.StopAsync();
return 0;
