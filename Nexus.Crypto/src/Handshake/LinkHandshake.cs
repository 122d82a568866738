using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Nexus.Crypto;

/// <summary>
/// The mutually authenticated NEXUS link handshake (decision D3; docs/protocol/link-handshake.md):
/// ephemeral X25519 keys on both sides, each side signs the running transcript (both ephemerals and
/// both identities, so a signature cannot be replayed into another session or bound to another
/// peer) with its Ed25519 identity key, and HKDF-SHA-256 over the ephemeral shared secret, salted with
/// the final transcript hash, gives two directional ChaCha20-Poly1305 keys. Shared by Nexus.Mesh
/// links and Nexus.Chain peer connections; a caller-chosen prologue separates the two (and chains).
/// <para>
/// Three messages, each fits one 500-byte mesh packet:
/// </para>
/// <list type="number">
/// <item>initiation (initiator → responder), 97 bytes: version 0x01 ‖ initiator ephemeral X25519 (32) ‖ initiator identity public key (64);</item>
/// <item>response (responder → initiator), 160 bytes: responder ephemeral (32) ‖ responder identity public key (64) ‖ Ed25519 signature (64) over "nexus link v1 responder" ‖ th2;</item>
/// <item>confirmation (initiator → responder), 64 bytes: Ed25519 signature over "nexus link v1 initiator" ‖ th3.</item>
/// </list>
/// <para>
/// th1 = SHA-256("NEXUS-LINK-v1" ‖ u16be(prologue length) ‖ prologue ‖ initiation); th2 =
/// SHA-256(th1 ‖ response[0..96]); th3 = SHA-256(th2 ‖ response signature); th4 = SHA-256(th3 ‖
/// confirmation). Keys: HKDF-SHA-256(ikm = X25519(eI, eR), salt = th4, info = "nexus link v1 keys",
/// 64 bytes) = initiator→responder key (32) ‖ responder→initiator key (32). Session id = th4[0..16].
/// </para>
/// <para>
/// Not thread-safe: one handshake is driven by one task. Dispose it to wipe the ephemeral secret
/// (a completed handshake has already wiped it).
/// </para>
/// </summary>
public sealed class LinkHandshake : IDisposable
{
    /// <summary>Protocol version carried in the first byte of the initiation: 1.</summary>
    public const byte Version = 1;

    /// <summary>Size of the initiation message: 97 bytes.</summary>
    public const int InitiationSizeInBytes = 1 + X25519PublicKey.SizeInBytes + NodeIdentity.PublicKeySizeInBytes;

    /// <summary>Size of the response message: 160 bytes.</summary>
    public const int ResponseSizeInBytes = X25519PublicKey.SizeInBytes + NodeIdentity.PublicKeySizeInBytes + Ed25519Signature.SizeInBytes;

    /// <summary>Size of the confirmation message: 64 bytes.</summary>
    public const int ConfirmationSizeInBytes = Ed25519Signature.SizeInBytes;

    /// <summary>Longest accepted prologue: 1024 bytes.</summary>
    public const int MaxPrologueSizeInBytes = 1024;

    private static ReadOnlySpan<byte> Protocol => "NEXUS-LINK-v1"u8;

    private static ReadOnlySpan<byte> ResponderLabel => "nexus link v1 responder"u8;

    private static ReadOnlySpan<byte> InitiatorLabel => "nexus link v1 initiator"u8;

    private static ReadOnlySpan<byte> KeysInfo => "nexus link v1 keys"u8;

    private readonly NodeIdentity _local;
    private readonly X25519PrivateKey _ephemeral;
    private readonly byte[] _prologue;
    private readonly byte[]? _expectedPeer;
    private readonly TimeProvider _timeProvider;
    private readonly LinkRekeyPolicy _rekeyPolicy;
    private readonly byte[] _transcript = new byte[32];
    private readonly byte[] _peerPublicKey = new byte[NodeIdentity.PublicKeySizeInBytes];
    private readonly byte[] _sharedSecret = new byte[X25519PrivateKey.SharedSecretSizeInBytes];
    private Step _step;

    private enum Step
    {
        InitiatorStart,
        InitiatorAwaitResponse,
        ResponderAwaitInitiation,
        ResponderAwaitConfirmation,
        Complete,
        Failed,
    }

