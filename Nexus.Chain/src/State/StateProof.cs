using Google.Protobuf;
using Nexus.Chain.Protos;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>
/// A <see cref="StateTree"/> proof for one account: the sibling hashes along the account key's path,
/// root first, down to a terminal that is either empty, the account's own leaf (inclusion), or another
/// account's leaf whose key shares the path prefix (exclusion). Light clients and bridges verify it
/// against a header's state_root. Wire form: StateProofProto (README "State proofs").
/// </summary>
public sealed class StateProof
{
    private static readonly MessageParser<StateProofProto> Parser = Canonical.Strict(StateProofProto.Parser);
    private readonly Hash256[] _siblings;

    /// <summary>Creates a proof from its parts.</summary>
    /// <param name="address">The account the proof is about.</param>
    /// <param name="account">The account for an inclusion proof; null for an exclusion proof.</param>
    /// <param name="siblings">Sibling hashes root first, at most 256.</param>
    /// <param name="leafKey">Key of the terminal leaf, or null for an empty terminal.</param>
    /// <param name="leafValueHash">Value hash of the terminal leaf, or null for an empty terminal.</param>
    public StateProof(Ed25519PublicKey address, Account? account, Hash256[] siblings, Hash256? leafKey, Hash256? leafValueHash)
    {
        ArgumentNullException.ThrowIfNull(siblings);
        if (siblings.Length > ChainLimits.MaxProofDepth || (leafKey is null) != (leafValueHash is null))
        {
            throw new ArgumentException("At most 256 siblings; leaf key and value hash come together.");
        }

        Address = address;
        Account = account;
        _siblings = siblings;
        LeafKey = leafKey;
        LeafValueHash = leafValueHash;
    }

    /// <summary>The account this proof is about.</summary>
    public Ed25519PublicKey Address { get; }

    /// <summary>The proven account (inclusion) or null (exclusion).</summary>
    public Account? Account { get; }

    /// <summary>Sibling hashes along the path, root first.</summary>
    public ReadOnlySpan<Hash256> Siblings => _siblings;

    /// <summary>Key of the terminal leaf, or null if the path ends in an empty subtree.</summary>
    public Hash256? LeafKey { get; }

    /// <summary>Value hash of the terminal leaf, or null.</summary>
    public Hash256? LeafValueHash { get; }

    /// <summary>
    /// Checks the proof against a state root. An inclusion proof holds if the terminal leaf is the
    /// account's key with its value hash; an exclusion proof holds if the terminal is empty or a leaf
    /// with a different key that shares the first <c>Siblings.Length</c> key bits.
    /// </summary>
    /// <param name="stateRoot">A header's state root.</param>
    /// <returns>True if the proof is valid for <see cref="Address"/> and <see cref="Account"/>.</returns>
    public bool Verify(in Hash256 stateRoot)
    {
        var key = StateTree.KeyOf(Address);
        Hash256 current;
        if (Account is { } account)
        {
            if (LeafKey != key || LeafValueHash != account.ValueHash)
            {
                return false;
            }

            current = StateTree.HashLeaf(key, account.ValueHash);
        }
        else if (LeafKey is { } other)
        {
            if (other == key)
            {
                return false;
            }

            for (int i = 0; i < _siblings.Length; i++)
            {
                if (StateTree.Bit(other, i) != StateTree.Bit(key, i))
                {
                    return false;
                }
            }

            current = StateTree.HashLeaf(other, LeafValueHash!.Value);
        }
        else
        {
            current = Hash256.Zero;
        }

        for (int depth = _siblings.Length - 1; depth >= 0; depth--)
        {
            current = StateTree.Bit(key, depth) ? StateTree.HashBranch(_siblings[depth], current) : StateTree.HashBranch(current, _siblings[depth]);
        }

        return current == stateRoot;
    }

    /// <summary>The canonical StateProofProto encoding.</summary>
    /// <returns>A new array.</returns>
    public byte[] Encode()
    {
        var proto = new StateProofProto { Address = Canonical.From(Address) };
        if (Account is { } a)
        {
            proto.Account = new AccountProto { Balance = a.Balance, Nonce = a.Nonce };
        }

        foreach (var s in _siblings)
        {
            proto.Siblings.Add(Canonical.From(s));
        }

        if (LeafKey is { } k)
        {
            proto.LeafKey = Canonical.From(k);
            proto.LeafValueHash = Canonical.From(LeafValueHash!.Value);
        }

        return proto.ToByteArray();
    }

    /// <summary>Decodes a canonical StateProofProto.</summary>
    /// <param name="data">At most 16 KiB.</param>
    /// <returns>The proof (not yet verified).</returns>
    /// <exception cref="ChainFormatException">Malformed, not canonical, or bad field lengths.</exception>
    public static StateProof Decode(ReadOnlySpan<byte> data)
    {
        var p = Canonical.Parse(Parser, data, 16 * 1024);
        if (!Canonical.IsKey(p.Address) || p.Siblings.Count > ChainLimits.MaxProofDepth || p.Siblings.Any(s => !Canonical.IsHash(s))
            || p.LeafKey.IsEmpty != p.LeafValueHash.IsEmpty || !(p.LeafKey.IsEmpty || (Canonical.IsHash(p.LeafKey) && Canonical.IsHash(p.LeafValueHash))))
        {
            throw new ChainFormatException("state proof: bad field lengths");
        }

        return new StateProof(
            new Ed25519PublicKey(p.Address.Span),
            p.Account is null ? null : new Account(p.Account.Balance, p.Account.Nonce),
            p.Siblings.Select(s => new Hash256(s.Span)).ToArray(),
            p.LeafKey.IsEmpty ? null : new Hash256(p.LeafKey.Span),
            p.LeafValueHash.IsEmpty ? null : new Hash256(p.LeafValueHash.Span));
    }
}
