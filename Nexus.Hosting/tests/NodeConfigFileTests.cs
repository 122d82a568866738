using System.Net;
using CsCheck;
using Nexus.Crypto;

namespace Nexus.Hosting.Tests;

public class NodeConfigFileTests
{
    [Fact]
    public void Empty_configuration_gives_the_embedded_defaults()
    {
        var options = NodeConfigFile.ParseToml("");
        var tcp = Assert.Single(options.Interfaces);
        Assert.Equal(NodeInterfaceKind.TcpServer, tcp.Kind);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 4242), tcp.Endpoint);
        Assert.Equal(Path.Combine(options.DataDirectory, "identity"), options.ResolvedIdentityPath);
        Assert.Equal(Path.Combine(options.DataDirectory, "control.sock"), options.ResolvedControlSocketPath);
        Assert.Null(options.MetricsEndpoint);
    }

    [Fact]
    public void Full_toml_configuration_is_read()
    {
        const string toml = """
            data_dir = "/tmp/nexus-a"
            price_per_packet_unxs = 25
            announce_interval_s = 600
            metrics = "127.0.0.1:9464"
            trusted_peers = ["00112233445566778899aabbccddeeff"]

            [[interfaces]]
            type = "tcp_server"
            listen = "127.0.0.1:5000"

            [[interfaces]]
            type = "tcp_client"
            connect = "127.0.0.1:5001"
            name = "uplink"

            [[interfaces]]
            type = "udp"
            listen = "127.0.0.1:5002"
            forward = "127.0.0.1:5003"

            [[interfaces]]
            type = "serial"
            port = "/dev/ttyUSB0"
            baud = 9600
            """;
        var options = NodeConfigFile.ParseToml(toml);
        Assert.Equal("/tmp/nexus-a", options.DataDirectory);
        Assert.Equal(25UL, options.PricePerPacketMicroNxs);
        Assert.Equal(600, options.AnnounceIntervalSeconds);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9464), options.MetricsEndpoint);
        Assert.Equal(Hash128.Parse("00112233445566778899aabbccddeeff"), Assert.Single(options.TrustedPeers));
        Assert.Equal(4, options.Interfaces.Count);
        Assert.Equal("uplink", options.Interfaces[1].DisplayName);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5003), options.Interfaces[2].Forward);
        Assert.Equal(("/dev/ttyUSB0", 9600), (options.Interfaces[3].SerialPort, options.Interfaces[3].BaudRate));
    }

    [Fact]
    public void Json_configuration_uses_the_same_keys()
    {
        var options = NodeConfigFile.ParseJson("""{ "interfaces": [ { "type": "tcp_client", "connect": "127.0.0.1:4243" } ], "price_per_packet_unxs": 3 }""");
        Assert.Equal(NodeInterfaceKind.TcpClient, Assert.Single(options.Interfaces).Kind);
        Assert.Equal(3UL, options.PricePerPacketMicroNxs);
    }

    [Theory]
    [InlineData("data_dir = ", "not valid TOML")]
    [InlineData("prise = 3", "unknown setting 'prise'")]
    [InlineData("price_per_packet_unxs = -1", "price_per_packet_unxs: expected an integer")]
    [InlineData("price_per_packet_unxs = \"ten\"", "price_per_packet_unxs: expected an integer")]
    [InlineData("trusted_peers = [\"abc\"]", "trusted_peers[0]: 'abc' is not an identity hash")]
    [InlineData("[[interfaces]]\ntype = \"tcp_server\"\nlisten = \"10.0.0.1\"", "interfaces[0].listen: '10.0.0.1' is not an address:port")]
    [InlineData("[[interfaces]]\ntype = \"tcp_server\"\nlisten = \"127.0.0.1:70000\"", "interfaces[0].listen")]
    [InlineData("[[interfaces]]\ntype = \"lora\"", "interfaces[0].type: 'lora' is not one of")]
    [InlineData("[[interfaces]]\ntype = \"udp\"\nlisten = \"127.0.0.1:1\"", "interfaces[0]: 'forward' is required")]
    [InlineData("[[interfaces]]\ntype = \"tcp_client\"\nlisten = \"127.0.0.1:1\"", "interfaces[0]: unknown setting 'listen' for type tcp_client")]
    public void Bad_settings_give_one_line_errors_naming_the_setting(string toml, string expected)
    {
        var e = Assert.Throws<NodeConfigException>(() => NodeConfigFile.ParseToml(toml, "node.toml"));
        Assert.StartsWith("node.toml: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Malformed_json_and_missing_or_huge_files_are_one_line_errors()
    {
        var json = Assert.Throws<NodeConfigException>(() => NodeConfigFile.ParseJson("{ \"interfaces\": [ }", "node.json"));
        Assert.Contains("not valid JSON: line 1", json.Message, StringComparison.Ordinal);
        Assert.Throws<NodeConfigException>(() => NodeConfigFile.ParseJson("[]"));

        var dir = Directory.CreateTempSubdirectory("nexus-config-");
        try
        {
            var missing = Assert.Throws<NodeConfigException>(() => NodeConfigFile.Load(Path.Combine(dir.FullName, "none.toml")));
            Assert.Contains("not found", missing.Message, StringComparison.Ordinal);

            string big = Path.Combine(dir.FullName, "big.toml");
            File.WriteAllText(big, "# " + new string('x', NodeConfigFile.MaxFileBytes));
            Assert.Contains("the limit is", Assert.Throws<NodeConfigException>(() => NodeConfigFile.Load(big)).Message, StringComparison.Ordinal);

            string good = Path.Combine(dir.FullName, "node.json");
            File.WriteAllText(good, "{ \"announce_interval_s\": 60 }");
            Assert.Equal(60, NodeConfigFile.Load(good).AnnounceIntervalSeconds);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Random_text_only_ever_gives_NodeConfigException()
    {
        Gen.String.Sample(text =>
        {
            try
            {
                NodeConfigFile.ParseToml(text);
                NodeConfigFile.ParseJson(text);
            }
            catch (NodeConfigException)
            {
            }
        }, iter: 20000);
    }

    [Fact]
    public void Mutated_valid_configurations_only_ever_give_NodeConfigException()
    {
        const string valid = "data_dir = \"/tmp/x\"\nprice_per_packet_unxs = 25\ntrusted_peers = [\"00112233445566778899aabbccddeeff\"]\n[[interfaces]]\ntype = \"udp\"\nlisten = \"127.0.0.1:5002\"\nforward = \"127.0.0.1:5003\"\n";
        const string alphabet = "[]{}=\"'\\\n :.,#0123456789abcdefxu_-+eE";
        var random = new Random(1);
        for (int i = 0; i < 20_000; i++)
        {
            var chars = valid.ToCharArray().ToList();
            for (int m = random.Next(1, 4); m > 0; m--)
            {
                int at = random.Next(chars.Count);
                switch (random.Next(3))
                {
                    case 0: chars[at] = alphabet[random.Next(alphabet.Length)]; break;
                    case 1: chars.RemoveAt(at); break;
                    default: chars.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                }
            }

            try
            {
                NodeConfigFile.ParseToml(new string([.. chars]));
            }
            catch (NodeConfigException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
        }
    }
}
