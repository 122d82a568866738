namespace Nexus.Crypto;

/// <summary>The outcome of processing one <see cref="LinkHandshake"/> message.</summary>
public enum HandshakeStatus
{
    /// <summary>The message was valid; the handshake advanced.</summary>
    Ok = 0,

    /// <summary>The message has the wrong length for its position in the handshake.</summary>
    Malformed,

    /// <summary>The initiation names a protocol version this implementation does not speak (only 1).</summary>
    UnsupportedVersion,

    /// <summary>The peer's ephemeral X25519 key is a low-order point (the shared secret would be all zeros).</summary>
    InvalidEphemeralKey,

    /// <summary>The peer's identity public key is not 64 bytes of X25519 ‖ Ed25519.</summary>
    InvalidIdentity,

    /// <summary>The peer's Ed25519 signature over the transcript does not verify.</summary>
    BadSignature,

    /// <summary>The responder is not the identity the initiator expected to reach.</summary>
    UnexpectedPeer,
}
