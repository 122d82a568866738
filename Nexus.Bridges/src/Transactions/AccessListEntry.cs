namespace Nexus.Bridges.Evm;

/// <summary>One EIP-2930 access-list entry: an address and the storage keys (32-byte slots) the transaction pre-warms.
/// RLP: [address (20 bytes), [storageKey (32 bytes), ...]].</summary>
public sealed class AccessListEntry
{
    /// <summary>Creates an entry.</summary>
    /// <param name="address">The account.</param>
    /// <param name="storageKeys">The storage slots.</param>
    /// <exception cref="ArgumentNullException"><paramref name="storageKeys"/> is null.</exception>
    public AccessListEntry(Address address, IReadOnlyList<Hash32> storageKeys)
    {
        ArgumentNullException.ThrowIfNull(storageKeys);
        Address = address;
        StorageKeys = storageKeys.ToArray();
    }

    /// <summary>The account.</summary>
    public Address Address { get; }

    /// <summary>The storage slots, each 32 bytes.</summary>
    public IReadOnlyList<Hash32> StorageKeys { get; }
}
