using System.Text;

namespace Nexus.Mesh.Tests;

public class LinkTests
{
    private sealed class Pair : IDisposable
    {
        public Pair(bool lora, Nexus.Crypto.LinkRekeyPolicy? rekeyPolicy = null, bool announceY = true, bool announceX = true)
        {
            Sim.Add("X", 0, 1);
            Sim.Add("R", 0, 2);
            Sim.Add("Y", 0, 3);
            if (lora)
            {
                Sim.LoRa("X", "R");
            }
            else
            {
                Sim.Link("X", "R");
            }

            var (ry, yr) = Sim.Link("R", "Y");
            YInterface = yr;
            var y = Sim.Nodes["Y"].Transport;
            yr.PacketReceived = (src, p) =>
            {
                Captured.Add(p.ToArray());
                if (!Hold)
                {
                    y.ProcessInbound(src, p);
                }
            };
            X = new NexusLinkManager(Sim.Nodes["X"].Transport, Sim.Nodes["X"].Identity, Sim.Time, rekeyPolicy);
            Y = new NexusLinkManager(y, Sim.Nodes["Y"].Identity, Sim.Time, rekeyPolicy);
            Y.DataReceived = (_, d) => AtY.Add(d.ToArray());
            X.DataReceived = (_, d) => AtX.Add(d.ToArray());
            if (announceX)
            {
                X.Announce();
            }

            Sim.Run(TimeSpan.FromSeconds(5));
            if (announceY)
            {
                Y.Announce();
            }

            Sim.Run(TimeSpan.FromSeconds(30));
        }

        public Sim Sim { get; } = new();

        public NexusLinkManager X { get; }

        public NexusLinkManager Y { get; }

        public InMemoryInterface YInterface { get; }

        public List<byte[]> Captured { get; } = [];

        public bool Hold { get; set; }

        public int Delivered { get; set; }

        public List<byte[]> LinkPackets() => Captured.Where(p => Packet.Parse(p).Header.DestinationHash == Y.Destination.Hash).ToList();

        public List<byte[]> AtY { get; } = [];

        public List<byte[]> AtX { get; } = [];

        /// <summary>Delivers a handshake initiation (type 1 or 5) for <paramref name="linkId"/> straight to Y's transport.</summary>
        public void InjectAtY(byte type, Nexus.Crypto.Hash128 linkId, Nexus.Crypto.LinkHandshake initiator)
        {
            var data = new byte[17 + Nexus.Crypto.LinkHandshake.InitiationSizeInBytes];
            data[0] = type;
            linkId.WriteTo(data.AsSpan(1));
            initiator.WriteInitiation(data.AsSpan(17));
            var packet = PacketWriter.ToArray(new PacketHeader(PacketType.Data, DestinationType.Single, Y.Destination.Hash, PacketContext.None), data);
            Sim.Nodes["Y"].Transport.ProcessInbound(YInterface, packet);
        }

        /// <summary>Sends <paramref name="text"/> on <paramref name="link"/> and asserts it is the latest message Y received.</summary>
        public void AssertDeliveredToY(NexusLink link, string text)
        {
            Assert.True(link.Send(Encoding.ASCII.GetBytes(text)));
            Sim.Run(TimeSpan.FromSeconds(1));
            Assert.Equal(text, Encoding.ASCII.GetString(AtY[^1]));
        }

        public NexusLink Open()
        {
            var link = X.Open(IdentityPublicKey.FromIdentity(Sim.Nodes["Y"].Identity));
            Sim.Run(TimeSpan.FromSeconds(10));
            return link;
        }

        public void Dispose()
        {
            X.Dispose();
            Y.Dispose();
            Sim.Dispose();
        }
    }

