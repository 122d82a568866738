namespace Nexus.Hosting;

/// <summary>
/// A configuration file that cannot be used: unreadable, not valid TOML/JSON, or a value of the
/// wrong type or out of range. <see cref="Exception.Message"/> is one line naming the file, the
/// setting (for example <c>interfaces[1].listen</c>) and, for syntax errors, the line and column.
/// </summary>
public sealed class NodeConfigException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    /// <param name="message">One line: file, setting, what is wrong.</param>
    public NodeConfigException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a one-line message and its cause.</summary>
    /// <param name="message">One line: file, setting, what is wrong.</param>
    /// <param name="innerException">The parser's or file system's exception.</param>
    public NodeConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public NodeConfigException()
        : base("The node configuration is invalid.")
    {
    }
}
