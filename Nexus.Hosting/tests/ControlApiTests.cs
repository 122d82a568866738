using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nexus.Hosting.Tests;

public sealed class ControlApiTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("nx-ctl-");

    private string SocketPath => Path.Combine(_dir.FullName, "control.sock");

    public void Dispose() => _dir.Delete(recursive: true);

    private static Dictionary<string, ControlMethod> Methods() => new()
    {
        ["echo"] = (p, _) => ValueTask.FromResult<JsonNode?>(p is { } e ? JsonNode.Parse(e.GetRawText()) : null),
        ["fail"] = (_, _) => throw new ControlException(ControlException.InvalidParams, "peer: expected host:port"),
        ["crash"] = (_, _) => throw new InvalidOperationException("boom"),
    };

    [Fact]
    public async Task Calls_round_trip_and_errors_carry_their_JSON_RPC_codes()
    {
        await using var server = new ControlServer(SocketPath, Methods());
        server.Start();
        await using var client = await ControlClient.ConnectAsync(SocketPath);

        var result = await client.CallAsync("echo", new JsonObject { ["a"] = 1 });
        Assert.Equal(1, result.GetProperty("a").GetInt32());
        var again = await client.CallAsync("echo", new JsonArray(1, 2, 3));
        Assert.Equal(3, again.GetArrayLength());

        Assert.Equal(ControlException.InvalidParams, (await Assert.ThrowsAsync<ControlException>(() => client.CallAsync("fail"))).Code);
        Assert.Equal(ControlException.MethodNotFound, (await Assert.ThrowsAsync<ControlException>(() => client.CallAsync("nope"))).Code);
        var crash = await Assert.ThrowsAsync<ControlException>(() => client.CallAsync("crash"));
        Assert.Equal(ControlException.InternalError, crash.Code);

        // The connection survives errors.
        Assert.Equal(JsonValueKind.Null, (await client.CallAsync("echo")).ValueKind);
    }

    [Fact]
    public async Task Socket_is_private_to_the_user_and_removed_on_dispose()
    {
        var server = new ControlServer(SocketPath, Methods());
        server.Start();
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath));
        }

        await server.DisposeAsync();
        Assert.False(File.Exists(SocketPath));
        var e = await Assert.ThrowsAsync<ControlException>(() => ControlClient.ConnectAsync(SocketPath));
        Assert.Equal(ControlException.NotRunning, e.Code);
    }

    [Fact]
    public async Task A_second_server_on_a_served_socket_is_refused_but_a_stale_socket_is_replaced()
    {
        await using (var first = new ControlServer(SocketPath, Methods()))
        {
            first.Start();
            var second = new ControlServer(SocketPath, Methods());
            var e = Assert.Throws<IOException>(second.Start);
            Assert.Contains("already running", e.Message, StringComparison.Ordinal);
        }

        // A stale socket file left by a killed node: bound, nobody listening (.NET would unlink it on
        // dispose, which a kill -9 never does, so keep it open without listening).
        using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        stale.Bind(new UnixDomainSocketEndPoint(SocketPath));
        Assert.True(File.Exists(SocketPath));
        await using var server = new ControlServer(SocketPath, Methods());
        server.Start();
        await using var client = await ControlClient.ConnectAsync(SocketPath);
        Assert.Equal(5, (await client.CallAsync("echo", new JsonArray(5)))[0].GetInt32());
    }

    [Theory]
    [InlineData("not json", ControlException.ParseError)]
    [InlineData("[1,2]", ControlException.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"1.0\",\"method\":\"echo\",\"id\":1}", ControlException.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":5,\"id\":1}", ControlException.InvalidRequest)]
    public async Task Malformed_requests_get_JSON_RPC_errors(string request, int code)
    {
        await using var server = new ControlServer(SocketPath, Methods());
        byte[] answer = await server.HandleAsync(Encoding.UTF8.GetBytes(request));
        using var doc = JsonDocument.Parse(answer);
        Assert.Equal(code, doc.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal((byte)'\n', answer[^1]);
    }

    [Fact]
    public async Task Random_bytes_never_crash_the_handler()
    {
        await using var server = new ControlServer(SocketPath, Methods());
        var random = new Random(42);
        for (int i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            using var doc = JsonDocument.Parse(await server.HandleAsync(bytes));
            Assert.True(doc.RootElement.TryGetProperty("error", out _) || doc.RootElement.TryGetProperty("result", out _));
        }
    }
}
