using System.Security.Cryptography;
using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>Receives decrypted data on a NEXUS link.</summary>
/// <param name="link">The link.</param>
/// <param name="data">The plaintext (valid only during the call).</param>
public delegate void NexusLinkDataHandler(NexusLink link, ReadOnlySpan<byte> data);

/// <summary>
/// Opens and accepts <see cref="NexusLink"/>s over a <see cref="MeshTransport"/> (decision D3).
/// Registers the identity's SINGLE destination <c>nexus.link</c>; link messages are DATA packets to
/// the peer's <c>nexus.link</c> destination with data <c>type u8 ‖ link id 16 ‖ body</c>: 1 =
/// initiation (97 bytes), 2 = response (160), 3 = confirmation (64), 4 = sealed data (counter 8 ‖
/// ciphertext ‖ tag 16, associated data = link id). Packets for unknown links, failed handshakes and
/// packets the session rejects (replayed, older than the window, forged) are dropped and counted in
/// <see cref="Rejected"/> by reason.
/// </summary>
public sealed class NexusLinkManager : IDisposable
{
    /// <summary>The full name of the link destination: <c>nexus.link</c>.</summary>
    public const string LinkName = "nexus.link";

    private static readonly byte[] Prologue = "nexus-mesh"u8.ToArray();
    private readonly MeshTransport _transport;
    private readonly NodeIdentity _identity;
    private readonly TimeProvider _time;
    private readonly Dictionary<Hash128, NexusLink> _links = [];
    private readonly Dictionary<string, long> _rejected = [];
    private readonly object _gate = new();

    /// <summary>Attaches to a transport and registers <c>nexus.link</c> for <paramref name="identity"/>.</summary>
    /// <param name="transport">The transport.</param>
    /// <param name="identity">The local identity that authenticates links (caller keeps ownership).</param>
    /// <param name="timeProvider">Clock for rekey timing (system when null).</param>
    /// <param name="rekeyPolicy">Rekey policy (1 h / 1 MB default).</param>
    public NexusLinkManager(MeshTransport transport, NodeIdentity identity, TimeProvider? timeProvider = null, LinkRekeyPolicy? rekeyPolicy = null)
    {
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _identity = identity ?? throw new ArgumentNullException(nameof(identity));
        _time = timeProvider ?? TimeProvider.System;
        RekeyPolicy = rekeyPolicy ?? LinkRekeyPolicy.Default;
        Destination = transport.RegisterDestination(identity, LinkName, null, OnData);
    }

    /// <summary>This node's <c>nexus.link</c> destination (announce it so peers can reach it).</summary>
    public Destination Destination { get; }

    /// <summary>The rekey policy of new sessions.</summary>
    public LinkRekeyPolicy RekeyPolicy { get; }

    /// <summary>Called when a link is established (either side).</summary>
    public Action<NexusLink>? LinkEstablished { get; set; }

    /// <summary>Called with decrypted data.</summary>
    public NexusLinkDataHandler? DataReceived { get; set; }

    /// <summary>Dropped link packets by reason: <c>unknown_link</c>, <c>malformed</c>, <c>handshake_failed</c>, <c>replayed</c>, <c>too_old</c>, <c>forged</c>.</summary>
    public IReadOnlyDictionary<string, long> Rejected => _rejected;

    /// <summary>Established links.</summary>
    public int EstablishedCount
    {
        get
        {
            lock (_gate)
            {
                var n = 0;
                foreach (var l in _links.Values)
                {
                    n += l.State == NexusLinkState.Established ? 1 : 0;
                }

                return n;
            }
        }
    }

    /// <summary>Announces <see cref="Destination"/> through the transport.</summary>
    public void Announce() => _transport.Announce(Destination.Hash);

    /// <summary>Starts a link to <paramref name="peer"/> (whose <c>nexus.link</c> destination must be routable).</summary>
    /// <param name="peer">The peer identity; a different responder fails the handshake.</param>
    /// <returns>The pending link; it becomes <see cref="NexusLinkState.Established"/> when the response arrives.</returns>
    public NexusLink Open(IdentityPublicKey peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        Span<byte> id = stackalloc byte[16];
        RandomNumberGenerator.Fill(id);
        var link = new NexusLink(this, new Hash128(id), true, peer)
        {
            Handshake = LinkHandshake.CreateInitiator(_identity, Prologue, peer.AsSpan(), RekeyPolicy, _time),
        };
        Span<byte> initiation = stackalloc byte[LinkHandshake.InitiationSizeInBytes];
        link.Handshake.WriteInitiation(initiation);
        lock (_gate)
        {
            _links[link.LinkId] = link;
        }

        SendMessage(peer, 1, link.LinkId, initiation);
        return link;
    }

    /// <summary>Closes every link.</summary>
    public void Dispose()
    {
        NexusLink[] links;
        lock (_gate)
        {
            links = [.. _links.Values];
        }

        foreach (var l in links)
        {
            l.Dispose();
        }
    }

