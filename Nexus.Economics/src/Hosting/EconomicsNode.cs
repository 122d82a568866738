using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crypto;
using Nexus.Mesh;

namespace Nexus.Economics;

/// <summary>
/// The integrator's entry point to Nexus.Economics: one node's payment channels with its direct
/// neighbours, its relay lottery, and its copy of the CRDT ledger. Open a channel
/// (<see cref="OpenChannelAsync"/>), pay over it (<see cref="PayAsync"/>), feed it relayed and
/// forwarded packets (<see cref="OnPacketRelayedAsync"/>, <see cref="OnPacketForwarded"/>: wins
/// become dual-signed updates), settle (<see cref="SettleAsync"/>), query balances
/// (<see cref="GetBalance"/>) and subscribe to <see cref="LedgerChanged"/>.
/// <para>
/// Protocol rules enforced here (docs/protocol/channels.md): a channel state changes only by a
/// dual-signed update; lottery rewards only on a verified win claim; every state this node signs is
/// stored (<see cref="IChannelStore"/>) before the signature is sent (write-ahead), and the node never
/// signs two different states with the same sequence. Peer protocol violations are counted on the
/// "Nexus.Economics" meter, logged at debug, answered with an UpdateReject where useful, and never throw.
/// </para>
/// Thread-safe: protocol state changes are serialized; sends happen outside the lock.
/// </summary>
public sealed class EconomicsNode : IDisposable
{
    private readonly Ed25519PrivateKey _key;
    private readonly IChannelMessageTransport _transport;
    private ISettlementGossip? _gossip;
    private readonly IChannelStore _channelStore;
    private readonly EconomicsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EconomicsMetrics _metrics;
    private readonly Dictionary<ChannelId, PaymentChannel> _channels = [];
    private readonly Dictionary<Hash128, ChannelId> _byPeer = [];
    private readonly HashSet<Hash256> _published = [];
    private readonly List<(Hash128 Peer, byte[] Message)> _outbox = [];
    private readonly List<byte[]> _gossipOutbox = [];
    private readonly Lock _gate = new();
    private readonly SerialEventQueue _events;

    /// <summary>Creates a node and restores every channel and settlement from its stores.</summary>
    /// <param name="signingKey">The node's Ed25519 identity key (signs states and settlements, proves lottery wins); not disposed by the node.</param>
    /// <param name="localHash">The node's 16-byte destination hash, as named in channels.</param>
    /// <param name="transport">Sends channel messages to neighbours.</param>
    /// <param name="gossip">Publishes settlements; null until <see cref="UseGossip"/> sets one (a <see cref="SettlementGossipTopic"/> is built over this node's <see cref="Validator"/>, so it comes after the node). Records accepted meanwhile are published by the topic's anti-entropy.</param>
    /// <param name="options">Settings; default <see cref="EconomicsOptions"/>.</param>
    /// <param name="channelStore">Channel persistence; default in memory.</param>
    /// <param name="ledgerStore">Ledger persistence; default in memory.</param>
    /// <param name="keys">The key cache; default a new one. The node's own key is added.</param>
    /// <param name="epochBalances">Balances at the last epoch snapshot, μNXS (see <see cref="CrdtLedger"/>).</param>
    /// <param name="timeProvider">The clock; default system.</param>
    /// <param name="loggerFactory">Logging; default none.</param>
    /// <param name="meterFactory">Creates the "Nexus.Economics" meter; default a process-wide meter.</param>
    /// <exception cref="ArgumentNullException"><paramref name="signingKey"/> or <paramref name="transport"/> is null.</exception>
    public EconomicsNode(Ed25519PrivateKey signingKey, Hash128 localHash, IChannelMessageTransport transport, ISettlementGossip? gossip,
        EconomicsOptions? options = null, IChannelStore? channelStore = null, ILedgerStore? ledgerStore = null, ChannelKeyCache? keys = null,
        IReadOnlyDictionary<Hash128, ulong>? epochBalances = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(transport);
        _key = signingKey;
        LocalHash = localHash;
        _transport = transport;
        _gossip = gossip;
        _options = options ?? new EconomicsOptions();
        _channelStore = channelStore ?? new InMemoryChannelStore();
        _time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory?.CreateLogger<EconomicsNode>() ?? (ILogger)NullLogger.Instance;
        _events = new SerialEventQueue(_logger);
        _metrics = meterFactory is null ? EconomicsMetrics.Shared : new EconomicsMetrics(meterFactory);
        Keys = keys ?? new ChannelKeyCache();
        Keys.Learn(localHash, signingKey.PublicKey);
        Ledger = new CrdtLedger(ledgerStore, epochBalances);
        Validator = new SettlementValidator(Ledger, Keys, loggerFactory?.CreateLogger<SettlementValidator>(), _metrics);
        foreach (var record in Ledger.GetRecords())
        {
            _published.Add(record.ComputeHash());
        }

        Ledger.Changed += OnLedgerChanged;
        foreach (var snapshot in _channelStore.LoadAll())
        {
            var channel = new PaymentChannel(snapshot);
            channel.AttachClock(_time);
            _channels[channel.Id] = channel;
            if (channel.Status is ChannelStatus.Opening or ChannelStatus.Open)
            {
                _byPeer[channel.Peer] = channel.Id;
            }
        }
    }

