using System.Buffers.Binary;
using System.Text.Json;
using CsCheck;
using Nexus.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;

namespace Nexus.Economics.Tests;

/// <summary>The 200-byte ChannelState, the 192-byte SettlementRecord, the channel message codec and the key cache.</summary>
public class ChannelFormatTests
{
    private static readonly Hash128 Low = Hash128.Parse("0000000000000000000000000000aaaa");
    private static readonly Hash128 High = Hash128.Parse("ff00000000000000000000000000bbbb");
    private static readonly ChannelId Id = ChannelId.Parse("00112233445566778899aabbccddeeff");
    private static readonly ChannelTerms Terms = new(WinProbability.FromOdds(100), 5);

    private static byte[] BouncyBlake3(byte[] input, string? context = null)
    {
        var digest = new Blake3Digest(256);
        if (context is not null)
        {
            digest.Init(Blake3Parameters.Context(System.Text.Encoding.UTF8.GetBytes(context)));
        }

        digest.BlockUpdate(input, 0, input.Length);
        var output = new byte[32];
        digest.DoFinal(output, 0);
        return output;
    }

    [Fact]
    public void Channel_state_is_the_spec_200_byte_layout_little_endian()
    {
        var state = new ChannelState(Id, Low, High, 0x0102030405060708, 0x1112131415161718, 0x2122232425262728);
        var bytes = state.ToArray();
        Assert.Equal(200, bytes.Length);
        Assert.Equal(Id.ToArray(), bytes[..16]);
        Assert.Equal(Low.ToArray(), bytes[16..32]);
        Assert.Equal(High.ToArray(), bytes[32..48]);
        Assert.Equal(0x0102030405060708UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(48)));
        Assert.Equal(0x08, bytes[48]);
        Assert.Equal(0x1112131415161718UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(56)));
        Assert.Equal(0x2122232425262728UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(64)));
        Assert.All(bytes[72..], b => Assert.Equal(0, b)); // unsigned
        Assert.False(state.IsDualSigned);
        Assert.True(ChannelState.TryRead(bytes, out var back));
        Assert.Equal(state, back);
    }

    [Fact]
    public void Channel_signatures_cover_the_first_72_bytes_and_the_terms_under_a_BLAKE3_derive_key_context()
    {
        using var keyA = Fixtures.Key(1);
        using var keyB = Fixtures.Key(2);
        var state = new ChannelState(Id, Low, High, 1000, 0, 7).Sign(ChannelParty.A, keyA, Terms).Sign(ChannelParty.B, keyB, Terms);
        var bytes = state.ToArray();

        var message = new byte[88];
        bytes.AsSpan(0, 72).CopyTo(message);
        Terms.WriteTo(message.AsSpan(72));
        Assert.Equal(Terms.Probability.Target, BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(72)));
        Assert.Equal(5UL, BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(80)));
        var digest = BouncyBlake3(message, ChannelState.SigningContext); // independent BLAKE3
        Assert.True(keyA.PublicKey.Verify(digest, bytes.AsSpan(72, 64)));
        Assert.True(keyB.PublicKey.Verify(digest, bytes.AsSpan(136, 64)));
        Assert.True(state.IsDualSigned);
        Assert.True(state.VerifyBoth(keyA.PublicKey, keyB.PublicKey, Terms));

        // The terms are bound: another p or cost breaks both signatures; so does any state byte.
        Assert.False(state.VerifySignature(ChannelParty.A, keyA.PublicKey, Terms with { Probability = WinProbability.FromOdds(10) }));
        Assert.False(state.VerifySignature(ChannelParty.B, keyB.PublicKey, Terms with { PerPacketCostMicroNxs = 6 }));
        Assert.False(state.VerifySignature(ChannelParty.A, keyB.PublicKey, Terms));
        bytes[60] ^= 1;
        Assert.True(ChannelState.TryRead(bytes, out var tampered));
        Assert.False(tampered.VerifySignature(ChannelParty.A, keyA.PublicKey, Terms));
    }

    [Fact]
    public void Party_a_is_the_lower_hash_and_states_out_of_order_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new ChannelState(Id, High, Low, 0, 0, 0));
        Assert.Throws<ArgumentException>(() => new ChannelState(Id, Low, Low, 0, 0, 0));
        var bytes = new ChannelState(Id, Low, High, 0, 0, 0).ToArray();
        bytes.AsSpan(16, 16).CopyTo(bytes.AsSpan(32)); // party_b = party_a
        Assert.False(ChannelState.TryRead(bytes, out _));
        Assert.False(ChannelState.TryRead(bytes.AsSpan(0, 199), out _));
        Assert.Throws<OverflowException>(() => new ChannelState(Id, Low, High, ulong.MaxValue, 1, 0));

        var state = new ChannelState(Id, Low, High, 500, 0, 3);
        Assert.True(state.TryGetSide(High, out var side));
        Assert.Equal(ChannelParty.B, side);
        Assert.False(state.TryGetSide(Hash128.Zero, out _));
        var next = state.Transfer(ChannelParty.A, 200);
        Assert.Equal((300UL, 200UL, 4UL), (next.BalanceA, next.BalanceB, next.Sequence));
        Assert.True(state.IsSuccessor(next));
        Assert.Throws<InvalidOperationException>(() => state.Transfer(ChannelParty.B, 1));
    }

    [Fact]
    public void Settlement_record_is_the_spec_192_byte_layout_and_its_hash_is_BLAKE3_of_the_first_64_bytes()
    {
        using var keyA = Fixtures.Key(1);
        using var keyB = Fixtures.Key(2);
        var record = new SettlementRecord(Id, Low, High, -12345, 42).Sign(ChannelParty.A, keyA).Sign(ChannelParty.B, keyB);
        var bytes = record.ToArray();
        Assert.Equal(192, bytes.Length);
        Assert.Equal(Id.ToArray(), bytes[..16]);
        Assert.Equal(Low.ToArray(), bytes[16..32]);
        Assert.Equal(High.ToArray(), bytes[32..48]);
        Assert.Equal(-12345L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(48)));
        Assert.Equal(42UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(56)));

        var hash = BouncyBlake3(bytes[..64]);
        Assert.Equal(hash, record.ComputeHash().ToArray());
        Assert.True(keyA.PublicKey.Verify(hash, bytes.AsSpan(64, 64)));
        Assert.True(keyB.PublicKey.Verify(hash, bytes.AsSpan(128, 64)));
        Assert.Equal(12345, record.NetFor(ChannelParty.A)); // b paid a
        Assert.True(SettlementRecord.TryRead(bytes, out var back));
        Assert.Equal(record, back);
        Assert.False(SettlementRecord.TryRead(bytes.AsSpan(0, 191), out _));
    }

    [Fact]
    public void A_settlement_of_a_state_carries_the_cumulative_net_transfer_since_open()
    {
        var opened = new ChannelState(Id, Low, High, 1000, 300, 0);
        var later = opened.Transfer(ChannelParty.A, 500).Transfer(ChannelParty.B, 100);
        var record = SettlementRecord.ForState(later, opened.BalanceA);
        Assert.Equal(400, record.AmountAToB);
        Assert.Equal(2UL, record.FinalSequence);
        Assert.Equal(-200, SettlementRecord.ForState(opened.Transfer(ChannelParty.B, 200), 1000).AmountAToB);
    }

    [Fact]
    public void Channel_messages_round_trip_and_parsing_arbitrary_bytes_never_throws()
    {
        using var key = Fixtures.Key(3);
        var claim = new WinClaim(new Hash256(new byte[32]), Id, new VrfProof(new byte[80]));
        var state = new ChannelState(Id, Low, High, 10, 20, 3).Sign(ChannelParty.A, key, Terms);
        var record = new SettlementRecord(Id, Low, High, 5, 3).Sign(ChannelParty.B, key);
        ChannelMessage[] all =
        [
            ChannelMessage.OpenRequest(Hash128.Parse("0102030405060708090a0b0c0d0e0f10"), Terms, state),
            ChannelMessage.OpenAccept(Terms, state),
            ChannelMessage.UpdateRequest(ChannelUpdateKind.Win, Terms, state, claim),
            ChannelMessage.UpdateRequest(ChannelUpdateKind.Payment, Terms, state, null),
            ChannelMessage.UpdateAccept(Terms, state),
            ChannelMessage.UpdateReject(Id, 9, ChannelRejectReason.BadClaim),
            ChannelMessage.SettleRequest(record),
            ChannelMessage.SettleAccept(record),
            ChannelMessage.Dispute(Terms, state),
        ];
        int[] sizes = [233, 217, 346, 218, 217, 26, 193, 193, 217];
        for (int i = 0; i < all.Length; i++)
        {
            var bytes = all[i].ToArray();
            Assert.Equal(sizes[i], bytes.Length);
            Assert.True(ChannelMessage.TryParse(bytes, out var back));
            Assert.Equal(bytes, back.ToArray());
            Assert.Equal(Id, back.Channel);
            Assert.False(ChannelMessage.TryParse(bytes.AsSpan(0, bytes.Length - 1), out _));
            Assert.False(ChannelMessage.TryParse([.. bytes, 0], out _));
        }

        Assert.Throws<ArgumentException>(() => ChannelMessage.UpdateRequest(ChannelUpdateKind.Win, Terms, state, null));
        // Whatever parses re-encodes to exactly the same bytes; nothing throws.
        Gen.Byte.Array[0, 400].Sample(bytes => !ChannelMessage.TryParse(bytes, out var m) || m.ToArray().AsSpan().SequenceEqual(bytes));
        Gen.Int[0, 8].Select(Gen.Byte.Array[346]).Sample(t =>
        {
            var (type, bytes) = t;
            bytes[0] = (byte)type;
            foreach (int length in sizes)
            {
                if (ChannelMessage.TryParse(bytes.AsSpan(0, length), out var m))
                {
                    Assert.Equal(length, m.Size);
                }
            }
        });
    }

    [Fact]
    public void Codec_round_trips_random_states_and_settlements()
    {
        var gen = Gen.Select(Gen.Byte.Array[16], Gen.ULong[0, ulong.MaxValue / 2], Gen.ULong[0, ulong.MaxValue / 2], Gen.ULong, Gen.Long[long.MinValue + 1, long.MaxValue]);
        gen.Sample(t =>
        {
            var (id, a, b, seq, amount) = t;
            var state = new ChannelState(new ChannelId(id), Low, High, a, b, seq);
            Assert.True(ChannelState.TryRead(state.ToArray(), out var s) && s == state);
            var record = new SettlementRecord(new ChannelId(id), Low, High, amount, seq);
            Assert.True(SettlementRecord.TryRead(record.ToArray(), out var r) && r == record);
        });
    }

    [Fact]
    public void Channel_snapshot_round_trips_with_pending_update_and_settlement()
    {
        using var key = Fixtures.Key(4);
        var state = new ChannelState(Id, Low, High, 10, 20, 3).Sign(ChannelParty.A, key, Terms);
        var claim = new WinClaim(new Hash256(new byte[32]), Id, new VrfProof(new byte[80]));
        var snapshot = new ChannelSnapshot
        {
            Channel = Id, LocalSide = ChannelParty.B, Status = ChannelStatus.Closing, Terms = Terms, OpeningBalanceA = 30,
            Latest = state, LastUpdateUnixMilliseconds = 1_700_000_000_000, CloseDeadlineUnixMilliseconds = 1_700_000_100_000,
            HighestSignedSequence = 4, Pending = new PendingUpdate(ChannelUpdateKind.Win, Terms, state.Transfer(ChannelParty.B, 5), claim),
            LastSettlement = new SettlementRecord(Id, Low, High, 20, 3), UpdateCount = 7,
        };
        var bytes = snapshot.ToArray();
        Assert.Equal(829, bytes.Length);
        Assert.Equal(7UL, BitConverter.ToUInt64(bytes, 821));
        Assert.True(ChannelSnapshot.TryRead(bytes, out var back));
        Assert.Equal(snapshot.Pending, back!.Pending);
        Assert.Equal(snapshot with { Pending = back.Pending }, back);

        // A version-1 snapshot (the first 821 bytes, version byte 1) still loads, with no update count.
        var v1 = bytes[..ChannelSnapshot.Version1SizeInBytes];
        v1[0] = 1;
        Assert.True(ChannelSnapshot.TryRead(v1, out var old));
        Assert.Equal(snapshot with { Pending = old!.Pending, UpdateCount = 0 }, old);
        bytes[0] = 1; // a version-1 byte on a version-2 length
        Assert.False(ChannelSnapshot.TryRead(bytes, out _));
        bytes[0] = 3;
        Assert.False(ChannelSnapshot.TryRead(bytes, out _));
    }

    [Fact]
    public void Key_cache_learns_identity_and_destination_hashes_from_real_RNS_announces()
    {
        using var doc = TestVectors.Json("reticulum/announces.json");
        var cache = new ChannelKeyCache();
        int checkedCount = 0;
        foreach (var v in doc.RootElement.GetProperty("vectors").EnumerateArray())
        {
            if (v.GetProperty("expect").GetString() != "accept")
            {
                continue;
            }

            var announce = v.GetProperty("announce");
            var publicKey = Convert.FromHexString(announce.GetProperty("public_key_hex").GetString()!);
            var nameHash = Convert.FromHexString(announce.GetProperty("name_hash_hex").GetString()!);
            var identityHash = cache.LearnIdentity(publicKey, nameHash);
            Assert.Equal(announce.GetProperty("identity_hash_hex").GetString(), identityHash.ToString());
            var destination = Hash128.Parse(announce.GetProperty("expected_destination_hash_hex").GetString());
            Assert.True(cache.TryGet(destination, out var key));
            Assert.Equal(publicKey[32..], key.ToArray());
            checkedCount++;
        }

        Assert.True(checkedCount >= 20);
    }

    [Fact]
    public void Key_cache_is_bounded_evicts_the_least_recently_used_and_refuses_rebinding()
    {
        var cache = new ChannelKeyCache(capacity: 2);
        using var k1 = Fixtures.Key(1);
        using var k2 = Fixtures.Key(2);
        using var k3 = Fixtures.Key(3);
        Assert.True(cache.Learn(Fixtures.NodeHash(1), k1.PublicKey));
        Assert.True(cache.Learn(Fixtures.NodeHash(2), k2.PublicKey));
        Assert.False(cache.Learn(Fixtures.NodeHash(1), k2.PublicKey)); // already bound to k1
        Assert.True(cache.TryGet(Fixtures.NodeHash(1), out _)); // 1 is now most recent
        Assert.True(cache.Learn(Fixtures.NodeHash(3), k3.PublicKey)); // evicts 2
        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryGet(Fixtures.NodeHash(2), out _));
        Assert.True(cache.TryGet(Fixtures.NodeHash(1), out var key) && key == k1.PublicKey);
        Assert.Throws<ArgumentException>(() => cache.LearnIdentity(new byte[63]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelKeyCache(0));
    }
}
