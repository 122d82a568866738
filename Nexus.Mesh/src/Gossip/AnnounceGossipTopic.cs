using System.Buffers.Binary;
using Nexus.Crypto;

namespace Nexus.Mesh.Gossip;

/// <summary>What forwarding one hop toward a neighbour costs this node (the values it adds to a <see cref="CompactPathCost"/>).</summary>
/// <param name="CostMicroNxsPerByte">This relay's cost in μNXS per byte, including the congestion multiplier of its queue to that neighbour.</param>
/// <param name="LatencyMs">The hop's latency in milliseconds.</param>
/// <param name="BitsPerSecond">The hop's bandwidth in bit/s.</param>
public readonly record struct HopCost(double CostMicroNxsPerByte, int LatencyMs, double BitsPerSecond);

/// <summary>The best path this node knows to a destination (a read-only view for the routing table).</summary>
/// <param name="Destination">The destination hash.</param>
/// <param name="NextHop">The neighbour to forward to.</param>
/// <param name="Cost">The path cost from this node: the neighbour's advertised cost plus this node's hop.</param>
/// <param name="Sequence">The origin's announce sequence the path belongs to.</param>
/// <param name="IsStale">Whether the path is past its expiry (90 min) or its next hop is down; stale paths are used only when nothing fresher exists.</param>
/// <param name="Announce">The origin's announce packet bytes (its signed identity and app data).</param>
public sealed record RouteView(Hash128 Destination, Hash128 NextHop, CompactPathCost Cost, ulong Sequence, bool IsStale, ReadOnlyMemory<byte> Announce);

/// <summary>
/// Announce propagation over gossip (tier 1; spec 01-mesh §3–§6, decision D2). Item key = the
/// 16-byte destination hash; value = <c>CompactPathCost (6 B, hop by hop, outside the signed
/// announce) ‖ the origin's announce packet</c>, or the cost alone when the neighbour is known to
/// hold that announce already; version = <c>sequence (40 bits) ‖ cumulative_cost
/// (16) ‖ hop_count (8)</c>, so a neighbour's summary matches an offer only when it already holds
/// that announce with that cost — a cost change (for example congestion) is resent in the next round
/// without a new announce.
/// <para>
/// Freshness is signed: the sequence is the announce's emission time, the unix seconds in the last
/// 5 bytes (big-endian) of the RNS random_hash, which the origin's Ed25519 signature covers. An item
/// whose sequence differs from its announce's emission time is rejected, and a cost-only item is
/// accepted only for a sequence whose announce is already held, so a relay cannot make a path look
/// fresher than the origin signed it.
/// </para>
/// <para>
/// Rules: paths of the newest and the previous sequence are kept per neighbour (a sequence older than
/// the one learned first, or than the previous one, is stale) (so a 30-min refresh
/// does not make routes flap while it spreads; older ones are dropped) and the best is the lowest decoded cost after adding this node's hop toward that
/// neighbour (then fewer hops, then the lower neighbour hash); offers apply split horizon (no path is
/// offered back to its next hop) and the hop limit (128); own announces are offered at hop 0 and
/// re-originated every 30 min (refresh) with a freshly signed announce; paths expire 3 × 30 min after they
/// were last refreshed (stale, lower priority) and are evicted one interval later; a neighbour
/// marked down makes its paths stale, an evicted one removes them. Event-driven: an accepted item
/// that changes what this node offers is pushed to the other neighbours at once.
/// </para>
/// Announce signatures are checked by the optional validator (the transport's RNS announce
/// validation) once per destination and sequence.
/// </summary>
public sealed class AnnounceGossipTopic : IGossipTopic, IGossipNeighbourObserver, IGossipRoundObserver
{
    /// <summary>The topic id used on the wire: 1.</summary>
    public const byte DefaultId = 1;

    private readonly TimeProvider _time;
    private readonly Func<Hash128, HopCost> _hopCost;
    private readonly Func<Hash128, ReadOnlyMemory<byte>, bool>? _validate;
    private readonly Dictionary<Hash128, Origin> _own = [];
    private readonly Dictionary<Hash128, Paths> _paths = [];
    private readonly HashSet<Hash128> _down = [];
    private readonly Dictionary<(Hash128 Neighbour, Hash128 Destination), ulong> _announceKnown = [];
    private readonly Dictionary<(Hash128 Neighbour, Hash128 Destination), ulong> _compactSent = [];
    private readonly TimeSpan _refresh;

