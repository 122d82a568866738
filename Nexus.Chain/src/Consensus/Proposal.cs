using Google.Protobuf;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>
/// A signed Tendermint proposal: (height, round, POL round, block hash) by the round's proposer.
/// Canonical form: ProposalProto (pol_round_plus_one = validRound + 1, 0 for none); the signature
/// covers "nexus-chain proposal v1" ‖ u8 chain-id length ‖ chain id ‖ the encoding without the signature.
/// </summary>
public sealed class Proposal
{
    private static ReadOnlySpan<byte> Domain => "nexus-chain proposal v1"u8;

    private Proposal(ulong height, int round, int polRound, Hash256 blockHash, Ed25519PublicKey proposer, Ed25519Signature signature)
    {
        Height = height;
        Round = round;
        PolRound = polRound;
        BlockHash = blockHash;
        Proposer = proposer;
        Signature = signature;
    }

    /// <summary>Height.</summary>
    public ulong Height { get; }

    /// <summary>Round.</summary>
    public int Round { get; }

    /// <summary>Tendermint validRound: the round of a +2/3 prevote for this block (proof of lock), or −1.</summary>
    public int PolRound { get; }

    /// <summary>Hash of the proposed block.</summary>
    public Hash256 BlockHash { get; }

    /// <summary>The proposer.</summary>
    public Ed25519PublicKey Proposer { get; }

    /// <summary>The proposer's signature.</summary>
    public Ed25519Signature Signature { get; }

    /// <summary>Creates and signs a proposal.</summary>
    /// <param name="key">The proposer's key.</param>
    /// <param name="chainId">Chain id.</param>
    /// <param name="height">Height.</param>
    /// <param name="round">Round ≥ 0.</param>
    /// <param name="polRound">−1 or the POL round (less than <paramref name="round"/>).</param>
    /// <param name="blockHash">The proposed block's hash.</param>
    /// <returns>The proposal.</returns>
    public static Proposal Create(Ed25519PrivateKey key, string chainId, ulong height, int round, int polRound, Hash256 blockHash)
    {
        ArgumentNullException.ThrowIfNull(key);
        var signature = key.Sign(SignBytes(chainId, height, round, polRound, blockHash, key.PublicKey));
        return new Proposal(height, round, polRound, blockHash, key.PublicKey, signature);
    }

    private static byte[] SignBytes(string chainId, ulong height, int round, int polRound, Hash256 blockHash, Ed25519PublicKey proposer) =>
        Canonical.SignBytes(Domain, chainId, new ProposalProto
        {
            Height = height,
            Round = (uint)round,
            PolRoundPlusOne = (uint)(polRound + 1),
            BlockHash = Canonical.From(blockHash),
            Proposer = Canonical.From(proposer),
        }.ToByteArray());

    /// <summary>Verifies the proposer's signature.</summary>
    /// <param name="chainId">Chain id.</param>
    /// <returns>True if valid.</returns>
    public bool Verify(string chainId) => Proposer.Verify(SignBytes(chainId, Height, Round, PolRound, BlockHash, Proposer), Signature);

    internal ProposalProto ToProto() => new()
    {
        Height = Height,
        Round = (uint)Round,
        PolRoundPlusOne = (uint)(PolRound + 1),
        BlockHash = Canonical.From(BlockHash),
        Proposer = Canonical.From(Proposer),
        Signature = Canonical.From(Signature),
    };

    internal static Proposal FromProto(ProposalProto p)
    {
        if (p.Round > int.MaxValue || p.PolRoundPlusOne > p.Round || !Canonical.IsHash(p.BlockHash) || !Canonical.IsKey(p.Proposer) || !Canonical.IsSignature(p.Signature))
        {
            throw new ChainFormatException("proposal: bad round or field length");
        }

        return new Proposal(p.Height, (int)p.Round, (int)p.PolRoundPlusOne - 1, new Hash256(p.BlockHash.Span), new Ed25519PublicKey(p.Proposer.Span), new Ed25519Signature(p.Signature.Span));
    }
}

/// <summary>What a <see cref="ConsensusMessage"/> carries.</summary>
public enum ConsensusMessageKind : byte
{
    /// <summary>A proposal with its block.</summary>
    Proposal = 1,

    /// <summary>A prevote or precommit.</summary>
    Vote = 2,

    /// <summary>A finalized block with its commit (catch-up).</summary>
    Decided = 3,

    /// <summary>A request for the finalized blocks of consecutive heights.</summary>
    SyncRequest = 4,
}

/// <summary>
/// One consensus or sync message between nodes. Wire form: the canonical ConsensusEnvelope
/// (oneof proposal / vote / decided / sync_request), at most <see cref="ChainLimits.MaxMessageBytes"/>.
/// </summary>
public sealed class ConsensusMessage
{
    private static readonly MessageParser<ConsensusEnvelope> Parser = Canonical.Strict(ConsensusEnvelope.Parser);
    private static readonly MessageParser<ProposalProto> ProposalParser = Canonical.Strict(ProposalProto.Parser);

