using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>The state of a <see cref="NexusLink"/>.</summary>
public enum NexusLinkState
{
    /// <summary>Handshake in progress.</summary>
    Pending = 0,

    /// <summary>Both identities authenticated; data flows.</summary>
    Established,

    /// <summary>Closed or failed.</summary>
    Closed,
}

/// <summary>
/// A NEXUS link (decision D3; docs/protocol/nexus-links.md): an end-to-end session between two
/// identities over the mesh, made with Nexus.Crypto's <see cref="LinkHandshake"/> (prologue
/// <c>nexus-mesh</c>) and sealed with its <see cref="LinkSession"/> — directional
/// ChaCha20-Poly1305 keys, 64-bit counter nonces, a 2,048-packet replay window and rekeying after
/// 1 hour or max(1 MB, bandwidth × 60 s / 8). Created by <see cref="NexusLinkManager"/>.
/// </summary>
public sealed class NexusLink : IDisposable
{
    private readonly NexusLinkManager _manager;

    internal NexusLink(NexusLinkManager manager, Hash128 linkId, bool initiator, IdentityPublicKey? peer)
    {
        _manager = manager;
        LinkId = linkId;
        IsInitiator = initiator;
        Peer = peer;
    }

    /// <summary>The 16-byte link id (random, chosen by the initiator; carried in every link packet).</summary>
    public Hash128 LinkId { get; internal set; }

    /// <summary>Whether this side opened the link.</summary>
    public bool IsInitiator { get; }

    /// <summary>The authenticated peer identity (for a responder: known once the initiation arrived).</summary>
    public IdentityPublicKey? Peer { get; internal set; }

    /// <summary>The link state.</summary>
    public NexusLinkState State { get; internal set; }

    /// <summary>Packets this side rejected: replayed, too old, forged or malformed.</summary>
    public long PacketsRejected { get; internal set; }

    /// <summary>Whether the session is due for a rekey (see <see cref="LinkSession.IsRekeyDue"/>).</summary>
    public bool IsRekeyDue => Session?.IsRekeyDue ?? false;

    /// <summary>Largest plaintext per packet: 465 − 17 (type, link id) − 24 (counter, tag) = 424 bytes.</summary>
    public const int MaxPayloadSize = MeshConstants.Mtu - MeshConstants.Header2Size - 17 - LinkSession.OverheadInBytes;

    internal LinkHandshake? Handshake { get; set; }

    internal LinkSession? Session { get; set; }

    /// <summary>Seals and sends data to the peer.</summary>
    /// <param name="data">At most <see cref="MaxPayloadSize"/> bytes.</param>
    /// <returns>Whether the packet left on an interface (false when not established or no path).</returns>
    /// <exception cref="ArgumentException">The data is too long.</exception>
    public bool Send(ReadOnlySpan<byte> data) => _manager.SendData(this, data);

    /// <summary>Closes the link and wipes its keys.</summary>
    public void Dispose()
    {
        State = NexusLinkState.Closed;
        Handshake?.Dispose();
        Session?.Dispose();
        _manager.Forget(this);
    }
}
