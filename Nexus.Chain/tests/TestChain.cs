using Nexus.Crypto;

namespace Nexus.Chain.Tests;

/// <summary>Deterministic keys and a genesis for tests.</summary>
internal static class TestChain
{
    public const string ChainId = "nexus-test";

    public static Ed25519PrivateKey Key(int i)
    {
        Span<byte> seed = stackalloc byte[32];
        seed.Clear();
        seed[0] = (byte)i;
        seed[1] = (byte)(i >> 8);
        seed[31] = 0x5a;
        return Ed25519PrivateKey.Import(seed);
    }

    public static Genesis Genesis(int validators = 4, int accounts = 8, ulong balance = 1_000_000, uint slashPercent = 50, ulong minFee = 1) =>
        new()
        {
            ChainId = ChainId,
            TimeUnixMs = 1_800_000_000_000,
            Accounts = Enumerable.Range(0, Math.Max(accounts, validators)).Select(i => KeyValuePair.Create(Key(i).PublicKey, balance)).ToArray(),
            Validators = Enumerable.Range(0, validators).Select(i => new Validator(Key(i).PublicKey, 10)).ToArray(),
            Parameters = new ChainParameters(Key(1000).PublicKey, minFee, slashPercent),
        };

    public static Transaction Transfer(int from, int to, ulong nonce, ulong amount, ulong fee = 1) =>
        Transaction.Create(Key(from), ChainId, nonce, Key(to).PublicKey, amount, fee);

    /// <summary>A commit for <paramref name="block"/> signed by the given validator indices.</summary>
    public static Commit CommitFor(Block block, params int[] signers) =>
        new(block.Height, 0, block.Hash, signers.Select(i =>
        {
            var vote = Vote.Create(Key(i), ChainId, VoteType.Precommit, block.Height, 0, block.Hash);
            return new CommitSignature(vote.Validator, vote.Signature);
        }).ToArray());
}
