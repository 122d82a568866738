using Microsoft.Extensions.Time.Testing;

namespace Nexus.Crypto.Tests;

/// <summary>The D3 link handshake and session: mutual authentication, directional keys, replay window, rekey.</summary>
public sealed class LinkHandshakeTests : IDisposable
{
    private static readonly byte[] Prologue = "nexus-mesh test"u8.ToArray();
    private readonly NodeIdentity _alice = NodeIdentity.Generate();
    private readonly NodeIdentity _bob = NodeIdentity.Generate();
    private readonly NodeIdentity _mallory = NodeIdentity.Generate();

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
        _mallory.Dispose();
    }

    private static (LinkSession Initiator, LinkSession Responder) Establish(NodeIdentity initiator, NodeIdentity responder, TimeProvider? clock = null, LinkRekeyPolicy? policy = null)
    {
        using var i = LinkHandshake.CreateInitiator(initiator, Prologue, responder.PublicKey, policy, clock);
        using var r = LinkHandshake.CreateResponder(responder, Prologue, policy, clock);
        var m1 = new byte[LinkHandshake.InitiationSizeInBytes];
        var m2 = new byte[LinkHandshake.ResponseSizeInBytes];
        var m3 = new byte[LinkHandshake.ConfirmationSizeInBytes];
        Assert.Equal(97, i.WriteInitiation(m1));
        Assert.Equal(HandshakeStatus.Ok, r.ReadInitiation(m1, m2, out var written));
        Assert.Equal(160, written);
        Assert.Equal(HandshakeStatus.Ok, i.ReadResponse(m2, m3, out var si));
        Assert.Equal(HandshakeStatus.Ok, r.ReadConfirmation(m3, out var sr));
        Assert.True(i.IsComplete && r.IsComplete);
        return (si!, sr!);
    }

    private static byte[] Seal(LinkSession s, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> ad = default)
    {
        var packet = new byte[plaintext.Length + LinkSession.OverheadInBytes];
        Assert.Equal(packet.Length, s.Seal(plaintext, ad, packet));
        return packet;
    }

    private static LinkOpenStatus Open(LinkSession s, ReadOnlySpan<byte> packet, out byte[] plaintext, ReadOnlySpan<byte> ad = default)
    {
        var buffer = new byte[Math.Max(0, packet.Length - LinkSession.OverheadInBytes)];
        var status = s.TryOpen(packet, ad, buffer, out int written);
        plaintext = buffer[..written];
        return status;
    }

    [Fact]
    public void Both_sides_authenticate_each_other_and_exchange_data_in_both_directions()
    {
        var (a, b) = Establish(_alice, _bob);
        using (a)
        using (b)
        {
            Assert.True(a.SessionId.SequenceEqual(b.SessionId));
            Assert.True(a.PeerPublicKey.SequenceEqual(_bob.PublicKey));
            Assert.True(b.PeerPublicKey.SequenceEqual(_alice.PublicKey));

            var header = new byte[] { 0x08, 0x00 };
            Assert.Equal(LinkOpenStatus.Ok, Open(b, Seal(a, "ping"u8, header), out var p1, header));
            Assert.Equal("ping"u8.ToArray(), p1);
            Assert.Equal(LinkOpenStatus.Ok, Open(a, Seal(b, "pong"u8), out var p2));
            Assert.Equal("pong"u8.ToArray(), p2);

            // Directions never share a key: a packet a sealed cannot be opened by a itself.
            Assert.Equal(LinkOpenStatus.Forged, Open(a, Seal(a, "echo"u8), out _));
            // The associated data is authenticated.
            Assert.Equal(LinkOpenStatus.Forged, Open(b, Seal(a, "x"u8, header), out _, [0x09, 0x00]));
            Assert.Equal(9, a.BytesSealed); // "ping" + "echo" + "x"
        }
    }

    [Fact]
    public void Every_handshake_runs_fresh_keys_and_a_third_party_cannot_read_the_traffic()
    {
        var (a1, b1) = Establish(_alice, _bob);
        var (a2, b2) = Establish(_alice, _bob);
        var (m, _) = Establish(_mallory, _bob);
        using (a1)
        using (b1)
        using (a2)
        using (b2)
        using (m)
        {
            Assert.False(a1.SessionId.SequenceEqual(a2.SessionId));
            var packet = Seal(a1, "secret"u8);
            Assert.False(packet.AsSpan().IndexOf("secret"u8) >= 0);
            Assert.Equal(LinkOpenStatus.Forged, Open(b2, packet, out _));
            Assert.Equal(LinkOpenStatus.Forged, Open(m, packet, out _));
            Assert.Equal(LinkOpenStatus.Ok, Open(b1, packet, out _));
        }
    }

    [Fact]
    public void Every_single_bit_flip_of_any_handshake_message_prevents_completion()
    {
        for (int message = 1; message <= 3; message++)
        {
            int size = message switch { 1 => 97, 2 => 160, _ => 64 };
            for (int bit = 0; bit < size * 8; bit++)
            {
                Assert.False(CompletesWithFlip(message, bit), $"message {message}, bit {bit}");
            }
        }
    }

    private bool CompletesWithFlip(int message, int bit)
    {
        using var i = LinkHandshake.CreateInitiator(_alice, Prologue);
        using var r = LinkHandshake.CreateResponder(_bob, Prologue);
        var m1 = new byte[97];
        var m2 = new byte[160];
        var m3 = new byte[64];
        i.WriteInitiation(m1);
        if (message == 1)
        {
            m1[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        if (r.ReadInitiation(m1, m2, out _) != HandshakeStatus.Ok)
        {
            return false;
        }

        if (message == 2)
        {
            m2[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        if (i.ReadResponse(m2, m3, out var si) != HandshakeStatus.Ok)
        {
            return false;
        }

        using (si)
        {
            if (message == 3)
            {
                m3[bit / 8] ^= (byte)(1 << (bit % 8));
            }

            var status = r.ReadConfirmation(m3, out var sr);
            sr?.Dispose();
            return status == HandshakeStatus.Ok;
        }
    }

    [Fact]
    public void A_man_in_the_middle_substituting_keys_or_identity_is_detected()
    {
        // Mallory answers in Bob's place with her own identity: the initiator expected Bob.
        using var i = LinkHandshake.CreateInitiator(_alice, Prologue, _bob.PublicKey);
        using var r = LinkHandshake.CreateResponder(_mallory, Prologue);
        var m1 = new byte[97];
        var m2 = new byte[160];
        i.WriteInitiation(m1);
        Assert.Equal(HandshakeStatus.Ok, r.ReadInitiation(m1, m2, out _));
        Assert.Equal(HandshakeStatus.UnexpectedPeer, i.ReadResponse(m2, new byte[64], out var none));
        Assert.Null(none);
        Assert.False(i.IsComplete);
        Assert.Throws<InvalidOperationException>(() => i.ReadResponse(m2, new byte[64], out _));

        // Mallory relays Bob's response but swaps in her ephemeral key: Bob's signature no longer matches.
        using var i2 = LinkHandshake.CreateInitiator(_alice, Prologue, _bob.PublicKey);
        using var r2 = LinkHandshake.CreateResponder(_bob, Prologue);
        i2.WriteInitiation(m1);
        Assert.Equal(HandshakeStatus.Ok, r2.ReadInitiation(m1, m2, out _));
        using var malloryEphemeral = X25519PrivateKey.Generate();
        malloryEphemeral.PublicKey.WriteTo(m2.AsSpan(0, 32));
        Assert.Equal(HandshakeStatus.BadSignature, i2.ReadResponse(m2, new byte[64], out _));
    }

    [Fact]
    public void Mismatched_prologues_low_order_keys_and_wrong_lengths_are_refused()
    {
        using (var i = LinkHandshake.CreateInitiator(_alice, "chain 1"u8))
        using (var r = LinkHandshake.CreateResponder(_bob, "chain 2"u8))
        {
            var m1 = new byte[97];
            var m2 = new byte[160];
            i.WriteInitiation(m1);
            Assert.Equal(HandshakeStatus.Ok, r.ReadInitiation(m1, m2, out _));
            Assert.Equal(HandshakeStatus.BadSignature, i.ReadResponse(m2, new byte[64], out _));
        }

        using (var r = LinkHandshake.CreateResponder(_bob, Prologue))
        {
            var m1 = new byte[97];
            m1[0] = LinkHandshake.Version;
            _alice.PublicKey.CopyTo(m1.AsSpan(33));
            // An all-zero ephemeral key is a low-order point.
            Assert.Equal(HandshakeStatus.InvalidEphemeralKey, r.ReadInitiation(m1, new byte[160], out _));
        }

        using (var r = LinkHandshake.CreateResponder(_bob, Prologue))
        {
            Assert.Equal(HandshakeStatus.Malformed, r.ReadInitiation(new byte[96], new byte[160], out _));
        }

        using (var r = LinkHandshake.CreateResponder(_bob, Prologue))
        {
            var m1 = new byte[97];
            using var i = LinkHandshake.CreateInitiator(_alice, Prologue);
            i.WriteInitiation(m1);
            m1[0] = 2;
            Assert.Equal(HandshakeStatus.UnsupportedVersion, r.ReadInitiation(m1, new byte[160], out _));
        }

        Assert.Throws<ArgumentException>(() => LinkHandshake.CreateInitiator(_alice, new byte[1025]));
        Assert.Throws<ArgumentException>(() => LinkHandshake.CreateInitiator(_alice, Prologue, new byte[32]));
        using var responder = LinkHandshake.CreateResponder(_bob, Prologue);
        Assert.Throws<InvalidOperationException>(() => responder.WriteInitiation(new byte[97]));
    }

    [Fact]
    public void Replays_old_counters_and_tampering_are_dropped_while_reordering_inside_the_window_is_accepted()
    {
        var (a, b) = Establish(_alice, _bob);
        using (a)
        using (b)
        {
            var packets = Enumerable.Range(0, 3000).Select(n => Seal(a, BitConverter.GetBytes(n))).ToArray();

            Assert.Equal(LinkOpenStatus.Ok, Open(b, packets[5], out _));
            Assert.Equal(LinkOpenStatus.Replayed, Open(b, packets[5], out _));
            Assert.Equal(LinkOpenStatus.Ok, Open(b, packets[0], out var zero)); // reordered, inside the window
            Assert.Equal(0, BitConverter.ToInt32(zero));
            Assert.Equal(LinkOpenStatus.Replayed, Open(b, packets[0], out _));

            // A tampered packet is forged and does not move the window.
            var tampered = (byte[])packets[2999].Clone();
            tampered[^1] ^= 1;
            Assert.Equal(LinkOpenStatus.Forged, Open(b, tampered, out _));
            Assert.Equal(LinkOpenStatus.Ok, Open(b, packets[1], out _));

            // A forged counter far ahead does not push the window either.
            var fakeCounter = (byte[])packets[6].Clone();
            BitConverter.TryWriteBytes(fakeCounter, ulong.MaxValue - 1);
            Assert.Equal(LinkOpenStatus.Forged, Open(b, fakeCounter, out _));
            Assert.Equal(LinkOpenStatus.Ok, Open(b, packets[6], out _));

            // Moving to 2999 leaves 2999 - 2047 = 952 as the oldest acceptable counter.
            Assert.Equal(LinkOpenStatus.Ok, Open(b, packets[2999], out _));
            Assert.Equal(LinkOpenStatus.TooOld, Open(b, packets[951], out _));
            Assert.Equal(LinkOpenStatus.Ok, Open(b, packets[952], out _));
            Assert.Equal(LinkOpenStatus.Ok, Open(b, packets[2998], out _));
            Assert.Equal(LinkOpenStatus.Replayed, Open(b, packets[2999], out _));
            Assert.Equal(LinkOpenStatus.Malformed, Open(b, new byte[23], out _));
            Assert.Equal(7, b.PacketsRejected);
        }
    }

    [Fact]
    public void Replay_window_matches_a_reference_set_on_random_arrival_orders()
    {
        var random = new Random(2026);
        for (int round = 0; round < 20; round++)
        {
            var window = new ReplayWindow();
            var accepted = new HashSet<ulong>();
            ulong top = 0;
            bool any = false;
            for (int n = 0; n < 5000; n++)
            {
                ulong counter = (ulong)random.Next(0, 6000);
                LinkOpenStatus expected = any && counter <= top && top - counter >= ReplayWindow.Size
                    ? LinkOpenStatus.TooOld
                    : accepted.Contains(counter) ? LinkOpenStatus.Replayed : LinkOpenStatus.Ok;
                Assert.Equal(expected, window.Accept(counter));
                if (expected == LinkOpenStatus.Ok)
                {
                    accepted.Add(counter);
                    top = any ? Math.Max(top, counter) : counter;
                    any = true;
                }
            }
        }
    }

    [Fact]
    public void A_session_asks_for_a_rekey_after_an_hour_or_its_byte_limit()
    {
        var clock = new FakeTimeProvider();
        var (a, b) = Establish(_alice, _bob, clock, LinkRekeyPolicy.ForBandwidth(9_600));
        using (a)
        using (b)
        {
            Assert.False(a.IsRekeyDue);
            clock.Advance(TimeSpan.FromMinutes(59));
            Assert.False(a.IsRekeyDue);
            clock.Advance(TimeSpan.FromMinutes(1));
            Assert.True(a.IsRekeyDue);
            Assert.True(b.IsRekeyDue);
        }

        Assert.Equal(1_000_000, LinkRekeyPolicy.ForBandwidth(9_600).ByteLimit);
        Assert.Equal(75_000_000, LinkRekeyPolicy.ForBandwidth(10_000_000).ByteLimit);

        var (c, d) = Establish(_alice, _bob, clock, new LinkRekeyPolicy(TimeSpan.FromHours(1), 1000));
        using (c)
        using (d)
        {
            var chunk = new byte[400];
            Assert.Equal(LinkOpenStatus.Ok, Open(d, Seal(c, chunk), out _));
            Assert.Equal(LinkOpenStatus.Ok, Open(d, Seal(c, chunk), out _));
            Assert.False(c.IsRekeyDue);
            Assert.Equal(LinkOpenStatus.Ok, Open(d, Seal(c, chunk), out _));
            Assert.True(c.IsRekeyDue);
            Assert.True(d.IsRekeyDue);
            Assert.Equal(1200, d.BytesOpened);
        }
    }
}
