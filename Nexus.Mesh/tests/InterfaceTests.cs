using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Win32.SafeHandles;

namespace Nexus.Mesh.Tests;

public class InterfaceTests
{
    private static byte[] SamplePacket(int dataLength = 40, byte fill = 0x7E)
    {
        var data = Enumerable.Repeat(fill, dataLength).ToArray();
        return PacketWriter.ToArray(new PacketHeader(PacketType.Data, DestinationType.Plain, new Nexus.Crypto.Hash128(new byte[16])), data);
    }

    private static TaskCompletionSource<byte[]> Capture(MeshInterface iface)
    {
        var tcs = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        iface.PacketReceived = (_, p) => tcs.TrySetResult(p.ToArray());
        return tcs;
    }

    [Fact]
    public void In_memory_pair_delivers_after_its_latency_on_the_fake_clock()
    {
        var time = new FakeTimeProvider();
        var (a, b) = InMemoryInterface.CreatePair("a", "b", time, TimeSpan.FromMilliseconds(50));
        var got = new List<byte[]>();
        b.PacketReceived = (_, p) => got.Add(p.ToArray());
        Assert.True(a.TrySend(SamplePacket(30, 1)));
        Assert.True(a.TrySend(SamplePacket(30, 2)));
        time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Empty(got);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, got.Count);
        Assert.Equal(1, got[0][^1]);
        Assert.Equal(2, got[1][^1]);
        a.SetOnline(false);
        Assert.False(a.TrySend(SamplePacket()));
        Assert.False(b.IsOnline);
    }

    [Fact]
    public void Short_frames_and_frames_without_the_configured_ifac_are_dropped_and_counted()
    {
        var time = new FakeTimeProvider();
        var (a, b) = InMemoryInterface.CreatePair("a", "b", time, TimeSpan.FromMilliseconds(1));
        var count = 0;
        b.PacketReceived = (_, _) => count++;
        a.TrySend(new byte[19]);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, count);
        Assert.Equal(1, b.FramesDropped);

        using var ifac = Ifac.Create("net", "pass");
        var (c, d) = InMemoryInterface.CreatePair("c", "d", time, TimeSpan.FromMilliseconds(1));
        c.AccessCode = ifac;
        d.AccessCode = ifac;
        var atD = new List<byte[]>();
        d.PacketReceived = (_, p) => atD.Add(p.ToArray());
        Assert.True(c.TrySend(SamplePacket()));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(SamplePacket(), atD.Single());

        // A sender without the code is refused by the protected end, and vice versa.
        c.AccessCode = null;
        c.TrySend(SamplePacket());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Single(atD);
        Assert.Equal(1, d.FramesDropped);
        using var wrong = Ifac.Create("net", "other");
        c.AccessCode = wrong;
        c.TrySend(SamplePacket());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Single(atD);
        Assert.Equal(2, d.FramesDropped);
    }

    [Theory]
    [InlineData(7, 125_000, 5, 20, 56.576)]
    [InlineData(12, 125_000, 5, 10, 991.232)]
    [InlineData(9, 125_000, 5, 50, 328.704)]
    public void LoRa_airtime_follows_the_semtech_formula(int sf, int bw, int cr, int payload, double expectedMs)
    {
        var modulation = new LoRaModulation(sf, bw, cr);
        Assert.Equal(expectedMs, modulation.FrameAirtime(payload).TotalMilliseconds, 2);
    }

    [Fact]
    public void LoRa_bitrate_and_multi_frame_packets()
    {
        Assert.Equal(5468.75, new LoRaModulation(7, 125_000, 5).BitrateBitsPerSecond, 3);
        Assert.Equal(292.97, new LoRaModulation(12, 125_000, 5).BitrateBitsPerSecond, 2);
        var m = new LoRaModulation(7, 125_000, 5);
        Assert.Equal(m.FrameAirtime(255) + m.FrameAirtime(245), m.PacketAirtime(500));
        Assert.True(new LoRaModulation(12, 125_000, 5).LowDataRateOptimize);
        Assert.False(m.LowDataRateOptimize);
    }

    [Fact]
    public void LoRa_radio_is_half_duplex_delivers_after_airtime_and_respects_the_duty_cycle()
    {
        var time = new FakeTimeProvider();
        var modulation = new LoRaModulation(7, 125_000, 5);
        var channel = new SimulatedLoRaChannel(time, modulation);
        var a = new SimulatedLoRaInterface("a", channel, dutyCycle: 0.01) { DutyCycleWindow = TimeSpan.FromSeconds(100) };
        var b = new SimulatedLoRaInterface("b", channel);
        var c = new SimulatedLoRaInterface("c", channel);
        var atB = new List<byte[]>();
        var atC = new List<byte[]>();
        b.PacketReceived = (_, p) => atB.Add(p.ToArray());
        c.PacketReceived = (_, p) => atC.Add(p.ToArray());
        var packet = SamplePacket(40);
        var airtime = modulation.PacketAirtime(packet.Length);
        Assert.True(a.TrySend(packet));
        Assert.True(channel.IsBusy);
        time.Advance(airtime - TimeSpan.FromTicks(1));
        Assert.Empty(atB);
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Single(atB);
        Assert.Single(atC);

        // 1% of 100 s = 1 s of airtime: about 10 such packets fit, then the radio refuses.
        var accepted = 1;
        while (a.TrySend(packet))
        {
            accepted++;
        }

        Assert.InRange(accepted, 5, 15);
        Assert.True(a.DutyCycleRejections >= 1);
        time.Advance(TimeSpan.FromSeconds(101));
        Assert.True(a.TrySend(packet));

        // Carrier sense: a radio that finds the channel busy waits, so both packets arrive in turn.
        var quiet = new SimulatedLoRaChannel(time, modulation);
        var e = new SimulatedLoRaInterface("e", quiet);
        var f = new SimulatedLoRaInterface("f", quiet);
        var g = new SimulatedLoRaInterface("g", quiet);
        var atG = new List<byte[]>();
        g.PacketReceived = (_, p) => atG.Add(p.ToArray());
        Assert.True(e.TrySend(packet));
        Assert.True(f.TrySend(SamplePacket(40, 9)));
        time.Advance(airtime);
        Assert.Single(atG);
        for (var i = 0; i < 100; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10)); // FakeTimeProvider fires chained timers at the end of one Advance: step finely
        }

        Assert.True(2 == atG.Count, $"f sent {f.PacketsSent} busy {quiet.IsBusy} now {time.GetUtcNow():HH:mm:ss.fff} fAir {f.AirtimeInWindow} eAir {e.AirtimeInWindow}");
        Assert.Equal(9, atG[1][^1]);
        Assert.Equal(0, quiet.Collisions);
    }

    [Fact]
    public void LoRa_loss_is_seeded_and_deterministic()
    {
        int Run()
        {
            var time = new FakeTimeProvider();
            var channel = new SimulatedLoRaChannel(time, new LoRaModulation(7, 125_000, 5), lossProbability: 0.3, seed: 42);
            var a = new SimulatedLoRaInterface("a", channel);
            var b = new SimulatedLoRaInterface("b", channel);
            var received = 0;
            b.PacketReceived = (_, _) => received++;
            for (var i = 0; i < 100; i++)
            {
                a.TrySend(SamplePacket());
                time.Advance(TimeSpan.FromSeconds(1));
            }

            return received;
        }

        var first = Run();
        Assert.Equal(first, Run());
        Assert.InRange(first, 50, 90);
    }

    [Fact]
    public async Task Tcp_client_and_server_exchange_hdlc_framed_packets_on_loopback()
    {
        await using var server = new TcpServerInterface("srv", new IPEndPoint(IPAddress.Loopback, 0));
        var spawned = new TaskCompletionSource<MeshInterface>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.InterfaceSpawned += i => spawned.TrySetResult(i);
        await server.StartAsync();
        await using var client = new TcpClientInterface("cli", "127.0.0.1", server.LocalEndPoint.Port);
        var atClient = Capture(client);
        await client.StartAsync();
        var child = await spawned.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var atServer = Capture(child);
        while (!client.IsOnline)
        {
            await Task.Yield();
        }

        var packet = SamplePacket(100, 0x7D); // needs escaping
        Assert.True(client.TrySend(packet));
        Assert.Equal(packet, await atServer.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        var reply = SamplePacket(60, 0x7E);
        Assert.True(child.TrySend(reply));
        Assert.Equal(reply, await atClient.Task.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Udp_interfaces_exchange_datagrams_on_loopback()
    {
        await using var a = new UdpInterface("ua", new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, 9));
        await using var b = new UdpInterface("ub", new IPEndPoint(IPAddress.Loopback, 0), a.ListenEndPoint);
        a.ForwardEndPoint = b.ListenEndPoint;
        var atB = Capture(b);
        await a.StartAsync();
        await b.StartAsync();
        var packet = SamplePacket(200);
        Assert.True(a.TrySend(packet));
        Assert.Equal(packet, await atB.Task.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void Reconnect_backoff_doubles_up_to_its_cap()
    {
        var client = new TcpClientInterface("c", "127.0.0.1", 1) { InitialReconnectDelay = TimeSpan.FromSeconds(1), MaxReconnectDelay = TimeSpan.FromSeconds(10) };
        Assert.Equal(TimeSpan.FromSeconds(1), client.GetReconnectDelay(0));
        Assert.Equal(TimeSpan.FromSeconds(2), client.GetReconnectDelay(1));
        Assert.Equal(TimeSpan.FromSeconds(8), client.GetReconnectDelay(3));
        Assert.Equal(TimeSpan.FromSeconds(10), client.GetReconnectDelay(4));
        Assert.Equal(TimeSpan.FromSeconds(10), client.GetReconnectDelay(1000));
    }

    [Fact]
    public async Task Tcp_client_reconnects_on_the_fake_clock_after_refused_connections()
    {
        var time = new FakeTimeProvider();
        // Find a free port, then close it so connections are refused.
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var client = new TcpClientInterface("c", "127.0.0.1", port, time) { InitialReconnectDelay = TimeSpan.FromSeconds(1) };
        await client.StartAsync();
        await WaitUntil(() => client.ConnectAttempts == 1);
        var seenAt = new Dictionary<long, double>();
        var start = time.GetUtcNow();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (client.ConnectAttempts < 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20); // real sockets: let the refused attempt reach its fake-clock backoff
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(20);
            seenAt.TryAdd(client.ConnectAttempts, (time.GetUtcNow() - start).TotalSeconds);
        }

        Assert.True(client.ConnectAttempts >= 4);
        Assert.True(seenAt[2] >= 1.0, $"attempt 2 at {seenAt[2]}");
        Assert.True(seenAt[3] >= 3.0, $"attempt 3 at {seenAt[3]}");
        Assert.True(seenAt[4] >= 7.0, $"attempt 4 at {seenAt[4]}");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached ");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Serial_kiss_interface_talks_through_a_pty_pair()
    {
        if (!OperatingSystem.IsLinux() || OpenPty(out var master, out var slave, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero) != 0)
        {
            Assert.Fail("openpty is required on Linux");
            return;
        }

        var nameBuffer = new byte[256];
        Assert.Equal(0, TtyNameR(slave, nameBuffer, nameBuffer.Length));
        var slaveName = System.Text.Encoding.ASCII.GetString(nameBuffer, 0, Array.IndexOf(nameBuffer, (byte)0));
        await using var serial = new SerialKissInterface("ser", slaveName, 115_200);
        var received = Capture(serial);
        await serial.StartAsync();
        using var masterHandle = new SafeFileHandle(master, ownsHandle: true);
        await using var masterStream = new FileStream(masterHandle, FileAccess.ReadWrite, 1, false);

        var packet = SamplePacket(80, Kiss.Fend);
        var framed = new byte[Kiss.MaxFramedLength(packet.Length)];
        var n = Kiss.Encode(packet, framed);
        await masterStream.WriteAsync(framed.AsMemory(0, n));
        await masterStream.FlushAsync();
        Assert.Equal(packet, await received.Task.WaitAsync(TimeSpan.FromSeconds(20)));

        var reply = SamplePacket(50, Kiss.Fesc);
        Assert.True(serial.TrySend(reply));
        var buffer = new byte[1024];
        var total = 0;
        var seq = System.Buffers.ReadOnlySequence<byte>.Empty;
        var output = new byte[600];
        while (true)
        {
            var read = await masterStream.ReadAsync(buffer.AsMemory(total)).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            total += read;
            seq = new System.Buffers.ReadOnlySequence<byte>(buffer, 0, total);
            if (Kiss.TryReadFrame(ref seq, output, out var m) == FrameStatus.Frame)
            {
                Assert.Equal(reply, output[..m]);
                break;
            }
        }

        Assert.Equal(0, Close(slave));
    }

    [DllImport("libc", EntryPoint = "openpty", SetLastError = true)]
    private static extern int OpenPty(out int master, out int slave, IntPtr name, IntPtr termios, IntPtr winsize);

    [DllImport("libc", EntryPoint = "ttyname_r")]
    private static extern int TtyNameR(int fd, byte[] buffer, int length);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
