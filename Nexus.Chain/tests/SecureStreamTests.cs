using CsCheck;
using Nerdbank.Streams;
using Nexus.Crypto;

namespace Nexus.Chain.Tests;

/// <summary>
/// The encrypted stream under the chain's peer connections: bytes written in any chunking arrive intact
/// and in order whatever sizes the reader asks for (frames are parsed out of a reused receive buffer,
/// several per socket read), a tampered frame ends the stream with InvalidDataException, and a stream cut
/// mid-frame is an EndOfStreamException rather than silent truncation.
/// </summary>
public sealed class SecureStreamTests
{
    private static (LinkSession Initiator, LinkSession Responder) Sessions()
    {
        using var a = NodeIdentity.Generate();
        using var b = NodeIdentity.Generate();
        using var initiator = LinkHandshake.CreateInitiator(a, "test"u8);
        using var responder = LinkHandshake.CreateResponder(b, "test"u8);
        var init = new byte[LinkHandshake.InitiationSizeInBytes];
        initiator.WriteInitiation(init);
        var response = new byte[LinkHandshake.ResponseSizeInBytes];
        Assert.Equal(HandshakeStatus.Ok, responder.ReadInitiation(init, response, out _));
        var confirmation = new byte[LinkHandshake.ConfirmationSizeInBytes];
        Assert.Equal(HandshakeStatus.Ok, initiator.ReadResponse(response, confirmation, out var si));
        Assert.Equal(HandshakeStatus.Ok, responder.ReadConfirmation(confirmation, out var sr));
        return (si!, sr!);
    }

    [Fact]
    public void Bytes_arrive_intact_for_any_write_chunking_and_read_size()
    {
        Gen.Select(Gen.Int[1, 200_000], Gen.Int[1, 70_000].Array[1, 8], Gen.Int[1, 100_000], Gen.UInt)
            .Sample((total, writes, readSize, seed) =>
            {
                var (si, sr) = Sessions();
                var (left, right) = FullDuplexStream.CreatePair();
                using var writer = new SecureStream(left, si);
                using var reader = new SecureStream(right, sr);
                var data = new byte[total];
                new Random((int)seed).NextBytes(data);
                var send = Task.Run(async () =>
                {
                    int offset = 0, w = 0;
                    while (offset < total)
                    {
                        int n = Math.Min(writes[w++ % writes.Length], total - offset);
                        await writer.WriteAsync(data.AsMemory(offset, n));
                        offset += n;
                    }
                });
                var received = new byte[total];
                int got = 0;
                while (got < total)
                {
                    int n = reader.ReadAsync(received.AsMemory(got, Math.Min(readSize, total - got))).AsTask().GetAwaiter().GetResult();
                    Assert.True(n > 0);
                    got += n;
                }

                send.GetAwaiter().GetResult();
                Assert.Equal(data, received);
            }, iter: 40);
    }

    /// <summary>Two 1,000-byte writes (two frames) sealed by a fresh session; the reading side's session with them.</summary>
    private static async Task<(byte[] Wire, LinkSession Reader)> TwoFrames()
    {
        var (writerSession, readerSession) = Sessions();
        var wire = new MemoryStream();
        using (var writer = new SecureStream(new NonClosing(wire), writerSession))
        {
            await writer.WriteAsync(new byte[1000]);
            await writer.WriteAsync(new byte[1000]);
        }

        return (wire.ToArray(), readerSession);
    }

    [Fact]
    public async Task A_tampered_frame_is_rejected_and_a_cut_frame_is_end_of_stream()
    {
        // Intact: both frames read back, then a clean end between frames.
        var (bytes, session) = await TwoFrames();
        using (var reader = new SecureStream(new MemoryStream(bytes), session))
        {
            var buffer = new byte[2000];
            await reader.ReadExactlyAsync(buffer);
            Assert.Equal(0, await reader.ReadAsync(buffer));
        }

        // One flipped bit in the second frame's ciphertext.
        (bytes, session) = await TwoFrames();
        bytes[^5] ^= 1;
        using (var reader = new SecureStream(new MemoryStream(bytes), session))
        {
            var buffer = new byte[1000];
            await reader.ReadExactlyAsync(buffer);
            await Assert.ThrowsAsync<InvalidDataException>(async () => await reader.ReadExactlyAsync(buffer));
        }

        // Cut in the middle of the second frame.
        (bytes, session) = await TwoFrames();
        using (var reader = new SecureStream(new MemoryStream(bytes[..^10]), session))
        {
            var buffer = new byte[1000];
            await reader.ReadExactlyAsync(buffer);
            await Assert.ThrowsAsync<EndOfStreamException>(async () => await reader.ReadExactlyAsync(buffer));
        }
    }

    /// <summary>Keeps the MemoryStream readable after the SecureStream that wrote it is disposed.</summary>
    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
