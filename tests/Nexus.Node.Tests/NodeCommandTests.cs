using Nexus.Hosting;

namespace Nexus.Node.Tests;

public sealed class NodeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nx-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = NexusCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Status_without_a_running_node_is_one_line_telling_how_to_start_one()
    {
        var (code, output, error) = Run("status", "--data-dir", _dir);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("No node is running", error, StringComparison.Ordinal);
        Assert.Contains("nexus node", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Status_and_peer_commands_talk_to_a_running_node()
    {
        await using var node = await NexusNode.StartAsync(new NodeOptions { DataDirectory = _dir, Interfaces = [] });

        var (code, output, error) = Run("status", "--data-dir", _dir);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains(node.Identity.ToString(), output, StringComparison.Ordinal);

        Assert.Equal(0, Run("peer", "add", "127.0.0.1:4311", "--data-dir", _dir).Code);
        Assert.Equal(0, Run("peer", "add", "00112233445566778899aabbccddeeff", "--data-dir", _dir).Code);
        var list = Run("peer", "list", "--data-dir", _dir);
        Assert.Contains("tcp      127.0.0.1:4311", list.Out, StringComparison.Ordinal);
        Assert.Contains("trusted  00112233445566778899aabbccddeeff", list.Out, StringComparison.Ordinal);

        var bad = Run("peer", "add", "not-a-hash", "--data-dir", _dir);
        Assert.Equal(1, bad.Code);
        Assert.Contains("not an identity hash", bad.Err, StringComparison.Ordinal);

        var json = Run("status", "--json", "--data-dir", _dir);
        Assert.Contains("\"hash\": \"" + node.Identity, json.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_with_a_malformed_config_file_fails_with_one_line()
    {
        string config = Path.Combine(_dir, "node.toml");
        File.WriteAllText(config, "[[interfaces]]\ntype = \"tcp_server\"\nlisten = \"nowhere\"\n");
        var (code, _, error) = Run("node", "--config", config, "--data-dir", _dir);
        Assert.Equal(1, code);
        Assert.StartsWith("nexus node: " + config + ": interfaces[0].listen", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Node_with_a_corrupt_identity_fails_with_one_line_and_keeps_the_file()
    {
        File.WriteAllBytes(Path.Combine(_dir, "identity"), [9, 9, 9]);
        var (code, _, error) = Run("node", "--data-dir", _dir);
        Assert.Equal(1, code);
        Assert.Contains("Cannot use identity file", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Equal([9, 9, 9], File.ReadAllBytes(Path.Combine(_dir, "identity")));
    }
}
