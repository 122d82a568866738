using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;
using Nexus.Mesh;

namespace Nexus.Economics;

/// <summary>
/// Carries channel messages between direct neighbours over NEXUS links (decision D3,
/// docs/protocol/channels.md "Carriage over NEXUS links"): the sender is the link's authenticated
/// peer, never a claim inside the message.
/// <para>
/// Link payload: tag <see cref="PayloadTag"/> (1 byte, 0xEC) ‖ <see cref="ChannelMessage"/> (at most
/// 346 bytes), so 347 of a link packet's 424 bytes; payloads with another first byte are handed to
/// the <see cref="NexusLinkManager.DataReceived"/> handler that was installed before this transport
/// (the link can be shared).
/// </para>
/// <para>
/// Rules: a link to a neighbour is opened on the first send and reused; messages wait in a bounded
/// per-neighbour queue (<see cref="LinkChannelTransportOptions.OutboundQueueCapacity"/>, oldest dropped)
/// while it is established. Rekeying is the link manager's (same link id, fresh D3 handshake). A link
/// is replaced by a new one when its handshake failed (the manager closed it after its retransmissions)
/// or did not finish within <see cref="LinkChannelTransportOptions.HandshakeTimeout"/>, when it was
/// closed, or when this node sent on it and heard nothing from the peer for
/// <see cref="LinkChannelTransportOptions.StaleAfter"/> (the peer restarted and forgot it). The newest established link to a peer (opened by either side) carries sends; the
/// one before it is kept for receiving and disposed when a third is established.
/// </para>
/// <para>
/// Inbound: a message is accepted only when every party it names (the state's or the settlement's
/// party_a and party_b) is this node and the link's authenticated peer; otherwise it is refused and
/// counted (<c>party_mismatch</c>). Malformed payloads are counted (<c>malformed</c>). Accepted messages
/// wait in a bounded queue (<see cref="LinkChannelTransportOptions.InboundQueueCapacity"/>, overflow
/// counted as <c>inbound_full</c>) until <see cref="RunAsync"/> or <see cref="DeliverPendingAsync"/> hands
/// them to <see cref="EconomicsNode.ReceiveAsync"/> with the peer's identity hash. The peer's Ed25519 key,
/// proven by the handshake, is added to the optional <see cref="ChannelKeyCache"/>.
/// </para>
/// Counted on the "Nexus.Economics" meter (<c>nexus.economics.link.messages.sent</c>, <c>.received</c>,
/// <c>.dropped</c> with a reason tag, <c>nexus.economics.link.opened</c>) and in <see cref="Dropped"/>.
/// Thread-safe; link calls are made outside the transport's lock.
/// </summary>
public sealed class LinkChannelTransport : IChannelMessageTransport, IDisposable
{
    /// <summary>The first byte of every channel-message payload on a link: 0xEC.</summary>
    public const byte PayloadTag = 0xEC;

    private readonly NexusLinkManager _links;
    private readonly LinkChannelTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ChannelKeyCache? _keys;
    private readonly ILogger _logger;
    private readonly EconomicsMetrics _metrics;
    private readonly NexusLinkDataHandler? _next;
    private readonly Action<NexusLink>? _nextEstablished;
    private readonly Dictionary<Hash128, PeerState> _peers = [];
    private readonly Dictionary<string, long> _dropped = [];
    private readonly Channel<(Hash128 Peer, byte[] Message)> _inbound;
    private readonly ITimer _maintenance;
    private readonly ITimer _flush;
    private readonly Lock _gate = new();
    private EconomicsNode? _receiver;
    private long _sent;
    private long _received;
    private long _opened;

