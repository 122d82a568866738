namespace Nexus.Bridges.Evm;

/// <summary>
/// Verifies Merkle Patricia Trie proofs (yellow paper, appendix D; the proof shape of EIP-1186
/// <c>eth_getProof</c>): a list of node RLPs, root first, each referenced by the Keccak-256 hash in its parent;
/// nodes shorter than 32 bytes are embedded in their parent and not listed.
/// </summary>
public static class TrieProof
{
    /// <summary>
    /// Walks <paramref name="proof"/> from <paramref name="rootHash"/> along <paramref name="key"/>'s nibbles.
    /// Never throws for malformed proofs: any node that does not hash to its reference, is not canonical RLP,
    /// has a bad shape (not 2 or 17 items, a bad hex-prefix path, a reference that is neither a 32-byte hash nor
    /// an embedded node) or any proof node left unused makes it return false.
    /// </summary>
    /// <param name="rootHash">The trusted root (e.g. a block's stateRoot or an account's storageRoot).</param>
    /// <param name="key">The trie key (for the state and storage tries: Keccak-256 of the address or the 32-byte slot).</param>
    /// <param name="proof">The proof nodes, root first.</param>
    /// <param name="value">The value stored under the key (the leaf's byte string), or null when the proof shows the key is absent.</param>
    /// <returns>true when the proof is valid (for inclusion or exclusion); false when it is invalid.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="proof"/> or one of its nodes is null.</exception>
    public static bool TryVerify(Hash32 rootHash, ReadOnlySpan<byte> key, IReadOnlyList<byte[]> proof, out byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(proof);
        value = null;
        if (proof.Count == 0)
        {
            // Only the empty trie has no nodes.
            return rootHash == Hash32.EmptyTrieRoot;
        }

        int keyNibbles = key.Length * 2;
        int position = 0;
        int next = 0;
        Span<byte> hash = stackalloc byte[32];
        ReadOnlySpan<byte> reference = rootHash.Bytes;
        bool referenceIsHash = true;
        ReadOnlySpan<byte> node = default;
        while (true)
        {
            if (referenceIsHash)
            {
                if (next >= proof.Count)
                {
                    return false;
                }

                byte[] candidate = proof[next++];
                ArgumentNullException.ThrowIfNull(candidate, nameof(proof));
                Keccak256.Hash(candidate, hash);
                if (!hash.SequenceEqual(reference))
                {
                    return false;
                }

                node = candidate;
            }
            else
            {
                node = reference;
            }

            if (Rlp.ReadHeader(node, out bool isList, out int offset, out int length) is not null || !isList || offset + length != node.Length)
            {
                return false;
            }

            ReadOnlySpan<byte> items = node.Slice(offset, length);
            if (!TrySplit(items, out int count, out ItemSpans parts))
            {
                return false;
            }

            if (count == 17)
            {
                if (position == keyNibbles)
                {
                    ReadOnlySpan<byte> branchValue = parts.Get(items, 16, out bool valueIsList);
                    if (valueIsList)
                    {
                        return false;
                    }

                    value = branchValue.IsEmpty ? null : branchValue.ToArray();
                    return next == proof.Count;
                }

                int nibble = HexPrefix.Nibble(key, position++);
                ReadOnlySpan<byte> child = parts.Get(items, nibble, out bool childIsList);
                if (!childIsList && child.IsEmpty)
                {
                    return next == proof.Count;
                }

                if (!TryChild(items, parts, nibble, childIsList, child, out reference, out referenceIsHash))
                {
                    return false;
                }

                continue;
            }

            if (count != 2)
            {
                return false;
            }

            ReadOnlySpan<byte> path = parts.Get(items, 0, out bool pathIsList);
            if (pathIsList || !HexPrefix.TryDecode(path, out bool leaf, out int pathNibbles))
            {
                return false;
            }

            bool matches = pathNibbles <= keyNibbles - position;
            for (int i = 0; matches && i < pathNibbles; i++)
            {
                matches = HexPrefix.PathNibble(path, i) == HexPrefix.Nibble(key, position + i);
            }

            ReadOnlySpan<byte> second = parts.Get(items, 1, out bool secondIsList);
            if (leaf)
            {
                if (secondIsList || second.IsEmpty)
                {
                    return false;
                }

                if (matches && position + pathNibbles == keyNibbles)
                {
                    value = second.ToArray();
                }

                return next == proof.Count;
            }

            if (pathNibbles == 0)
            {
                return false;
            }

            if (!matches)
            {
                return next == proof.Count;
            }

            position += pathNibbles;
            if (!TryChild(items, parts, 1, secondIsList, second, out reference, out referenceIsHash))
            {
                return false;
            }
        }
    }

    private static bool TryChild(ReadOnlySpan<byte> items, ItemSpans parts, int index, bool isList, ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> reference, out bool isHash)
    {
        if (isList)
        {
            // An embedded node: its whole encoding, which must be shorter than 32 bytes.
            reference = parts.GetEncoded(items, index);
            isHash = false;
            return reference.Length < 32;
        }

        reference = payload;
        isHash = true;
        return payload.Length == 32;
    }

    // Splits a node's list payload into at most 17 items without allocating.
    private static bool TrySplit(ReadOnlySpan<byte> items, out int count, out ItemSpans parts)
    {
        parts = default;
        count = 0;
        int position = 0;
        while (position < items.Length)
        {
            if (count == 17)
            {
                return false;
            }

            if (Rlp.ReadHeader(items.Slice(position), out bool isList, out int offset, out int length) is not null)
            {
                return false;
            }

            parts.Set(count++, position, offset, length, isList);
            position += offset + length;
        }

        return count is 2 or 17;
    }

    [System.Runtime.CompilerServices.InlineArray(17)]
    private struct Int17
    {
        private int _element;
    }

    private struct ItemSpans
    {
        private Int17 _starts;
        private Int17 _headers;
        private Int17 _lengths;

        public void Set(int i, int start, int offset, int length, bool isList)
        {
            _starts[i] = start;
            _headers[i] = isList ? -offset : offset;
            _lengths[i] = length;
        }

        public readonly ReadOnlySpan<byte> Get(ReadOnlySpan<byte> items, int i, out bool isList)
        {
            int header = _headers[i];
            isList = header < 0;
            return items.Slice(_starts[i] + Math.Abs(header), _lengths[i]);
        }

        public readonly ReadOnlySpan<byte> GetEncoded(ReadOnlySpan<byte> items, int i) =>
            items.Slice(_starts[i], Math.Abs(_headers[i]) + _lengths[i]);
    }
}
