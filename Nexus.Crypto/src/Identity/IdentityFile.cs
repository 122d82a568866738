using System.Security.Cryptography;

namespace Nexus.Crypto;

/// <summary>
/// Reads and writes <see cref="NodeIdentity"/> files.
/// <para>
/// Format written (85 bytes): magic <c>"NXID"</c> (4 ASCII bytes) ‖ version <c>0x01</c> ‖ private key
/// (64: X25519 private ‖ Ed25519 seed) ‖ check (16: SHA-256 of the 69 bytes before it, truncated),
/// so a load detects any corrupted byte, including the X25519 bits that clamping would hide. Also read: a bare 64-byte
/// private key, the file RNS <c>Identity.to_file()</c> writes, so an existing Reticulum identity can
/// be used as it is.
/// </para>
/// <para>
/// Files are created with mode 0600 (owner read/write only) on Unix, written to a temporary file in
/// the same folder and renamed into place, so a crash never leaves half a key.
/// </para>
/// </summary>
public static class IdentityFile
{
    /// <summary>The size of a file in the Nexus format: 85 bytes.</summary>
    public const int NexusFormatSizeInBytes = 4 + 1 + NodeIdentity.PrivateKeySizeInBytes + 16;

    /// <summary>The size of a bare RNS identity file: 64 bytes.</summary>
    public const int RnsFormatSizeInBytes = NodeIdentity.PrivateKeySizeInBytes;

    private const byte Version = 1;
    private static ReadOnlySpan<byte> Magic => "NXID"u8;

    /// <summary>Writes <paramref name="identity"/> to <paramref name="path"/> in the Nexus format, mode 0600.</summary>
    /// <param name="identity">The identity to store.</param>
    /// <param name="path">The file to create.</param>
    /// <param name="overwrite">Replace an existing file; when false an existing file is an error.</param>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or the write failed.</exception>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    public static void Save(NodeIdentity identity, string path, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full))
        {
            throw new IOException($"Identity file '{full}' already exists; refusing to overwrite it.");
        }

        var contents = GC.AllocateArray<byte>(NexusFormatSizeInBytes, pinned: true);
        var temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            Magic.CopyTo(contents);
            contents[4] = Version;
            identity.ExportPrivateKey(contents.AsSpan(5, NodeIdentity.PrivateKeySizeInBytes));
            WriteCheck(contents);

            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contents);
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Reads an identity file in the Nexus format or the bare 64-byte RNS format.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The identity; the caller owns and must dispose it.</returns>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="FormatException">
    /// The file is neither 85 nor 64 bytes long, has an unknown magic or version, or its check
    /// bytes do not match its contents (the file is corrupt). The message names the file and the problem.
    /// </exception>
    public static NodeIdentity Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var length = new FileInfo(full) is { Exists: true } info ? info.Length : throw new FileNotFoundException($"Identity file '{full}' does not exist.", full);
        if (length != NexusFormatSizeInBytes && length != RnsFormatSizeInBytes)
        {
            throw new FormatException($"Identity file '{full}' is {length} bytes; expected {NexusFormatSizeInBytes} (Nexus format) or {RnsFormatSizeInBytes} (RNS identity).");
        }

        var contents = GC.AllocateArray<byte>((int)length, pinned: true);
        try
        {
            using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                stream.ReadExactly(contents);
            }

            return Parse(contents, full);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contents);
        }
    }

    /// <summary>Decodes the contents of an identity file (see the class summary for the two formats).</summary>
    /// <param name="contents">85 bytes (Nexus format) or 64 bytes (RNS).</param>
    /// <param name="source">A name for error messages (usually the path).</param>
    /// <returns>The identity; the caller owns and must dispose it.</returns>
    /// <exception cref="FormatException">See <see cref="Load"/>.</exception>
    public static NodeIdentity Parse(ReadOnlySpan<byte> contents, string source = "identity")
    {
        if (contents.Length == RnsFormatSizeInBytes)
        {
            return NodeIdentity.Import(contents);
        }

        if (contents.Length != NexusFormatSizeInBytes)
        {
            throw new FormatException($"Identity file '{source}' is {contents.Length} bytes; expected {NexusFormatSizeInBytes} (Nexus format) or {RnsFormatSizeInBytes} (RNS identity).");
        }

        if (!contents[..4].SequenceEqual(Magic))
        {
            throw new FormatException($"Identity file '{source}' does not start with the NXID magic; it is not a Nexus identity file.");
        }

        if (contents[4] != Version)
        {
            throw new FormatException($"Identity file '{source}' has format version {contents[4]}; this build reads version {Version}.");
        }

        Span<byte> check = stackalloc byte[CheckSize];
        ComputeCheck(contents, check);
        if (!CryptographicOperations.FixedTimeEquals(check, contents[CheckOffset..]))
        {
            throw new FormatException($"Identity file '{source}' is corrupt: its check bytes do not match its contents.");
        }

        return NodeIdentity.Import(contents.Slice(5, NodeIdentity.PrivateKeySizeInBytes));
    }

    private const int CheckOffset = 5 + NodeIdentity.PrivateKeySizeInBytes;
    private const int CheckSize = 16;

    private static void WriteCheck(Span<byte> contents) => ComputeCheck(contents, contents[CheckOffset..]);

    private static void ComputeCheck(ReadOnlySpan<byte> contents, Span<byte> check)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(contents[..CheckOffset], digest);
        digest[..CheckSize].CopyTo(check);
    }
}
