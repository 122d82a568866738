namespace Nexus.Crypto.Tests;

public sealed class IdentityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nexus-identity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Real_reticulum_identities_derive_the_recorded_public_key_and_identity_hash()
    {
        using var doc = TestVectors.Json("reticulum/announces.json");
        int count = 0;
        foreach (var v in doc.RootElement.GetProperty("identities").EnumerateArray())
        {
            using var identity = NodeIdentity.Import(Convert.FromHexString(v.GetProperty("private_key_hex").GetString()!));
            Assert.Equal(v.GetProperty("public_key_hex").GetString(), Convert.ToHexStringLower(identity.PublicKey));
            Assert.Equal(v.GetProperty("identity_hash_hex").GetString(), identity.ToString());
            count++;
        }

        Assert.True(count >= 3);
    }

    [Fact]
    public void Saved_identity_loads_back_with_the_same_keys_and_mode_0600()
    {
        var path = Path.Combine(_dir, "identity");
        using var identity = NodeIdentity.Generate();
        IdentityFile.Save(identity, path);

        Assert.Equal(IdentityFile.NexusFormatSizeInBytes, new FileInfo(path).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        using var loaded = IdentityFile.Load(path);
        Assert.Equal(identity.PublicKey.ToArray(), loaded.PublicKey.ToArray());
        Assert.Equal(identity.SigningKey.Sign("x"u8), loaded.SigningKey.Sign("x"u8));
        Assert.Single(Directory.GetFiles(_dir)); // no temporary file left behind
    }

    [Fact]
    public void Save_refuses_to_overwrite_unless_asked()
    {
        var path = Path.Combine(_dir, "identity");
        using var first = NodeIdentity.Generate();
        using var second = NodeIdentity.Generate();
        IdentityFile.Save(first, path);
        Assert.Throws<IOException>(() => IdentityFile.Save(second, path));
        using (var still = IdentityFile.Load(path))
        {
            Assert.Equal(first.PublicKey.ToArray(), still.PublicKey.ToArray());
        }

        IdentityFile.Save(second, path, overwrite: true);
        using var replaced = IdentityFile.Load(path);
        Assert.Equal(second.PublicKey.ToArray(), replaced.PublicKey.ToArray());
    }

    [Fact]
    public void A_bare_64_byte_rns_identity_file_loads()
    {
        using var doc = TestVectors.Json("reticulum/announces.json");
        var v = doc.RootElement.GetProperty("identities")[1];
        var path = Path.Combine(_dir, "rns_identity");
        File.WriteAllBytes(path, Convert.FromHexString(v.GetProperty("private_key_hex").GetString()!));
        using var identity = IdentityFile.Load(path);
        Assert.Equal(v.GetProperty("identity_hash_hex").GetString(), identity.ToString());
    }

    [Fact]
    public void Every_corrupted_byte_and_every_wrong_size_is_a_clear_format_error()
    {
        var path = Path.Combine(_dir, "identity");
        using var identity = NodeIdentity.Generate();
        IdentityFile.Save(identity, path);
        var good = File.ReadAllBytes(path);

        for (int i = 0; i < good.Length; i++)
        {
            var bad = good.ToArray();
            bad[i] ^= 0x40;
            var e = Assert.Throws<FormatException>(() => IdentityFile.Parse(bad, path).Dispose());
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }

        foreach (var size in new[] { 0, 1, 63, 65, 84, 86, 4096 })
        {
            File.WriteAllBytes(path, new byte[size]);
            var e = Assert.Throws<FormatException>(() => IdentityFile.Load(path).Dispose());
            Assert.Contains($"{size} bytes", e.Message, StringComparison.Ordinal);
        }

        Assert.Throws<FileNotFoundException>(() => IdentityFile.Load(Path.Combine(_dir, "missing")));
    }
}
