using System.Numerics;

namespace Nexus.Bridges.Evm;

/// <summary>
/// One storage slot's proof from EIP-1186 <c>eth_getProof</c>: the slot, its value and the storage-trie nodes from the
/// account's storageHash to the slot (trie key Keccak-256(slot as 32 bytes)).
/// </summary>
public sealed class StorageProof
{
    /// <summary>Creates a storage proof.</summary>
    /// <param name="key">The slot (32 bytes).</param>
    /// <param name="value">The claimed value (0 for an empty slot).</param>
    /// <param name="proof">The storage-trie nodes, root first.</param>
    public StorageProof(Hash32 key, BigInteger value, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        Key = key;
        Value = value;
        Proof = proof.ToArray();
    }

    /// <summary>The storage slot.</summary>
    public Hash32 Key { get; }

    /// <summary>The claimed slot value (0 when the slot is empty).</summary>
    public BigInteger Value { get; }

    /// <summary>The RLP of each storage-trie node on the path, root first.</summary>
    public IReadOnlyList<byte[]> Proof { get; }

    /// <summary>
    /// Verifies the claimed value against an account's storage root: a non-zero value must be included as
    /// RLP(value without leading zeros), a zero value must be proven absent.
    /// </summary>
    /// <param name="storageRoot">The account's storageHash (itself proven by <see cref="AccountProof.VerifyAccount"/>).</param>
    /// <returns>true when the proof holds; false for any invalid, tampered or inconsistent proof (never throws for bad proofs).</returns>
    public bool Verify(Hash32 storageRoot)
    {
        if (Value.Sign < 0 || Value.GetBitLength() > 256)
        {
            return false;
        }

        Span<byte> path = stackalloc byte[32];
        Keccak256.Hash(Key.Bytes, path);
        if (!TrieProof.TryVerify(storageRoot, path, Proof, out byte[]? leaf))
        {
            return false;
        }

        if (leaf is null)
        {
            return Value.IsZero;
        }

        var reader = new RlpReader(leaf);
        try
        {
            BigInteger stored = reader.ReadUInt256();
            reader.EnsureEnd();
            return !stored.IsZero && stored == Value;
        }
        catch (EvmFormatException)
        {
            return false;
        }
    }
}

/// <summary>
/// An account proof from EIP-1186 <c>eth_getProof</c>: the account fields, the state-trie nodes from a block's stateRoot
/// to the account (trie key Keccak-256(address), leaf RLP([nonce, balance, storageRoot, codeHash])) and any storage proofs.
/// </summary>
public sealed class AccountProof
{
    /// <summary>Creates an account proof.</summary>
    /// <param name="address">The account.</param>
    /// <param name="nonce">The claimed nonce.</param>
    /// <param name="balance">The claimed balance, in wei.</param>
    /// <param name="storageHash">The claimed storage root.</param>
    /// <param name="codeHash">The claimed code hash.</param>
    /// <param name="proof">The state-trie nodes, root first.</param>
    /// <param name="storageProofs">The storage proofs.</param>
    public AccountProof(Address address, ulong nonce, BigInteger balance, Hash32 storageHash, Hash32 codeHash, IReadOnlyList<byte[]> proof, IReadOnlyList<StorageProof> storageProofs)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(storageProofs);
        Address = address;
        Nonce = nonce;
        Balance = balance;
        StorageHash = storageHash;
        CodeHash = codeHash;
        Proof = proof.ToArray();
        StorageProofs = storageProofs.ToArray();
    }

    /// <summary>The account.</summary>
    public Address Address { get; }

    /// <summary>The claimed nonce.</summary>
    public ulong Nonce { get; }

    /// <summary>The claimed balance, in wei.</summary>
    public BigInteger Balance { get; }

    /// <summary>The claimed storage root.</summary>
    public Hash32 StorageHash { get; }

    /// <summary>The claimed code hash (Keccak-256 of the code).</summary>
    public Hash32 CodeHash { get; }

    /// <summary>The RLP of each state-trie node on the path, root first.</summary>
    public IReadOnlyList<byte[]> Proof { get; }

    /// <summary>The storage proofs requested with the account.</summary>
    public IReadOnlyList<StorageProof> StorageProofs { get; }

    /// <summary>
    /// Verifies the account fields against a state root. An existing account's leaf must equal
    /// RLP([nonce, balance, storageHash, codeHash]); an absent account must be proven absent and claim nonce 0, balance 0,
    /// and an empty (or zero) storage root and code hash.
    /// </summary>
    /// <param name="stateRoot">A trusted block's stateRoot.</param>
    /// <returns>true when the proof holds; false for any invalid, tampered or inconsistent proof (never throws for bad proofs).</returns>
    public bool VerifyAccount(Hash32 stateRoot)
    {
        Span<byte> path = stackalloc byte[32];
        Keccak256.Hash(Address.Bytes, path);
        if (!TrieProof.TryVerify(stateRoot, path, Proof, out byte[]? leaf))
        {
            return false;
        }

        if (leaf is null)
        {
            return Nonce == 0 && Balance.IsZero
                && (StorageHash == Hash32.EmptyTrieRoot || StorageHash == Hash32.Zero)
                && (CodeHash == Hash32.EmptyKeccak || CodeHash == Hash32.Zero);
        }

        try
        {
            var outer = new RlpReader(leaf);
            RlpReader fields = outer.ReadList();
            outer.EnsureEnd();
            bool ok = fields.ReadUInt64() == Nonce
                & fields.ReadUInt256() == Balance
                & fields.ReadHash32() == StorageHash
                & fields.ReadHash32() == CodeHash;
            fields.EnsureEnd();
            return ok;
        }
        catch (EvmFormatException)
        {
            return false;
        }
    }

    /// <summary>Verifies the account against <paramref name="stateRoot"/> and every storage proof against its storageHash.</summary>
    /// <param name="stateRoot">A trusted block's stateRoot.</param>
    /// <returns>true when all proofs hold.</returns>
    public bool Verify(Hash32 stateRoot)
    {
        if (!VerifyAccount(stateRoot))
        {
            return false;
        }

        foreach (StorageProof storage in StorageProofs)
        {
            if (!storage.Verify(StorageHash))
            {
                return false;
            }
        }

        return true;
    }
}
