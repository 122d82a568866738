using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>
/// A Reticulum destination: a full name (<c>app.aspect…</c>), a type, and for SINGLE/GROUP the
/// owning identity; its <see cref="Hash"/> is derived as <see cref="DestinationHash"/> describes.
/// LINK destinations are addressed by their 16-byte link id instead (see <see cref="ForLink"/>).
/// </summary>
public sealed class Destination
{
    private readonly byte[] _nameHash;

    private Destination(string? fullName, DestinationType type, IdentityPublicKey? identity, byte[] nameHash, Hash128 hash)
    {
        FullName = fullName;
        Type = type;
        Identity = identity;
        _nameHash = nameHash;
        Hash = hash;
    }

    /// <summary>The full name (app name and aspects joined by dots); <see langword="null"/> for LINK.</summary>
    public string? FullName { get; }

    /// <summary>The destination type.</summary>
    public DestinationType Type { get; }

    /// <summary>The owning identity for SINGLE (and GROUP when given); otherwise <see langword="null"/>.</summary>
    public IdentityPublicKey? Identity { get; }

    /// <summary>The 10-byte name hash (empty for LINK).</summary>
    public ReadOnlySpan<byte> NameHash => _nameHash;

    /// <summary>The 16-byte destination hash.</summary>
    public Hash128 Hash { get; }

    /// <summary>A SINGLE destination owned by <paramref name="identity"/>.</summary>
    /// <param name="identity">The owner.</param>
    /// <param name="fullName">App name and aspects, e.g. <c>nexus.node</c>.</param>
    /// <returns>The destination; its hash is SHA-256(name hash ‖ identity hash)[0..16].</returns>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    public static Destination CreateSingle(IdentityPublicKey identity, string fullName)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var nameHash = DestinationHash.NameHash(fullName);
        return new Destination(fullName, DestinationType.Single, identity, nameHash, DestinationHash.FromNameHash(nameHash, identity.Hash));
    }

    /// <summary>A GROUP destination; with an identity hashed like SINGLE, without one like PLAIN.</summary>
    /// <param name="fullName">App name and aspects.</param>
    /// <param name="identity">The identity the group name is bound to, or <see langword="null"/>.</param>
    /// <returns>The destination.</returns>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    public static Destination CreateGroup(string fullName, IdentityPublicKey? identity = null)
    {
        var nameHash = DestinationHash.NameHash(fullName);
        var hash = identity is null ? DestinationHash.FromNameHash(nameHash) : DestinationHash.FromNameHash(nameHash, identity.Hash);
        return new Destination(fullName, DestinationType.Group, identity, nameHash, hash);
    }

    /// <summary>A PLAIN destination (no identity, unencrypted), e.g. <c>rnstransport.path.request</c>.</summary>
    /// <param name="fullName">App name and aspects.</param>
    /// <returns>The destination; its hash is SHA-256(name hash)[0..16].</returns>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    public static Destination CreatePlain(string fullName)
    {
        var nameHash = DestinationHash.NameHash(fullName);
        return new Destination(fullName, DestinationType.Plain, null, nameHash, DestinationHash.FromNameHash(nameHash));
    }

    /// <summary>A LINK destination addressed by its link id.</summary>
    /// <param name="linkId">The 16-byte link id.</param>
    /// <returns>The destination.</returns>
    public static Destination ForLink(Hash128 linkId) => new(null, DestinationType.Link, null, [], linkId);

    /// <summary>RNS's display name: <c>fullName.&lt;identity hexhash&gt;</c> when an identity is set, else the full name.</summary>
    public override string ToString() => Identity is null ? FullName ?? Hash.ToString() : $"{FullName}.{Identity.Hash}";
}
