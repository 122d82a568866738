using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>
/// Builds an RLP encoding (yellow paper, appendix B) into a growable buffer. Lists are opened with
/// <see cref="StartList"/> and closed with <see cref="EndList"/>, which inserts the list header once the
/// payload length is known. Not thread-safe.
/// </summary>
public sealed class RlpWriter
{
    private byte[] _buffer;
    private int _length;
    private int[] _listStarts = new int[8];
    private int _openLists;

    /// <summary>Creates a writer.</summary>
    /// <param name="initialCapacity">The initial buffer size in bytes.</param>
    public RlpWriter(int initialCapacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        _buffer = new byte[Math.Max(16, initialCapacity)];
    }

    /// <summary>The number of bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far (valid until the next write).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Writes a byte string.</summary>
    /// <param name="bytes">The payload.</param>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(Rlp.GetBytesEncodedLength(bytes));
        _length += Rlp.WriteBytes(_buffer.AsSpan(_length), bytes);
    }

    /// <summary>Writes an unsigned integer as minimal big-endian bytes (0 is the empty string).</summary>
    /// <param name="value">The integer.</param>
    public void WriteUInt64(ulong value)
    {
        Span<byte> buffer = stackalloc byte[8];
        WriteBytes(Rlp.ToMinimalBigEndian(value, buffer));
    }

    /// <summary>Writes a non-negative integer as minimal big-endian bytes (0 is the empty string).</summary>
    /// <param name="value">The integer, non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public void WriteBigInteger(BigInteger value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value.IsZero)
        {
            WriteBytes([]);
            return;
        }

        Span<byte> buffer = stackalloc byte[64];
        int n = value.GetByteCount(isUnsigned: true);
        if (n > buffer.Length)
        {
            WriteBytes(value.ToByteArray(isUnsigned: true, isBigEndian: true));
            return;
        }

        value.TryWriteBytes(buffer, out int written, isUnsigned: true, isBigEndian: true);
        WriteBytes(buffer.Slice(0, written));
    }

    /// <summary>Writes a 32-byte string.</summary>
    /// <param name="hash">The hash.</param>
    public void WriteHash32(Hash32 hash) => WriteBytes(hash.Bytes);

    /// <summary>Writes a 20-byte string, or the empty string for null (a contract-creation "to").</summary>
    /// <param name="address">The address or null.</param>
    public void WriteAddress(Address? address)
    {
        if (address is null)
        {
            WriteBytes([]);
        }
        else
        {
            WriteBytes(address.Value.Bytes);
        }
    }

    /// <summary>Copies an already-encoded item verbatim (not validated).</summary>
    /// <param name="encoded">One or more complete RLP items.</param>
    public void WriteEncoded(ReadOnlySpan<byte> encoded)
    {
        Ensure(encoded.Length);
        encoded.CopyTo(_buffer.AsSpan(_length));
        _length += encoded.Length;
    }

    /// <summary>Writes an item tree.</summary>
    /// <param name="item">The item.</param>
    public void Write(RlpItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!item.IsList)
        {
            WriteBytes(item.Bytes.Span);
            return;
        }

        StartList();
        foreach (RlpItem child in item.Items)
        {
            Write(child);
        }

        EndList();
    }

    /// <summary>Opens a list; items written until the matching <see cref="EndList"/> are its payload.</summary>
    public void StartList()
    {
        if (_openLists == _listStarts.Length)
        {
            Array.Resize(ref _listStarts, _listStarts.Length * 2);
        }

        _listStarts[_openLists++] = _length;
    }

    /// <summary>Closes the innermost open list and inserts its header.</summary>
    /// <exception cref="InvalidOperationException">No list is open.</exception>
    public void EndList()
    {
        if (_openLists == 0)
        {
            throw new InvalidOperationException("EndList without a matching StartList.");
        }

        int start = _listStarts[--_openLists];
        int payload = _length - start;
        int header = Rlp.GetHeaderLength(payload);
        Ensure(header);
        _buffer.AsSpan(start, payload).CopyTo(_buffer.AsSpan(start + header));
        Rlp.WriteHeader(_buffer.AsSpan(start), 0xc0, payload);
        _length += header;
    }

    /// <summary>Returns a copy of the encoding.</summary>
    /// <returns>The bytes written.</returns>
    /// <exception cref="InvalidOperationException">A list is still open.</exception>
    public byte[] ToArray()
    {
        if (_openLists != 0)
        {
            throw new InvalidOperationException("A list is still open.");
        }

        return _buffer.AsSpan(0, _length).ToArray();
    }

    /// <summary>Forgets everything written, keeping the buffer.</summary>
    public void Reset()
    {
        _length = 0;
        _openLists = 0;
    }

    private void Ensure(int extra)
    {
        if (_buffer.Length - _length < extra)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
        }
    }
}
