using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nerdbank.Streams;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>Peer-to-peer settings.</summary>
public sealed class PeerNetworkOptions
{
    /// <summary>Where to accept connections (e.g. 127.0.0.1:26656); null to only dial out.</summary>
    public IPEndPoint? ListenEndPoint { get; set; }

    /// <summary>Peers to dial and keep connected, as host:port.</summary>
    public IList<string> Peers { get; } = new List<string>();

    /// <summary>Delay between reconnection attempts; default 1 s.</summary>
    public TimeSpan ReconnectInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Messages per second a peer may send (token bucket rate); default 20,000.</summary>
    public double MessagesPerSecond { get; set; } = 20_000;

    /// <summary>Token bucket size; default 40,000 messages.</summary>
    public double MessageBurst { get; set; } = 40_000;

    /// <summary>Score a new peer starts with; default 100.</summary>
    public int InitialScore { get; set; } = 100;

    /// <summary>Score lost per invalid message (bad encoding, bad signature, invalid block); default 20.</summary>
    public int InvalidPenalty { get; set; } = 20;

    /// <summary>Score lost per message over the rate limit; default 1.</summary>
    public int RateLimitPenalty { get; set; } = 1;

    /// <summary>How long a peer whose score fell to 0 or below stays banned; default 10 minutes.</summary>
    public TimeSpan BanDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The most bytes queued for one peer that has not read them yet; default 64 MiB (four maximum-size blocks).
    /// A message that would go over is dropped (one message is always accepted into an empty queue) and counted
    /// in <c>nexus.chain.p2p.messages_dropped</c>: a peer that stops reading cannot make this node hold unbounded
    /// memory; consensus repairs what it misses by rebroadcast and sync.
    /// </summary>
    public long MaxQueuedBytesPerPeer { get; set; } = 64L * 1024 * 1024;
}

/// <summary>A connected peer as seen by <see cref="PeerNetwork.Peers"/>.</summary>
/// <param name="PublicKey">The peer's Ed25519 identity key (authenticated by the D3 handshake).</param>
/// <param name="Score">Current score; the peer is banned at 0 or below.</param>
/// <param name="Outbound">True if this node dialed it.</param>
/// <param name="QueuedBytes">Bytes queued for it and not yet written to its connection (at most <see cref="PeerNetworkOptions.MaxQueuedBytesPerPeer"/> plus one message).</param>
public sealed record PeerInfo(Ed25519PublicKey PublicKey, int Score, bool Outbound, long QueuedBytes);

/// <summary>
/// TCP networking between chain nodes. Each connection runs the D3 handshake of Nexus.Crypto
/// (<see cref="LinkHandshake"/>, prologue "nexus-chain/" ‖ chain id) and then a Nerdbank.Streams
/// <see cref="MultiplexingStream"/> over the encrypted session with two channels: "consensus"
/// (ConsensusEnvelope: proposals, votes, decided blocks, sync requests) and "tx"
/// (TransactionBatchProto gossip). Messages on a channel are u32 LE length ‖ bytes, at most
/// <see cref="ChainLimits.MaxMessageBytes"/>. Peers are scored: invalid data costs
/// <see cref="PeerNetworkOptions.InvalidPenalty"/>, exceeding the rate limit costs
/// <see cref="PeerNetworkOptions.RateLimitPenalty"/>, and a peer at 0 is disconnected and banned.
/// </summary>
public sealed class PeerNetwork : IAsyncDisposable
{
    private static readonly Meter Meter = new("Nexus.Chain");
    private static readonly Counter<long> InvalidMessages = Meter.CreateCounter<long>("nexus.chain.p2p.invalid_messages");
    private static readonly Counter<long> Bans = Meter.CreateCounter<long>("nexus.chain.p2p.bans");
    private static readonly Counter<long> OutboxDropped = Meter.CreateCounter<long>("nexus.chain.p2p.messages_dropped", description: "Messages not queued for a peer because its unread queue was at PeerNetworkOptions.MaxQueuedBytesPerPeer or 50,000 messages");
    private static readonly Counter<long> GossipDropped = Meter.CreateCounter<long>("nexus.chain.p2p.gossip_batches_dropped", description: "Gossip batches dropped because signature checking was 256 batches behind");

