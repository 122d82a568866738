namespace Nexus.Hosting;

/// <summary>
/// A node that cannot start for a reason the operator can fix: a corrupt or unreadable identity
/// file, a port in use, another node already using the data directory. The message is one line
/// that says what and where; nothing on disk was changed.
/// </summary>
public sealed class NodeStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line: what failed, where, and how to fix it.</param>
    public NodeStartException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">One line: what failed, where, and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public NodeStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public NodeStartException()
        : base("The node could not start.")
    {
    }
}
