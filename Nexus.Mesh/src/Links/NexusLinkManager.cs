using System.Security.Cryptography;
using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>Receives decrypted data on a NEXUS link.</summary>
/// <param name="link">The link.</param>
/// <param name="data">The plaintext (valid only during the call).</param>
public delegate void NexusLinkDataHandler(NexusLink link, ReadOnlySpan<byte> data);

/// <summary>
/// Opens and accepts <see cref="NexusLink"/>s over a <see cref="MeshTransport"/> (decision D3;
/// docs/protocol/nexus-links.md). Registers the identity's SINGLE destination <c>nexus.link</c>;
/// link messages are DATA packets to the peer's <c>nexus.link</c> destination with data
/// <c>type u8 ‖ link id 16 ‖ body</c>: 1 = initiation (97 bytes), 2 = response (160),
/// 3 = confirmation (64), 4 = sealed data (counter 8 ‖ ciphertext ‖ tag 16, associated data = link
/// id), 5/6/7 = rekey initiation/response/confirmation (as 1/2/3, prologue <c>nexus-mesh-rekey</c> ‖
/// link id, the same peer identity required), 8 = rekey acknowledgement (an empty message sealed
/// under the new session, associated data = link id ‖ 0x08).
/// Handshake messages are retransmitted every <see cref="HandshakeTimeout"/> up to
/// <see cref="HandshakeAttempts"/> times, then the link (or the rekey) is abandoned; at most
/// <see cref="MaxPendingLinks"/> handshakes are pending at once. A session due for a rekey
/// (<see cref="LinkRekeyPolicy"/>) is replaced by a fresh handshake on the same link id without
/// interrupting data; the replaced session still opens packets in flight for
/// <see cref="RekeyGracePeriod"/>. Packets for unknown links, failed handshakes and packets the
/// session rejects are dropped and counted in <see cref="Rejected"/> by reason.
/// </summary>
public sealed class NexusLinkManager : IDisposable
{
    /// <summary>The full name of the link destination: <c>nexus.link</c>.</summary>
    public const string LinkName = "nexus.link";

    private const byte Initiation = 1;
    private const byte Response = 2;
    private const byte Confirmation = 3;
    private const byte Data = 4;
    private const byte RekeyInitiation = 5;
    private const byte RekeyResponse = 6;
    private const byte RekeyConfirmation = 7;
    private const byte RekeyAcknowledgement = 8;

    private static readonly byte[] Prologue = "nexus-mesh"u8.ToArray();
    private static readonly byte[] RekeyPrologue = "nexus-mesh-rekey"u8.ToArray();
    private readonly MeshTransport _transport;
    private readonly NodeIdentity _identity;
    private readonly TimeProvider _time;
    private readonly Dictionary<Hash128, NexusLink> _links = [];
    private readonly Dictionary<string, long> _rejected = [];
    private readonly object _gate = new();
    private readonly ITimer _maintenance;
    private bool _disposed;

