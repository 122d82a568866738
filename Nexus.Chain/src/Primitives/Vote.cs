using Google.Protobuf;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>Tendermint vote types (u8 tag).</summary>
public enum VoteType : byte
{
    /// <summary>First voting step of a round.</summary>
    Prevote = 1,

    /// <summary>Second voting step; +2/3 precommits for a block commit it.</summary>
    Precommit = 2,
}

/// <summary>
/// A signed Tendermint vote for a block (or nil) at (height, round). Canonical form: VoteProto
/// (type, height, round, block_hash (32 or empty = nil), validator (32), signature (64)); the signature
/// covers "nexus-chain vote v1" ‖ u8 chain-id length ‖ chain id ‖ the encoding without the signature.
/// </summary>
public sealed class Vote
{
    private static readonly MessageParser<VoteProto> Parser = Canonical.Strict(VoteProto.Parser);
    private static ReadOnlySpan<byte> Domain => "nexus-chain vote v1"u8;

    private Vote(VoteType type, ulong height, int round, Hash256? blockHash, Ed25519PublicKey validator, Ed25519Signature signature)
    {
        Type = type;
        Height = height;
        Round = round;
        BlockHash = blockHash;
        Validator = validator;
        Signature = signature;
    }

    /// <summary>Prevote or precommit.</summary>
    public VoteType Type { get; }

    /// <summary>Block height voted on.</summary>
    public ulong Height { get; }

    /// <summary>Consensus round (0-based).</summary>
    public int Round { get; }

    /// <summary>The block voted for, or null for a nil vote.</summary>
    public Hash256? BlockHash { get; }

    /// <summary>The voting validator's key.</summary>
    public Ed25519PublicKey Validator { get; }

    /// <summary>The validator's 64-byte Ed25519 signature.</summary>
    public Ed25519Signature Signature { get; }

    /// <summary>Creates and signs a vote.</summary>
    /// <param name="key">The validator's signing key.</param>
    /// <param name="chainId">Chain id bound into the signature.</param>
    /// <param name="type">Vote type.</param>
    /// <param name="height">Height.</param>
    /// <param name="round">Round, ≥ 0.</param>
    /// <param name="blockHash">Block hash or null for nil.</param>
    /// <returns>The signed vote.</returns>
    public static Vote Create(Ed25519PrivateKey key, string chainId, VoteType type, ulong height, int round, Hash256? blockHash)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        var signature = key.Sign(SignBytes(chainId, type, height, round, blockHash, key.PublicKey));
        return new Vote(type, height, round, blockHash, key.PublicKey, signature);
    }

    internal static Vote FromCommitSig(ulong height, int round, Hash256 blockHash, Ed25519PublicKey validator, Ed25519Signature signature) =>
        new(VoteType.Precommit, height, round, blockHash, validator, signature);

    internal static byte[] SignBytes(string chainId, VoteType type, ulong height, int round, Hash256? blockHash, Ed25519PublicKey validator)
    {
        var proto = new VoteProto
        {
            Type = (uint)type,
            Height = height,
            Round = (uint)round,
            BlockHash = blockHash is { } h ? Canonical.From(h) : ByteString.Empty,
            Validator = Canonical.From(validator),
        };
        return Canonical.SignBytes(Domain, chainId, proto.ToByteArray());
    }

    /// <summary>Verifies the signature for <paramref name="chainId"/>.</summary>
    /// <param name="chainId">The chain id.</param>
    /// <returns>True if <see cref="Validator"/> signed this vote.</returns>
    public bool Verify(string chainId) => Validator.Verify(SignBytes(chainId, Type, Height, Round, BlockHash, Validator), Signature);

    internal VoteProto ToProto() => new()
    {
        Type = (uint)Type,
        Height = Height,
        Round = (uint)Round,
        BlockHash = BlockHash is { } h ? Canonical.From(h) : ByteString.Empty,
        Validator = Canonical.From(Validator),
        Signature = Canonical.From(Signature),
    };

    /// <summary>The canonical VoteProto encoding.</summary>
    /// <returns>A new array.</returns>
    public byte[] Encode() => ToProto().ToByteArray();

    /// <summary>Decodes a canonical vote (signature not verified).</summary>
    /// <param name="data">At most 256 bytes.</param>
    /// <returns>The vote.</returns>
    /// <exception cref="ChainFormatException">Malformed, not canonical, or bad field lengths.</exception>
    public static Vote Decode(ReadOnlySpan<byte> data) => FromProto(Canonical.Parse(Parser, data, ChainLimits.MaxVoteBytes));

    internal static Vote FromProto(VoteProto proto)
    {
        if (proto.Type is < 1 or > 2 || proto.Round > int.MaxValue || !(proto.BlockHash.IsEmpty || Canonical.IsHash(proto.BlockHash))
            || !Canonical.IsKey(proto.Validator) || !Canonical.IsSignature(proto.Signature))
        {
            throw new ChainFormatException("vote: bad type, round or field length");
        }

        return new Vote((VoteType)proto.Type, proto.Height, (int)proto.Round, proto.BlockHash.IsEmpty ? null : new Hash256(proto.BlockHash.Span),
            new Ed25519PublicKey(proto.Validator.Span), new Ed25519Signature(proto.Signature.Span));
    }

    /// <summary>A readable summary: type, height/round, block (or nil) and validator.</summary>
    public override string ToString() => $"{Type} {Height}/{Round} {(BlockHash?.ToString()[..12] ?? "nil")} by {Validator.ToString()[..12]}";
}