    private LinkHandshake(bool initiator, NodeIdentity local, ReadOnlySpan<byte> prologue, ReadOnlySpan<byte> expectedPeer, LinkRekeyPolicy? rekeyPolicy, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(local);
        if (prologue.Length > MaxPrologueSizeInBytes)
        {
            throw new ArgumentException($"The prologue is at most {MaxPrologueSizeInBytes} bytes.", nameof(prologue));
        }

        if (!expectedPeer.IsEmpty && expectedPeer.Length != NodeIdentity.PublicKeySizeInBytes)
        {
            throw new ArgumentException("The expected peer is a 64-byte identity public key (X25519 ‖ Ed25519) or empty.", nameof(expectedPeer));
        }

        IsInitiator = initiator;
        _local = local;
        _prologue = prologue.ToArray();
        _expectedPeer = expectedPeer.IsEmpty ? null : expectedPeer.ToArray();
        _rekeyPolicy = rekeyPolicy ?? LinkRekeyPolicy.Default;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _ephemeral = X25519PrivateKey.Generate();
        _step = initiator ? Step.InitiatorStart : Step.ResponderAwaitInitiation;
    }

    /// <summary>True for the side that sends the initiation.</summary>
    public bool IsInitiator { get; }

    /// <summary>True once the handshake produced a <see cref="LinkSession"/>.</summary>
    public bool IsComplete => _step == Step.Complete;

    /// <summary>
    /// The peer's 64-byte identity public key (X25519 ‖ Ed25519), known after the responder read the
    /// initiation or the initiator read the response; empty before. Authenticated only once
    /// <see cref="IsComplete"/> is true.
    /// </summary>
    public ReadOnlySpan<byte> PeerPublicKey =>
        _step is Step.InitiatorStart or Step.InitiatorAwaitResponse or Step.ResponderAwaitInitiation ? default : _peerPublicKey;

    /// <summary>Starts a handshake as the initiator (the side that dials).</summary>
    /// <param name="local">This node's identity; its Ed25519 key signs the transcript. Not owned.</param>
    /// <param name="prologue">Context both sides must agree on (e.g. "nexus-mesh" or a chain id), at most 1024 bytes; a mismatch fails the signatures.</param>
    /// <param name="expectedPeer">The 64-byte identity public key the initiator means to reach, or empty to accept any responder (check <see cref="PeerPublicKey"/> afterwards).</param>
    /// <param name="rekeyPolicy">When the resulting session asks for a rekey; default <see cref="LinkRekeyPolicy.Default"/>.</param>
    /// <param name="timeProvider">Clock for the session's rekey timer; default <see cref="TimeProvider.System"/>.</param>
    /// <returns>A handshake in its first step; call <see cref="WriteInitiation"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="local"/> is null.</exception>
    /// <exception cref="ArgumentException">The prologue is longer than 1024 bytes or the expected peer is not 64 bytes.</exception>
    public static LinkHandshake CreateInitiator(NodeIdentity local, ReadOnlySpan<byte> prologue, ReadOnlySpan<byte> expectedPeer = default, LinkRekeyPolicy? rekeyPolicy = null, TimeProvider? timeProvider = null) =>
        new(true, local, prologue, expectedPeer, rekeyPolicy, timeProvider);

    /// <summary>Starts a handshake as the responder (the side that accepts).</summary>
    /// <param name="local">This node's identity. Not owned.</param>
    /// <param name="prologue">Context both sides must agree on, at most 1024 bytes.</param>
    /// <param name="rekeyPolicy">When the resulting session asks for a rekey; default <see cref="LinkRekeyPolicy.Default"/>.</param>
    /// <param name="timeProvider">Clock for the session's rekey timer; default <see cref="TimeProvider.System"/>.</param>
    /// <returns>A handshake waiting for an initiation; call <see cref="ReadInitiation"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="local"/> is null.</exception>
    /// <exception cref="ArgumentException">The prologue is longer than 1024 bytes.</exception>
    public static LinkHandshake CreateResponder(NodeIdentity local, ReadOnlySpan<byte> prologue, LinkRekeyPolicy? rekeyPolicy = null, TimeProvider? timeProvider = null) =>
        new(false, local, prologue, default, rekeyPolicy, timeProvider);

