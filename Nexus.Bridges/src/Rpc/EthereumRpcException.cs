namespace Nexus.Bridges.Evm;

/// <summary>
/// A JSON-RPC error object returned by the node (JSON-RPC 2.0 section 5.1): for example -32000 for a reverted call or a
/// rejected transaction, -32601 for an unknown method. Not retried.
/// </summary>
public sealed class EthereumRpcException : Exception
{
    /// <summary>Creates the exception with no details.</summary>
    public EthereumRpcException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public EthereumRpcException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public EthereumRpcException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception from an error object.</summary>
    /// <param name="code">The JSON-RPC error code.</param>
    /// <param name="message">The error message.</param>
    /// <param name="data">The raw JSON of the optional "data" member (e.g. revert data), or null.</param>
    public EthereumRpcException(int code, string message, string? data)
        : base($"JSON-RPC error {code}: {message}")
    {
        Code = code;
        RpcMessage = message;
        Data = data;
    }

    /// <summary>The JSON-RPC error code.</summary>
    public int Code { get; }

    /// <summary>The node's error message.</summary>
    public string? RpcMessage { get; }

    /// <summary>The raw JSON of the error's "data" member (often hex revert data), or null.</summary>
    public new string? Data { get; }
}
