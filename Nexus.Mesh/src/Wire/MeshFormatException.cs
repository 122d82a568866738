namespace Nexus.Mesh;

/// <summary>
/// The one exception the Nexus.Mesh parsers throw (from their <c>Parse</c> methods; the matching
/// <c>TryParse</c> methods return <see langword="false"/> instead): the input is not a well-formed
/// Reticulum packet, announce, frame or NEXUS extension.
/// </summary>
public sealed class MeshFormatException : FormatException
{
    /// <summary>Creates the exception with a default message.</summary>
    public MeshFormatException()
        : base("Malformed mesh data.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">What was malformed.</param>
    public MeshFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the cause.</summary>
    /// <param name="message">What was malformed.</param>
    /// <param name="innerException">The underlying error.</param>
    public MeshFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
