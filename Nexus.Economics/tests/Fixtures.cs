using Nexus.Crypto;

namespace Nexus.Economics.Tests;

/// <summary>Deterministic keys, hashes and records for tests.</summary>
internal static class Fixtures
{
    public static Ed25519PrivateKey Key(int seed)
    {
        var bytes = new byte[32];
        new Random(seed).NextBytes(bytes);
        return Ed25519PrivateKey.Import(bytes);
    }

    public static Hash128 NodeHash(int seed)
    {
        var bytes = new byte[16];
        new Random(seed * 31 + 7).NextBytes(bytes);
        return new Hash128(bytes);
    }

    public static Hash256 PacketHash(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return new Hash256(bytes);
    }

    /// <summary>A party: its key, its hash, both learned into <paramref name="keys"/>.</summary>
    public static (Ed25519PrivateKey Key, Hash128 Hash) Party(int seed, ChannelKeyCache keys)
    {
        var key = Key(seed);
        var hash = NodeHash(seed);
        keys.Learn(hash, key.PublicKey);
        return (key, hash);
    }

    /// <summary>A dual-signed settlement of a channel between two parties.</summary>
    public static SettlementRecord Settlement((Ed25519PrivateKey Key, Hash128 Hash) x, (Ed25519PrivateKey Key, Hash128 Hash) y,
        long amountXToY, ulong sequence, int channelNonce = 0)
    {
        bool xIsA = x.Hash.CompareTo(y.Hash) < 0;
        var a = xIsA ? x : y;
        var b = xIsA ? y : x;
        var nonce = new byte[16];
        BitConverter.TryWriteBytes(nonce, channelNonce);
        var id = ChannelId.Derive(a.Hash.AsSpan(), b.Hash.AsSpan(), nonce);
        return new SettlementRecord(id, a.Hash, b.Hash, xIsA ? amountXToY : -amountXToY, sequence)
            .Sign(ChannelParty.A, a.Key).Sign(ChannelParty.B, b.Key);
    }
}
