using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Nexus.Crypto;

namespace Nexus.Mesh.Tests;

// How a byte-stream interface ends: a peer that vanishes mid-write, a write side that breaks while
// the read side stays quiet, and a TCP server whose client disconnects.
public class StreamInterfaceTests
{
    private static byte[] SamplePacket(int dataLength = 40) =>
        PacketWriter.ToArray(new PacketHeader(PacketType.Data, DestinationType.Plain, new Nexus.Crypto.Hash128(new byte[16])), new byte[dataLength]);

    [Fact]
    public async Task Shutdown_while_a_write_is_stuck_and_the_peer_is_gone_ends_quietly()
    {
        // The CI failure of 2026-12-02: disposing a node while a flush to a vanished peer was in
        // flight threw "Broken pipe" out of DisposeAsync, because completing the pipe re-sent the
        // buffered frame. That re-send could also block on a dead socket, so it must not happen at all.
        var stream = new ScriptedStream { FirstWriteHangs = true, LaterWritesHangForever = true };
        var iface = new TestStreamInterface();
        using var stop = new CancellationTokenSource();
        var run = await iface.Start(stream, stop.Token);
        Assert.True(iface.TrySend(SamplePacket()));
        await stream.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20)); // must neither throw nor hang
        Assert.False(iface.IsOnline);
        Assert.Equal(1, stream.WritesAttempted); // the cancelled frame is discarded, not written again
    }

    [Fact]
    public async Task A_broken_write_side_ends_the_connection_even_when_reads_stay_quiet()
    {
        var stream = new ScriptedStream();
        var iface = new TestStreamInterface();
        var run = await iface.Start(stream, CancellationToken.None);
        Assert.True(iface.TrySend(SamplePacket()));

        await run.WaitAsync(TimeSpan.FromSeconds(20)); // ends by itself, without cancellation
        Assert.False(iface.IsOnline);
        Assert.False(iface.TrySend(SamplePacket()));
        Assert.True(stream.ReadCancelled);
    }

    [Fact]
    public async Task A_disconnected_tcp_client_is_dropped_by_the_server_and_detached_from_the_transport()
    {
        using var identity = NodeIdentity.Generate();
        using var transport = new MeshTransport(identity, timeProvider: new FakeTimeProvider());
        await using var server = new TcpServerInterface("srv", new IPEndPoint(IPAddress.Loopback, 0));
        var spawned = new TaskCompletionSource<MeshInterface>(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource<MeshInterface>(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.AddInterface(server); // first, so the transport's handlers run before the test's
        server.InterfaceSpawned += i => spawned.TrySetResult(i);
        server.InterfaceClosed += i => closed.TrySetResult(i);
        await server.StartAsync();

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, server.LocalEndPoint.Port);
            var child = await spawned.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.NotNull(child.PacketReceived); // attached by the transport
            Assert.Equal(1, server.ConnectedClients);
        }

        var gone = await closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Same(await spawned.Task, gone);
        Assert.False(gone.IsOnline);
        Assert.Equal(0, server.ConnectedClients);
        Assert.Null(gone.PacketReceived); // detached: the transport's RemoveInterface ran
        Assert.False(gone.TrySend(SamplePacket()));
    }

    [Fact]
    public void Removing_an_interface_forgets_the_neighbours_heard_only_through_it()
    {
        var time = new FakeTimeProvider();
        using var idA = NodeIdentity.Generate();
        using var idB = NodeIdentity.Generate();
        using var a = new MeshTransport(idA, timeProvider: time);
        using var b = new MeshTransport(idB, timeProvider: time);
        var (ab, ba) = InMemoryInterface.CreatePair("a-b", "b-a", time, TimeSpan.FromMilliseconds(1));
        a.AddInterface(ab);
        b.AddInterface(ba); // each beacons on attach
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, a.NeighbourCount);

        a.RemoveInterface(ab);
        Assert.Equal(0, a.NeighbourCount); // not left until beacon eviction
    }

    [Fact]
    public async Task Disposing_a_server_whose_client_reset_the_connection_does_not_throw()
    {
        await using var server = new TcpServerInterface("srv", new IPEndPoint(IPAddress.Loopback, 0));
        var spawned = new TaskCompletionSource<MeshInterface>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.InterfaceSpawned += i => spawned.TrySetResult(i);
        await server.StartAsync();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.LocalEndPoint.Port);
        var child = await spawned.Task.WaitAsync(TimeSpan.FromSeconds(20));
        while (!child.IsOnline)
        {
            await Task.Yield();
        }

        client.Client.LingerState = new LingerOption(true, 0); // close with RST
        client.Dispose();
        for (var i = 0; i < 50 && child.TrySend(SamplePacket(400)); i++)
        {
        }

        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(child.IsOnline);
    }

    private sealed class TestStreamInterface() : StreamInterface("test", 1_000_000, StreamFraming.Hdlc)
    {
        // Starts the loops and returns once the interface is online; the task ends with the connection.
        public async Task<Task> Start(Stream stream, CancellationToken cancellationToken)
        {
            var online = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            WentOnline = _ => online.TrySetResult();
            var run = Task.Run(() => RunStreamAsync(stream, cancellationToken), CancellationToken.None);
            await online.Task.WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
            return run;
        }
    }

    // Reads never return data (they wait for cancellation); writes fail with "Broken pipe", except
    // that the first one can be made to hang until cancelled, as a send into a full socket buffer does.
    private sealed class ScriptedStream : Stream
    {
        private int _writes;

        public bool FirstWriteHangs { get; init; }

        public bool LaterWritesHangForever { get; init; }

        public TaskCompletionSource WriteStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int WritesAttempted => Volatile.Read(ref _writes);

        public bool ReadCancelled { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                ReadCancelled = true;
                throw;
            }

            return 0;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = Interlocked.Increment(ref _writes);
            WriteStarted.TrySetResult();
            if (n == 1 && FirstWriteHangs)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            else if (n > 1 && LaterWritesHangForever)
            {
                await new TaskCompletionSource().Task; // a send to a dead peer: no cancellation helps
            }

            throw new IOException("Unable to write data to the transport connection: Broken pipe.", new SocketException((int)SocketError.Shutdown));
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