/// <summary>One validator's precommit signature inside a <see cref="Commit"/>.</summary>
/// <param name="Validator">The validator key.</param>
/// <param name="Signature">Its precommit signature for the commit's (height, round, block hash).</param>
public readonly record struct CommitSignature(Ed25519PublicKey Validator, Ed25519Signature Signature);

/// <summary>
/// Proof that a block is final: +2/3 of the voting power precommitted it at (height, round). Carried
/// as the next block's last_commit. Canonical form: CommitProto; hash = BLAKE3-256 of it.
/// </summary>
public sealed class Commit
{
    private static readonly MessageParser<CommitProto> Parser = Canonical.Strict(CommitProto.Parser);

    /// <summary>Creates a commit.</summary>
    /// <param name="height">Committed height.</param>
    /// <param name="round">Round in which the precommits were cast.</param>
    /// <param name="blockHash">The committed block's hash.</param>
    /// <param name="signatures">Precommit signatures, one per validator.</param>
    public Commit(ulong height, int round, Hash256 blockHash, IReadOnlyList<CommitSignature> signatures)
    {
        Height = height;
        Round = round;
        BlockHash = blockHash;
        Signatures = signatures ?? throw new ArgumentNullException(nameof(signatures));
        Encoded = ToProto().ToByteArray();
        Hash = Blake3.Hash(Encoded.Span);
    }

    /// <summary>Committed height.</summary>
    public ulong Height { get; }

    /// <summary>Round of the precommits.</summary>
    public int Round { get; }

    /// <summary>The committed block's hash.</summary>
    public Hash256 BlockHash { get; }

    /// <summary>Precommit signatures.</summary>
    public IReadOnlyList<CommitSignature> Signatures { get; }

    /// <summary>Canonical CommitProto encoding.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>BLAKE3-256 of <see cref="Encoded"/>.</summary>
    public Hash256 Hash { get; }

    /// <summary>
    /// Checks that distinct members of <paramref name="validators"/> holding +2/3 of its power signed a
    /// precommit for (Height, Round, BlockHash).
    /// </summary>
    /// <param name="chainId">The chain id.</param>
    /// <param name="validators">The set that validated the block.</param>
    /// <param name="error">Why the commit is invalid, or null.</param>
    /// <returns>True if the commit proves finality.</returns>
    public bool Verify(string chainId, ValidatorSet validators, out string? error)
    {
        ArgumentNullException.ThrowIfNull(validators);
        var seen = new HashSet<Ed25519PublicKey>();
        ulong power = 0;
        foreach (var sig in Signatures)
        {
            if (!validators.TryGetPower(sig.Validator, out ulong p) || !seen.Add(sig.Validator))
            {
                error = "commit: signature from a non-validator or a duplicate";
                return false;
            }

            if (!sig.Validator.Verify(Vote.SignBytes(chainId, VoteType.Precommit, Height, Round, BlockHash, sig.Validator), sig.Signature))
            {
                error = "commit: bad precommit signature";
                return false;
            }

            power += p;
        }

        error = validators.IsQuorum(power) ? null : "commit: less than +2/3 voting power";
        return error is null;
    }

    internal CommitProto ToProto()
    {
        var proto = new CommitProto { Height = Height, Round = (uint)Round, BlockHash = Canonical.From(BlockHash) };
        foreach (var s in Signatures)
        {
            proto.Signatures.Add(new CommitSigProto { Validator = Canonical.From(s.Validator), Signature = Canonical.From(s.Signature) });
        }

        return proto;
    }

    /// <summary>Decodes a canonical commit.</summary>
    /// <param name="data">The encoding.</param>
    /// <returns>The commit (signatures not verified).</returns>
    /// <exception cref="ChainFormatException">Malformed or bad field lengths.</exception>
    public static Commit Decode(ReadOnlySpan<byte> data) => FromProto(Canonical.Parse(Parser, data, 256 * 1024));

