using System.Runtime.CompilerServices;

namespace Nexus.Crypto;

/// <summary>32 inline bytes: the storage of the 32-byte value types (keys, signatures halves).</summary>
[InlineArray(32)]
internal struct Bytes32
{
    private byte _e0;

    public static Bytes32 Copy(ReadOnlySpan<byte> source)
    {
        Bytes32 value = default;
        source[..32].CopyTo(value);
        return value;
    }
}

/// <summary>64 inline bytes: the storage of signatures, VRF outputs and SHA-512 values.</summary>
[InlineArray(64)]
internal struct Bytes64
{
    private byte _e0;

    public static Bytes64 Copy(ReadOnlySpan<byte> source)
    {
        Bytes64 value = default;
        source[..64].CopyTo(value);
        return value;
    }
}

/// <summary>80 inline bytes: the storage of an ECVRF proof.</summary>
[InlineArray(80)]
internal struct Bytes80
{
    private byte _e0;

    public static Bytes80 Copy(ReadOnlySpan<byte> source)
    {
        Bytes80 value = default;
        source[..80].CopyTo(value);
        return value;
    }
}

/// <summary>Argument checks and hex helpers shared by the fixed-size value types.</summary>
internal static class FixedBytes
{
    public static void RequireLength(ReadOnlySpan<byte> bytes, int length, string typeName, string paramName)
    {
        if (bytes.Length != length)
        {
            throw new ArgumentException($"A {typeName} is {length} bytes; got {bytes.Length}.", paramName);
        }
    }

    public static void RequireDestination(Span<byte> destination, int length, string paramName)
    {
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination needs {length} bytes; got {destination.Length}.", paramName);
        }
    }

    /// <summary>Decodes exactly <paramref name="destination"/>.Length bytes of hex; false on any other length or a non-hex digit.</summary>
    public static bool TryDecodeHex(ReadOnlySpan<char> hex, Span<byte> destination)
    {
        return hex.Length == destination.Length * 2
            && Convert.FromHexString(hex, destination, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == destination.Length;
    }
}