    /// <summary>This node's 16-byte hash.</summary>
    public Hash128 LocalHash { get; }

    /// <summary>Sets (or replaces) where accepted settlements are published, typically a <see cref="SettlementGossipTopic"/> over <see cref="Validator"/>.</summary>
    /// <param name="gossip">The publisher.</param>
    /// <exception cref="ArgumentNullException"><paramref name="gossip"/> is null.</exception>
    public void UseGossip(ISettlementGossip gossip)
    {
        ArgumentNullException.ThrowIfNull(gossip);
        Volatile.Write(ref _gossip, gossip);
    }

    /// <summary>Party hash → Ed25519 key; feed it from announces (<see cref="ChannelKeyCache.LearnIdentity"/>).</summary>
    public ChannelKeyCache Keys { get; }

    /// <summary>This node's copy of the CRDT ledger.</summary>
    public CrdtLedger Ledger { get; }

    /// <summary>Validates incoming settlements into <see cref="Ledger"/>.</summary>
    public SettlementValidator Validator { get; }

    /// <summary>Raised after a settlement starts or stops counting in this node's ledger.</summary>
    public event EventHandler<LedgerEventArgs>? LedgerChanged;

    /// <summary>
    /// Raised when one of this node's payment channels changes (<see cref="ChannelChangeKind"/>: opening,
    /// opened, updated by a dual-signed state, settled, closing, closed), after the change is stored
    /// (<see cref="IChannelStore"/>) and visible through <see cref="TryGetChannel"/>. Raised after the
    /// node's lock is released, never under it, so a handler may call the node (<see cref="PayAsync"/>,
    /// <see cref="Channels"/>): on the thread of the call that made the change (<see cref="ReceiveAsync"/>
    /// on the transport's receive thread, <see cref="OpenChannelAsync"/>, <see cref="AbandonAsync"/>,
    /// <see cref="TickAsync"/>), before that call sends the replies the change causes; when another thread
    /// is already raising this node's channel events, on that thread right after. One at a time, in the
    /// order the changes happened; a handler that throws is logged at warning level and skipped (the
    /// other handlers and the channel protocol go on). Not raised for channels restored from the store
    /// at construction.
    /// </summary>
    public event EventHandler<ChannelChangedEventArgs>? ChannelChanged;

    /// <summary>Whether this thread holds the node's lock (tests check that events are raised outside it).</summary>
    internal bool IsLockHeld => _gate.IsHeldByCurrentThread;

    /// <summary>A snapshot of this node's channels.</summary>
    public IReadOnlyList<PaymentChannel> Channels
    {
        get
        {
            lock (_gate)
            {
                return [.. _channels.Values];
            }
        }
    }

    /// <summary>Looks a channel up.</summary>
    /// <param name="id">The channel id.</param>
    /// <param name="channel">The channel, or null.</param>
    /// <returns>False when unknown.</returns>
    public bool TryGetChannel(in ChannelId id, out PaymentChannel? channel)
    {
        lock (_gate)
        {
            return _channels.TryGetValue(id, out channel);
        }
    }

    /// <summary>The open (or opening) channel with a neighbour.</summary>
    /// <param name="peer">The neighbour's hash.</param>
    /// <param name="channel">The channel, or null.</param>
    /// <returns>False when there is none.</returns>
    public bool TryGetChannelWith(in Hash128 peer, out PaymentChannel? channel)
    {
        lock (_gate)
        {
            channel = _byPeer.TryGetValue(peer, out var id) ? _channels[id] : null;
            return channel is not null;
        }
    }

    /// <summary>A node's balance in this node's ledger (epoch base + settled amounts), μNXS.</summary>
    /// <param name="node">The node's 16-byte hash.</param>
    /// <returns>The derived balance.</returns>
    public long GetBalance(in Hash128 node) => Ledger.GetBalance(node);

    /// <summary>
    /// Opens a channel with a neighbour: signs sequence 0 with the opening balances, stores it, and
    /// sends an OpenRequest. The channel is <see cref="ChannelStatus.Opening"/> until the peer's
    /// OpenAccept arrives.
    /// </summary>
    /// <param name="peer">The neighbour's 16-byte hash; its key must be in <see cref="Keys"/>.</param>
    /// <param name="localDeposit">This node's opening balance, μNXS.</param>
    /// <param name="peerDeposit">The peer's opening balance, μNXS.</param>
    /// <param name="terms">Win probability and per-packet cost.</param>
    /// <param name="nonce">The 16-byte channel-id nonce; default random.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The new channel.</returns>
    /// <exception cref="ArgumentException"><paramref name="peer"/> is this node.</exception>
    /// <exception cref="InvalidOperationException">The peer's key is unknown, or a channel with the peer is already open.</exception>
    public async ValueTask<PaymentChannel> OpenChannelAsync(Hash128 peer, ulong localDeposit, ulong peerDeposit, ChannelTerms terms,
        Hash128? nonce = null, CancellationToken cancellationToken = default)
    {
        if (peer == LocalHash)
        {
            throw new ArgumentException("A channel needs another node.", nameof(peer));
        }

        if (!Keys.TryGet(peer, out _))
        {
            throw new InvalidOperationException($"No key is known for {peer}; learn it from an announce first.");
        }

        Span<byte> nonceBytes = stackalloc byte[16];
        if (nonce is { } given)
        {
            given.WriteTo(nonceBytes);
        }
        else
        {
            RandomNumberGenerator.Fill(nonceBytes);
        }

        var id = ChannelId.Derive(LocalHash.AsSpan(), peer.AsSpan(), nonceBytes);
        var side = LocalHash.CompareTo(peer) < 0 ? ChannelParty.A : ChannelParty.B;
        var state = side == ChannelParty.A
            ? new ChannelState(id, LocalHash, peer, localDeposit, peerDeposit, 0)
            : new ChannelState(id, peer, LocalHash, peerDeposit, localDeposit, 0);
        var nonceHash = new Hash128(nonceBytes);
        PaymentChannel channel;
        lock (_gate)
        {
            if (_byPeer.ContainsKey(peer) || _channels.ContainsKey(id))
            {
                throw new InvalidOperationException($"A channel with {peer} already exists.");
            }

            state = state.Sign(side, _key, terms);
            channel = new PaymentChannel(new ChannelSnapshot
            {
                Channel = id, LocalSide = side, Status = ChannelStatus.Opening, Terms = terms,
                OpeningBalanceA = state.BalanceA, Latest = state, LastUpdateUnixMilliseconds = Now.ToUnixTimeMilliseconds(),
                OpenNonce = nonceHash,
            });
            channel.AttachClock(_time);
            Persist(channel);
            _channels[id] = channel;
            _byPeer[peer] = id;
            QueueChannelChange(channel, ChannelChangeKind.Opening);
            Send(peer, ChannelMessage.OpenRequest(nonceHash, terms, state));
        }

        RaiseChannelEvents();
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return channel;
    }

