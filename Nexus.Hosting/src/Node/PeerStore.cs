using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Crypto;

namespace Nexus.Hosting;

/// <summary>
/// The node's persistent peer list (<c>peers.json</c> in the data directory): static TCP peers
/// (<c>address:port</c>, connected by a TCP client interface) and trusted identity hashes (relayed
/// without payment). Every change is written atomically (temporary file, then rename), so a crash
/// leaves either the old or the new list, never a torn file. Thread-safe.
/// </summary>
public sealed class PeerStore
{
    private readonly string _path;
    private readonly object _gate = new();
    private readonly List<IPEndPoint> _tcpPeers = [];
    private readonly List<Hash128> _trusted = [];

    private PeerStore(string path) => _path = path;

    /// <summary>The file path.</summary>
    public string FilePath => _path;

    /// <summary>Opens (or starts) the peer list at <paramref name="path"/>.</summary>
    /// <param name="path">The JSON file; need not exist.</param>
    /// <exception cref="NodeConfigException">The file exists but is not a valid peer list (the message says how to fix it); the file is left untouched.</exception>
    public static PeerStore Open(string path)
    {
        var store = new PeerStore(path);
        if (!File.Exists(path))
        {
            return store;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var e in doc.RootElement.GetProperty("tcp").EnumerateArray())
            {
                store._tcpPeers.Add(ParseEndpoint(e.GetString() ?? ""));
            }

            foreach (var e in doc.RootElement.GetProperty("trusted").EnumerateArray())
            {
                store._trusted.Add(Hash128.Parse(e.GetString() ?? ""));
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException)
        {
            throw new NodeConfigException($"{path}: not a valid peer list ({e.Message.Split('\n')[0]}); fix or delete it.", e);
        }

        return store;
    }

    /// <summary>Parses <c>address:port</c> (IPv4 or [IPv6]).</summary>
    /// <param name="text">For example <c>127.0.0.1:4243</c>.</param>
    /// <exception cref="FormatException">Not an address with a port from 1 to 65535.</exception>
    public static IPEndPoint ParseEndpoint(string text) =>
        IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0 && text.Contains(':', StringComparison.Ordinal)
            ? endpoint
            : throw new FormatException($"'{text}' is not an address:port such as 127.0.0.1:4243.");

    /// <summary>The static TCP peers, in the order added.</summary>
    public IReadOnlyList<IPEndPoint> TcpPeers
    {
        get
        {
            lock (_gate)
            {
                return [.. _tcpPeers];
            }
        }
    }

    /// <summary>The trusted identity hashes, in the order added.</summary>
    public IReadOnlyList<Hash128> Trusted
    {
        get
        {
            lock (_gate)
            {
                return [.. _trusted];
            }
        }
    }

    /// <summary>Adds a static TCP peer and saves.</summary>
    /// <param name="endpoint">The peer's TCP server address.</param>
    /// <returns>False if it was already listed.</returns>
    /// <exception cref="IOException">The list could not be saved (the in-memory list is unchanged).</exception>
    public bool AddTcpPeer(IPEndPoint endpoint) => Change(() => _tcpPeers.Contains(endpoint) ? false : Add(_tcpPeers, endpoint));

    /// <summary>Removes a static TCP peer and saves.</summary>
    /// <param name="endpoint">The peer's TCP server address.</param>
    /// <returns>False if it was not listed.</returns>
    /// <exception cref="IOException">The list could not be saved.</exception>
    public bool RemoveTcpPeer(IPEndPoint endpoint) => Change(() => _tcpPeers.Remove(endpoint));

    /// <summary>Adds a trusted identity and saves.</summary>
    /// <param name="identityHash">The peer's 16-byte identity hash.</param>
    /// <returns>False if it was already trusted.</returns>
    /// <exception cref="IOException">The list could not be saved.</exception>
    public bool AddTrusted(Hash128 identityHash) => Change(() => _trusted.Contains(identityHash) ? false : Add(_trusted, identityHash));

    /// <summary>Removes a trusted identity and saves.</summary>
    /// <param name="identityHash">The peer's 16-byte identity hash.</param>
    /// <returns>False if it was not trusted.</returns>
    /// <exception cref="IOException">The list could not be saved.</exception>
    public bool RemoveTrusted(Hash128 identityHash) => Change(() => _trusted.Remove(identityHash));

    /// <summary>The list as JSON: <c>{"tcp": ["127.0.0.1:4243"], "trusted": ["&lt;32 hex&gt;"]}</c>.</summary>
    public JsonObject ToJson()
    {
        lock (_gate)
        {
            return ToJsonUnlocked();
        }
    }

    private static bool Add<T>(List<T> list, T item)
    {
        list.Add(item);
        return true;
    }

    private bool Change(Func<bool> change)
    {
        lock (_gate)
        {
            var tcp = _tcpPeers.ToList();
            var trusted = _trusted.ToList();
            if (!change())
            {
                return false;
            }

            try
            {
                Save();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _tcpPeers.Clear();
                _tcpPeers.AddRange(tcp);
                _trusted.Clear();
                _trusted.AddRange(trusted);
                throw new IOException($"Cannot save the peer list {_path}: {e.Message}", e);
            }

            return true;
        }
    }

    private void Save()
    {
        string temp = _path + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes(ToJsonUnlocked().ToJsonString()));
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, _path, overwrite: true);
    }

    private JsonObject ToJsonUnlocked() => new()
    {
        ["tcp"] = new JsonArray([.. _tcpPeers.Select(p => (JsonNode?)p.ToString())]),
        ["trusted"] = new JsonArray([.. _trusted.Select(t => (JsonNode?)t.ToString())]),
    };
}
