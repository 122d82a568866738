namespace Nexus.Hosting;

/// <summary>
/// A control API call that failed: the node is not running (no socket, connection refused), the
/// connection broke, or the node answered with a JSON-RPC 2.0 error (<see cref="Code"/>).
/// </summary>
public sealed class ControlException : Exception
{
    /// <summary>JSON-RPC 2.0 error code: parse error.</summary>
    public const int ParseError = -32700;

    /// <summary>JSON-RPC 2.0 error code: invalid request.</summary>
    public const int InvalidRequest = -32600;

    /// <summary>JSON-RPC 2.0 error code: method not found.</summary>
    public const int MethodNotFound = -32601;

    /// <summary>JSON-RPC 2.0 error code: invalid params.</summary>
    public const int InvalidParams = -32602;

    /// <summary>JSON-RPC 2.0 error code: internal error.</summary>
    public const int InternalError = -32603;

    /// <summary>Our code for "no node is listening on the control socket" (not sent on the wire).</summary>
    public const int NotRunning = -32000;

    /// <summary>Creates the exception.</summary>
    /// <param name="code">The JSON-RPC error code, or <see cref="NotRunning"/>.</param>
    /// <param name="message">One line for the user.</param>
    /// <param name="innerException">The socket or JSON exception, if any.</param>
    public ControlException(int code, string message, Exception? innerException = null)
        : base(message, innerException) => Code = code;

    /// <summary>Creates the exception with <see cref="InternalError"/>.</summary>
    public ControlException()
        : this(InternalError, "Control call failed.")
    {
    }

    /// <summary>Creates the exception with <see cref="InternalError"/>.</summary>
    /// <param name="message">One line for the user.</param>
    public ControlException(string message)
        : this(InternalError, message)
    {
    }

    /// <summary>Creates the exception with <see cref="InternalError"/>.</summary>
    /// <param name="message">One line for the user.</param>
    /// <param name="innerException">The cause.</param>
    public ControlException(string message, Exception innerException)
        : this(InternalError, message, innerException)
    {
    }

    /// <summary>The JSON-RPC 2.0 error code (negative), or <see cref="NotRunning"/>.</summary>
    public int Code { get; }
}
