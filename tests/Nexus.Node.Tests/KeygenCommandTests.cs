using Nexus.Crypto;

namespace Nexus.Node.Tests;

public sealed class KeygenCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nexus-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = NexusCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Keygen_writes_a_0600_identity_file_and_prints_its_public_keys_and_hash_but_never_the_private_key()
    {
        var path = Path.Combine(_dir, "sub", "identity");
        var (code, output, error) = Run("keygen", "--output", path);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        using var identity = IdentityFile.Load(path);
        Assert.Contains($"identity hash:      {identity}", output, StringComparison.Ordinal);
        Assert.Contains(identity.SigningKey.PublicKey.ToString(), output, StringComparison.Ordinal);
        Assert.Contains(identity.EncryptionKey.PublicKey.ToString(), output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        var privateKey = new byte[NodeIdentity.PrivateKeySizeInBytes];
        identity.ExportPrivateKey(privateKey);
        Assert.DoesNotContain(Convert.ToHexStringLower(privateKey[..32]), output, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(privateKey[32..]), output, StringComparison.Ordinal);
    }

    [Fact]
    public void Keygen_refuses_to_replace_an_identity_without_force()
    {
        var path = Path.Combine(_dir, "identity");
        Assert.Equal(0, Run("keygen", "-o", path).Code);
        var before = File.ReadAllBytes(path);

        var (code, _, error) = Run("keygen", "-o", path);
        Assert.Equal(1, code);
        Assert.Contains("--force", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));

        Assert.Equal(0, Run("keygen", "-o", path, "--force").Code);
        Assert.NotEqual(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Identity_prints_an_existing_file_and_reports_a_corrupt_one_clearly()
    {
        var path = Path.Combine(_dir, "identity");
        var created = Run("keygen", "-o", path);
        var shown = Run("identity", "--file", path);
        Assert.Equal(0, shown.Code);
        Assert.Contains(shown.Out.Split('\n')[0], created.Out, StringComparison.Ordinal);

        File.WriteAllBytes(path, new byte[10]);
        var (code, _, error) = Run("identity", "--file", path);
        Assert.Equal(1, code);
        Assert.Contains("10 bytes", error, StringComparison.Ordinal);
    }
}
