using System.Text.Json;

namespace Nexus.Crypto.Tests;

/// <summary>Locates and reads the shared known-answer vectors in ../shared/vectors (relative to the repository root).</summary>
internal static class TestVectors
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>Absolute path of a file under shared/vectors, e.g. <c>crypto/blake3.json</c>.</summary>
    public static string PathOf(string relative) => System.IO.Path.Combine(Root.Value, relative);

    /// <summary>Parses a vector file as JSON.</summary>
    public static JsonDocument Json(string relative) => JsonDocument.Parse(File.ReadAllBytes(PathOf(relative)));

    private static string FindRoot()
    {
        // Walk up from the test binary: the repository root has Nexus.sln and shared/ is beside it.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Nexus.sln")))
            {
                var vectors = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "vectors"));
                if (Directory.Exists(vectors))
                {
                    return vectors;
                }
            }
        }

        throw new DirectoryNotFoundException("shared/vectors not found beside the repository root (expected ../shared/vectors next to Nexus.sln).");
    }
}