    /// <summary>Initiator, step 1: writes the 97-byte initiation.</summary>
    /// <param name="destination">At least 97 bytes.</param>
    /// <returns>The number of bytes written: 97.</returns>
    /// <exception cref="InvalidOperationException">Not an initiator at its first step.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 97 bytes.</exception>
    public int WriteInitiation(Span<byte> destination)
    {
        Expect(Step.InitiatorStart);
        RequireSpace(destination, InitiationSizeInBytes);
        var message = destination[..InitiationSizeInBytes];
        message[0] = Version;
        _ephemeral.PublicKey.WriteTo(message.Slice(1, 32));
        _local.PublicKey.CopyTo(message[33..]);
        StartTranscript(message);
        _step = Step.InitiatorAwaitResponse;
        return InitiationSizeInBytes;
    }

    /// <summary>Responder, step 1: reads the initiation and writes the 160-byte response.</summary>
    /// <param name="initiation">The received initiation (exactly 97 bytes).</param>
    /// <param name="response">At least 160 bytes; written only when the result is <see cref="HandshakeStatus.Ok"/>.</param>
    /// <param name="written">160 on success, else 0.</param>
    /// <returns><see cref="HandshakeStatus.Ok"/>, or why the initiation was refused (the handshake is then failed for good).</returns>
    /// <exception cref="InvalidOperationException">Not a responder waiting for an initiation.</exception>
    /// <exception cref="ArgumentException"><paramref name="response"/> is shorter than 160 bytes.</exception>
    public HandshakeStatus ReadInitiation(ReadOnlySpan<byte> initiation, Span<byte> response, out int written)
    {
        Expect(Step.ResponderAwaitInitiation);
        RequireSpace(response, ResponseSizeInBytes);
        written = 0;
        if (initiation.Length != InitiationSizeInBytes)
        {
            return Fail(HandshakeStatus.Malformed);
        }

        if (initiation[0] != Version)
        {
            return Fail(HandshakeStatus.UnsupportedVersion);
        }

        var status = AcceptPeer(initiation.Slice(1, 32), initiation[33..]);
        if (status != HandshakeStatus.Ok)
        {
            return Fail(status);
        }

        StartTranscript(initiation);
        var message = response[..ResponseSizeInBytes];
        _ephemeral.PublicKey.WriteTo(message[..32]);
        _local.PublicKey.CopyTo(message.Slice(32, 64));
        Absorb(message[..96]);
        SignTranscript(ResponderLabel, message[96..]);
        Absorb(message[96..]);
        _step = Step.ResponderAwaitConfirmation;
        written = ResponseSizeInBytes;
        return HandshakeStatus.Ok;
    }

    /// <summary>Initiator, step 2: reads the response, writes the 64-byte confirmation and completes.</summary>
    /// <param name="response">The received response (exactly 160 bytes).</param>
    /// <param name="confirmation">At least 64 bytes; written only on success.</param>
    /// <param name="session">The established session (the caller owns and disposes it), or null on failure.</param>
    /// <returns><see cref="HandshakeStatus.Ok"/>, or why the response was refused (the handshake is then failed for good).</returns>
    /// <exception cref="InvalidOperationException">Not an initiator waiting for a response.</exception>
    /// <exception cref="ArgumentException"><paramref name="confirmation"/> is shorter than 64 bytes.</exception>
    public HandshakeStatus ReadResponse(ReadOnlySpan<byte> response, Span<byte> confirmation, out LinkSession? session)
    {
        Expect(Step.InitiatorAwaitResponse);
        RequireSpace(confirmation, ConfirmationSizeInBytes);
        session = null;
        if (response.Length != ResponseSizeInBytes)
        {
            return Fail(HandshakeStatus.Malformed);
        }

        var peerIdentity = response.Slice(32, 64);
        if (_expectedPeer is not null && !peerIdentity.SequenceEqual(_expectedPeer))
        {
            return Fail(HandshakeStatus.UnexpectedPeer);
        }

        var status = AcceptPeer(response[..32], peerIdentity);
        if (status != HandshakeStatus.Ok)
        {
            return Fail(status);
        }

        Absorb(response[..96]);
        if (!VerifyTranscript(ResponderLabel, response[96..]))
        {
            return Fail(HandshakeStatus.BadSignature);
        }

        Absorb(response[96..]);
        var message = confirmation[..ConfirmationSizeInBytes];
        SignTranscript(InitiatorLabel, message);
        Absorb(message);
        session = Complete();
        return HandshakeStatus.Ok;
    }

