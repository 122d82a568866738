using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Nexus.Crypto;

/// <summary>The outcome of <see cref="LinkSession.TryOpen"/>.</summary>
public enum LinkOpenStatus
{
    /// <summary>Authentic and new; the plaintext was written.</summary>
    Ok = 0,

    /// <summary>Shorter than the 24-byte overhead, or the plaintext buffer is too small.</summary>
    Malformed,

    /// <summary>The counter was already accepted (a replay or a duplicate).</summary>
    Replayed,

    /// <summary>The counter is older than the replay window allows (reordered beyond the window).</summary>
    TooOld,

    /// <summary>The tag does not verify: tampered, or sealed under another key.</summary>
    Forged,
}

/// <summary>
/// An established NEXUS link session (decision D3), made by <see cref="LinkHandshake"/>: two
/// directional ChaCha20-Poly1305 keys (RFC 8439), a 64-bit send counter per direction, and a
/// replay window of <see cref="ReplayWindowSize"/> counters for the receive direction.
/// <para>
/// Sealed packet layout: counter (8 bytes, little-endian) ‖ ciphertext (plaintext length) ‖ tag
/// (16 bytes), so <see cref="OverheadInBytes"/> = 24. Nonce = 4 zero bytes ‖ counter (8 bytes,
/// little-endian), the 64-bit counter zero-padded to 96 bits as WireGuard does. Because each
/// direction has its own key, no (key, nonce) pair is ever used twice.
/// </para>
/// <para>
/// <see cref="Seal"/> and <see cref="TryOpen"/> are thread-safe. Dispose to wipe both keys.
/// </para>
/// </summary>
public sealed class LinkSession : IDisposable
{
    /// <summary>Bytes added to every sealed packet: counter 8 + tag 16 = 24.</summary>
    public const int OverheadInBytes = CounterSizeInBytes + ChaCha20Poly1305Key.TagSizeInBytes;

    /// <summary>Size of the on-wire counter: 8 bytes.</summary>
    public const int CounterSizeInBytes = 8;

    /// <summary>Size of <see cref="SessionId"/>: 16 bytes.</summary>
    public const int SessionIdSizeInBytes = 16;

    /// <summary>How many counters behind the highest accepted one may still arrive: 2048.</summary>
    public const int ReplayWindowSize = ReplayWindow.Size;

    private readonly ChaCha20Poly1305Key _sendKey;
    private readonly ChaCha20Poly1305Key _receiveKey;
    private readonly byte[] _sessionId;
    private readonly byte[] _peerPublicKey;
    private readonly LinkRekeyPolicy _rekeyPolicy;
    private readonly TimeProvider _timeProvider;
    private readonly long _startedTimestamp;
    private readonly ReplayWindow _replayWindow = new();
    private long _nextSendCounter = -1;
    private long _bytesSealed;
    private long _bytesOpened;
    private long _rejected;

    internal LinkSession(bool isInitiator, ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey, ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> peerPublicKey, LinkRekeyPolicy rekeyPolicy, TimeProvider timeProvider)
    {
        IsInitiator = isInitiator;
        _sendKey = ChaCha20Poly1305Key.Import(sendKey);
        _receiveKey = ChaCha20Poly1305Key.Import(receiveKey);
        _sessionId = sessionId.ToArray();
        _peerPublicKey = peerPublicKey.ToArray();
        _rekeyPolicy = rekeyPolicy;
        _timeProvider = timeProvider;
        _startedTimestamp = timeProvider.GetTimestamp();
    }

    /// <summary>True on the side that initiated the handshake.</summary>
    public bool IsInitiator { get; }

    /// <summary>16 bytes both sides share: the first 16 bytes of the final transcript hash.</summary>
    public ReadOnlySpan<byte> SessionId => _sessionId;

    /// <summary>The authenticated peer's 64-byte identity public key (X25519 ‖ Ed25519).</summary>
    public ReadOnlySpan<byte> PeerPublicKey => _peerPublicKey;

    /// <summary>Plaintext bytes sealed so far.</summary>
    public long BytesSealed => Interlocked.Read(ref _bytesSealed);

    /// <summary>Plaintext bytes accepted by <see cref="TryOpen"/> so far.</summary>
    public long BytesOpened => Interlocked.Read(ref _bytesOpened);

    /// <summary>Packets refused by <see cref="TryOpen"/> (any status but Ok).</summary>
    public long PacketsRejected => Interlocked.Read(ref _rejected);

