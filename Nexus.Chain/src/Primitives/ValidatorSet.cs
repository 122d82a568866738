using Google.Protobuf;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>A validator: its Ed25519 public key (also its account) and voting power.</summary>
/// <param name="PublicKey">The 32-byte Ed25519 key that signs votes and proposals.</param>
/// <param name="Power">Voting power, at least 1.</param>
public readonly record struct Validator(Ed25519PublicKey PublicKey, ulong Power);

/// <summary>
/// An immutable validator set, ordered by public key bytes (lexicographic). <see cref="Hash"/> =
/// BLAKE3-256 of the canonical ValidatorSetProto encoding. Quorum (Tendermint "+2/3") is voting power
/// strictly greater than two thirds of <see cref="TotalPower"/>. Proposer for (height, round) is
/// round robin: validator index (height + round) mod count; power weighs votes, not proposer turns.
/// </summary>
public sealed class ValidatorSet
{
    private static readonly MessageParser<ValidatorSetProto> Parser = Canonical.Strict(ValidatorSetProto.Parser);
    private readonly Validator[] _validators;
    private readonly Dictionary<Ed25519PublicKey, int> _index;

    /// <summary>Creates a set from validators in any order.</summary>
    /// <param name="validators">1–1024 validators with distinct keys and power ≥ 1; total power below 2^62.</param>
    /// <exception cref="ArgumentException">Empty, too many, duplicate keys, zero power or overflowing total.</exception>
    public ValidatorSet(IEnumerable<Validator> validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        _validators = validators.ToArray();
        if (_validators.Length is 0 or > ChainLimits.MaxValidators)
        {
            throw new ArgumentException("A validator set has 1-1024 validators.", nameof(validators));
        }

        Array.Sort(_validators, (a, b) => Canonical.CompareKeys(a.PublicKey, b.PublicKey));
        _index = new Dictionary<Ed25519PublicKey, int>(_validators.Length);
        ulong total = 0;
        for (int i = 0; i < _validators.Length; i++)
        {
            var v = _validators[i];
            if (v.Power == 0 || v.Power > (1UL << 62) - total || !_index.TryAdd(v.PublicKey, i))
            {
                throw new ArgumentException("Validators need distinct keys, power >= 1 and a total power below 2^62.", nameof(validators));
            }

            total += v.Power;
        }

        TotalPower = total;
        var proto = new ValidatorSetProto();
        foreach (var v in _validators)
        {
            proto.Validators.Add(new ValidatorProto { PublicKey = Canonical.From(v.PublicKey), Power = v.Power });
        }

        Encoded = proto.ToByteArray();
        Hash = Blake3.Hash(Encoded.Span);
    }

    /// <summary>The validators ordered by public key.</summary>
    public IReadOnlyList<Validator> Validators => _validators;

    /// <summary>Number of validators.</summary>
    public int Count => _validators.Length;

    /// <summary>Sum of all voting power.</summary>
    public ulong TotalPower { get; }

    /// <summary>BLAKE3-256 of <see cref="Encoded"/>; headers carry it as validator_set_hash.</summary>
    public Hash256 Hash { get; }

    /// <summary>Canonical ValidatorSetProto encoding.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>True if <paramref name="power"/> is strictly more than two thirds of <see cref="TotalPower"/>.</summary>
    /// <param name="power">Voting power of a group of distinct validators.</param>
    /// <returns>True for a quorum.</returns>
    public bool IsQuorum(ulong power) => (UInt128)power * 3 > (UInt128)TotalPower * 2;

    /// <summary>True if <paramref name="power"/> is strictly more than one third of <see cref="TotalPower"/> (at least one honest validator).</summary>
    /// <param name="power">Voting power of a group of distinct validators.</param>
    /// <returns>True if more than f.</returns>
    public bool IsOneThird(ulong power) => (UInt128)power * 3 > TotalPower;

    /// <summary>Looks up a validator's voting power.</summary>
    /// <param name="publicKey">The validator key.</param>
    /// <param name="power">Its power, or 0.</param>
    /// <returns>True if the key is in the set.</returns>
    public bool TryGetPower(in Ed25519PublicKey publicKey, out ulong power)
    {
        if (_index.TryGetValue(publicKey, out int i))
        {
            power = _validators[i].Power;
            return true;
        }

        power = 0;
        return false;
    }

    /// <summary>True if <paramref name="publicKey"/> is in the set.</summary>
    /// <param name="publicKey">The validator key.</param>
    /// <returns>Membership.</returns>
    public bool Contains(in Ed25519PublicKey publicKey) => _index.ContainsKey(publicKey);

    /// <summary>The proposer for (height, round): index (height + round) mod count.</summary>
    /// <param name="height">Block height.</param>
    /// <param name="round">Consensus round.</param>
    /// <returns>The proposer's key.</returns>
    public Ed25519PublicKey GetProposer(ulong height, int round) =>
        _validators[(int)((height + (ulong)round) % (ulong)_validators.Length)].PublicKey;

    /// <summary>Returns the set with one validator's power changed (0 removes it).</summary>
    /// <param name="publicKey">The validator key.</param>
    /// <param name="power">New power; 0 removes.</param>
    /// <returns>The new set, or null if the change would empty the set or break a bound.</returns>
    public ValidatorSet? WithPower(in Ed25519PublicKey publicKey, ulong power)
    {
        var key = publicKey;
        var list = _validators.Where(v => v.PublicKey != key).ToList();
        if (power > 0)
        {
            list.Add(new Validator(publicKey, power));
        }

        if (list.Count is 0 or > ChainLimits.MaxValidators || list.Aggregate(UInt128.Zero, (s, v) => s + v.Power) >= (UInt128)(1UL << 62))
        {
            return null;
        }

        return new ValidatorSet(list);
    }

    /// <summary>Decodes a canonical ValidatorSetProto encoding.</summary>
    /// <param name="data">The encoding.</param>
    /// <returns>The set.</returns>
    /// <exception cref="ChainFormatException">Not canonical, not ordered, or invalid.</exception>
    public static ValidatorSet Decode(ReadOnlySpan<byte> data)
    {
        var proto = Canonical.Parse(Parser, data, 64 * 1024);
        var list = new List<Validator>(proto.Validators.Count);
        foreach (var v in proto.Validators)
        {
            if (!Canonical.IsKey(v.PublicKey))
            {
                throw new ChainFormatException("validator key must be 32 bytes");
            }

            list.Add(new Validator(new Ed25519PublicKey(v.PublicKey.Span), v.Power));
        }

        try
        {
            var set = new ValidatorSet(list);
            return set.Encoded.Span.SequenceEqual(data) ? set : throw new ChainFormatException("validator set not in canonical order");
        }
        catch (ArgumentException ex)
        {
            throw new ChainFormatException("invalid validator set: " + ex.Message, ex);
        }
    }
}
