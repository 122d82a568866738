namespace Nexus.Chain;

/// <summary>
/// The one exception Nexus.Chain decoders throw: the bytes are not the canonical Protocol Buffers
/// encoding of the expected message (README "Canonical encoding"), exceed a size bound, or carry a
/// field of the wrong length (hashes and keys 32 bytes, signatures 64). <c>TryDecode</c> methods never
/// throw and return false instead.
/// </summary>
public sealed class ChainFormatException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public ChainFormatException()
    {
    }

    /// <summary>Creates the exception with a reason.</summary>
    /// <param name="message">Why the input was rejected.</param>
    public ChainFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and the decoder's own error.</summary>
    /// <param name="message">Why the input was rejected.</param>
    /// <param name="innerException">The underlying Protocol Buffers error.</param>
    public ChainFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
