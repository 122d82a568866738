namespace Nexus.Bridges.Tests.Support;

/// <summary>Locates the repository root (the folder holding Nexus.sln) from the test assembly directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string EthereumVectors => Path.GetFullPath(Path.Combine(Root, "..", "shared", "vectors", "ethereum"));

    public static string Vector(string relative)
    {
        string path = Path.Combine(EthereumVectors, relative);
        Assert.True(File.Exists(path), $"Missing test vector file {path} (expected ../shared/vectors/ethereum next to the repository root {Root}).");
        return path;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Nexus.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Nexus.sln not found above " + AppContext.BaseDirectory);
    }
}