    [Fact]
    public void Nodes_on_different_interface_kinds_establish_a_link_and_exchange_data_nobody_else_can_read()
    {
        using var pair = new Pair(lora: true);
        var link = pair.Open();
        Assert.Equal(NexusLinkState.Established, link.State);
        Assert.Equal(1, pair.Y.EstablishedCount);
        Assert.Equal(1, pair.Sim.Nodes["X"].Transport.LinkCount);
        var secret = Encoding.UTF8.GetBytes("meet at the north relay at dawn");
        pair.Captured.Clear();
        Assert.True(link.Send(secret));
        pair.Sim.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(secret, pair.AtY.Single());

        // What the relay and the last hop carried never shows the plaintext.
        var wire = pair.Captured.Single(p => Packet.Parse(p).Header.DestinationHash == pair.Y.Destination.Hash);
        Assert.DoesNotContain(Convert.ToHexString(secret), Convert.ToHexString(wire), StringComparison.Ordinal);

        // A session made by another handshake (even between the same two identities) cannot open it.
        var wirePacket = Packet.Parse(wire);
        var sealedBody = wirePacket.Data[17..].ToArray();
        using var hi = Nexus.Crypto.LinkHandshake.CreateInitiator(pair.Sim.Nodes["X"].Identity, "nexus-mesh"u8);
        using var hr = Nexus.Crypto.LinkHandshake.CreateResponder(pair.Sim.Nodes["Y"].Identity, "nexus-mesh"u8);
        var init = new byte[Nexus.Crypto.LinkHandshake.InitiationSizeInBytes];
        hi.WriteInitiation(init);
        var response = new byte[Nexus.Crypto.LinkHandshake.ResponseSizeInBytes];
        Assert.Equal(Nexus.Crypto.HandshakeStatus.Ok, hr.ReadInitiation(init, response, out _));
        var confirmation = new byte[Nexus.Crypto.LinkHandshake.ConfirmationSizeInBytes];
        Assert.Equal(Nexus.Crypto.HandshakeStatus.Ok, hi.ReadResponse(response, confirmation, out var otherInitiator));
        Assert.Equal(Nexus.Crypto.HandshakeStatus.Ok, hr.ReadConfirmation(confirmation, out var otherResponder));
        using (otherInitiator)
        using (otherResponder)
        {
            var plaintext = new byte[sealedBody.Length];
            Assert.Equal(Nexus.Crypto.LinkOpenStatus.Forged, otherResponder!.TryOpen(sealedBody, link.LinkId.AsSpan(), plaintext, out _));
        }

        Assert.False(pair.X.Rejected.ContainsKey("forged"));
    }

    [Fact]
    public void Replayed_tampered_and_unknown_link_packets_are_dropped_and_counted()
    {
        using var pair = new Pair(lora: false);
        var link = pair.Open();
        pair.Captured.Clear();
        Assert.True(link.Send("one"u8));
        pair.Sim.Run(TimeSpan.FromSeconds(1));
        var wire = pair.Captured.Single(p => Packet.Parse(p).Header.DestinationHash == pair.Y.Destination.Hash);
        var y = pair.Sim.Nodes["Y"].Transport;

        y.ProcessInbound(pair.YInterface, wire); // replay
        Assert.Equal(1, pair.Y.Rejected["replayed"]);

        pair.Hold = true;
        pair.Captured.Clear();
        Assert.True(link.Send("two"u8));
        pair.Sim.Run(TimeSpan.FromSeconds(1));
        var fresh = pair.LinkPackets().Single();
        var tampered = (byte[])fresh.Clone();
        tampered[^3] ^= 0x40;
        y.ProcessInbound(pair.YInterface, tampered);
        Assert.Equal(1, pair.Y.Rejected["forged"]);
        y.ProcessInbound(pair.YInterface, fresh); // the untouched packet still opens: forgeries do not move the window
        Assert.Equal(2, pair.AtY.Count);

        var unknown = (byte[])wire.Clone();
        unknown[Packet.Parse(wire).Header.Size + 1] ^= 1; // another link id
        y.ProcessInbound(pair.YInterface, unknown);
        Assert.Equal(1, pair.Y.Rejected["unknown_link"]);
        Assert.Equal(2, pair.AtY.Count);
    }

    [Fact]
    public void Packets_reordered_beyond_the_replay_window_are_dropped()
    {
        using var pair = new Pair(lora: false);
        var link = pair.Open();
        pair.Hold = true; // capture without delivering, then deliver out of order
        pair.Captured.Clear();
        for (var i = 0; i < 2100; i++)
        {
            Assert.True(link.Send(i == 0 ? "first"u8 : "x"u8));
        }

        pair.Sim.Run(TimeSpan.FromSeconds(1));
        var packets = pair.LinkPackets();
        Assert.Equal(2100, packets.Count);
        var y = pair.Sim.Nodes["Y"].Transport;
        foreach (var p in packets.Skip(1))
        {
            y.ProcessInbound(pair.YInterface, p);
        }

        Assert.Equal(2099, pair.AtY.Count);
        y.ProcessInbound(pair.YInterface, packets[0]); // 2099 counters behind the newest: outside the 2048 window
        Assert.Equal(1, pair.Y.Rejected["too_old"]);
    }

