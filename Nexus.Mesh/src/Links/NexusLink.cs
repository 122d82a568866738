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
/// ChaCha20-Poly1305 keys, 64-bit counter nonces, a 2,048-packet replay window and automatic
/// rekeying (a fresh handshake on the same link id) when the session's <see cref="LinkRekeyPolicy"/>
/// says so. Created by <see cref="NexusLinkManager"/>.
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

    /// <summary>Whether the current session is due for a rekey (see <see cref="LinkSession.IsRekeyDue"/>); the manager then rekeys the link by itself.</summary>
    public bool IsRekeyDue => Session?.IsRekeyDue ?? false;

    /// <summary>Completed rekeys: fresh handshakes that replaced this link's session without closing it.</summary>
    public int Rekeys { get; internal set; }

    /// <summary>Largest plaintext per packet: 465 − 17 (type, link id) − 24 (counter, tag) = 424 bytes.</summary>
    public const int MaxPayloadSize = MeshConstants.Mtu - MeshConstants.Header2Size - 17 - LinkSession.OverheadInBytes;

    internal LinkHandshake? Handshake { get; set; }

    internal LinkSession? Session { get; set; }

    /// <summary>The replaced session, still accepted for packets in flight until <see cref="PreviousSessionExpires"/>.</summary>
    internal LinkSession? PreviousSession { get; set; }

    internal long PreviousSessionExpires { get; set; }

    /// <summary>The rekey initiator's new session, used to open packets until the responder's acknowledgement promotes it.</summary>
    internal LinkSession? NextSession { get; set; }

    /// <summary>The handshake of a rekey in progress (either role).</summary>
    internal LinkHandshake? RekeyHandshake { get; set; }

    internal bool IsRekeyInitiator { get; set; }

    /// <summary>The last handshake message this side sent and may resend (type byte + body), with its send time.</summary>
    internal byte[]? LastHandshakeMessage { get; set; }

    internal long LastHandshakeSent { get; set; }

    internal long HandshakeStarted { get; set; }

    internal int HandshakeAttempts { get; set; }

    /// <summary>Whether the last handshake message found no path (the transport refused it); it is tried again after 2 s.</summary>
    internal bool HandshakeUnsent { get; set; }

    /// <summary>The initiator's confirmation (64 bytes), sent again when the responder repeats its response.</summary>
    internal byte[]? SentConfirmation { get; set; }

    /// <summary>Seals and sends data to the peer.</summary>
    /// <param name="data">At most <see cref="MaxPayloadSize"/> bytes.</param>
    /// <returns>Whether the packet left on an interface (false when not established or no path).</returns>
    /// <exception cref="ArgumentException">The data is too long.</exception>
    public bool Send(ReadOnlySpan<byte> data) => _manager.SendData(this, data);

    /// <summary>Closes the link and wipes its keys.</summary>
    public void Dispose()
    {
        State = NexusLinkState.Closed;
        _manager.Forget(this);
        Handshake?.Dispose();
        RekeyHandshake?.Dispose();
        Session?.Dispose();
        NextSession?.Dispose();
        PreviousSession?.Dispose();
    }
}