    /// <summary>Creates the topic.</summary>
    /// <param name="time">The clock (expiry and refresh).</param>
    /// <param name="hopCost">This node's cost of forwarding toward a neighbour (μNXS/B with its congestion multiplier, latency, bandwidth).</param>
    /// <param name="validate">Optional announce check (destination, announce packet) → valid; null accepts.</param>
    /// <param name="refreshInterval">Own announces are re-originated this often and paths expire after 3 ×; default 30 min (spec).</param>
    public AnnounceGossipTopic(TimeProvider time, Func<Hash128, HopCost> hopCost, Func<Hash128, ReadOnlyMemory<byte>, bool>? validate = null, TimeSpan? refreshInterval = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(hopCost);
        _time = time;
        _hopCost = hopCost;
        _validate = validate;
        _refresh = refreshInterval ?? TimeSpan.FromMinutes(30);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_refresh, TimeSpan.Zero);
    }

    /// <inheritdoc/>
    public byte Id => DefaultId;

    /// <inheritdoc/>
    public string Name => "announces";

    /// <inheritdoc/>
    public GossipTier Tier => GossipTier.Critical;

    /// <inheritdoc/>
    public bool PushOnAccept => true;

    /// <summary>Raised when the best path to a destination changes (null: no path left).</summary>
    public event Action<Hash128, RouteView?>? RouteChanged;

    /// <summary>The number of destinations with at least one path (own destinations excluded).</summary>
    public int RouteCount => _paths.Count;

    /// <summary>
    /// Starts announcing a local destination (boot or new identity: publish it at once through
    /// <paramref name="publisher"/>), or replaces its announce and cost. <paramref name="signAnnounce"/>
    /// is called now and at every refresh for a freshly signed announce packet; its emission time
    /// (random_hash, unix seconds) becomes the sequence.
    /// </summary>
    /// <param name="destination">The destination hash.</param>
    /// <param name="signAnnounce">Returns a newly signed RNS announce packet of the destination (at most 378 bytes), e.g. <see cref="AnnounceBuilder.Build"/> with <see cref="AnnounceBuilder.NewRandomHash"/>.</param>
    /// <param name="originCost">Its starting cost (<see cref="CompactPathCost.ForOrigin"/>).</param>
    /// <param name="publisher">The engine, to push it now; null to wait for the next round.</param>
    /// <exception cref="ArgumentException">The announce is too long to fit one gossip item, is not a parseable announce, has an emission time of 0, or is not newer than the destination's current announce.</exception>
    public void Originate(Hash128 destination, Func<byte[]> signAnnounce, CompactPathCost originCost, IGossipPublisher? publisher = null)
    {
        ArgumentNullException.ThrowIfNull(signAnnounce);
        var announce = signAnnounce();
        if (announce.Length > GossipItem.MaxValueLength - CompactPathCost.SizeInBytes)
        {
            throw new ArgumentException($"An announce is at most {GossipItem.MaxValueLength - CompactPathCost.SizeInBytes} bytes here.", nameof(signAnnounce));
        }

        ulong sequence = EmissionTime(announce);
        if (sequence == 0 || (_own.TryGetValue(destination, out var old) && sequence <= old.Sequence))
        {
            throw new ArgumentException("The announce has no emission time or is not newer than the current one.", nameof(signAnnounce));
        }

        _own[destination] = new Origin(sequence, announce, originCost with { HopCount = 0 }, _time.GetTimestamp(), signAnnounce);
        publisher?.Publish(this, destination.AsSpan());
    }

    /// <summary>The emission time of an announce packet: the unix seconds in the last 5 bytes (big-endian) of its random_hash.</summary>
    /// <param name="announce">An RNS announce packet.</param>
    /// <returns>The time in seconds, or 0 when the bytes are not a parseable announce.</returns>
    public static ulong EmissionTime(ReadOnlySpan<byte> announce)
    {
        if (!Packet.TryParse(announce, out var packet) || !Mesh.Announce.TryParse(packet, out var parsed))
        {
            return 0;
        }

        ulong seconds = 0;
        foreach (var b in parsed.RandomHash[5..])
        {
            seconds = (seconds << 8) | b;
        }

        return seconds;
    }

    /// <summary>The best path to a destination.</summary>
    /// <param name="destination">The destination.</param>
    /// <param name="route">The path, or null.</param>
    /// <returns>False when no path is known.</returns>
    public bool TryGetRoute(Hash128 destination, out RouteView? route)
    {
        route = _paths.TryGetValue(destination, out var paths) ? Best(destination, paths) : null;
        return route is not null;
    }

    /// <summary>Every best path, one per destination.</summary>
    /// <returns>The paths, in no particular order.</returns>
    public IReadOnlyList<RouteView> Routes()
    {
        var list = new List<RouteView>(_paths.Count);
        foreach (var (destination, paths) in _paths)
        {
            if (Best(destination, paths) is { } route)
            {
                list.Add(route);
            }
        }

        return list;
    }

    /// <inheritdoc/>
    public void CollectHeld(Hash128 neighbour, List<GossipItem> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        foreach (var (destination, paths) in _paths)
        {
            if (paths.Offers.TryGetValue(neighbour, out var offer))
            {
                held.Add(Item(destination, offer.Sequence, offer.Cost, offer.Announce));
            }
        }
    }

    /// <inheritdoc/>
    public void CollectOffers(Hash128 neighbour, List<GossipItem> offers)
    {
        ArgumentNullException.ThrowIfNull(offers);
        foreach (var destination in _own.Keys)
        {
            if (TryGetOffer(neighbour, destination.AsSpan(), out var item))
            {
                offers.Add(item);
            }
        }

        foreach (var destination in _paths.Keys)
        {
            if (TryGetOffer(neighbour, destination.AsSpan(), out var item))
            {
                offers.Add(item);
            }
        }
    }

    /// <inheritdoc/>
    public bool TryGetOffer(Hash128 neighbour, ReadOnlySpan<byte> key, out GossipItem item)
    {
        item = default;
        if (key.Length != Hash128.SizeInBytes)
        {
            return false;
        }

        var destination = new Hash128(key);
        if (_own.TryGetValue(destination, out var origin))
        {
            item = Item(destination, origin.Sequence, origin.Cost, Compact(neighbour, destination, origin.Sequence, origin.Cost) ? default : origin.Announce);
            return true;
        }

        if (!_paths.TryGetValue(destination, out var paths) || Best(destination, paths) is not { } best
            || best.NextHop == neighbour || best.Cost.HopCount >= MeshConstants.MaxHops)
        {
            return false;
        }

        item = Item(destination, best.Sequence, best.Cost, Compact(neighbour, destination, best.Sequence, best.Cost) ? default : best.Announce);
        return true;
    }

    /// <summary>
    /// Whether the neighbour already holds the announce for this sequence (it sent it to us, or we
    /// offered it in full before), so a cost-only item (6-byte value) suffices. A wrong guess (a lost
    /// packet) is repaired: the neighbour rejects the compact item, its next summary still lacks
    /// that version, and a second offer of the same version goes out in full.
    /// </summary>
    private bool Compact(Hash128 neighbour, Hash128 destination, ulong sequence, CompactPathCost cost)
    {
        var key = (neighbour, destination);
        ulong version = Version(sequence, cost);
        if (_announceKnown.TryGetValue(key, out var known) && known == sequence
            && !(_compactSent.TryGetValue(key, out var sent) && sent == version))
        {
            _compactSent[key] = version;
            return true;
        }

        _announceKnown[key] = sequence;
        return false;
    }

    private static ulong Version(ulong sequence, CompactPathCost cost) =>
        ((sequence & 0xFF_FFFF_FFFF) << 24) | ((ulong)cost.CumulativeCost << 8) | cost.HopCount;

    /// <inheritdoc/>
    public GossipMergeResult Merge(Hash128 from, in GossipItem item)
    {
        if (item.Key.Length != Hash128.SizeInBytes || item.Value.Length < CompactPathCost.SizeInBytes
            || !CompactPathCost.TryRead(item.Value.Span, out var cost))
        {
            return GossipMergeResult.Rejected;
        }

        var destination = new Hash128(item.Key.Span);
        ulong sequence = item.Version >> 24;
        if (((item.Version >> 8) & 0xFFFF) != cost.CumulativeCost || (item.Version & 0xFF) != cost.HopCount
            || cost.HopCount > MeshConstants.MaxHops || sequence == 0)
        {
            return GossipMergeResult.Rejected;
        }

        if (_own.ContainsKey(destination))
        {
            return GossipMergeResult.Stale;
        }

        var announce = item.Value[CompactPathCost.SizeInBytes..];
        if (!announce.IsEmpty && EmissionTime(announce.Span) != sequence)
        {
            return GossipMergeResult.Rejected; // the sequence is not the one the origin signed
        }

        var before = _paths.TryGetValue(destination, out var paths) ? Best(destination, paths) : null;
        if (paths is not null && sequence < paths.Floor)
        {
            return GossipMergeResult.Stale;
        }

        if (announce.IsEmpty)
        {
            // Cost-only update: valid only for an announce (destination, sequence) already held.
            var holder = paths is null ? null : OfferWithSequence(paths, sequence);
            if (holder is null)
            {
                return GossipMergeResult.Rejected;
            }

            announce = holder.Announce;
        }
        else if (paths is null || sequence > paths.Sequence || OfferWithSequence(paths, sequence) is null)
        {
            if (_validate is not null && !_validate(destination, announce))
            {
                return GossipMergeResult.Rejected;
            }

            if (paths is null)
            {
                paths = new Paths(sequence);
                _paths[destination] = paths;
            }
            else if (sequence > paths.Sequence)
            {
                // A refresh: keep offers of the previous sequence as fallbacks (no route flap while
                // the new announce spreads), drop anything older.
                paths.Floor = paths.Sequence;
                paths.Sequence = sequence;
                List<Hash128>? old = null;
                foreach (var (neighbour, offer) in paths.Offers)
                {
                    if (offer.Sequence < paths.Floor)
                    {
                        (old ??= []).Add(neighbour);
                    }
                }

                foreach (var neighbour in old ?? [])
                {
                    paths.Offers.Remove(neighbour);
                }
            }
        }
        else if (paths.Offers.TryGetValue(from, out var existing) && existing.Cost == cost && existing.Sequence == sequence)
        {
            existing.Refreshed = _time.GetTimestamp();
            return GossipMergeResult.Stale;
        }

        if (sequence > paths!.Sequence)
        {
            paths.Sequence = sequence;
        }

        paths.Offers[from] = new Offer(sequence, cost, announce.ToArray(), _time.GetTimestamp());
        _announceKnown[(from, destination)] = sequence;
        var after = Best(destination, paths);
        if (Same(before, after))
        {
            return GossipMergeResult.Stale;
        }

        RouteChanged?.Invoke(destination, after);
        return GossipMergeResult.Accepted;
    }

    /// <inheritdoc/>
    public void OnNeighbourStatus(Hash128 neighbour, NeighbourStatus status)
    {
        var changed = new List<(Hash128, RouteView?)>();
        if (status == NeighbourStatus.Up)
        {
            _down.Remove(neighbour);
        }
        else
        {
            _down.Add(neighbour);
        }

        foreach (var (destination, paths) in _paths)
        {
            if (!paths.Offers.ContainsKey(neighbour))
            {
                continue;
            }

            var before = Best(destination, paths);
            if (status == NeighbourStatus.Evicted)
            {
                paths.Offers.Remove(neighbour);
            }

            var after = Best(destination, paths);
            if (!Same(before, after))
            {
                changed.Add((destination, after));
            }
        }

        if (status == NeighbourStatus.Evicted)
        {
            // Forget it entirely: if it comes back it starts as a new neighbour (up, holding nothing).
            _down.Remove(neighbour);
            ForgetNeighbour(_announceKnown, neighbour);
            ForgetNeighbour(_compactSent, neighbour);
        }

        Report(changed);
    }

    private static void ForgetNeighbour(Dictionary<(Hash128 Neighbour, Hash128 Destination), ulong> map, Hash128 neighbour)
    {
        List<(Hash128, Hash128)>? keys = null;
        foreach (var key in map.Keys)
        {
            if (key.Neighbour == neighbour)
            {
                (keys ??= []).Add(key);
            }
        }

        foreach (var key in keys ?? [])
        {
            map.Remove(key);
        }
    }

    /// <inheritdoc/>
    public void OnRound(uint round, IGossipPublisher publisher)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        long now = _time.GetTimestamp();
        var refreshed = new List<(Hash128, Origin)>();
        foreach (var (destination, origin) in _own)
        {
            if (_time.GetElapsedTime(origin.Originated, now) >= _refresh)
            {
                refreshed.Add((destination, origin));
            }
        }

        foreach (var (destination, origin) in refreshed)
        {
            var announce = origin.SignAnnounce();
            ulong sequence = EmissionTime(announce);
            if (sequence > origin.Sequence && announce.Length <= GossipItem.MaxValueLength - CompactPathCost.SizeInBytes)
            {
                _own[destination] = origin with { Sequence = sequence, Announce = announce, Originated = now };
                publisher.Publish(this, destination.AsSpan());
            }
        }

        var changed = new List<(Hash128, RouteView?)>();
        var empty = new List<Hash128>();
        foreach (var (destination, paths) in _paths)
        {
            var before = Best(destination, paths);
            List<Hash128>? evict = null;
            foreach (var (neighbour, offer) in paths.Offers)
            {
                if (_time.GetElapsedTime(offer.Refreshed, now) >= _refresh * 4)
                {
                    (evict ??= []).Add(neighbour);
                }
            }

            if (evict is not null)
            {
                foreach (var neighbour in evict)
                {
                    paths.Offers.Remove(neighbour);
                }
            }

            var after = Best(destination, paths);
            if (paths.Offers.Count == 0)
            {
                empty.Add(destination);
            }

            if (!Same(before, after))
            {
                changed.Add((destination, after));
            }
        }

        foreach (var destination in empty)
        {
            _paths.Remove(destination);
        }

        Report(changed);
    }

    private static Offer? OfferWithSequence(Paths paths, ulong sequence)
    {
        foreach (var offer in paths.Offers.Values)
        {
            if (offer.Sequence == sequence)
            {
                return offer;
            }
        }

        return null;
    }

    private static GossipItem Item(Hash128 destination, ulong sequence, CompactPathCost cost, ReadOnlyMemory<byte> announce)
    {
        var value = new byte[CompactPathCost.SizeInBytes + announce.Length];
        cost.WriteTo(value);
        announce.Span.CopyTo(value.AsSpan(CompactPathCost.SizeInBytes));
        return new GossipItem(destination.ToArray(), Version(sequence, cost), value);
    }

    private static bool Same(RouteView? a, RouteView? b) =>
        a is null ? b is null : b is not null && a.NextHop == b.NextHop && a.Cost == b.Cost && a.Sequence == b.Sequence && a.IsStale == b.IsStale;

    private void Report(List<(Hash128 Destination, RouteView? Route)> changed)
    {
        foreach (var (destination, route) in changed)
        {
            RouteChanged?.Invoke(destination, route);
        }
    }

    private RouteView? Best(Hash128 destination, Paths paths)
    {
        long now = _time.GetTimestamp();
        RouteView? best = null;
        double bestCost = double.MaxValue;
        foreach (var (neighbour, offer) in paths.Offers)
        {
            var hop = _hopCost(neighbour);
            var cost = offer.Cost.AddHop(hop.CostMicroNxsPerByte, hop.LatencyMs, hop.BitsPerSecond);
            bool stale = _down.Contains(neighbour) || _time.GetElapsedTime(offer.Refreshed, now) >= _refresh * 3;
            double decoded = cost.CostMicroNxsPerByte;
            if (best is null
                || (best.IsStale && !stale)
                || (best.IsStale == stale && (decoded < bestCost
                    || (decoded == bestCost && (cost.HopCount < best.Cost.HopCount
                        || (cost.HopCount == best.Cost.HopCount && neighbour < best.NextHop))))))
            {
                best = new RouteView(destination, neighbour, cost, offer.Sequence, stale, offer.Announce);
                bestCost = decoded;
            }
        }

        return best;
    }

    private sealed record Origin(ulong Sequence, byte[] Announce, CompactPathCost Cost, long Originated, Func<byte[]> SignAnnounce);

    private sealed class Offer(ulong sequence, CompactPathCost cost, byte[] announce, long refreshed)
    {
        public ulong Sequence { get; } = sequence;

        public CompactPathCost Cost { get; } = cost;

        public byte[] Announce { get; } = announce;

        public long Refreshed { get; set; } = refreshed;
    }

    private sealed class Paths(ulong sequence)
    {
        public ulong Sequence { get; set; } = sequence;

        /// <summary>The oldest sequence still accepted: the first one learned, then the previous newest.</summary>
        public ulong Floor { get; set; } = sequence;

        public Dictionary<Hash128, Offer> Offers { get; } = [];
    }
}