    private readonly ChainApplication _app;
    private readonly IConsensusEngine _engine;
    private readonly NodeIdentity _identity;
    private readonly PeerNetworkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly byte[] _prologue;
    private readonly ConcurrentDictionary<Ed25519PublicKey, Peer> _peers = new();
    private readonly ConcurrentDictionary<Ed25519PublicKey, long> _banned = new();
    private const int MaxGossipQueued = 100_000;
    [ThreadStatic]
    private static Peer? t_origin; // the peer whose gossip batch is being admitted on this thread, if any

    private readonly ConcurrentQueue<(Transaction Tx, Peer? Origin)> _gossip = new();
    private readonly ManualResetEventSlim _gossipSignal = new(false, spinCount: 0); // blocks at once: spinning waiters cost CPU the nodes need
    private int _gossipQueued;
    private int _gossipSignaled;
    private readonly CancellationTokenSource _cts = new();
    private readonly List<Task> _loops = new();
    private readonly Channel<(ConsensusMessage Message, Peer Peer)> _inbound =
        Channel.CreateBounded<(ConsensusMessage, Peer)>(new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private const int MaxQueuedBatches = 256;

    // Largest gossip batch a peer may send: the gossip thread closes a batch once it reaches 1 MiB of framed
    // transactions, so a batch is at most 1 MiB plus one framed transaction. Larger frames are refused.
    private const int MaxGossipBatchBytes = (1024 * 1024) + ChainLimits.MaxTransactionBytes + 8;

    // Received gossip: decoded on the read loops, signatures checked by the verifier threads (background
    // priority, pure computation), then admitted, re-gossiped and penalized by the gossip thread (normal priority).
    private readonly ConcurrentQueue<(Peer Peer, List<Transaction> Transactions)> _toVerify = new();
    private readonly Semaphore _toVerifySignal = new(0, int.MaxValue); // a kernel wait: no spinning before blocking
    private int _toVerifyCount;
    private readonly ConcurrentQueue<(Peer Peer, List<Transaction> Transactions)> _verified = new();
    private readonly List<Thread> _verifierThreads = new();
    private Thread? _gossipThread;
    private TcpListener? _listener;
    private Thread? _consensusThread;

    /// <summary>Creates the network (call <see cref="Start"/>).</summary>
    /// <param name="app">The chain application (mempool, state).</param>
    /// <param name="engine">The consensus engine that receives consensus messages.</param>
    /// <param name="identity">This node's identity; its Ed25519 key authenticates the handshake. Not owned.</param>
    /// <param name="options">Settings.</param>
    /// <param name="timeProvider">Clock for rate limits, bans and reconnects.</param>
    /// <param name="logger">Logger.</param>
    public PeerNetwork(ChainApplication app, IConsensusEngine engine, NodeIdentity identity, PeerNetworkOptions options, TimeProvider? timeProvider = null, ILogger<PeerNetwork>? logger = null)
    {
        _app = app ?? throw new ArgumentNullException(nameof(app));
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _identity = identity ?? throw new ArgumentNullException(nameof(identity));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _prologue = System.Text.Encoding.UTF8.GetBytes("nexus-chain/" + app.State.ChainId);
        _engine.MessageRejected += (peer, reason) =>
        {
            if (peer is Peer p) Penalize(p, _options.InvalidPenalty, reason);
        };
        _app.Mempool.TransactionAdded += QueueGossip;
    }

    /// <summary>This node's Ed25519 identity key.</summary>
    public Ed25519PublicKey PublicKey => _identity.SigningKey.PublicKey;

    /// <summary>The bound listening endpoint (after <see cref="Start"/>), or null.</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndpoint as IPEndPoint;

    /// <summary>
    /// Raised after the peer table changed: a peer connected or disconnected, lost score for an invalid
    /// or rate-limited message, or was banned. Runs on the network thread that made the change; read
    /// <see cref="Peers"/> and <see cref="IsBanned"/> for the new state. Handlers must not throw or block.
    /// </summary>
    public event Action? PeersChanged;

    /// <summary>Connected peers.</summary>
    public IReadOnlyList<PeerInfo> Peers => _peers.Values.Select(p => new PeerInfo(p.Key, p.Score, p.Outbound, p.QueuedBytes)).ToArray();

    /// <summary>True if <paramref name="peer"/> is currently banned.</summary>
    /// <param name="peer">Peer identity key.</param>
    /// <returns>Ban state.</returns>
    public bool IsBanned(in Ed25519PublicKey peer) => _banned.TryGetValue(peer, out long until) && _time.GetTimestamp() < until;

    /// <summary>Starts listening, dialing the configured peers and gossiping.</summary>
    public void Start()
    {
        if (_options.ListenEndPoint is { } ep)
        {
            _listener = new TcpListener(ep);
            _listener.Start();
            _loops.Add(AcceptLoop(_listener, _cts.Token));
        }

        foreach (var peer in _options.Peers)
        {
            _loops.Add(DialLoop(peer, _cts.Token));
        }

        _gossipThread = new Thread(GossipLoop) { IsBackground = true, Name = "nexus-chain-gossip" };
        _gossipThread.Start(_cts.Token);

        // Consensus messages are handled on a dedicated thread, not behind the thread pool's queue: under load
        // that queue holds transaction verification work (gossip admission), and a proposal or vote waiting
        // behind it stretches every height.
        _consensusThread = new Thread(ConsensusLoop) { IsBackground = true, Name = "nexus-chain-consensus" };
        _consensusThread.Start(_cts.Token);

        // Signatures of gossiped transactions are checked on background-priority threads, one per core, so a flood
        // of gossip uses the idle CPU without delaying proposals, votes and commits. They only compute: a thread they
        // created (a thread-pool worker started to run work they queued) would inherit their priority.
        for (int i = 0; i < Environment.ProcessorCount; i++)
        {
            var thread = new Thread(VerifierLoop) { IsBackground = true, Name = "nexus-chain-verifier" };
            _verifierThreads.Add(thread);
            thread.Start(_cts.Token);
        }
    }

    /// <summary>Sends a consensus message to every connected peer (never blocks).</summary>
    /// <param name="message">The message.</param>
    public void Broadcast(ConsensusMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        byte[] bytes = message.Encoded; // shared, never modified: the write loop copies it into a frame
        foreach (var p in _peers.Values)
        {
            p.Send(0, bytes);
        }
    }

    /// <summary>
    /// Sends a consensus message to one peer (never blocks): <paramref name="peer"/> is the id this network
    /// passed to <see cref="IConsensusEngine.Receive"/> with that peer's messages. A peer that has
    /// disconnected since, or an id that is not one of this network's, is skipped.
    /// </summary>
    /// <param name="peer">The peer id.</param>
    /// <param name="message">The message.</param>
    public void SendTo(object peer, ConsensusMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (peer is Peer p && _peers.TryGetValue(p.Key, out var current) && ReferenceEquals(current, p))
        {
            p.Send(0, message.Encoded);
        }
    }

    /// <summary>Sends raw bytes on a channel (0 consensus, 1 tx) to every peer; for tests of peer scoring.</summary>
    internal void SendRaw(int channel, byte[] payload)
    {
        foreach (var p in _peers.Values)
        {
            p.Send(channel, payload);
        }
    }

    /// <summary>Stops listening and closes every connection.</summary>
    /// <returns>A task that completes when all loops ended.</returns>
    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        _inbound.Writer.TryComplete();
        _consensusThread?.Join();
        _gossipThread?.Join();
        foreach (var thread in _verifierThreads)
        {
            thread.Join();
        }

        // Batches never admitted: unregister them, or the mempool (which may outlive this network) would keep
        // reporting their transactions as known.
        while (_toVerify.TryDequeue(out var queued)) _app.Mempool.ReleaseIncoming(queued.Transactions);
        while (_verified.TryDequeue(out var verified)) _app.Mempool.ReleaseIncoming(verified.Transactions);

        _listener?.Stop();
        foreach (var p in _peers.Values) p.Close();
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _cts.Dispose();
        _gossipSignal.Dispose();
        _toVerifySignal.Dispose();
    }