    /// <summary>Attaches to a transport and registers <c>nexus.link</c> for <paramref name="identity"/>.</summary>
    /// <param name="transport">The transport.</param>
    /// <param name="identity">The local identity that authenticates links (caller keeps ownership).</param>
    /// <param name="timeProvider">Clock for handshake retransmission, rekey timing and grace periods (system when null).</param>
    /// <param name="rekeyPolicy">Rekey policy (1 h / 1 MB default).</param>
    public NexusLinkManager(MeshTransport transport, NodeIdentity identity, TimeProvider? timeProvider = null, LinkRekeyPolicy? rekeyPolicy = null)
    {
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _identity = identity ?? throw new ArgumentNullException(nameof(identity));
        _time = timeProvider ?? TimeProvider.System;
        RekeyPolicy = rekeyPolicy ?? LinkRekeyPolicy.Default;
        Destination = transport.RegisterDestination(identity, LinkName, null, OnData);
        _maintenance = _time.CreateTimer(_ => Maintain(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        transport.PathChanged += OnPathChanged;
    }

    /// <summary>This node's <c>nexus.link</c> destination (announce it so peers can reach it).</summary>
    public Destination Destination { get; }

    /// <summary>The rekey policy of new sessions.</summary>
    public LinkRekeyPolicy RekeyPolicy { get; }

    /// <summary>How long a handshake message waits for its answer before it is sent again (default 15 s, enough for three 500-byte packets at LoRa SF12/125 kHz).</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How many times a handshake message is sent before the link (or the rekey) is abandoned (default 3).</summary>
    public int HandshakeAttempts { get; set; } = 3;

    /// <summary>Most handshakes pending at once, both roles together (default 64); further initiations are refused and counted as <c>pending_limit</c>.</summary>
    public int MaxPendingLinks { get; set; } = 64;

    /// <summary>How long a replaced session still opens packets sent before the rekey (default 60 s).</summary>
    public TimeSpan RekeyGracePeriod { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Called when a link is established (either side); not called again when it rekeys.</summary>
    public Action<NexusLink>? LinkEstablished { get; set; }

    /// <summary>Called with decrypted data.</summary>
    public NexusLinkDataHandler? DataReceived { get; set; }

    /// <summary>
    /// Dropped link packets and abandoned handshakes by reason: <c>unknown_link</c>, <c>malformed</c>,
    /// <c>handshake_failed</c>, <c>handshake_timeout</c>, <c>pending_limit</c>, <c>rekey_failed</c>,
    /// <c>rekey_peer_mismatch</c>, <c>rekey_timeout</c>, <c>rekey_collision</c>, <c>not_established</c>
    /// (data for a link whose confirmation has not arrived; answered with the response again so the
    /// initiator resends its confirmation), <c>replayed</c>, <c>too_old</c>, <c>forged</c>.
    /// </summary>
    public IReadOnlyDictionary<string, long> Rejected
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, long>(_rejected);
            }
        }
    }

    /// <summary>Number of established links.</summary>
    public int EstablishedCount
    {
        get
        {
            lock (_gate)
            {
                return CountEstablished();
            }
        }
    }

    /// <summary>Announces <see cref="Destination"/>.</summary>
    public void Announce() => _transport.Announce(Destination.Hash);

    /// <summary>Starts a handshake with <paramref name="peer"/> (its <c>nexus.link</c> destination must be routable).</summary>
    /// <param name="peer">The peer identity the link must authenticate.</param>
    /// <returns>The pending link; it becomes <see cref="NexusLinkState.Established"/> when the response arrives, or <see cref="NexusLinkState.Closed"/> after <see cref="HandshakeAttempts"/> unanswered initiations.</returns>
    public NexusLink Open(IdentityPublicKey peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        Span<byte> id = stackalloc byte[16];
        RandomNumberGenerator.Fill(id);
        var link = new NexusLink(this, new Hash128(id), true, peer)
        {
            Handshake = LinkHandshake.CreateInitiator(_identity, Prologue, peer.AsSpan(), RekeyPolicy, _time),
        };
        var message = new byte[1 + LinkHandshake.InitiationSizeInBytes];
        message[0] = Initiation;
        link.Handshake.WriteInitiation(message.AsSpan(1));
        lock (_gate)
        {
            _links[link.LinkId] = link;
            Remember(link, message, restart: true);
        }

        link.HandshakeUnsent = !SendMessage(peer, message[0], link.LinkId, message.AsSpan(1));
        return link;
    }