    private ConsensusMessage(ConsensusMessageKind kind)
    {
        Kind = kind;
    }

    /// <summary>The message kind.</summary>
    public ConsensusMessageKind Kind { get; }

    /// <summary>The proposal (kind Proposal).</summary>
    public Proposal? Proposal { get; private init; }

    /// <summary>The block (kinds Proposal and Decided).</summary>
    public Block? Block { get; private init; }

    /// <summary>The vote (kind Vote).</summary>
    public Vote? Vote { get; private init; }

    /// <summary>The commit (kind Decided).</summary>
    public Commit? Commit { get; private init; }

    /// <summary>The requested height (kind SyncRequest): the first of <see cref="RequestedCount"/> consecutive heights.</summary>
    public ulong RequestedHeight { get; private init; }

    /// <summary>How many consecutive heights from <see cref="RequestedHeight"/> on are wanted (kind SyncRequest; at least 1).</summary>
    public uint RequestedCount { get; private init; } = 1;

    /// <summary>The height this message is about.</summary>
    public ulong Height => Kind switch
    {
        ConsensusMessageKind.Proposal => Proposal!.Height,
        ConsensusMessageKind.Vote => Vote!.Height,
        ConsensusMessageKind.Decided => Block!.Height,
        _ => RequestedHeight,
    };

    /// <summary>Wraps a proposal and its block.</summary>
    /// <param name="proposal">The proposal.</param>
    /// <param name="block">The block whose hash it signs.</param>
    /// <returns>The message.</returns>
    public static ConsensusMessage ForProposal(Proposal proposal, Block block) => new(ConsensusMessageKind.Proposal) { Proposal = proposal, Block = block };

    /// <summary>Wraps a vote.</summary>
    /// <param name="vote">The vote.</param>
    /// <returns>The message.</returns>
    public static ConsensusMessage ForVote(Vote vote) => new(ConsensusMessageKind.Vote) { Vote = vote };

    /// <summary>Wraps a finalized block and its commit.</summary>
    /// <param name="block">The block.</param>
    /// <param name="commit">Its commit.</param>
    /// <returns>The message.</returns>
    public static ConsensusMessage ForDecided(Block block, Commit commit) => new(ConsensusMessageKind.Decided) { Block = block, Commit = commit };

    /// <summary>Asks a peer for the finalized blocks at <paramref name="height"/> and the <paramref name="count"/> − 1 heights after it.</summary>
    /// <param name="height">The first requested height.</param>
    /// <param name="count">Consecutive heights wanted (a responder sends fewer if it has fewer or caps the batch); 0 is read as 1.</param>
    /// <returns>The message.</returns>
    public static ConsensusMessage ForSyncRequest(ulong height, uint count = 1) => new(ConsensusMessageKind.SyncRequest) { RequestedHeight = height, RequestedCount = Math.Max(1u, count) };

    private byte[]? _encoded;

    /// <summary>The canonical ConsensusEnvelope encoding.</summary>
    /// <returns>A new array.</returns>
    public byte[] Encode() => (byte[])Encoded.Clone();

    /// <summary>
    /// The canonical encoding, made once per message and shared (a proposal is re-sent every rebroadcast
    /// interval until its round ends): callers must not modify it.
    /// </summary>
    internal byte[] Encoded => _encoded ??= EncodeCore();

    private byte[] EncodeCore()
    {
        // ConsensusEnvelope { oneof body } written into one exact-size array: the nested parts are copied
        // from their cached canonical encodings (a proposal's block can be megabytes; no growing buffers).
        ReadOnlySpan<byte> first, second = default;
        int outer;
        switch (Kind)
        {
            case ConsensusMessageKind.Proposal:
                first = Proposal!.ToProto().ToByteArray();
                second = Block!.Encode().Span;
                outer = 1;
                break;
            case ConsensusMessageKind.Vote:
                first = Vote!.Encode();
                outer = 2;
                break;
            case ConsensusMessageKind.Decided:
                first = Block!.Encode().Span;
                second = Commit!.Encoded.Span;
                outer = 3;
                break;
            default:
                // A count of 1 is left out (proto3 default 0 reads as 1), so a single-height request has the old bytes.
                first = new SyncRequestProto { Height = RequestedHeight, Count = RequestedCount > 1 ? RequestedCount : 0 }.ToByteArray();
                outer = 4;
                break;
        }

        // Proposal and decided bodies are two length-delimited fields; a vote or sync request body is the message itself.
        bool pair = Kind is ConsensusMessageKind.Proposal or ConsensusMessageKind.Decided;
        int inner = pair ? ProtoWriter.LengthDelimitedSize(first.Length) + ProtoWriter.LengthDelimitedSize(second.Length) : first.Length;
        var buffer = new byte[ProtoWriter.LengthDelimitedSize(inner)];
        var output = new ProtoWriter(buffer);
        output.WriteLengthPrefix(outer, inner);
        if (pair)
        {
            output.WriteBytesField(1, first);
            output.WriteBytesField(2, second);
        }
        else
        {
            first.CopyTo(buffer.AsSpan(output.Position));
        }

        return buffer;
    }