    /// <summary>Time since the handshake completed, on the session's <see cref="TimeProvider"/>.</summary>
    public TimeSpan Age => _timeProvider.GetElapsedTime(_startedTimestamp);

    /// <summary>
    /// True once the session is older than the policy's interval or has sealed or opened more than its
    /// byte limit: the owner should run a fresh <see cref="LinkHandshake"/> and switch to its session.
    /// </summary>
    public bool IsRekeyDue => Age >= _rekeyPolicy.Interval || Math.Max(BytesSealed, BytesOpened) >= _rekeyPolicy.ByteLimit;

    /// <summary>Encrypts one packet for the peer.</summary>
    /// <param name="plaintext">The payload, any length.</param>
    /// <param name="associatedData">Authenticated, unencrypted context (e.g. the packet header), may be empty; the peer must pass the same.</param>
    /// <param name="destination">At least plaintext length + 24 bytes; receives counter ‖ ciphertext ‖ tag.</param>
    /// <returns>Bytes written: plaintext length + 24.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small or overlaps <paramref name="plaintext"/> other than exactly.</exception>
    /// <exception cref="InvalidOperationException">2^63 packets were sealed under this key (rekey long before).</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public int Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        int total = plaintext.Length + OverheadInBytes;
        if (destination.Length < total)
        {
            throw new ArgumentException($"The destination needs {total} bytes (plaintext + {OverheadInBytes}).", nameof(destination));
        }

        long counter = Interlocked.Increment(ref _nextSendCounter);
        if (counter < 0)
        {
            throw new InvalidOperationException("The link's send counter is exhausted; rekey.");
        }

        Span<byte> nonce = stackalloc byte[ChaCha20Poly1305Key.NonceSizeInBytes];
        WriteNonce(nonce, (ulong)counter);
        _sendKey.Encrypt(nonce, associatedData, plaintext, destination.Slice(CounterSizeInBytes, total - CounterSizeInBytes));
        BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)counter);
        Interlocked.Add(ref _bytesSealed, plaintext.Length);
        return total;
    }

    /// <summary>Decrypts and authenticates one packet from the peer, refusing replays.</summary>
    /// <param name="packet">counter (8) ‖ ciphertext ‖ tag (16) as <see cref="Seal"/> wrote it.</param>
    /// <param name="associatedData">The same associated data the sender passed.</param>
    /// <param name="plaintext">At least packet length − 24 bytes; written only when the result is Ok.</param>
    /// <param name="written">Plaintext length on Ok, else 0.</param>
    /// <returns><see cref="LinkOpenStatus.Ok"/> or why the packet was dropped; never throws for any packet.</returns>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public LinkOpenStatus TryOpen(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> associatedData, Span<byte> plaintext, out int written)
    {
        written = 0;
        if (packet.Length < OverheadInBytes || plaintext.Length < packet.Length - OverheadInBytes)
        {
            return Reject(LinkOpenStatus.Malformed);
        }

        ulong counter = BinaryPrimitives.ReadUInt64LittleEndian(packet);
        var window = _replayWindow.Check(counter);
        if (window != LinkOpenStatus.Ok)
        {
            return Reject(window);
        }

        Span<byte> nonce = stackalloc byte[ChaCha20Poly1305Key.NonceSizeInBytes];
        WriteNonce(nonce, counter);
        int length = packet.Length - OverheadInBytes;
        if (!_receiveKey.TryDecrypt(nonce, associatedData, packet[CounterSizeInBytes..], plaintext[..length]))
        {
            return Reject(LinkOpenStatus.Forged);
        }

        // Only an authentic packet moves the window, so forged counters cannot push it forward.
        window = _replayWindow.Accept(counter);
        if (window != LinkOpenStatus.Ok)
        {
            plaintext[..length].Clear();
            return Reject(window);
        }

        Interlocked.Add(ref _bytesOpened, length);
        written = length;
        return LinkOpenStatus.Ok;
    }

    /// <summary>Wipes both keys.</summary>
    public void Dispose()
    {
        _sendKey.Dispose();
        _receiveKey.Dispose();
    }

    private static void WriteNonce(Span<byte> nonce, ulong counter)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], counter);
    }

    private LinkOpenStatus Reject(LinkOpenStatus status)
    {
        Interlocked.Increment(ref _rejected);
        return status;
    }
}