    internal bool SendData(NexusLink link, ReadOnlySpan<byte> data)
    {
        if (data.Length > NexusLink.MaxPayloadSize)
        {
            throw new ArgumentException($"A link packet carries at most {NexusLink.MaxPayloadSize} bytes.", nameof(data));
        }

        if (link.State != NexusLinkState.Established || link.Session is null || link.Peer is null)
        {
            return false;
        }

        Span<byte> sealedData = stackalloc byte[data.Length + LinkSession.OverheadInBytes];
        var n = link.Session.Seal(data, link.LinkId.AsSpan(), sealedData);
        return SendMessage(link.Peer, 4, link.LinkId, sealedData[..n]);
    }

    internal void Forget(NexusLink link)
    {
        lock (_gate)
        {
            _links.Remove(link.LinkId);
            _transport.LinkCount = CountEstablished();
        }
    }

    private bool SendMessage(IdentityPublicKey peer, byte type, Hash128 linkId, ReadOnlySpan<byte> body)
    {
        Span<byte> data = stackalloc byte[17 + body.Length];
        data[0] = type;
        linkId.WriteTo(data[1..]);
        body.CopyTo(data[17..]);
        return _transport.Send(DestinationHash.Compute(LinkName, peer.Hash), data);
    }

    private void OnData(Hash128 destination, ReadOnlySpan<byte> data, MeshInterface source)
    {
        if (data.Length < 17)
        {
            Reject("malformed");
            return;
        }

        var type = data[0];
        var linkId = new Hash128(data.Slice(1, 16));
        var body = data[17..];
        NexusLink? link;
        lock (_gate)
        {
            _links.TryGetValue(linkId, out link);
        }

        switch (type)
        {
            case 1 when link is null:
                Accept(linkId, body);
                return;
            case 2 when link is { IsInitiator: true, State: NexusLinkState.Pending, Handshake: not null }:
                {
                    Span<byte> confirmation = stackalloc byte[LinkHandshake.ConfirmationSizeInBytes];
                    if (link.Handshake.ReadResponse(body, confirmation, out var session) != HandshakeStatus.Ok || session is null)
                    {
                        Reject("handshake_failed");
                        link.Dispose();
                        return;
                    }

                    Establish(link, session);
                    SendMessage(link.Peer!, 3, linkId, confirmation);
                    return;
                }

            case 3 when link is { IsInitiator: false, State: NexusLinkState.Pending, Handshake: not null }:
                {
                    if (link.Handshake.ReadConfirmation(body, out var session) != HandshakeStatus.Ok || session is null)
                    {
                        Reject("handshake_failed");
                        link.Dispose();
                        return;
                    }

                    Establish(link, session);
                    return;
                }

            case 4 when link is { State: NexusLinkState.Established, Session: not null }:
                {
                    Span<byte> plaintext = stackalloc byte[Math.Max(0, body.Length - LinkSession.OverheadInBytes)];
                    var status = link.Session.TryOpen(body, linkId.AsSpan(), plaintext, out var written);
                    if (status != LinkOpenStatus.Ok)
                    {
                        link.PacketsRejected++;
                        Reject(status switch { LinkOpenStatus.Replayed => "replayed", LinkOpenStatus.TooOld => "too_old", LinkOpenStatus.Forged => "forged", _ => "malformed" });
                        return;
                    }

                    DataReceived?.Invoke(link, plaintext[..written]);
                    return;
                }

            default:
                Reject(link is null ? "unknown_link" : "malformed");
                return;
        }
    }

    private void Accept(Hash128 linkId, ReadOnlySpan<byte> initiation)
    {
        var handshake = LinkHandshake.CreateResponder(_identity, Prologue, RekeyPolicy, _time);
        Span<byte> response = stackalloc byte[LinkHandshake.ResponseSizeInBytes];
        if (handshake.ReadInitiation(initiation, response, out var written) != HandshakeStatus.Ok)
        {
            handshake.Dispose();
            Reject("handshake_failed");
            return;
        }

        var peer = IdentityPublicKey.FromBytes(handshake.PeerPublicKey);
        var link = new NexusLink(this, linkId, false, peer) { Handshake = handshake };
        lock (_gate)
        {
            _links[linkId] = link;
        }

        SendMessage(peer, 2, linkId, response[..written]);
    }

    private void Establish(NexusLink link, LinkSession session)
    {
        link.Session = session;
        link.Peer ??= IdentityPublicKey.FromBytes(session.PeerPublicKey);
        link.State = NexusLinkState.Established;
        link.Handshake?.Dispose();
        link.Handshake = null;
        lock (_gate)
        {
            _transport.LinkCount = CountEstablished();
        }

        LinkEstablished?.Invoke(link);
    }

    private int CountEstablished()
    {
        var n = 0;
        foreach (var l in _links.Values)
        {
            n += l.State == NexusLinkState.Established ? 1 : 0;
        }

        return n;
    }

    private void Reject(string reason)
    {
        lock (_gate)
        {
            _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
        }
    }
}