    /// <summary>Attaches to a link manager: installs its <see cref="NexusLinkManager.DataReceived"/> and <see cref="NexusLinkManager.LinkEstablished"/> handlers (chaining the ones already set) and starts the maintenance timer.</summary>
    /// <param name="links">The node's link manager (its identity must be the one whose hash is <paramref name="localHash"/>).</param>
    /// <param name="localHash">This node's 16-byte identity hash, the party name of its channels.</param>
    /// <param name="options">Settings; default <see cref="LinkChannelTransportOptions"/>.</param>
    /// <param name="keys">A key cache to teach link peers' Ed25519 keys; default none.</param>
    /// <param name="timeProvider">The clock for timeouts and the maintenance timer; default system.</param>
    /// <param name="loggerFactory">Logging; default none.</param>
    /// <param name="meterFactory">Creates the "Nexus.Economics" meter; default a process-wide meter.</param>
    /// <exception cref="ArgumentNullException"><paramref name="links"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public LinkChannelTransport(NexusLinkManager links, Hash128 localHash, LinkChannelTransportOptions? options = null, ChannelKeyCache? keys = null,
        TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(links);
        _options = options ?? new LinkChannelTransportOptions();
        _options.Validate();
        _links = links;
        LocalHash = localHash;
        _keys = keys;
        _time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory?.CreateLogger<LinkChannelTransport>() ?? (ILogger)NullLogger.Instance;
        _metrics = meterFactory is null ? EconomicsMetrics.Shared : new EconomicsMetrics(meterFactory);
        _inbound = Channel.CreateBounded<(Hash128, byte[])>(new BoundedChannelOptions(_options.InboundQueueCapacity) { SingleReader = false, FullMode = BoundedChannelFullMode.Wait });
        _next = links.DataReceived;
        _nextEstablished = links.LinkEstablished;
        links.DataReceived = OnLinkData;
        links.LinkEstablished = OnLinkEstablished;
        _maintenance = _time.CreateTimer(_ => Maintain(), null, _options.MaintenanceInterval, _options.MaintenanceInterval);
        _flush = _time.CreateTimer(_ => FlushReady(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>This node's 16-byte identity hash.</summary>
    public Hash128 LocalHash { get; }

    /// <summary>The link manager the transport rides on.</summary>
    public NexusLinkManager Links => _links;

    /// <summary>Channel messages handed to a link.</summary>
    public long MessagesSent => Interlocked.Read(ref _sent);

    /// <summary>Channel messages received on a link and queued for the economics node.</summary>
    public long MessagesReceived => Interlocked.Read(ref _received);

    /// <summary>Links this transport opened (first links and replacements).</summary>
    public long LinksOpened => Interlocked.Read(ref _opened);

    /// <summary>Inbound messages waiting for delivery.</summary>
    public int PendingInbound => _inbound.Reader.Count;

    /// <summary>
    /// Dropped or refused messages by reason: <c>party_mismatch</c> and <c>malformed</c> (inbound, refused),
    /// <c>inbound_full</c>, <c>outbound_full</c>, <c>unknown_peer</c> (no identity known and no room to
    /// remember the neighbour), <c>send_failed</c> (the link had no path), <c>handshake_timeout</c>,
    /// <c>stale_link</c> (links replaced as dead).
    /// </summary>
    public IReadOnlyDictionary<string, long> Dropped
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, long>(_dropped);
            }
        }
    }

    /// <summary>Sets the economics node inbound messages are delivered to.</summary>
    /// <param name="node">The node (created with this transport).</param>
    /// <exception cref="ArgumentNullException"><paramref name="node"/> is null.</exception>
    public void Attach(EconomicsNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        Volatile.Write(ref _receiver, node);
    }

    /// <summary>Remembers a neighbour's identity (from a validated announce) so a link to it can be opened; opens one at once when messages wait for it.</summary>
    /// <param name="identity">The neighbour's 64-byte identity public key.</param>
    /// <returns>False when the table is full of neighbours with links or queued messages.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="identity"/> is null.</exception>
    public bool LearnIdentity(IdentityPublicKey identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        bool open;
        lock (_gate)
        {
            var state = GetOrAddPeer(identity.Hash);
            if (state is null)
            {
                return false;
            }

            state.Identity ??= identity;
            open = state.Outbox.Count > 0 && NeedsLink(state) && !state.HasHandshake;
        }

        if (open)
        {
            Open(identity);
        }

        return true;
    }

    /// <summary>The link that carries sends to a neighbour now.</summary>
    /// <param name="peer">The neighbour's identity hash.</param>
    /// <param name="link">The established link, or null.</param>
    /// <returns>False when no link is established.</returns>
    public bool TryGetLink(in Hash128 peer, out NexusLink? link)
    {
        lock (_gate)
        {
            link = _peers.TryGetValue(peer, out var state) && state.Current is { State: NexusLinkState.Established } current ? current : null;
            return link is not null;
        }
    }

    /// <summary>
    /// Sends one channel message to a neighbour over its link: at once when the link is established and
    /// healthy, otherwise after queuing it and (re)opening the link. Never waits for the network.
    /// </summary>
    /// <param name="peer">The neighbour's 16-byte identity hash.</param>
    /// <param name="message">At most <see cref="ChannelMessage.MaxSizeInBytes"/> (346) bytes.</param>
    /// <param name="cancellationToken">Unused (the send does not block).</param>
    /// <returns>Completes when the message is sealed onto the link or queued.</returns>
    /// <exception cref="ArgumentException"><paramref name="message"/> is empty or longer than 346 bytes.</exception>
    public ValueTask SendAsync(Hash128 peer, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (message.Length is 0 or > ChannelMessage.MaxSizeInBytes)
        {
            throw new ArgumentException($"A channel message is 1 to {ChannelMessage.MaxSizeInBytes} bytes; got {message.Length}.", nameof(message));
        }

        var payload = new byte[1 + message.Length];
        payload[0] = PayloadTag;
        message.Span.CopyTo(payload.AsSpan(1));
        NexusLink? link = null;
        IdentityPublicKey? open = null;
        NexusLink[]? dispose = null;
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            var state = GetOrAddPeer(peer);
            if (state is null)
            {
                Drop("unknown_peer");
                return ValueTask.CompletedTask;
            }

            if (IsStale(state, now))
            {
                Drop("stale_link");
                dispose = [.. state.Retire()];
            }

            if (state.Current is { State: NexusLinkState.Established } current)
            {
                link = current;
                state.UnansweredSince ??= now;
            }
            else
            {
                Queue(state, payload);
                if (!state.HasHandshake)
                {
                    open = state.Identity;
                }
            }
        }

        DisposeAll(dispose);
        if (open is not null)
        {
            Open(open);
        }

        if (link is not null)
        {
            Transmit(link, payload);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Delivers every inbound message queued now to the attached node, in arrival order.</summary>
    /// <param name="cancellationToken">Cancels delivery.</param>
    /// <returns>How many were delivered.</returns>
    /// <exception cref="InvalidOperationException">No node is attached.</exception>
    public async ValueTask<int> DeliverPendingAsync(CancellationToken cancellationToken = default)
    {
        var receiver = Volatile.Read(ref _receiver) ?? throw new InvalidOperationException("Attach an EconomicsNode first.");
        int delivered = 0;
        while (_inbound.Reader.TryRead(out var m))
        {
            await receiver.ReceiveAsync(m.Peer, m.Message, cancellationToken).ConfigureAwait(false);
            delivered++;
        }

        return delivered;
    }

    /// <summary>Delivers inbound messages to the attached node as they arrive, until cancelled or disposed.</summary>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>Completes when stopped.</returns>
    /// <exception cref="InvalidOperationException">No node is attached.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var receiver = Volatile.Read(ref _receiver) ?? throw new InvalidOperationException("Attach an EconomicsNode first.");
        try
        {
            await foreach (var m in _inbound.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await receiver.ReceiveAsync(m.Peer, m.Message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    /// <summary>
    /// Periodic work (run by the transport's timer every <see cref="LinkChannelTransportOptions.MaintenanceInterval"/>):
    /// abandons handshakes older than the timeout and reopens links for neighbours with queued messages.
    /// </summary>
    public void Maintain()
    {
        long now = _time.GetTimestamp();
        List<NexusLink>? dispose = null;
        List<IdentityPublicKey>? open = null;
        lock (_gate)
        {
            foreach (var state in _peers.Values)
            {
                if (state.Pending is { } pending && (pending.State == NexusLinkState.Closed || _time.GetElapsedTime(state.PendingSince, now) >= _options.HandshakeTimeout))
                {
                    if (pending.State != NexusLinkState.Closed)
                    {
                        Drop("handshake_timeout");
                    }

                    (dispose ??= []).Add(pending);
                    state.Pending = null;
                }

                if (state.Outbox.Count == 0)
                {
                    continue;
                }

                if (IsStale(state, now))
                {
                    Drop("stale_link");
                    (dispose ??= []).AddRange(state.Retire());
                }

                if (NeedsLink(state) && !state.HasHandshake && state.Identity is { } identity)
                {
                    (open ??= []).Add(identity);
                }
            }
        }

        DisposeAll(dispose);
        foreach (var identity in open ?? [])
        {
            Open(identity);
        }

        FlushReady();
    }

    /// <summary>Stops the timer, closes the links this transport uses and ends <see cref="RunAsync"/>; the link manager's previous handlers are restored.</summary>
    public void Dispose()
    {
        _maintenance.Dispose();
        _flush.Dispose();
        _inbound.Writer.TryComplete();
        List<NexusLink> links = [];
        lock (_gate)
        {
            foreach (var state in _peers.Values)
            {
                links.AddRange(state.Retire());
                if (state.Pending is { } pending)
                {
                    links.Add(pending);
                    state.Pending = null;
                }
            }
        }

        _links.DataReceived = _next;
        _links.LinkEstablished = _nextEstablished;
        DisposeAll(links);
        if (!ReferenceEquals(_metrics, EconomicsMetrics.Shared))
        {
            _metrics.Dispose();
        }
    }

    // Whether every party the message names is this node or the link peer (UpdateReject names none).
    internal static bool NamesOnly(in ChannelMessage m, in Hash128 local, in Hash128 peer)
    {
        Hash128 a, b;
        switch (m.Type)
        {
            case ChannelMessageType.UpdateReject:
                return true;
            case ChannelMessageType.SettleRequest or ChannelMessageType.SettleAccept:
                a = m.Settlement.PartyA;
                b = m.Settlement.PartyB;
                break;
            default:
                a = m.State.PartyA;
                b = m.State.PartyB;
                break;
        }

        return (a == local && b == peer) || (a == peer && b == local);
    }

    private void OnLinkData(NexusLink link, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || data[0] != PayloadTag)
        {
            _next?.Invoke(link, data);
            return;
        }

        if (link.Peer is not { } identity)
        {
            return; // a link delivers data only once its peer is authenticated
        }

        var peer = identity.Hash;
        var body = data[1..];
        if (!ChannelMessage.TryParse(body, out var m))
        {
            Refuse(peer, "malformed");
            return;
        }

        if (!NamesOnly(m, LocalHash, peer))
        {
            Refuse(peer, "party_mismatch");
            return;
        }

        lock (_gate)
        {
            if (GetOrAddPeer(peer) is { } state)
            {
                state.Identity ??= identity;
                state.UnansweredSince = null;
            }
        }

        _keys?.Learn(peer, identity.SigningKey);
        if (!_inbound.Writer.TryWrite((peer, body.ToArray())))
        {
            Refuse(peer, "inbound_full");
            return;
        }

        Interlocked.Increment(ref _received);
        _metrics.LinkMessagesReceived.Add(1);
    }

    private void OnLinkEstablished(NexusLink link)
    {
        if (link.Peer is { } identity)
        {
            NexusLink? retired = null;
            (NexusLink, byte[][])? flush = null;
            bool defer = false;
            lock (_gate)
            {
                if (GetOrAddPeer(identity.Hash) is { } state)
                {
                    state.Identity ??= identity;
                    if (ReferenceEquals(state.Pending, link))
                    {
                        state.Pending = null;
                    }

                    if (!ReferenceEquals(state.Current, link))
                    {
                        retired = state.Previous;
                        state.Previous = state.Current;
                        state.Current = link;
                    }

                    state.UnansweredSince = null;

                    // The initiator is told before its confirmation leaves: data sent now would reach the
                    // responder ahead of the confirmation, so queued messages go 1 ms later.
                    defer = link.IsInitiator && state.Outbox.Count > 0;
                    if (!defer && state.Outbox.Count > 0)
                    {
                        flush = (link, state.TakeOutbox(_time.GetTimestamp()));
                    }
                }
            }

            retired?.Dispose();
            if (defer)
            {
                _flush.Change(TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
            }

            if (flush is var (current, payloads))
            {
                foreach (var payload in payloads)
                {
                    Transmit(current, payload);
                }
            }
        }

        _nextEstablished?.Invoke(link);
    }

    // Sends what waits for every neighbour whose link is established.
    private void FlushReady()
    {
        List<(NexusLink, byte[][])> flush = [];
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            foreach (var state in _peers.Values)
            {
                if (state.Outbox.Count > 0 && state.Current is { State: NexusLinkState.Established } current)
                {
                    flush.Add((current, state.TakeOutbox(now)));
                }
            }
        }

        foreach (var (link, payloads) in flush)
        {
            foreach (var payload in payloads)
            {
                Transmit(link, payload);
            }
        }
    }

    private void Open(IdentityPublicKey identity)
    {
        lock (_gate)
        {
            if (GetOrAddPeer(identity.Hash) is not { HasHandshake: false } state)
            {
                return;
            }

            state.PendingSince = _time.GetTimestamp();
            state.Opening = true;
        }

        NexusLink? link = null;
        try
        {
            link = _links.Open(identity);
        }
        finally
        {
            lock (_gate)
            {
                if (_peers.TryGetValue(identity.Hash, out var state))
                {
                    state.Opening = false;

                    // A link established already (a synchronous answer) is Current, not Pending.
                    state.Pending = link is { State: NexusLinkState.Pending } ? link : state.Pending;
                }
            }
        }

        Interlocked.Increment(ref _opened);
        _metrics.LinksOpened.Add(1);
    }

    private void Transmit(NexusLink link, byte[] payload)
    {
        bool sent;
        try
        {
            sent = link.Send(payload);
        }
        catch (InvalidOperationException)
        {
            sent = false; // the session's counter is exhausted; the next send replaces the link
        }

        if (sent)
        {
            Interlocked.Increment(ref _sent);
            _metrics.LinkMessagesSent.Add(1);
        }
        else
        {
            lock (_gate)
            {
                Drop("send_failed");
            }
        }
    }

    private bool IsStale(PeerState state, long now) =>
        state.Current is { } current
        && (current.State == NexusLinkState.Closed
            || (state.UnansweredSince is { } since && _time.GetElapsedTime(since, now) >= _options.StaleAfter));

    private static bool NeedsLink(PeerState state) => state.Current is not { State: NexusLinkState.Established };

    private void Queue(PeerState state, byte[] payload)
    {
        state.Outbox.Enqueue(payload);
        if (state.Outbox.Count > _options.OutboundQueueCapacity)
        {
            state.Outbox.Dequeue();
            Drop("outbound_full");
        }
    }

    // Under the gate.
    private PeerState? GetOrAddPeer(in Hash128 peer)
    {
        if (_peers.TryGetValue(peer, out var state))
        {
            return state;
        }

        if (_peers.Count >= _options.MaxIdentities)
        {
            Hash128? victim = null;
            foreach (var (hash, candidate) in _peers)
            {
                if (candidate.Current is null && candidate.Previous is null && candidate.Pending is null && candidate.Outbox.Count == 0)
                {
                    victim = hash;
                    break;
                }
            }

            if (victim is null)
            {
                return null;
            }

            _peers.Remove(victim.Value);
        }

        state = new PeerState();
        _peers.Add(peer, state);
        return state;
    }

    private void Refuse(in Hash128 peer, string reason)
    {
        lock (_gate)
        {
            Drop(reason);
        }

        EconomicsLog.MessageDropped(_logger, peer, "link-" + reason);
    }

    // Under the gate.
    private void Drop(string reason)
    {
        _dropped[reason] = _dropped.GetValueOrDefault(reason) + 1;
        _metrics.LinkMessageDropped(reason);
    }

    private static void DisposeAll(IEnumerable<NexusLink>? links)
    {
        foreach (var link in links ?? [])
        {
            link.Dispose();
        }
    }

    private sealed class PeerState
    {
        public IdentityPublicKey? Identity { get; set; }

        public NexusLink? Current { get; set; }

        public NexusLink? Previous { get; set; }

        public NexusLink? Pending { get; set; }

        // An Open call is in progress (no link object yet).
        public bool Opening { get; set; }

        public bool HasHandshake => Opening || Pending is not null;

        public long PendingSince { get; set; }

        public long? UnansweredSince { get; set; }

        public Queue<byte[]> Outbox { get; } = new();

        public byte[][] TakeOutbox(long now)
        {
            byte[][] all = [.. Outbox];
            Outbox.Clear();
            UnansweredSince ??= now;
            return all;
        }

        public List<NexusLink> Retire()
        {
            var links = new List<NexusLink>(2);
            if (Current is not null)
            {
                links.Add(Current);
            }

            if (Previous is not null)
            {
                links.Add(Previous);
            }

            Current = Previous = null;
            UnansweredSince = null;
            return links;
        }
    }
}