    /// <summary>Closes every link and stops the retransmission timer.</summary>
    public void Dispose()
    {
        NexusLink[] links;
        lock (_gate)
        {
            _disposed = true;
            links = [.. _links.Values];
        }

        _transport.PathChanged -= OnPathChanged;
        _maintenance.Dispose();
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

        var session = link.Session;
        if (link.State != NexusLinkState.Established || session is null || link.Peer is null)
        {
            return false;
        }

        if (session.IsRekeyDue)
        {
            StartRekeyIfIdle(link);
        }

        Span<byte> sealedData = stackalloc byte[data.Length + LinkSession.OverheadInBytes];
        var n = session.Seal(data, link.LinkId.AsSpan(), sealedData);
        return SendMessage(link.Peer, Data, link.LinkId, sealedData[..n]);
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
        // Handshake, confirmation and rekey messages are link setup (P1, spec 01-mesh §7); sealed data is P2.
        var priority = type == Data ? Congestion.TrafficPriority.Standard : Congestion.TrafficPriority.Interactive;
        return _transport.Send(DestinationHash.Compute(LinkName, peer.Hash), data, priority: priority);
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
            case Initiation when link is null:
                Accept(linkId, body);
                return;
            case Initiation when link is { IsInitiator: false, State: NexusLinkState.Pending, LastHandshakeMessage: not null }:
                Resend(link); // our response was lost: the initiator sent its initiation again
                return;
            case Initiation:
                return; // a late retransmission for a link that is already up
            case Response when link is { IsInitiator: true, State: NexusLinkState.Pending, Handshake: not null }:
                {
                    Span<byte> confirmation = stackalloc byte[LinkHandshake.ConfirmationSizeInBytes];
                    if (link.Handshake.ReadResponse(body, confirmation, out var session) != HandshakeStatus.Ok || session is null)
                    {
                        Reject("handshake_failed");
                        link.Dispose();
                        return;
                    }

                    // The confirmation leaves before LinkEstablished is raised, so data the handler sends follows it.
                    link.SentConfirmation = confirmation.ToArray();
                    Establish(link, session, raise: false);
                    SendMessage(link.Peer!, Confirmation, linkId, confirmation);
                    LinkEstablished?.Invoke(link);
                    return;
                }

            case Response when link is { IsInitiator: true, State: NexusLinkState.Established, SentConfirmation: { } sent }:
                // The responder is still waiting: our confirmation was lost. Sending it again reveals nothing new.
                SendMessage(link.Peer!, Confirmation, linkId, sent);
                return;

            case Confirmation when link is { IsInitiator: false, State: NexusLinkState.Pending, Handshake: not null }:
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

            case Data when link is { State: NexusLinkState.Established, Session: not null }:
                ReceiveData(link, linkId, body);
                return;
            case Data when link is { IsInitiator: false, State: NexusLinkState.Pending, LastHandshakeMessage: not null }:
                // The initiator already sends data, so it has our response but its confirmation was lost:
                // answer with the response again (bounded by the attempts) and it resends the confirmation.
                Reject("not_established");
                if (link.HandshakeAttempts < HandshakeAttempts)
                {
                    Resend(link);
                }

                return;
            case RekeyInitiation when link is { State: NexusLinkState.Established }:
                AcceptRekey(link, body);
                return;
            case RekeyResponse when link is { State: NexusLinkState.Established }:
                CompleteRekeyAsInitiator(link, body);
                return;
            case RekeyConfirmation when link is { State: NexusLinkState.Established }:
                CompleteRekeyAsResponder(link, body);
                return;
            case RekeyAcknowledgement when link is { State: NexusLinkState.Established }:
                AcknowledgeRekey(link, body);
                return;
            default:
                Reject(link is null ? "unknown_link" : "malformed");
                return;
        }
    }

    private void ReceiveData(NexusLink link, Hash128 linkId, ReadOnlySpan<byte> body)
    {
        Span<byte> plaintext = stackalloc byte[Math.Max(0, body.Length - LinkSession.OverheadInBytes)];
        int written;
        LinkOpenStatus status;
        lock (_gate)
        {
            status = link.Session!.TryOpen(body, linkId.AsSpan(), plaintext, out written);
            if (status != LinkOpenStatus.Ok && link.NextSession is { } next
                && next.TryOpen(body, linkId.AsSpan(), plaintext, out written) == LinkOpenStatus.Ok)
            {
                // The rekey responder already sends under the new session: its acknowledgement was lost or is late.
                Promote(link, next);
                status = LinkOpenStatus.Ok;
            }
            else if (status != LinkOpenStatus.Ok && link.PreviousSession is { } previous
                && previous.TryOpen(body, linkId.AsSpan(), plaintext, out written) == LinkOpenStatus.Ok)
            {
                status = LinkOpenStatus.Ok; // sealed before the rekey, still in flight
            }

            if (status != LinkOpenStatus.Ok)
            {
                link.PacketsRejected++;
            }
        }

        if (status != LinkOpenStatus.Ok)
        {
            Reject(status switch { LinkOpenStatus.Replayed => "replayed", LinkOpenStatus.TooOld => "too_old", LinkOpenStatus.Forged => "forged", _ => "malformed" });
            return;
        }

        DataReceived?.Invoke(link, plaintext[..written]);
    }

    private void Accept(Hash128 linkId, ReadOnlySpan<byte> initiation)
    {
        lock (_gate)
        {
            if (CountPending() >= MaxPendingLinks)
            {
                RejectLocked("pending_limit");
                return;
            }
        }

        var handshake = LinkHandshake.CreateResponder(_identity, Prologue, RekeyPolicy, _time);
        var message = new byte[1 + LinkHandshake.ResponseSizeInBytes];
        message[0] = Response;
        if (handshake.ReadInitiation(initiation, message.AsSpan(1), out var written) != HandshakeStatus.Ok)
        {
            handshake.Dispose();
            Reject("handshake_failed");
            return;
        }

        var peer = IdentityPublicKey.FromBytes(handshake.PeerPublicKey);
        var link = new NexusLink(this, linkId, false, peer) { Handshake = handshake };
        message = message[..(1 + written)];
        lock (_gate)
        {
            _links[linkId] = link;
            Remember(link, message, restart: true);
        }

        // No path back to the initiator yet (its announce has not reached this node): the transport asks for
        // one, and the response goes out when that path appears (OnPathChanged), instead of waiting for the
        // initiator's retransmission a whole handshake timeout later.
        link.HandshakeUnsent = !SendMessage(peer, message[0], linkId, message.AsSpan(1));
    }

    private void Establish(NexusLink link, LinkSession session, bool raise = true)
    {
        lock (_gate)
        {
            link.Session = session;
            link.Peer ??= IdentityPublicKey.FromBytes(session.PeerPublicKey);
            link.State = NexusLinkState.Established;
            link.Handshake?.Dispose();
            link.Handshake = null;
            link.LastHandshakeMessage = null;
            _transport.LinkCount = CountEstablished();
        }

        if (raise)
        {
            LinkEstablished?.Invoke(link);
        }
    }

    private void StartRekeyIfIdle(NexusLink link)
    {
        byte[] message;
        lock (_gate)
        {
            if (_disposed || link.State != NexusLinkState.Established || link.RekeyHandshake is not null || link.NextSession is not null || link.Peer is null)
            {
                return;
            }

            var handshake = LinkHandshake.CreateInitiator(_identity, RekeyPrologueFor(link.LinkId), link.Peer.AsSpan(), RekeyPolicy, _time);
            message = new byte[1 + LinkHandshake.InitiationSizeInBytes];
            message[0] = RekeyInitiation;
            handshake.WriteInitiation(message.AsSpan(1));
            link.RekeyHandshake = handshake;
            link.IsRekeyInitiator = true;
            Remember(link, message, restart: true);
        }

        link.HandshakeUnsent = !SendMessage(link.Peer, message[0], link.LinkId, message.AsSpan(1));
    }

    private void AcceptRekey(NexusLink link, ReadOnlySpan<byte> initiation)
    {
        byte[] message;
        lock (_gate)
        {
            if (link.RekeyHandshake is not null && !link.IsRekeyInitiator && link.LastHandshakeMessage is { } pending)
            {
                message = pending; // our response was lost: answer the retransmission the same way
            }
            else
            {
                if (link.RekeyHandshake is not null && link.IsRekeyInitiator)
                {
                    // Both sides started a rekey at once: the side with the lower identity hash keeps its own.
                    if (new Hash128(_identity.Hash).CompareTo(link.Peer!.Hash) < 0)
                    {
                        RejectLocked("rekey_collision");
                        return;
                    }

                    link.RekeyHandshake.Dispose();
                    link.RekeyHandshake = null;
                }

                var handshake = LinkHandshake.CreateResponder(_identity, RekeyPrologueFor(link.LinkId), RekeyPolicy, _time);
                message = new byte[1 + LinkHandshake.ResponseSizeInBytes];
                message[0] = RekeyResponse;
                if (handshake.ReadInitiation(initiation, message.AsSpan(1), out var written) != HandshakeStatus.Ok)
                {
                    handshake.Dispose();
                    RejectLocked("rekey_failed");
                    return;
                }

                if (!handshake.PeerPublicKey.SequenceEqual(link.Peer!.AsSpan()))
                {
                    handshake.Dispose();
                    RejectLocked("rekey_peer_mismatch"); // only the authenticated peer may rekey its link
                    return;
                }

                message = message[..(1 + written)];
                link.RekeyHandshake = handshake;
                link.IsRekeyInitiator = false;
                Remember(link, message, restart: true);
            }
        }

        SendMessage(link.Peer!, message[0], link.LinkId, message.AsSpan(1));
    }

    private void CompleteRekeyAsInitiator(NexusLink link, ReadOnlySpan<byte> response)
    {
        byte[] message;
        lock (_gate)
        {
            if (link.RekeyHandshake is not { } handshake || !link.IsRekeyInitiator)
            {
                RejectLocked("malformed");
                return;
            }

            message = new byte[1 + LinkHandshake.ConfirmationSizeInBytes];
            message[0] = RekeyConfirmation;
            var status = handshake.ReadResponse(response, message.AsSpan(1), out var session);
            EndRekeyHandshake(link);
            if (status != HandshakeStatus.Ok || session is null)
            {
                RejectLocked("rekey_failed");
                return;
            }

            link.NextSession = session; // promoted when the responder acknowledges (or sends under it)
            Remember(link, message, restart: true);
        }

        SendMessage(link.Peer!, message[0], link.LinkId, message.AsSpan(1));
    }

    private void CompleteRekeyAsResponder(NexusLink link, ReadOnlySpan<byte> confirmation)
    {
        Span<byte> acknowledgement = stackalloc byte[LinkSession.OverheadInBytes];
        Span<byte> associated = stackalloc byte[17];
        WriteAcknowledgementAssociatedData(link.LinkId, associated);
        lock (_gate)
        {
            if (link.RekeyHandshake is { } handshake && !link.IsRekeyInitiator)
            {
                var status = handshake.ReadConfirmation(confirmation, out var session);
                EndRekeyHandshake(link);
                if (status != HandshakeStatus.Ok || session is null)
                {
                    RejectLocked("rekey_failed");
                    return;
                }

                Promote(link, session);
            }
            else if (link.PreviousSession is null)
            {
                RejectLocked("malformed"); // no rekey in progress or just completed
                return;
            }

            // First confirmation, or a retransmission because our acknowledgement was lost.
            link.Session!.Seal([], associated, acknowledgement);
        }

        SendMessage(link.Peer!, RekeyAcknowledgement, link.LinkId, acknowledgement);
    }

    private void AcknowledgeRekey(NexusLink link, ReadOnlySpan<byte> body)
    {
        Span<byte> associated = stackalloc byte[17];
        WriteAcknowledgementAssociatedData(link.LinkId, associated);
        lock (_gate)
        {
            if (link.NextSession is not { } next)
            {
                return; // already promoted by data sealed under the new session
            }

            if (next.TryOpen(body, associated, [], out _) != LinkOpenStatus.Ok)
            {
                RejectLocked("forged");
                return;
            }

            Promote(link, next);
        }
    }

    private static void EndRekeyHandshake(NexusLink link)
    {
        link.RekeyHandshake?.Dispose();
        link.RekeyHandshake = null;
    }

    private void Promote(NexusLink link, LinkSession session)
    {
        link.PreviousSession?.Dispose();
        link.PreviousSession = link.Session;
        link.PreviousSessionExpires = _time.GetTimestamp() + (long)(RekeyGracePeriod.TotalSeconds * _time.TimestampFrequency);
        link.Session = session;
        link.NextSession = null;
        link.LastHandshakeMessage = null;
        link.Rekeys++;
    }

    private void Maintain()
    {
        var resend = new List<NexusLink>();
        var rekey = new List<NexusLink>();
        var expired = new List<NexusLink>();
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var now = _time.GetTimestamp();
            var timeout = (long)(HandshakeTimeout.TotalSeconds * _time.TimestampFrequency);
            var noPathRetry = 2 * _time.TimestampFrequency;
            foreach (var link in _links.Values)
            {
                if (link.PreviousSession is { } previous && now >= link.PreviousSessionExpires)
                {
                    previous.Dispose();
                    link.PreviousSession = null;
                }

                var wait = link.HandshakeUnsent ? noPathRetry : timeout;
                if (link.LastHandshakeMessage is not null && now - link.LastHandshakeSent >= wait)
                {
                    // Initiators drive retransmission; responders answer retransmissions and otherwise wait.
                    // A message that found no path is tried again every 2 s (the path request is under way)
                    // until the handshake's overall time (timeout × attempts) runs out.
                    var drives = link.State == NexusLinkState.Pending ? link.IsInitiator : link.IsRekeyInitiator;
                    var withinTime = now - link.HandshakeStarted < timeout * HandshakeAttempts;
                    if (drives && (link.HandshakeAttempts < HandshakeAttempts || (link.HandshakeUnsent && withinTime)))
                    {
                        resend.Add(link);
                        continue;
                    }

                    if (now - link.HandshakeStarted >= timeout * HandshakeAttempts)
                    {
                        expired.Add(link);
                        continue;
                    }
                }

                if (link.State == NexusLinkState.Established && link.Session is { IsRekeyDue: true } && link.RekeyHandshake is null && link.NextSession is null)
                {
                    rekey.Add(link);
                }
            }
        }

        foreach (var link in resend)
        {
            Resend(link);
        }

        foreach (var link in expired)
        {
            Abandon(link);
        }

        foreach (var link in rekey)
        {
            StartRekeyIfIdle(link);
        }
    }

    private void Resend(NexusLink link)
    {
        byte[]? message;
        lock (_gate)
        {
            message = link.LastHandshakeMessage;
            if (message is null || link.Peer is null)
            {
                return;
            }

            if (!link.HandshakeUnsent)
            {
                link.HandshakeAttempts++; // a message that never left (no path yet) does not use up an attempt
            }

            link.LastHandshakeSent = _time.GetTimestamp();
        }

        link.HandshakeUnsent = !SendMessage(link.Peer, message[0], link.LinkId, message.AsSpan(1));
    }

    // A handshake message that found no path (either role) goes out as soon as a path to its peer's link
    // destination appears; initiators also retry every 2 s in Maintain.
    private void OnPathChanged(object? sender, PathChangedEventArgs e)
    {
        if (e.Change == PathChangeKind.Removed)
        {
            return;
        }

        List<NexusLink>? ready = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            foreach (var link in _links.Values)
            {
                if (link.HandshakeUnsent && link.Peer is { } peer && DestinationHash.Compute(LinkName, peer.Hash) == e.Destination)
                {
                    (ready ??= []).Add(link);
                }
            }
        }

        if (ready is not null)
        {
            foreach (var link in ready)
            {
                Resend(link);
            }
        }
    }

    private void Abandon(NexusLink link)
    {
        if (link.State == NexusLinkState.Pending)
        {
            Reject("handshake_timeout");
            link.Dispose();
            return;
        }

        lock (_gate)
        {
            // An unanswered rekey: keep the current session and start over with a fresh handshake when
            // due (at once if the session is still due). The peer, if it did switch, still opens packets
            // under the current session for its grace period, and the fresh rekey replaces both.
            EndRekeyHandshake(link);
            link.NextSession?.Dispose();
            link.NextSession = null;
            link.LastHandshakeMessage = null;
            RejectLocked("rekey_timeout");
        }
    }

    private void Remember(NexusLink link, byte[] message, bool restart)
    {
        var now = _time.GetTimestamp();
        link.LastHandshakeMessage = message;
        link.LastHandshakeSent = now;
        if (restart)
        {
            link.HandshakeStarted = now;
            link.HandshakeAttempts = 1;
        }
    }

    /// <summary>The rekey acknowledgement's associated data: link id 16 ‖ 0x08.</summary>
    private static void WriteAcknowledgementAssociatedData(Hash128 linkId, Span<byte> destination)
    {
        linkId.WriteTo(destination);
        destination[16] = RekeyAcknowledgement;
    }

    private static byte[] RekeyPrologueFor(Hash128 linkId)
    {
        var prologue = new byte[RekeyPrologue.Length + Hash128.SizeInBytes];
        RekeyPrologue.CopyTo(prologue, 0);
        linkId.WriteTo(prologue.AsSpan(RekeyPrologue.Length));
        return prologue;
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

    private int CountPending()
    {
        var n = 0;
        foreach (var l in _links.Values)
        {
            n += l.State == NexusLinkState.Pending ? 1 : 0;
        }

        return n;
    }

    private void Reject(string reason)
    {
        lock (_gate)
        {
            RejectLocked(reason);
        }
    }

    private void RejectLocked(string reason) => _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
}
