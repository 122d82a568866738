using System.Buffers;

namespace Nexus.Mesh;

/// <summary>One TLV of the NEXUS announce extension: type u8, length u8 (≤ 255), value.</summary>
/// <param name="Type">The TLV type.</param>
/// <param name="Value">The value (at most 255 bytes).</param>
public readonly record struct NexusTlv(byte Type, ReadOnlyMemory<byte> Value);

/// <summary>
/// The NEXUS announce extension carried as RNS announce app_data (spec 01-mesh §3, decision D1):
/// <c>magic 0x4E ‖ version u8 ‖ CompactPathCost (6) ‖ TLV*</c> with TLV = <c>type u8 ‖ len u8 ‖
/// data[len]</c> repeated to the end; at least 8 bytes. Inside the signed announce it carries the
/// origin's <em>starting</em> path cost; relays never rewrite it (decision D2,
/// <c>docs/protocol/path-cost.md</c>). An announce whose app_data does not start with 0x4E is an
/// ordinary RNS announce and is still validated and relayed.
/// </summary>
public readonly ref struct NexusExtension
{
    /// <summary>The magic byte: 0x4E ('N').</summary>
    public const byte Magic = 0x4E;

    /// <summary>The version this implementation writes: 0x01.</summary>
    public const byte CurrentVersion = 0x01;

    /// <summary>Minimum size: magic 1 + version 1 + CompactPathCost 6 = 8 bytes.</summary>
    public const int MinimumSize = 8;

    private NexusExtension(byte version, CompactPathCost pathCost, ReadOnlySpan<byte> tlvs)
    {
        Version = version;
        PathCost = pathCost;
        Tlvs = tlvs;
    }

    /// <summary>The version byte.</summary>
    public byte Version { get; }

    /// <summary>The origin's starting path cost.</summary>
    public CompactPathCost PathCost { get; }

    /// <summary>The raw TLV region (validated: every TLV lies within it).</summary>
    public ReadOnlySpan<byte> Tlvs { get; }

    /// <summary>Parses app_data as a NEXUS extension. Never throws.</summary>
    /// <param name="appData">The announce's app_data.</param>
    /// <param name="extension">The view on success.</param>
    /// <returns><see langword="false"/> when the magic is absent, it is shorter than 8 bytes, or a TLV runs past the end.</returns>
    public static bool TryParse(ReadOnlySpan<byte> appData, out NexusExtension extension)
    {
        extension = default;
        if (appData.Length < MinimumSize || appData[0] != Magic || !CompactPathCost.TryRead(appData[2..], out var cost))
        {
            return false;
        }

        var tlvs = appData[MinimumSize..];
        var offset = 0;
        while (offset < tlvs.Length)
        {
            if (offset + 2 > tlvs.Length || offset + 2 + tlvs[offset + 1] > tlvs.Length)
            {
                return false;
            }

            offset += 2 + tlvs[offset + 1];
        }

        extension = new NexusExtension(appData[1], cost, tlvs);
        return true;
    }

    /// <summary>Parses app_data as a NEXUS extension; see <see cref="TryParse"/>.</summary>
    /// <param name="appData">The announce's app_data.</param>
    /// <returns>The extension.</returns>
    /// <exception cref="MeshFormatException">Not a well-formed extension.</exception>
    public static NexusExtension Parse(ReadOnlySpan<byte> appData) =>
        TryParse(appData, out var extension) ? extension : throw new MeshFormatException("Not a well-formed NEXUS announce extension.");

    /// <summary>Finds the first TLV of a type.</summary>
    /// <param name="type">The TLV type.</param>
    /// <param name="value">Its value on success.</param>
    /// <returns>Whether a TLV of that type is present.</returns>
    public bool TryGetTlv(byte type, out ReadOnlySpan<byte> value)
    {
        var offset = 0;
        while (offset + 2 <= Tlvs.Length)
        {
            var length = Tlvs[offset + 1];
            if (Tlvs[offset] == type)
            {
                value = Tlvs.Slice(offset + 2, length);
                return true;
            }

            offset += 2 + length;
        }

        value = default;
        return false;
    }

    /// <summary>All TLVs in order, copied out.</summary>
    /// <returns>The TLVs.</returns>
    public NexusTlv[] GetTlvs()
    {
        var list = new List<NexusTlv>();
        var offset = 0;
        while (offset + 2 <= Tlvs.Length)
        {
            var length = Tlvs[offset + 1];
            list.Add(new NexusTlv(Tlvs[offset], Tlvs.Slice(offset + 2, length).ToArray()));
            offset += 2 + length;
        }

        return [.. list];
    }

    /// <summary>Encodes an extension.</summary>
    /// <param name="writer">Destination.</param>
    /// <param name="pathCost">The origin's starting path cost.</param>
    /// <param name="tlvs">TLVs to append (each value ≤ 255 bytes).</param>
    /// <param name="version">The version byte (default 0x01).</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentException">A TLV value exceeds 255 bytes.</exception>
    public static int Write(IBufferWriter<byte> writer, CompactPathCost pathCost, ReadOnlySpan<NexusTlv> tlvs, byte version = CurrentVersion)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var size = MinimumSize;
        foreach (var tlv in tlvs)
        {
            if (tlv.Value.Length > byte.MaxValue)
            {
                throw new ArgumentException("A TLV value is at most 255 bytes.", nameof(tlvs));
            }

            size += 2 + tlv.Value.Length;
        }

        var span = writer.GetSpan(size);
        span[0] = Magic;
        span[1] = version;
        pathCost.WriteTo(span[2..]);
        var offset = MinimumSize;
        foreach (var tlv in tlvs)
        {
            span[offset] = tlv.Type;
            span[offset + 1] = (byte)tlv.Value.Length;
            tlv.Value.Span.CopyTo(span[(offset + 2)..]);
            offset += 2 + tlv.Value.Length;
        }

        writer.Advance(size);
        return size;
    }

    /// <summary>Encodes an extension into a new array.</summary>
    /// <param name="pathCost">The origin's starting path cost.</param>
    /// <param name="tlvs">TLVs to append.</param>
    /// <returns>The app_data bytes.</returns>
    /// <exception cref="ArgumentException">A TLV value exceeds 255 bytes.</exception>
    public static byte[] ToArray(CompactPathCost pathCost, params ReadOnlySpan<NexusTlv> tlvs)
    {
        var writer = new ArrayBufferWriter<byte>();
        Write(writer, pathCost, tlvs);
        return writer.WrittenSpan.ToArray();
    }
}