    /// <summary>
    /// Pays the peer directly: proposes a state moving <paramref name="amountMicroNxs"/> to it (queued
    /// while another proposal is in flight). The payment is done when the peer's signature arrives.
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="amountMicroNxs">μNXS, above 0.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the proposal is sent or queued.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="amountMicroNxs"/> is 0.</exception>
    /// <exception cref="InvalidOperationException">The channel is unknown or not open, or this node's balance is too small.</exception>
    public ValueTask PayAsync(ChannelId channel, ulong amountMicroNxs, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(amountMicroNxs);
        lock (_gate)
        {
            var c = RequireOpen(channel);
            if (c.LocalBalance < amountMicroNxs)
            {
                throw new InvalidOperationException($"The channel holds {c.LocalBalance} μNXS for this node; {amountMicroNxs} requested.");
            }

            c.Queue.AddLast(new PaymentChannel.Intent(ChannelUpdateKind.Payment, amountMicroNxs, c.Terms, null));
            ProposeNext(c);
        }

        return FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Proposes new terms (for example the p <see cref="PaymentChannel.Difficulty"/> suggests); they
    /// apply once the peer countersigns the update, so the payer always knows p (decision D6).
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="terms">The new terms.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the proposal is sent or queued.</returns>
    /// <exception cref="InvalidOperationException">The channel is unknown or not open.</exception>
    public ValueTask ProposeTermsAsync(ChannelId channel, ChannelTerms terms, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var c = RequireOpen(channel);
            c.Queue.AddLast(new PaymentChannel.Intent(ChannelUpdateKind.Terms, 0, terms, null));
            ProposeNext(c);
        }

        return FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Payer side of the lottery: records that this node forwarded a packet to a neighbour that will
    /// relay it, so the neighbour's win claim for it can be checked. No-op without an open channel.
    /// </summary>
    /// <param name="relay">The neighbour the packet was forwarded to.</param>
    /// <param name="packetHash">The packet's 32-byte RNS packet hash.</param>
    public void OnPacketForwarded(in Hash128 relay, in Hash256 packetHash)
    {
        lock (_gate)
        {
            if (_byPeer.TryGetValue(relay, out var id) && _channels[id] is { Status: ChannelStatus.Open } c && EnsureVerifier(c))
            {
                c.Verifier!.RecordForwarded(packetHash);
            }
        }
    }

    /// <summary>
    /// Relay side of the lottery: plays ECVRF over packet_hash ‖ channel_id for a packet received from
    /// a neighbour and relayed onward; on a win, proposes the dual-signed update that moves the reward
    /// (queued while another proposal is in flight). No-op (false) without an open channel.
    /// </summary>
    /// <param name="payer">The neighbour that handed over the packet (and pays).</param>
    /// <param name="packetHash">The packet's 32-byte RNS packet hash.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>True when the packet won.</returns>
    public async ValueTask<bool> OnPacketRelayedAsync(Hash128 payer, Hash256 packetHash, CancellationToken cancellationToken = default)
    {
        PaymentChannel? c;
        ChannelTerms terms;
        lock (_gate)
        {
            if (!_byPeer.TryGetValue(payer, out var id) || _channels[id] is not { Status: ChannelStatus.Open } open)
            {
                return false;
            }

            c = open;
            terms = c.Terms;
            c.Difficulty.Record();
        }

        _metrics.LotteryPlays.Add(1);
        if (!RelayLottery.TryWin(_key, packetHash, c.Id, terms.Probability, out var claim))
        {
            return false;
        }

        _metrics.LotteryWins.Add(1);
        lock (_gate)
        {
            if (c.Queue.Count >= _options.ClaimQueueCapacity)
            {
                Dropped(payer, "claim-queue-full");
                return true;
            }

            c.Queue.AddLast(new PaymentChannel.Intent(ChannelUpdateKind.Win, 0, terms, claim));
            ProposeNext(c);
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Asks the peer to settle the latest dual-signed state: signs the SettlementRecord (final_sequence
    /// = current sequence, cumulative amount since open) and sends it. The channel stays open. When the
    /// peer countersigns, the record goes to both ledgers and to gossip.
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The record as signed by this node.</returns>
    /// <exception cref="InvalidOperationException">The channel is unknown or not open, or nothing changed since the last settlement.</exception>
    public async ValueTask<SettlementRecord> SettleAsync(ChannelId channel, CancellationToken cancellationToken = default)
    {
        SettlementRecord record;
        lock (_gate)
        {
            var c = RequireOpen(channel);
            if (c.Latest.Sequence == 0 || (c.LastSettlement is { } last && last.FinalSequence >= c.Latest.Sequence))
            {
                throw new InvalidOperationException("Nothing to settle: no update since the last settlement.");
            }

            record = SettlementRecord.ForState(c.Latest, c.OpeningBalanceA).Sign(c.LocalSide, _key);
            Send(c.Peer, ChannelMessage.SettleRequest(record));
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return record;
    }

    /// <summary>Whether a channel has had no update for 4 epochs, so either side may close it alone.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>True when abandonable.</returns>
    public bool IsAbandoned(ChannelId channel)
    {
        lock (_gate)
        {
            return _channels.TryGetValue(channel, out var c) && c.Status == ChannelStatus.Open && Now - c.LastUpdate >= _options.AbandonAfter;
        }
    }

    /// <summary>
    /// Closes an abandoned channel alone (spec: after 4 epochs without update): submits the last
    /// dual-signed state, which opens the 2,880-round dispute window; a higher-sequence state from the
    /// peer within the window replaces it. <see cref="TickAsync"/> closes the channel when the window ends.
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the dispute message is sent.</returns>
    /// <exception cref="InvalidOperationException">The channel is unknown, not open, or not idle for 4 epochs.</exception>
    public ValueTask AbandonAsync(ChannelId channel, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var c = RequireOpen(channel);
            if (Now - c.LastUpdate < _options.AbandonAfter)
            {
                throw new InvalidOperationException($"The channel was updated at {c.LastUpdate:O}; it may be abandoned after {_options.AbandonAfter} without updates.");
            }

            StartClosing(c);
            Send(c.Peer, ChannelMessage.Dispute(c.Terms, c.Latest));
        }

        RaiseChannelEvents();
        return FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Periodic work (call every gossip round): closes channels whose dispute window ended, with the
    /// highest dual-signed state seen; with <see cref="EconomicsOptions.AutoAdjustDifficulty"/>, proposes
    /// the adaptive p for channels whose relayed traffic moved it by a factor of 2 or more.
    /// </summary>
    /// <param name="cancellationToken">Cancels sends.</param>
    /// <returns>Completes when done.</returns>
    public ValueTask TickAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            foreach (var c in _channels.Values)
            {
                if (_options.AutoAdjustDifficulty && c.Status == ChannelStatus.Open && c.Pending is null && c.Queue.Count == 0
                    && c.Difficulty.ObservedPacketsPerMinute > 0)
                {
                    var suggested = c.Difficulty.Probability;
                    ulong current = c.Terms.Probability.Target;
                    if (suggested.Target / 2 >= current || suggested.Target <= current / 2)
                    {
                        c.Queue.AddLast(new PaymentChannel.Intent(ChannelUpdateKind.Terms, 0, c.Terms with { Probability = suggested }, null));
                        ProposeNext(c);
                    }
                }

                if (c.Status == ChannelStatus.Closing && c.CloseDeadline <= Now)
                {
                    c.Status = ChannelStatus.Closed;
                    c.Pending = null;
                    c.Queue.Clear();
                    Persist(c);
                    EconomicsLog.ChannelStatusChanged(_logger, c.Id, c.Peer, c.Status);
                    QueueChannelChange(c, ChannelChangeKind.Closed);
                }
            }
        }

        RaiseChannelEvents();
        return FlushAsync(cancellationToken);
    }

    /// <summary>
    /// After a restart (or a lost message): re-sends every stored proposal still waiting for the
    /// peer (the same signed bytes, so no sequence is reused) and every unanswered OpenRequest.
    /// </summary>
    /// <param name="cancellationToken">Cancels sends.</param>
    /// <returns>Completes when sent.</returns>
    public ValueTask ResumeAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            foreach (var c in _channels.Values)
            {
                if (c.Pending is { } p && c.Status == ChannelStatus.Open)
                {
                    Send(c.Peer, ChannelMessage.UpdateRequest(p.Kind, p.Terms, p.State, p.Claim));
                }
                else if (c.Status == ChannelStatus.Open)
                {
                    ProposeNext(c);
                }
                else if (c.Status == ChannelStatus.Opening)
                {
                    Send(c.Peer, ChannelMessage.OpenRequest(c.OpenNonce, c.Terms, c.Latest));
                }
            }
        }

        return FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Handles one channel message from a neighbour (the transport calls this with the link's
    /// authenticated peer). Malformed or invalid messages are counted and dropped; never throws for
    /// peer input.
    /// </summary>
    /// <param name="from">The neighbour's 16-byte hash.</param>
    /// <param name="message">The message bytes.</param>
    /// <param name="cancellationToken">Cancels replies.</param>
    /// <returns>Completes when replies are sent.</returns>
    public ValueTask ReceiveAsync(Hash128 from, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (!ChannelMessage.TryParse(message.Span, out var m))
        {
            Dropped(from, "malformed");
            return ValueTask.CompletedTask;
        }

        lock (_gate)
        {
            switch (m.Type)
            {
                case ChannelMessageType.OpenRequest:
                    OnOpenRequest(from, m);
                    break;
                case ChannelMessageType.OpenAccept:
                    OnOpenAccept(from, m);
                    break;
                case ChannelMessageType.UpdateRequest:
                    OnUpdateRequest(from, m);
                    break;
                case ChannelMessageType.UpdateAccept:
                    OnUpdateAccept(from, m);
                    break;
                case ChannelMessageType.UpdateReject:
                    OnUpdateReject(from, m);
                    break;
                case ChannelMessageType.SettleRequest:
                    OnSettleRequest(from, m);
                    break;
                case ChannelMessageType.SettleAccept:
                    OnSettleAccept(from, m);
                    break;
                default:
                    OnDispute(from, m);
                    break;
            }
        }

        RaiseChannelEvents();
        return FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Handles a settlement record from the gossip topic: validates it (2 signatures, hash, GSet
    /// dedup, balances on the merged set) and, when accepted, publishes it onward. Invalid records are
    /// dropped silently and counted.
    /// </summary>
    /// <param name="record">The 192-byte record.</param>
    /// <param name="cancellationToken">Cancels the onward publish.</param>
    /// <returns>The validation outcome.</returns>
    public async ValueTask<SettlementStatus> ReceiveSettlementAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken = default)
    {
        var status = Validator.Submit(record.Span);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return status;
    }

    /// <summary>A store the node opened itself (through dependency injection) and disposes with itself.</summary>
    internal IDisposable? OwnedStore { get; init; }

    /// <summary>Detaches from the ledger, disposes the node's own meter and any store it opened (the signing key is the caller's).</summary>
    public void Dispose()
    {
        OwnedStore?.Dispose();
        Ledger.Changed -= OnLedgerChanged;
        if (!ReferenceEquals(_metrics, EconomicsMetrics.Shared))
        {
            _metrics.Dispose();
        }
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private PaymentChannel RequireOpen(in ChannelId id) =>
        _channels.TryGetValue(id, out var c) && c.Status == ChannelStatus.Open
            ? c
            : throw new InvalidOperationException($"Channel {id} is not open.");

    private bool EnsureVerifier(PaymentChannel c)
    {
        if (c.Verifier is null && Keys.TryGet(c.Peer, out var peerKey))
        {
            c.Verifier = new WinClaimVerifier(c.Id, peerKey, c.Terms.Probability, _options.ForwardedPacketMemory);
        }

        return c.Verifier is not null;
    }

    // Under the lock: turns the next queued intent into a signed, stored, sent proposal.
    private void ProposeNext(PaymentChannel c)
    {
        while (c.Pending is null && c.Status == ChannelStatus.Open && c.Queue.First is { } node)
        {
            c.Queue.RemoveFirst();
            var intent = node.Value;
            ulong sequence = Math.Max(c.Latest.Sequence, c.HighestSigned) + 1;
            if (intent.Retry && (sequence % 2 == 1) != (c.LocalSide == ChannelParty.A))
            {
                sequence++; // after a collision party a retries on odd, party b on even sequences: they cannot collide again
            }
            ChannelState state;
            ChannelTerms terms = c.Terms;
            switch (intent.Kind)
            {
                case ChannelUpdateKind.Win:
                    if (intent.Terms != c.Terms)
                    {
                        Dropped(c.Peer, "claim-under-old-terms");
                        continue;
                    }

                    ulong reward = c.Terms.RewardMicroNxs;
                    if (c.PeerBalance < reward)
                    {
                        Dropped(c.Peer, "payer-exhausted");
                        continue;
                    }

                    state = c.Latest.Transfer(c.PeerSide, reward, sequence);
                    break;
                case ChannelUpdateKind.Payment:
                    if (c.LocalBalance < intent.Amount)
                    {
                        Dropped(c.Peer, "payment-exceeds-balance");
                        continue;
                    }

                    state = c.Latest.Transfer(c.LocalSide, intent.Amount, sequence);
                    break;
                default:
                    terms = intent.Terms;
                    state = c.Latest.Transfer(c.LocalSide, 0, sequence);
                    break;
            }

            state = state.Sign(c.LocalSide, _key, terms);
            c.Pending = new PendingUpdate(intent.Kind, terms, state, intent.Claim);
            c.HighestSigned = sequence;
            Persist(c); // write-ahead: stored before the signature leaves
            Send(c.Peer, ChannelMessage.UpdateRequest(intent.Kind, terms, state, intent.Claim));
        }
    }

    private void OnOpenRequest(Hash128 from, in ChannelMessage m)
    {
        var state = m.State;
        if (!state.TryGetSide(from, out var peerSide) || !state.TryGetSide(LocalHash, out var localSide) || state.Sequence != 0)
        {
            Dropped(from, "open-wrong-parties");
            return;
        }

        Span<byte> nonce = stackalloc byte[16];
        m.Nonce.WriteTo(nonce);
        if (ChannelId.Derive(state.PartyA.AsSpan(), state.PartyB.AsSpan(), nonce) != state.Channel)
        {
            Dropped(from, "open-wrong-channel-id");
            return;
        }

        if (_channels.TryGetValue(state.Channel, out var existing))
        {
            if (existing.Status != ChannelStatus.Opening && existing.Latest.Sequence == 0 && existing.Latest.ContentEquals(state))
            {
                Send(from, ChannelMessage.OpenAccept(existing.Terms, existing.Latest)); // our accept was lost
            }
            else
            {
                Dropped(from, "open-duplicate");
            }

            return;
        }

        if (!Keys.TryGet(from, out var peerKey) || !state.VerifySignature(peerSide, peerKey, m.Terms))
        {
            Dropped(from, "open-bad-signature");
            return;
        }

        bool accept = _options.AcceptChannel is { } policy
            ? policy(from, state.BalanceOf(localSide), state.BalanceOf(peerSide), m.Terms)
            : EconomicsOptions.WithinBounds(m.Terms.Probability) && state.BalanceOf(localSide) <= _options.MaxResponderDepositMicroNxs;
        if (!accept || _byPeer.ContainsKey(from))
        {
            Dropped(from, "open-refused");
            return;
        }

        state = state.Sign(localSide, _key, m.Terms);
        var channel = new PaymentChannel(new ChannelSnapshot
        {
            Channel = state.Channel, LocalSide = localSide, Status = ChannelStatus.Open, Terms = m.Terms,
            OpeningBalanceA = state.BalanceA, Latest = state, LastUpdateUnixMilliseconds = Now.ToUnixTimeMilliseconds(),
        });
        channel.AttachClock(_time);
        Persist(channel);
        _channels[channel.Id] = channel;
        _byPeer[from] = channel.Id;
        EconomicsLog.ChannelStatusChanged(_logger, channel.Id, from, channel.Status);
        QueueChannelChange(channel, ChannelChangeKind.Opened);
        Send(from, ChannelMessage.OpenAccept(m.Terms, state));
    }

    private void OnOpenAccept(Hash128 from, in ChannelMessage m)
    {
        if (!_channels.TryGetValue(m.Channel, out var c) || c.Peer != from || c.Status != ChannelStatus.Opening
            || !c.Latest.ContentEquals(m.State) || m.Terms != c.Terms || c.Latest.SignatureOf(c.LocalSide) != m.State.SignatureOf(c.LocalSide))
        {
            Dropped(from, "accept-unexpected");
            return;
        }

        if (!Keys.TryGet(from, out var peerKey) || !m.State.VerifySignature(c.PeerSide, peerKey, m.Terms))
        {
            Dropped(from, "accept-bad-signature");
            return;
        }

        c.Latest = m.State;
        c.Status = ChannelStatus.Open;
        c.LastUpdate = Now;
        Persist(c);
        EconomicsLog.ChannelStatusChanged(_logger, c.Id, from, c.Status);
        QueueChannelChange(c, ChannelChangeKind.Opened);
        ProposeNext(c);
    }

    private void OnUpdateRequest(Hash128 from, in ChannelMessage m)
    {
        var state = m.State;
        if (!_channels.TryGetValue(m.Channel, out var c) || c.Peer != from || c.Status != ChannelStatus.Open)
        {
            Reject(from, m, ChannelRejectReason.NotOpen);
            return;
        }

        if (c.Latest.ContentEquals(state) && c.Terms == m.Terms)
        {
            Send(from, ChannelMessage.UpdateAccept(c.Terms, c.Latest)); // we signed it; our accept was lost
            return;
        }

        if (state.Channel != c.Latest.Channel || state.PartyA != c.Latest.PartyA || state.PartyB != c.Latest.PartyB
            || state.Capacity != c.Latest.Capacity || state.Sequence <= c.Latest.Sequence
            || state.Sequence - c.Latest.Sequence > EconomicsOptions.MaxSequenceGap)
        {
            Reject(from, m, ChannelRejectReason.NotSuccessor);
            return;
        }

        if (state.Sequence <= c.HighestSigned)
        {
            Reject(from, m, ChannelRejectReason.SequenceReused);
            return;
        }

        Span<byte> digest = stackalloc byte[Hash256.SizeInBytes];
        state.WriteSigningDigest(m.Terms, digest); // one digest for the check and for our signature
        if (!Keys.TryGet(from, out var peerKey) || !peerKey.Verify(digest, state.SignatureOf(c.PeerSide)))
        {
            Reject(from, m, ChannelRejectReason.BadSignature);
            return;
        }

        ulong before = c.LocalBalance;
        ulong after = state.BalanceOf(c.LocalSide);
        switch (m.Kind)
        {
            case ChannelUpdateKind.Win:
                if (m.Terms != c.Terms)
                {
                    Reject(from, m, ChannelRejectReason.TermsRefused);
                    return;
                }

                if (after >= before)
                {
                    Reject(from, m, ChannelRejectReason.WrongAmount);
                    return;
                }

                if (!EnsureVerifier(c))
                {
                    Reject(from, m, ChannelRejectReason.BadClaim);
                    return;
                }

                var verdict = c.Verifier!.Verify(m.Claim!.Value, c.Terms.PerPacketCostMicroNxs, out ulong reward);
                if (verdict != WinClaimStatus.Valid)
                {
                    Dropped(from, "claim-" + verdict.ToString());
                    Reject(from, m, ChannelRejectReason.BadClaim);
                    return;
                }

                if (before - after != reward)
                {
                    Reject(from, m, ChannelRejectReason.WrongAmount);
                    return;
                }

                break;
            case ChannelUpdateKind.Payment:
                if (m.Terms != c.Terms || after <= before)
                {
                    Reject(from, m, m.Terms != c.Terms ? ChannelRejectReason.TermsRefused : ChannelRejectReason.WrongAmount);
                    return;
                }

                break;
            default:
                bool acceptable = _options.AcceptTerms is { } policy
                    ? policy(c.Terms, m.Terms)
                    : m.Terms.PerPacketCostMicroNxs == c.Terms.PerPacketCostMicroNxs && EconomicsOptions.WithinBounds(m.Terms.Probability);
                if (after != before)
                {
                    Reject(from, m, ChannelRejectReason.WrongAmount);
                    return;
                }

                if (!acceptable)
                {
                    Reject(from, m, ChannelRejectReason.TermsRefused);
                    return;
                }

                break;
        }

        if (c.Pending is { } stale)
        {
            // Our own proposal is below this one: the peer will refuse it; propose it again above.
            Requeue(c, stale);
            c.Pending = null;
        }

        c.Latest = state.WithSignature(c.LocalSide, _key.Sign(digest));
        ApplyTerms(c, m.Terms);
        c.HighestSigned = state.Sequence;
        c.LastUpdate = Now;
        c.UpdateCount++;
        Persist(c); // write-ahead: the dual-signed state is stored before our signature leaves
        _metrics.ChannelUpdates.Add(1);
        QueueChannelChange(c, ChannelChangeKind.Updated);
        Send(from, ChannelMessage.UpdateAccept(m.Terms, c.Latest));
        ProposeNext(c);
    }

    // Puts a refused proposal back at the head of the queue as a retry (amount relative to the current latest state).
    private static void Requeue(PaymentChannel c, PendingUpdate pending)
    {
        ulong amount = pending.Kind == ChannelUpdateKind.Payment ? c.LocalBalance - pending.State.BalanceOf(c.LocalSide) : 0;
        c.Queue.AddFirst(new PaymentChannel.Intent(pending.Kind, amount, pending.Terms, pending.Claim, Retry: true));
    }

    private void OnUpdateAccept(Hash128 from, in ChannelMessage m)
    {
        if (!_channels.TryGetValue(m.Channel, out var c) || c.Peer != from || c.Pending is not { } pending
            || !pending.State.ContentEquals(m.State) || pending.Terms != m.Terms || pending.State.Sequence <= c.Latest.Sequence
            || pending.State.SignatureOf(c.LocalSide) != m.State.SignatureOf(c.LocalSide))
        {
            Dropped(from, "accept-unexpected");
            return;
        }

        if (!Keys.TryGet(from, out var peerKey) || !m.State.VerifySignature(c.PeerSide, peerKey, m.Terms))
        {
            Dropped(from, "accept-bad-signature");
            return;
        }

        c.Latest = m.State;
        ApplyTerms(c, m.Terms);
        c.Pending = null;
        c.LastUpdate = Now;
        c.UpdateCount++;
        Persist(c);
        _metrics.ChannelUpdates.Add(1);
        QueueChannelChange(c, ChannelChangeKind.Updated);
        ProposeNext(c);
    }

    private void OnUpdateReject(Hash128 from, in ChannelMessage m)
    {
        if (!_channels.TryGetValue(m.Channel, out var c) || c.Peer != from || c.Pending is not { } pending || pending.State.Sequence != m.Sequence)
        {
            Dropped(from, "reject-unexpected");
            return;
        }

        // The refused sequence stays burnt (HighestSigned keeps it): the next proposal goes above it.
        c.Pending = null;
        Persist(c);
        Dropped(from, "proposal-rejected-" + m.Reason.ToString());
        if (m.Reason == ChannelRejectReason.SequenceReused)
        {
            Requeue(c, pending);
        }

        ProposeNext(c);
    }

    private void OnSettleRequest(Hash128 from, in ChannelMessage m)
    {
        var record = m.Settlement;
        if (!_channels.TryGetValue(m.Channel, out var c) || c.Peer != from || c.Status != ChannelStatus.Open)
        {
            Dropped(from, "settle-not-open");
            return;
        }

        if (c.LastSettlement is { } last && last.FinalSequence == record.FinalSequence && last.AmountAToB == record.AmountAToB)
        {
            Send(from, ChannelMessage.SettleAccept(last)); // our accept was lost
            return;
        }

        var expected = SettlementRecord.ForState(c.Latest, c.OpeningBalanceA);
        var hash = record.ComputeHash();
        if (record.FinalSequence != c.Latest.Sequence || record.AmountAToB != expected.AmountAToB
            || record.PartyA != expected.PartyA || record.PartyB != expected.PartyB
            || !Keys.TryGet(from, out var peerKey) || !record.VerifySignature(c.PeerSide, peerKey, hash))
        {
            Dropped(from, "settle-mismatch");
            return;
        }

        record = record.Sign(c.LocalSide, _key);
        c.LastSettlement = record;
        Persist(c); // write-ahead
        QueueChannelChange(c, ChannelChangeKind.Settled);
        Validator.Submit(record);
        Send(from, ChannelMessage.SettleAccept(record));
    }

    private void OnSettleAccept(Hash128 from, in ChannelMessage m)
    {
        var record = m.Settlement;
        if (!_channels.TryGetValue(m.Channel, out var c) || c.Peer != from || record.FinalSequence > c.Latest.Sequence
            || (c.LastSettlement is { } last && last.FinalSequence >= record.FinalSequence))
        {
            Dropped(from, "settle-accept-unexpected");
            return;
        }

        var hash = record.ComputeHash();
        if (!Keys.TryGet(from, out var peerKey) || !record.VerifySignature(c.PeerSide, peerKey, hash)
            || !record.VerifySignature(c.LocalSide, _key.PublicKey, hash))
        {
            Dropped(from, "settle-accept-bad-signature");
            return;
        }

        c.LastSettlement = record;
        Persist(c);
        QueueChannelChange(c, ChannelChangeKind.Settled);
        Validator.Submit(record);
    }

    private void OnDispute(Hash128 from, in ChannelMessage m)
    {
        var state = m.State;
        if (!_channels.TryGetValue(m.Channel, out var c) || c.Peer != from || c.Status == ChannelStatus.Closed)
        {
            Dropped(from, "dispute-unknown");
            return;
        }

        if (!Keys.TryGet(from, out var peerKey) || state.PartyA != c.Latest.PartyA || state.PartyB != c.Latest.PartyB
            || !state.VerifySignature(c.PeerSide, peerKey, m.Terms) || !state.VerifySignature(c.LocalSide, _key.PublicKey, m.Terms))
        {
            Dropped(from, "dispute-bad-state");
            return;
        }

        if (c.Status != ChannelStatus.Closing)
        {
            StartClosing(c);
        }

        if (state.Sequence > c.Latest.Sequence)
        {
            c.Latest = state; // the higher sequence always wins
            ApplyTerms(c, m.Terms);
            c.HighestSigned = Math.Max(c.HighestSigned, state.Sequence);
            Persist(c);
            QueueChannelChange(c, ChannelChangeKind.Updated);
        }
        else if (state.Sequence < c.Latest.Sequence)
        {
            Send(from, ChannelMessage.Dispute(c.Terms, c.Latest)); // counter with our newer state
        }
    }

    private void StartClosing(PaymentChannel c)
    {
        c.Status = ChannelStatus.Closing;
        c.CloseDeadline = Now + _options.DisputeWindow;
        c.Pending = null;
        c.Queue.Clear();
        _byPeer.Remove(c.Peer);
        Persist(c);
        EconomicsLog.ChannelStatusChanged(_logger, c.Id, c.Peer, c.Status);
        QueueChannelChange(c, ChannelChangeKind.Closing);
    }

    private static void ApplyTerms(PaymentChannel c, in ChannelTerms terms)
    {
        c.Terms = terms;
        if (c.Verifier is not null)
        {
            c.Verifier.Probability = terms.Probability;
        }
    }

    private void Reject(Hash128 from, in ChannelMessage m, ChannelRejectReason reason)
    {
        Dropped(from, "update-" + reason.ToString());
        Send(from, ChannelMessage.UpdateReject(m.Channel, m.State.Sequence, reason));
    }

    private void Dropped(Hash128 from, string reason)
    {
        _metrics.MessageDropped(reason);
        EconomicsLog.MessageDropped(_logger, from, reason);
    }

    private void Persist(PaymentChannel c) => _channelStore.Save(c.ToSnapshot());

    // Under _gate, right after the change is stored: queued, raised by RaiseChannelEvents once the lock is released.
    private void QueueChannelChange(PaymentChannel c, ChannelChangeKind change)
    {
        if (ChannelChanged is { } handlers)
        {
            _events.Enqueue(nameof(ChannelChanged), handlers, this, new ChannelChangedEventArgs(change, c.Peer, c.Status, c.LocalSide, c.Latest, c.LastSettlement));
        }
    }

    // After the lock is released (never under it): raises the queued channel events in order, one thread at a time.
    private void RaiseChannelEvents() => _events.RaisePending();

    private void Send(Hash128 peer, in ChannelMessage message)
    {
        lock (_outbox)
        {
            _outbox.Add((peer, message.ToArray()));
        }
    }

    private void OnLedgerChanged(object? sender, LedgerEventArgs e)
    {
        if (e.Kind == LedgerEventKind.Applied)
        {
            lock (_gossipOutbox)
            {
                if (_published.Add(e.Hash))
                {
                    _gossipOutbox.Add(e.Record.ToArray());
                }
            }
        }

        LedgerChanged?.Invoke(this, e);
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            (Hash128 Peer, byte[] Message)[] messages;
            byte[][] records;
            lock (_outbox)
            {
                messages = [.. _outbox];
                _outbox.Clear();
            }

            lock (_gossipOutbox)
            {
                records = [.. _gossipOutbox];
                _gossipOutbox.Clear();
            }

            if (messages.Length == 0 && records.Length == 0)
            {
                return;
            }

            foreach (var (peer, bytes) in messages)
            {
                await _transport.SendAsync(peer, bytes, cancellationToken).ConfigureAwait(false);
            }

            if (Volatile.Read(ref _gossip) is { } gossip)
            {
                foreach (var record in records)
                {
                    await gossip.PublishAsync(record, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}
