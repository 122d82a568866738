using System.Text.Json;

namespace Nexus.Mesh.Tests;

/// <summary>Locates and reads the shared known-answer vectors in ../shared/vectors (relative to the repository root).</summary>
internal static class TestVectors
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string PathOf(string relative) => System.IO.Path.Combine(Root.Value, relative);

    public static JsonDocument Json(string relative) => JsonDocument.Parse(File.ReadAllBytes(PathOf(relative)));

    public static byte[] Hex(this JsonElement element) => Convert.FromHexString(element.GetString()!);

    public static string? Str(this JsonElement element, string name) =>
        element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string FindRoot()
    {
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
