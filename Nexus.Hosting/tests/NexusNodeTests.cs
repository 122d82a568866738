using System.Net;
using System.Text.Json.Nodes;
using Nexus.Crypto;

namespace Nexus.Hosting.Tests;

public sealed class NexusNodeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("nx-node-");

    public void Dispose() => _dir.Delete(recursive: true);

    private NodeOptions Options => new() { DataDirectory = _dir.FullName, Interfaces = [] };

    [Fact]
    public async Task First_start_creates_a_private_identity_that_later_starts_reuse()
    {
        string hash;
        await using (var node = await NexusNode.StartAsync(Options))
        {
            hash = node.Identity.ToString();
            Assert.True(File.Exists(Path.Combine(_dir.FullName, "identity")));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir.FullName, "identity")));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir.FullName));
            }
        }

        await using var again = await NexusNode.StartAsync(Options);
        Assert.Equal(hash, again.Identity.ToString());
    }

    [Fact]
    public async Task Corrupt_identity_is_a_one_line_error_and_the_file_is_kept()
    {
        string path = Path.Combine(_dir.FullName, "identity");
        byte[] garbage = [1, 2, 3, 4, 5];
        File.WriteAllBytes(path, garbage);
        var e = await Assert.ThrowsAsync<NodeStartException>(() => NexusNode.StartAsync(Options));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(garbage, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task A_second_node_on_the_same_data_directory_is_refused()
    {
        await using var node = await NexusNode.StartAsync(Options);
        var e = await Assert.ThrowsAsync<NodeStartException>(() => NexusNode.StartAsync(Options));
        Assert.Contains("already running", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_and_peer_changes_over_the_control_socket_apply_live_and_persist()
    {
        var trusted = Hash128.Parse("00112233445566778899aabbccddeeff");
        await using (var node = await NexusNode.StartAsync(Options))
        {
            await using var client = await ControlClient.ConnectAsync(Options.ResolvedControlSocketPath);
            var status = await client.CallAsync("status");
            Assert.Equal(node.Identity.ToString(), status.GetProperty("identity").GetProperty("hash").GetString());

            var added = await client.CallAsync("peer.add", new JsonObject { ["tcp"] = "127.0.0.1:4300" });
            Assert.True(added.GetProperty("changed").GetBoolean());
            Assert.False((await client.CallAsync("peer.add", new JsonObject { ["tcp"] = "127.0.0.1:4300" })).GetProperty("changed").GetBoolean());
            await client.CallAsync("peer.add", new JsonObject { ["trusted"] = trusted.ToString() });
            Assert.Equal(new IPEndPoint(IPAddress.Loopback, 4300), Assert.Single(node.Peers.TcpPeers));

            var bad = await Assert.ThrowsAsync<ControlException>(() => client.CallAsync("peer.add", new JsonObject { ["tcp"] = "nowhere" }));
            Assert.Equal(ControlException.InvalidParams, bad.Code);
        }

        await using var restarted = await NexusNode.StartAsync(Options);
        Assert.Equal(trusted, Assert.Single(restarted.Peers.Trusted));
        Assert.Single(restarted.Peers.TcpPeers);
    }

    [Fact]
    public async Task A_corrupt_peer_list_stops_the_start_with_a_clear_error_and_is_not_overwritten()
    {
        string path = Path.Combine(_dir.FullName, "peers.json");
        File.WriteAllText(path, "{ \"tcp\": [\"x\"] }");
        var e = await Assert.ThrowsAsync<NodeStartException>(() => NexusNode.StartAsync(Options));
        Assert.Contains("peers.json", e.Message, StringComparison.Ordinal);
        Assert.Equal("{ \"tcp\": [\"x\"] }", File.ReadAllText(path));
    }
}