    [Fact]
    public void A_link_to_an_identity_nobody_announced_never_establishes()
    {
        using var pair = new Pair(lora: false);
        using var impostor = Nexus.Crypto.NodeIdentity.Generate();
        // No node holds this identity: the path request goes unanswered and nothing establishes.
        var link = pair.X.Open(IdentityPublicKey.FromIdentity(impostor));
        pair.Sim.Run(TimeSpan.FromSeconds(10));
        Assert.NotEqual(NexusLinkState.Established, link.State);
        Assert.Equal(0, pair.Y.EstablishedCount);
    }
    [Fact]
    public void A_link_rekeys_by_itself_when_its_byte_limit_is_reached_and_loses_no_data()
    {
        using var pair = new Pair(lora: false, new Nexus.Crypto.LinkRekeyPolicy(TimeSpan.FromHours(1), 4_000));
        var link = pair.Open();
        Assert.Equal(NexusLinkState.Established, link.State);
        NexusLink? atY = null;
        pair.Y.DataReceived = (l, d) =>
        {
            atY = l;
            pair.AtY.Add(d.ToArray());
        };
        var firstSession = link.Session;
        for (var i = 0; i < 40; i++)
        {
            var message = new byte[400];
            message[0] = (byte)i;
            Assert.True(link.Send(message));
            pair.Sim.Run(TimeSpan.FromMilliseconds(500));
            if (atY is not null)
            {
                Assert.True(atY.Send(message));
                pair.Sim.Run(TimeSpan.FromMilliseconds(500));
            }
        }

        pair.Sim.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (byte)i), pair.AtY.Select(m => m[0]));
        Assert.Equal(40, pair.AtX.Count); // Y answers every delivery
        Assert.True(link.Rekeys >= 3, $"initiator rekeyed {link.Rekeys} times");
        Assert.Equal(link.Rekeys, atY!.Rekeys);
        Assert.NotSame(firstSession, link.Session);
        Assert.Equal(NexusLinkState.Established, link.State);
        Assert.False(pair.Y.Rejected.ContainsKey("forged"));
        Assert.False(pair.X.Rejected.ContainsKey("forged"));
    }

    [Fact]
    public void An_idle_link_rekeys_when_its_interval_elapses_even_if_the_first_rekey_messages_are_lost()
    {
        using var pair = new Pair(lora: false, new Nexus.Crypto.LinkRekeyPolicy(TimeSpan.FromMinutes(10), 1_000_000));
        var link = pair.Open();
        NexusLink atY = null!;
        pair.Y.LinkEstablished = l => atY = l;
        Assert.True(link.Send("hello"u8));
        pair.Sim.Run(TimeSpan.FromSeconds(1));
        Assert.Single(pair.AtY);
        for (var minute = 0; minute < 9; minute++)
        {
            pair.Y.Announce(); // as a node re-announces, so the path to nexus.link stays fresh
            pair.Sim.Run(TimeSpan.FromMinutes(1));
        }

        pair.Sim.Run(TimeSpan.FromSeconds(40)); // the session is ≈ 9 min 51 s old
        Assert.Equal(0, link.Rekeys);

        pair.Hold = true; // the first rekey initiation (due at 10 min) never reaches Y
        pair.Sim.Run(TimeSpan.FromSeconds(14));
        Assert.Equal(0, link.Rekeys);
        Assert.Contains(pair.LinkPackets(), p => Packet.Parse(p).Data[0] == 5);
        pair.Hold = false;
        pair.Sim.Run(TimeSpan.FromSeconds(40)); // retransmitted after the handshake timeout
        Assert.Equal(1, link.Rekeys);
        pair.AssertDeliveredToY(link, "after");
    }

    [Fact]
    public void Only_the_authenticated_peer_can_rekey_a_link()
    {
        using var pair = new Pair(lora: false);
        var link = pair.Open();
        using var intruder = Nexus.Crypto.NodeIdentity.Generate();
        using var handshake = Nexus.Crypto.LinkHandshake.CreateInitiator(intruder, [.. "nexus-mesh-rekey"u8, .. link.LinkId.AsSpan()], IdentityPublicKey.FromIdentity(pair.Sim.Nodes["Y"].Identity).AsSpan());
        pair.InjectAtY(5, link.LinkId, handshake);
        pair.Sim.Run(TimeSpan.FromMinutes(2));
        Assert.Equal(1, pair.Y.Rejected["rekey_peer_mismatch"]);
        Assert.Equal(0, link.Rekeys);
        pair.AssertDeliveredToY(link, "still");
    }

    [Fact]
    public void Pending_handshakes_are_bounded_expire_and_lost_initiations_are_retransmitted()
    {
        using var pair = new Pair(lora: false);
        for (var i = 0; i < 100; i++)
        {
            using var stranger = Nexus.Crypto.NodeIdentity.Generate();
            using var handshake = Nexus.Crypto.LinkHandshake.CreateInitiator(stranger, "nexus-mesh"u8);
            pair.InjectAtY(1, new Nexus.Crypto.Hash128(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)), handshake);
        }

        Assert.Equal(36, pair.Y.Rejected["pending_limit"]);

        // While the table is full a genuine initiation is refused too; once the strangers' handshakes
        // expire (3 × 15 s), a retransmitted initiation gets through (X allows itself 5 attempts).
        pair.X.HandshakeAttempts = 5;
        var link = pair.X.Open(IdentityPublicKey.FromIdentity(pair.Sim.Nodes["Y"].Identity));
        pair.Sim.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(NexusLinkState.Pending, link.State);
        Assert.Equal(37, pair.Y.Rejected["pending_limit"]);
        pair.Sim.Run(TimeSpan.FromSeconds(70));
        Assert.Equal(64, pair.Y.Rejected["handshake_timeout"]);
        Assert.Equal(NexusLinkState.Established, link.State);
    }

    [Fact]
    public void An_initiator_gives_up_after_its_attempts_and_closes_the_link()
    {
        using var pair = new Pair(lora: false);
        pair.Hold = true;
        var link = pair.X.Open(IdentityPublicKey.FromIdentity(pair.Sim.Nodes["Y"].Identity));
        pair.Sim.Run(TimeSpan.FromSeconds(60));
        Assert.Equal(3, pair.LinkPackets().Count(p => Packet.Parse(p).Data[0] == 1));
        Assert.Equal(NexusLinkState.Closed, link.State);
        Assert.Equal(1, pair.X.Rejected["handshake_timeout"]);
    }
    [Fact]
    public void A_lost_confirmation_is_recovered_when_the_initiator_starts_sending()
    {
        using var pair = new Pair(lora: false);
        var y = pair.Sim.Nodes["Y"].Transport;
        pair.Hold = true;
        var link = pair.X.Open(IdentityPublicKey.FromIdentity(pair.Sim.Nodes["Y"].Identity));
        pair.Sim.Run(TimeSpan.FromSeconds(1));
        y.ProcessInbound(pair.YInterface, pair.LinkPackets().Single(p => Packet.Parse(p).Data[0] == 1)); // the initiation gets through
        pair.Sim.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(NexusLinkState.Established, link.State); // X has the response; its confirmation is held back
        Assert.Contains(pair.LinkPackets(), p => Packet.Parse(p).Data[0] == 3);
        Assert.Equal(0, pair.Y.EstablishedCount);

        pair.Hold = false;
        Assert.True(link.Send("lost"u8)); // Y cannot open it yet: it answers with its response again
        pair.Sim.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(1, pair.Y.Rejected["not_established"]);
        Assert.Equal(1, pair.Y.EstablishedCount); // X resent the confirmation

        Assert.True(link.Send("again"u8));
        pair.Sim.Run(TimeSpan.FromSeconds(1));
        Assert.Equal("again", Encoding.ASCII.GetString(Assert.Single(pair.AtY)));
    }
    [Fact]
    public void An_initiation_that_found_no_path_is_retried_within_seconds_once_the_path_request_is_answered()
    {
        using var pair = new Pair(lora: false, announceY: false);
        Assert.False(pair.Sim.Nodes["X"].Transport.Routes.Contains(pair.Y.Destination.Hash));
        var link = pair.X.Open(IdentityPublicKey.FromIdentity(pair.Sim.Nodes["Y"].Identity)); // no path yet: a path request goes out
        pair.Sim.Run(TimeSpan.FromSeconds(5)); // well inside the 15 s handshake timeout
        Assert.Equal(NexusLinkState.Established, link.State);
        Assert.Equal(1, pair.Y.EstablishedCount);
    }

    [Fact]
    public void A_response_that_found_no_path_back_is_sent_again_within_seconds()
    {
        // Y has never heard X's announce: X's initiation reaches Y, but Y's response has no path back until Y's
        // path request is answered. It must not wait for X's retransmission a whole 15 s handshake timeout later.
        using var pair = new Pair(lora: false, announceX: false);
        Assert.False(pair.Sim.Nodes["Y"].Transport.Routes.Contains(pair.X.Destination.Hash));
        var link = pair.X.Open(IdentityPublicKey.FromIdentity(pair.Sim.Nodes["Y"].Identity));
        pair.Sim.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(NexusLinkState.Established, link.State);
        Assert.Equal(1, pair.Y.EstablishedCount);
    }
}
