using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>
/// Remembers announces whose signature and destination hash already validated, so copies of the
/// same announce heard from other neighbours skip the Ed25519 verification. Keyed by the RNS packet
/// hash (which covers the destination hash, context byte and the whole announce body but not hops or
/// transport id) plus the context flag (which decides whether the body carries a ratchet and so what
/// was signed): two packets with equal keys carry the same signed bytes and the same verdict.
/// Direct-mapped, fixed size (no growth), positives only, thread-safe.
/// </summary>
internal sealed class ValidatedAnnounceCache
{
    private readonly Hash256[] _hashes;
    private readonly byte[] _flags;
    private readonly int _mask;
    private readonly Lock _gate = new();

    /// <summary>Creates a cache.</summary>
    /// <param name="slots">Number of slots, rounded up to a power of two (at least 16).</param>
    public ValidatedAnnounceCache(int slots)
    {
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, slots));
        _hashes = new Hash256[size];
        _flags = new byte[size];
        _mask = size - 1;
    }

    /// <summary>Whether an announce with this packet hash and context flag validated before.</summary>
    public bool Contains(in Hash256 packetHash, bool contextFlag)
    {
        var slot = Slot(packetHash);
        lock (_gate)
        {
            return _flags[slot] == Flag(contextFlag) && _hashes[slot] == packetHash;
        }
    }

    /// <summary>Records a valid announce (evicting whatever held its slot).</summary>
    public void Add(in Hash256 packetHash, bool contextFlag)
    {
        var slot = Slot(packetHash);
        lock (_gate)
        {
            _hashes[slot] = packetHash;
            _flags[slot] = Flag(contextFlag);
        }
    }

    private static byte Flag(bool contextFlag) => contextFlag ? (byte)2 : (byte)1;

    private int Slot(in Hash256 packetHash) => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(packetHash.AsSpan()) & _mask;
}
