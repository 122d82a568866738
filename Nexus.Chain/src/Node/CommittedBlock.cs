namespace Nexus.Chain;

/// <summary>
/// A block that consensus finalized and the node applied: the block, the commit (its +2/3 precommits,
/// Tendermint's seen commit) and one receipt per transaction in block order. Raised by
/// <see cref="ChainApplication.Committed"/> and <see cref="ChainNode.BlockCommitted"/> after the block
/// was written to the <see cref="BlockStore"/> (when the node has one) and the committed state advanced.
/// </summary>
/// <param name="Block">The finalized block.</param>
/// <param name="Commit">The precommits that finalized it.</param>
/// <param name="Receipts">Receipts, one per transaction of <paramref name="Block"/>, same order.</param>
public sealed record CommittedBlock(Block Block, Commit Commit, IReadOnlyList<Receipt> Receipts)
{
    /// <summary>Height of <see cref="Block"/> (≥ 1).</summary>
    public ulong Height => Block.Height;
}
