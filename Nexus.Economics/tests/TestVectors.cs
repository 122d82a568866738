using System.Text.Json;

namespace Nexus.Economics.Tests;

/// <summary>Locates the shared known-answer vectors in ../shared/vectors (relative to the repository root).</summary>
internal static class TestVectors
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static JsonDocument Json(string relative) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Root.Value, relative)));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nexus.sln")))
            {
                var vectors = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "vectors"));
                if (Directory.Exists(vectors))
                {
                    return vectors;
                }
            }
        }

        throw new DirectoryNotFoundException("shared/vectors not found beside the repository root.");
    }
}