    private async Task AcceptLoop(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => RunConnection(client, outbound: false, ct), ct);
        }
    }

    private async Task DialLoop(string address, CancellationToken ct)
    {
        int colon = address.LastIndexOf(':');
        string host = address[..colon];
        int port = int.Parse(address.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var client = new TcpClient();
                await client.ConnectAsync(host, port, ct).ConfigureAwait(false);
                await RunConnection(client, outbound: true, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or IOException or InvalidDataException)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(_options.ReconnectInterval, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunConnection(TcpClient client, bool outbound, CancellationToken ct)
    {
        client.NoDelay = true;
        var stream = client.GetStream();
        Peer? peer = null;
        try
        {
            LinkSession session;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                session = await Handshake(stream, outbound, timeout.Token).ConfigureAwait(false);
            }

            var key = new Ed25519PublicKey(session.PeerPublicKey[32..]);
            if (IsBanned(key) || key == PublicKey)
            {
                session.Dispose();
                return;
            }

            var secure = new SecureStream(stream, session);
            var mx = await MultiplexingStream.CreateAsync(secure, ct).ConfigureAwait(false);
            Stream consensus, gossip;
            if (outbound)
            {
                consensus = (await mx.OfferChannelAsync("consensus", ct).ConfigureAwait(false)).AsStream();
                gossip = (await mx.OfferChannelAsync("tx", ct).ConfigureAwait(false)).AsStream();
            }
            else
            {
                consensus = (await mx.AcceptChannelAsync("consensus", ct).ConfigureAwait(false)).AsStream();
                gossip = (await mx.AcceptChannelAsync("tx", ct).ConfigureAwait(false)).AsStream();
            }

            peer = new Peer(this, key, outbound, mx, [consensus, gossip]);
            if (!Register(peer))
            {
                peer.Close();
                return;
            }

            Log.PeerConnected(_logger, key.ToString());
            peer.Send(0, ConsensusMessage.ForSyncRequest(_app.State.Height + 1).Encode());
            await Task.WhenAny(ReadLoop(peer, 0, consensus, ct), ReadLoop(peer, 1, gossip, ct), peer.WriteLoop(ct), mx.Completion).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or OperationCanceledException or SocketException or ObjectDisposedException or EndOfStreamException or MultiplexingProtocolException)
        {
        }
        finally
        {
            if (peer is not null)
            {
                _peers.TryRemove(KeyValuePair.Create(peer.Key, peer));
                peer.Close();
                Log.PeerDisconnected(_logger, peer.Key.ToString(), "closed");
                PeersChanged?.Invoke();
            }

            client.Dispose();
        }
    }

    private async Task<LinkSession> Handshake(NetworkStream stream, bool outbound, CancellationToken ct)
    {
        using var hs = outbound
            ? LinkHandshake.CreateInitiator(_identity, _prologue, timeProvider: _time)
            : LinkHandshake.CreateResponder(_identity, _prologue, timeProvider: _time);
        if (outbound)
        {
            byte[] init = new byte[LinkHandshake.InitiationSizeInBytes];
            hs.WriteInitiation(init);
            await stream.WriteAsync(init, ct).ConfigureAwait(false);
            byte[] response = new byte[LinkHandshake.ResponseSizeInBytes];
            await stream.ReadExactlyAsync(response, ct).ConfigureAwait(false);
            byte[] confirmation = new byte[LinkHandshake.ConfirmationSizeInBytes];
            if (hs.ReadResponse(response, confirmation, out var session) != HandshakeStatus.Ok)
            {
                throw new InvalidDataException("Handshake failed.");
            }

            await stream.WriteAsync(confirmation, ct).ConfigureAwait(false);
            return session!;
        }
        else
        {
            byte[] init = new byte[LinkHandshake.InitiationSizeInBytes];
            await stream.ReadExactlyAsync(init, ct).ConfigureAwait(false);
            byte[] response = new byte[LinkHandshake.ResponseSizeInBytes];
            if (hs.ReadInitiation(init, response, out _) != HandshakeStatus.Ok)
            {
                throw new InvalidDataException("Handshake failed.");
            }

            await stream.WriteAsync(response, ct).ConfigureAwait(false);
            byte[] confirmation = new byte[LinkHandshake.ConfirmationSizeInBytes];
            await stream.ReadExactlyAsync(confirmation, ct).ConfigureAwait(false);
            if (hs.ReadConfirmation(confirmation, out var session) != HandshakeStatus.Ok)
            {
                throw new InvalidDataException("Handshake failed.");
            }

            return session!;
        }
    }

    /// <summary>One connection per peer: on a duplicate, keep the one dialed by the smaller key (both sides agree).</summary>
    private bool Register(Peer peer)
    {
        bool registered = TryRegister(peer);
        if (registered)
        {
            PeersChanged?.Invoke();
        }

        return registered;
    }

    private bool TryRegister(Peer peer)
    {
        while (true)
        {
            if (_peers.TryAdd(peer.Key, peer)) return true;
            if (!_peers.TryGetValue(peer.Key, out var existing)) continue;
            bool localSmaller = PublicKey.AsSpan().SequenceCompareTo(peer.Key.AsSpan()) < 0;
            bool keepNew = peer.Outbound == localSmaller;
            if (!keepNew) return false;
            if (_peers.TryUpdate(peer.Key, peer, existing))
            {
                existing.Close();
                return true;
            }
        }
    }

    private async Task ReadLoop(Peer peer, int channel, Stream stream, CancellationToken ct)
    {
        byte[] header = new byte[4];
        while (!ct.IsCancellationRequested)
        {
            await stream.ReadExactlyAsync(header, ct).ConfigureAwait(false);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (length > ChainLimits.MaxMessageBytes)
            {
                Penalize(peer, _options.InvalidPenalty, "oversized message");
                return;
            }

            if (channel != 0 && length > MaxGossipBatchBytes)
            {
                Penalize(peer, _options.InvalidPenalty, "oversized gossip batch");
                return;
            }

            if (channel != 0)
            {
                // Gossip batches are consumed here (admitted transactions copy their own bytes), so the
                // payload buffer is pooled; consensus payloads are kept by the decoded message.
                byte[] batch = System.Buffers.ArrayPool<byte>.Shared.Rent((int)length);
                try
                {
                    await stream.ReadExactlyAsync(batch.AsMemory(0, (int)length), ct).ConfigureAwait(false);
                    if (!peer.TakeToken(_time, _options))
                    {
                        Penalize(peer, _options.RateLimitPenalty, "rate limit");
                        continue;
                    }

                    if (DecodeTransactions(peer, batch.AsSpan(0, (int)length)) is { } admit && !TryQueueForVerification(peer, admit))
                    {
                        // Verification is MaxQueuedBatches behind (or shutting down): drop the batch. Gossip is best
                        // effort (the transactions still arrive in blocks), and waiting here would stall this
                        // connection's multiplexed stream, consensus channel included.
                        _app.Mempool.ReleaseIncoming(admit);
                        GossipDropped.Add(1);
                    }
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(batch);
                }

                continue;
            }

            byte[] payload = new byte[length];
            await stream.ReadExactlyAsync(payload, ct).ConfigureAwait(false);
            if (!peer.TakeToken(_time, _options))
            {
                Penalize(peer, _options.RateLimitPenalty, "rate limit");
                continue;
            }

            if (ConsensusMessage.TryDecode(payload.AsMemory(), _app.Mempool, out var message, out var error))
            {
                await _inbound.Writer.WriteAsync((message!, peer), ct).ConfigureAwait(false);
            }
            else
            {
                Penalize(peer, _options.InvalidPenalty, error!);
            }
        }
    }

    /// <summary>Walks a gossip batch and decodes the transactions the mempool does not hold; null if none (or the batch was malformed, the peer penalized).</summary>
    private List<Transaction>? DecodeTransactions(Peer peer, ReadOnlySpan<byte> payload)
    {
        // TransactionBatchProto is field 1 (length-delimited) repeated: walk the framing directly, hash each
        // transaction's bytes, and decode only those the mempool does not already hold (gossip brings most
        // transactions from every peer; a duplicate costs one BLAKE3 and a lookup, not a protobuf parse).
        var span = payload;
        var slices = new List<(int Offset, int Length)>();
        int pos = 0;
        while (pos < span.Length)
        {
            if (!Canonical.TryReadField(span, ref pos, out int field, out var encoded) || field != 1)
            {
                Penalize(peer, _options.InvalidPenalty, "TransactionBatchProto: malformed or not canonical");
                return null;
            }

            slices.Add((pos - encoded.Length, encoded.Length));
        }

        var hashes = new Hash256[slices.Count];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i] = Blake3.Hash(span.Slice(slices[i].Offset, slices[i].Length));
        }

        var known = _app.Mempool.Lookup(hashes);
        var txs = new List<Transaction>();
        for (int i = 0; i < hashes.Length; i++)
        {
            if (known[i] is not null)
            {
                continue;
            }

            if (!Transaction.TryDecode(span.Slice(slices[i].Offset, slices[i].Length), hashes[i], out var tx, out var error))
            {
                Penalize(peer, _options.InvalidPenalty, error!);
                _app.Mempool.ReleaseIncoming(txs);
                return null;
            }

            if (_app.Mempool.TryRegisterIncoming(tx!))
            {
                txs.Add(tx!);
            }
        }

        return txs.Count == 0 ? null : txs;
    }

    private bool TryQueueForVerification(Peer peer, List<Transaction> txs)
    {
        if (Interlocked.Increment(ref _toVerifyCount) > MaxQueuedBatches)
        {
            Interlocked.Decrement(ref _toVerifyCount);
            return false;
        }

        _toVerify.Enqueue((peer, txs));
        _toVerifySignal.Release();
        return true;
    }

    private void VerifierLoop(object? state)
    {
        var ct = (CancellationToken)state!;
        BackgroundPriority.TryApplyToCurrentThread();
        WaitHandle[] handles = [_toVerifySignal, ct.WaitHandle];
        while (WaitHandle.WaitAny(handles) == 0)
        {
            if (!_toVerify.TryDequeue(out var item))
            {
                continue;
            }

            Interlocked.Decrement(ref _toVerifyCount);
            if (!IsBanned(item.Peer.Key))
            {
                _app.Mempool.CheckSignatures(item.Transactions); // results cached on the transactions for admission
            }

            _verified.Enqueue(item);
            Signal();
        }
    }

    private void Admit(Peer peer, List<Transaction> txs)
    {
        if (IsBanned(peer.Key))
        {
            _app.Mempool.ReleaseIncoming(txs); // a banned peer's queued batches are dropped unchecked
            return;
        }

        AdmissionStatus[] results;
        t_origin = peer; // admitted transactions are not gossiped back to this peer
        try
        {
            results = _app.Mempool.AddRange(txs, parallel: false); // signatures already checked by the verifier threads
        }
        finally
        {
            t_origin = null;
            _app.Mempool.ReleaseIncoming(txs);
        }

        int bad = 0;
        foreach (var r in results)
        {
            if (r is AdmissionStatus.BadSignature or AdmissionStatus.WrongChain or AdmissionStatus.TooLarge) bad++;
        }

        if (bad > 0)
        {
            Penalize(peer, _options.InvalidPenalty * bad, "invalid transactions");
        }
    }

    /// <summary>
    /// Queues an admitted transaction for the gossip loop: a lock-free queue and one wake-up per burst
    /// (every admission used to take a channel lock, the most contended lock in a loaded devnet). When
    /// <see cref="MaxGossipQueued"/> are waiting, newer transactions are not gossiped (peers still get
    /// them in blocks).
    /// </summary>
    private void QueueGossip(Transaction tx)
    {
        if (Interlocked.Increment(ref _gossipQueued) > MaxGossipQueued)
        {
            Interlocked.Decrement(ref _gossipQueued);
            return;
        }

        var origin = t_origin;
        _gossip.Enqueue((tx, origin is not null && ReferenceEquals(origin.Owner, this) ? origin : null));
        Signal();
    }

    /// <summary>Wakes the gossip thread (one release per burst; it waits synchronously, so no thread-pool work is queued).</summary>
    private void Signal()
    {
        if (Interlocked.Exchange(ref _gossipSignaled, 1) == 0)
        {
            _gossipSignal.Set();
        }
    }

    private void ConsensusLoop(object? state)
    {
        var ct = (CancellationToken)state!;
        var reader = _inbound.Reader;
        try
        {
            while (reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var item))
                {
                    _engine.Receive(item.Message, item.Peer);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The gossip thread (normal priority): admits verified batches (mempool, events, penalties), then sends what
    /// was admitted — from peers or locally — to the other peers in batches of up to 1 MiB.
    /// </summary>
    private void GossipLoop(object? state)
    {
        var ct = (CancellationToken)state!;
        var pending = new List<(Transaction Tx, Peer? Origin)>();
        try
        {
            while (true)
            {
                _gossipSignal.Wait(ct);
                _gossipSignal.Reset();
                Volatile.Write(ref _gossipSignaled, 0); // before draining: work queued from here on signals again
                while (_verified.TryDequeue(out var batch))
                {
                    try
                    {
                        Admit(batch.Peer, batch.Transactions);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A TransactionAdded or PeersChanged handler threw: the batch is lost, the node goes on.
                        Log.PeerInvalid(_logger, batch.Peer.Key.ToString(), "admission failed: " + ex.Message);
                    }
                }

                int bytes = 0;
                while (_gossip.TryDequeue(out var item))
                {
                    Interlocked.Decrement(ref _gossipQueued);
                    pending.Add(item);
                    bytes += ProtoWriter.LengthDelimitedSize(item.Tx.Size);
                    if (bytes >= 1024 * 1024)
                    {
                        SendGossip(pending);
                        bytes = 0;
                    }
                }

                SendGossip(pending);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Sends the drained transactions to every peer except, for each transaction, the peer it came from
    /// (it has it): one shared encoding when none came from a connected peer, else one per peer.
    /// </summary>
    private void SendGossip(List<(Transaction Tx, Peer? Origin)> pending)
    {
        if (pending.Count == 0)
        {
            return;
        }

        bool anyOrigin = false;
        foreach (var (_, origin) in pending)
        {
            anyOrigin |= origin is not null;
        }

        var txs = new List<Transaction>(pending.Count);
        byte[]? shared = null;
        foreach (var p in _peers.Values)
        {
            if (anyOrigin)
            {
                txs.Clear();
                foreach (var (tx, origin) in pending)
                {
                    if (!ReferenceEquals(origin, p)) txs.Add(tx);
                }

                if (txs.Count > 0) p.Send(1, EncodeBatch(txs));
            }
            else
            {
                if (shared is null)
                {
                    foreach (var (tx, _) in pending) txs.Add(tx);
                    shared = EncodeBatch(txs);
                }

                p.Send(1, shared);
            }
        }

        pending.Clear();
    }

    /// <summary>
    /// The canonical TransactionBatchProto encoding (field 1, length-delimited, per transaction),
    /// copied from the cached transaction encodings instead of re-encoding each message.
    /// </summary>
    private static byte[] EncodeBatch(List<Transaction> transactions)
    {
        int total = 0;
        foreach (var tx in transactions)
        {
            total += ProtoWriter.LengthDelimitedSize(tx.Size);
        }

        var buffer = new byte[total];
        var output = new ProtoWriter(buffer);
        foreach (var tx in transactions)
        {
            output.WriteBytesField(1, tx.Encoded.Span);
        }

        return buffer;
    }

    private void Penalize(Peer peer, int penalty, string reason)
    {
        InvalidMessages.Add(1);
        Log.PeerInvalid(_logger, peer.Key.ToString(), reason);
        if (Interlocked.Add(ref peer.ScoreField, -penalty) <= 0 && !_banned.ContainsKey(peer.Key))
        {
            _banned[peer.Key] = _time.GetTimestamp() + (long)(_options.BanDuration.TotalSeconds * _time.TimestampFrequency);
            Bans.Add(1);
            Log.PeerBanned(_logger, peer.Key.ToString(), reason);
            peer.Close();
        }

        PeersChanged?.Invoke();
    }

    private sealed class Peer
    {
        private readonly MultiplexingStream _mx;
        private readonly Stream[] _streams;
        private readonly Channel<(int Channel, byte[] Payload)> _outbox;
        private long _queuedBytes;

        public Peer(PeerNetwork owner, Ed25519PublicKey key, bool outbound, MultiplexingStream mx, Stream[] streams)
        {
            Owner = owner;
            Key = key;
            Outbound = outbound;
            _mx = mx;
            _streams = streams;
            _tokens = owner._options.MessageBurst;
            _lastRefill = owner._time.GetTimestamp();
            ScoreField = owner._options.InitialScore;
            _outbox = Channel.CreateBounded<(int, byte[])>(
                new BoundedChannelOptions(50_000) { FullMode = BoundedChannelFullMode.DropOldest },
                dropped =>
                {
                    Interlocked.Add(ref _queuedBytes, -dropped.Item2.Length);
                    OutboxDropped.Add(1);
                });
        }

        public long QueuedBytes => Interlocked.Read(ref _queuedBytes);
        private readonly object _bucketGate = new();
        private double _tokens;
        private long _lastRefill;

        public int ScoreField;

        public PeerNetwork Owner { get; }

        public Ed25519PublicKey Key { get; }

        public bool Outbound { get; }

        public int Score => Volatile.Read(ref ScoreField);

        public void Send(int channel, byte[] payload)
        {
            long queued = Interlocked.Add(ref _queuedBytes, payload.Length);
            if (queued > Owner._options.MaxQueuedBytesPerPeer && queued != payload.Length)
            {
                Interlocked.Add(ref _queuedBytes, -payload.Length);
                OutboxDropped.Add(1);
                return;
            }

            if (!_outbox.Writer.TryWrite((channel, payload)))
            {
                Interlocked.Add(ref _queuedBytes, -payload.Length); // closed
            }
        }

        public bool TakeToken(TimeProvider time, PeerNetworkOptions options)
        {
            lock (_bucketGate)
            {
                long now = time.GetTimestamp();
                _tokens = Math.Min(options.MessageBurst, _tokens + (time.GetElapsedTime(_lastRefill, now).TotalSeconds * options.MessagesPerSecond));
                _lastRefill = now;
                if (_tokens < 1) return false;
                _tokens -= 1;
                return true;
            }
        }

        public async Task WriteLoop(CancellationToken ct)
        {
            // Length prefix and payload are written separately: a block-sized payload (shared by every peer's
            // outbox) is not copied into a new frame per peer.
            byte[] prefix = new byte[4];
            await foreach (var (channel, payload) in _outbox.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)payload.Length);
                await _streams[channel].WriteAsync(prefix, ct).ConfigureAwait(false);
                await _streams[channel].WriteAsync(payload, ct).ConfigureAwait(false);
                await _streams[channel].FlushAsync(ct).ConfigureAwait(false);
                Interlocked.Add(ref _queuedBytes, -payload.Length);
            }
        }

        public void Close()
        {
            _outbox.Writer.TryComplete();
            foreach (var s in _streams) s.Dispose();
            _ = _mx.DisposeAsync().AsTask();
        }
    }
}
