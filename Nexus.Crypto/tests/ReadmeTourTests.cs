namespace Nexus.Crypto.Tests;

/// <summary>The root README's five-minute tour, kept compiling and true.</summary>
public sealed class ReadmeTourTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nexus-tour-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_readme_tour_runs_as_written()
    {
        using var identity = NodeIdentity.Generate();
        IdentityFile.Save(identity, Path.Combine(_dir, "node.identity"));
        var signature = identity.SigningKey.Sign("hello"u8);
        bool ok = identity.SigningKey.PublicKey.Verify("hello"u8, signature);

        Hash256 digest = Blake3.Hash("hello"u8);
        var proof = Ecvrf.Prove(identity.SigningKey, "alpha"u8);
        bool won = Ecvrf.Verify(identity.SigningKey.PublicKey, "alpha"u8, proof, out Hash512 beta);

        var tree = MerkleTree.Build(["a"u8.ToArray(), "b"u8.ToArray(), "c"u8.ToArray()]);
        bool included = tree.GetProof(2).Verify(tree.Root, "c"u8);

        Assert.True(ok);
        Assert.Equal("ea8f163db38682925e4491c5e58d4bb3506ef8c14eb78a86e908c5624a67200f", digest.ToString());
        Assert.True(won);
        Assert.NotEqual(default, beta);
        Assert.True(included);
    }
}