    internal static Commit FromProto(CommitProto proto)
    {
        if (proto.Round > int.MaxValue || !Canonical.IsHash(proto.BlockHash) || proto.Signatures.Count > ChainLimits.MaxValidators)
        {
            throw new ChainFormatException("commit: bad round, hash or signature count");
        }

        var sigs = new CommitSignature[proto.Signatures.Count];
        for (int i = 0; i < sigs.Length; i++)
        {
            var s = proto.Signatures[i];
            if (!Canonical.IsKey(s.Validator) || !Canonical.IsSignature(s.Signature))
            {
                throw new ChainFormatException("commit: bad signature entry");
            }

            sigs[i] = new CommitSignature(new Ed25519PublicKey(s.Validator.Span), new Ed25519Signature(s.Signature.Span));
        }

        return new Commit(proto.Height, (int)proto.Round, new Hash256(proto.BlockHash.Span), sigs);
    }
}

/// <summary>
/// Evidence that a validator signed two different votes of the same type at the same (height,
/// round): Tendermint's DuplicateVoteEvidence. Recorded in a block, it removes the validator from
/// the set and slashes its account. Hash = BLAKE3-256 of the canonical DuplicateVoteEvidenceProto.
/// </summary>
public sealed class DuplicateVoteEvidence
{
    /// <summary>Pairs two conflicting votes, ordered so the encoding is canonical.</summary>
    /// <param name="voteA">One vote.</param>
    /// <param name="voteB">The conflicting vote.</param>
    public DuplicateVoteEvidence(Vote voteA, Vote voteB)
    {
        ArgumentNullException.ThrowIfNull(voteA);
        ArgumentNullException.ThrowIfNull(voteB);
        byte[] a = voteA.Encode(), b = voteB.Encode();
        if (a.AsSpan().SequenceCompareTo(b) > 0)
        {
            (voteA, voteB) = (voteB, voteA);
        }

        VoteA = voteA;
        VoteB = voteB;
        Encoded = ToProto().ToByteArray();
        Hash = Blake3.Hash(Encoded.Span);
    }

    /// <summary>The vote whose encoding sorts first.</summary>
    public Vote VoteA { get; }

    /// <summary>The other vote.</summary>
    public Vote VoteB { get; }

    /// <summary>The offending validator.</summary>
    public Ed25519PublicKey Offender => VoteA.Validator;

    /// <summary>Canonical encoding.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>BLAKE3-256 of <see cref="Encoded"/>.</summary>
    public Hash256 Hash { get; }

    /// <summary>
    /// True if both votes are by the same validator, of the same type, height and round, for
    /// different blocks (nil counts as a value), both correctly signed, and in canonical order.
    /// </summary>
    /// <param name="chainId">The chain id.</param>
    /// <returns>Validity.</returns>
    public bool Verify(string chainId) =>
        VoteA.Validator == VoteB.Validator && VoteA.Type == VoteB.Type && VoteA.Height == VoteB.Height && VoteA.Round == VoteB.Round
        && VoteA.BlockHash != VoteB.BlockHash && VoteA.Encode().AsSpan().SequenceCompareTo(VoteB.Encode()) < 0
        && VoteA.Verify(chainId) && VoteB.Verify(chainId);

    private static readonly MessageParser<DuplicateVoteEvidenceProto> EvidenceParser = Canonical.Strict(DuplicateVoteEvidenceProto.Parser);

    internal DuplicateVoteEvidenceProto ToProto() => new() { VoteA = VoteA.ToProto(), VoteB = VoteB.ToProto() };

    /// <summary>Decodes a canonical DuplicateVoteEvidenceProto (signatures not checked here).</summary>
    internal static DuplicateVoteEvidence Decode(ReadOnlySpan<byte> data) => FromProto(Canonical.Parse(EvidenceParser, data, 2 * ChainLimits.MaxVoteBytes + 16));

    internal static DuplicateVoteEvidence FromProto(DuplicateVoteEvidenceProto proto)
    {
        if (proto.VoteA is null || proto.VoteB is null)
        {
            throw new ChainFormatException("evidence: both votes are required");
        }

        var evidence = new DuplicateVoteEvidence(Vote.FromProto(proto.VoteA), Vote.FromProto(proto.VoteB));
        if (!evidence.VoteA.Encode().AsSpan().SequenceEqual(proto.VoteA.ToByteArray()))
        {
            throw new ChainFormatException("evidence: votes not in canonical order");
        }

        return evidence;
    }
}
