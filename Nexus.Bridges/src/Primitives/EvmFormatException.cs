namespace Nexus.Bridges.Evm;

/// <summary>
/// The one exception the Nexus.Bridges EVM parsers throw for malformed input: RLP that is not
/// canonical or is truncated, ABI data that is out of range or inconsistent, hex strings and
/// JSON-RPC payloads that do not have the documented shape. Parsers never throw anything else
/// for bad input (programmer errors such as a null argument still throw <see cref="ArgumentException"/>).
/// </summary>
public sealed class EvmFormatException : FormatException
{
    /// <summary>Creates the exception with no message.</summary>
    public EvmFormatException()
    {
    }

    /// <summary>Creates the exception with a message describing what was malformed.</summary>
    /// <param name="message">What was malformed and where.</param>
    public EvmFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    /// <param name="message">What was malformed and where.</param>
    /// <param name="innerException">The cause.</param>
    public EvmFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