    /// <summary>Decodes a canonical envelope without throwing (signatures are not checked here).</summary>
    /// <param name="data">The encoding.</param>
    /// <param name="message">The message or null.</param>
    /// <param name="error">Why decoding failed, or null.</param>
    /// <returns>True on success.</returns>
    public static bool TryDecode(ReadOnlySpan<byte> data, out ConsensusMessage? message, out string? error) => TryDecode(data, null, out message, out error);

    /// <summary>
    /// Decodes an envelope; proposals and decided blocks are read through their framing (see
    /// <see cref="Block.TryDecode(ReadOnlySpan{byte}, Mempool?, out Block?, out string?)"/>), taking the
    /// transactions <paramref name="pool"/> already holds instead of decoding them again.
    /// </summary>
    internal static bool TryDecode(ReadOnlySpan<byte> data, Mempool? pool, out ConsensusMessage? message, out string? error)
    {
        if (data.Length > ChainLimits.MaxMessageBytes)
        {
            message = null;
            error = $"ConsensusEnvelope: {data.Length} bytes exceeds the {ChainLimits.MaxMessageBytes}-byte bound";
            return false;
        }

        return TryDecode(new ReadOnlyMemory<byte>(data.ToArray()), pool, out message, out error);
    }

    /// <summary>
    /// As <see cref="TryDecode(ReadOnlySpan{byte}, Mempool?, out ConsensusMessage?, out string?)"/>, over bytes the
    /// caller hands over: a decoded block keeps its slice of <paramref name="memory"/> as its canonical encoding
    /// instead of copying it (the caller must not modify <paramref name="memory"/> afterwards).
    /// </summary>
    internal static bool TryDecode(ReadOnlyMemory<byte> memory, Mempool? pool, out ConsensusMessage? message, out string? error)
    {
        var data = memory.Span;
        message = null;
        if (data.Length > ChainLimits.MaxMessageBytes)
        {
            error = $"ConsensusEnvelope: {data.Length} bytes exceeds the {ChainLimits.MaxMessageBytes}-byte bound";
            return false;
        }

        int pos = 0;
        if (data.Length > 0 && (data[0] == 0x0A || data[0] == 0x1A))
        {
            // ProposalWithBlock { proposal = 1, block = 2 } or DecidedBlockProto { block = 1, commit = 2 }: both parts required.
            if (!Canonical.TryReadField(data, ref pos, out int body, out var inner) || pos != data.Length)
            {
                error = "ConsensusEnvelope: malformed or not canonical";
                return false;
            }

            int innerStart = pos - inner.Length;
            int at = 0;
            if (!Canonical.TryReadField(inner, ref at, out int f1, out var first) || f1 != 1)
            {
                error = "consensus message: empty or incomplete body";
                return false;
            }

            var firstMemory = memory.Slice(innerStart + at - first.Length, first.Length);
            if (!Canonical.TryReadField(inner, ref at, out int f2, out var second) || f2 != 2 || at != inner.Length)
            {
                error = "consensus message: empty or incomplete body";
                return false;
            }

            try
            {
                if (body == 1)
                {
                    var proposal = Proposal.FromProto(Canonical.Parse(ProposalParser, first, ChainLimits.MaxVoteBytes));
                    if (!Block.TryDecode(memory.Slice(innerStart + at - second.Length, second.Length), pool, out var block, out error)) return false;
                    message = ForProposal(proposal, block!);
                }
                else
                {
                    if (!Block.TryDecode(firstMemory, pool, out var block, out error)) return false;
                    message = ForDecided(block!, Commit.Decode(second));
                }

                error = null;
                return true;
            }
            catch (ChainFormatException ex)
            {
                error = ex.Message;
                return false;
            }
        }

        if (!Canonical.TryParse(Parser, data, ChainLimits.MaxMessageBytes, out var env, out error))
        {
            return false;
        }

        try
        {
            message = env!.BodyCase switch
            {
                ConsensusEnvelope.BodyOneofCase.Vote => ForVote(Vote.FromProto(env.Vote)),
                ConsensusEnvelope.BodyOneofCase.SyncRequest => env.SyncRequest.Count == 1
                    ? throw new ChainFormatException("sync request: a count of 1 is encoded as absent")
                    : ForSyncRequest(env.SyncRequest.Height, env.SyncRequest.Count),
                _ => throw new ChainFormatException("consensus message: empty or incomplete body"),
            };
            return true;
        }
        catch (ChainFormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }
}