    /// <summary>Responder, step 2: reads the confirmation and completes.</summary>
    /// <param name="confirmation">The received confirmation (exactly 64 bytes).</param>
    /// <param name="session">The established session (the caller owns and disposes it), or null on failure.</param>
    /// <returns><see cref="HandshakeStatus.Ok"/>, or why the confirmation was refused (the handshake is then failed for good).</returns>
    /// <exception cref="InvalidOperationException">Not a responder waiting for a confirmation.</exception>
    public HandshakeStatus ReadConfirmation(ReadOnlySpan<byte> confirmation, out LinkSession? session)
    {
        Expect(Step.ResponderAwaitConfirmation);
        session = null;
        if (confirmation.Length != ConfirmationSizeInBytes)
        {
            return Fail(HandshakeStatus.Malformed);
        }

        if (!VerifyTranscript(InitiatorLabel, confirmation))
        {
            return Fail(HandshakeStatus.BadSignature);
        }

        Absorb(confirmation);
        session = Complete();
        return HandshakeStatus.Ok;
    }

    /// <summary>Wipes the ephemeral secret and the shared secret.</summary>
    public void Dispose()
    {
        _ephemeral.Dispose();
        CryptographicOperations.ZeroMemory(_sharedSecret);
        if (_step != Step.Complete)
        {
            _step = Step.Failed;
        }
    }

    private HandshakeStatus AcceptPeer(ReadOnlySpan<byte> peerEphemeral, ReadOnlySpan<byte> peerIdentity)
    {
        if (!_ephemeral.TryAgree(new X25519PublicKey(peerEphemeral), _sharedSecret))
        {
            return HandshakeStatus.InvalidEphemeralKey;
        }

        peerIdentity.CopyTo(_peerPublicKey);
        return HandshakeStatus.Ok;
    }

    private void StartTranscript(ReadOnlySpan<byte> initiation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Protocol);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)_prologue.Length);
        hash.AppendData(length);
        hash.AppendData(_prologue);
        hash.AppendData(initiation);
        hash.GetHashAndReset(_transcript);
    }

    private void Absorb(ReadOnlySpan<byte> data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(_transcript);
        hash.AppendData(data);
        hash.GetHashAndReset(_transcript);
    }

    private void SignTranscript(ReadOnlySpan<byte> label, Span<byte> signature)
    {
        Span<byte> message = stackalloc byte[label.Length + 32];
        label.CopyTo(message);
        _transcript.CopyTo(message[label.Length..]);
        _local.SigningKey.Sign(message, signature);
    }

    private bool VerifyTranscript(ReadOnlySpan<byte> label, ReadOnlySpan<byte> signature)
    {
        Span<byte> message = stackalloc byte[label.Length + 32];
        label.CopyTo(message);
        _transcript.CopyTo(message[label.Length..]);
        return new Ed25519PublicKey(_peerPublicKey.AsSpan(32, 32)).Verify(message, signature);
    }

    private LinkSession Complete()
    {
        Span<byte> keys = stackalloc byte[64];
        try
        {
            Hkdf.DeriveKey(_sharedSecret, _transcript, KeysInfo, keys);
            var session = new LinkSession(
                IsInitiator,
                sendKey: IsInitiator ? keys[..32] : keys[32..],
                receiveKey: IsInitiator ? keys[32..] : keys[..32],
                sessionId: _transcript.AsSpan(0, LinkSession.SessionIdSizeInBytes),
                peerPublicKey: _peerPublicKey,
                _rekeyPolicy,
                _timeProvider);
            _step = Step.Complete;
            return session;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
            CryptographicOperations.ZeroMemory(_sharedSecret);
            _ephemeral.Dispose();
        }
    }

    private HandshakeStatus Fail(HandshakeStatus status)
    {
        _step = Step.Failed;
        CryptographicOperations.ZeroMemory(_sharedSecret);
        _ephemeral.Dispose();
        return status;
    }

    private void Expect(Step step)
    {
        if (_step != step)
        {
            throw new InvalidOperationException($"The link handshake is at step {_step}; this call needs step {step}.");
        }
    }

    private static void RequireSpace(Span<byte> destination, int size)
    {
        if (destination.Length < size)
        {
            throw new ArgumentException($"The destination needs at least {size} bytes.", nameof(destination));
        }
    }
}
