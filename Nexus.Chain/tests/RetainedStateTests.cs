namespace Nexus.Chain.Tests;

/// <summary>
/// State proofs against a recent header: the application keeps the last <see cref="ChainApplication.RetainedStates"/>
/// committed states, each matching its block's state root, and reports older heights as unavailable.
/// </summary>
public sealed class RetainedStateTests
{
    [Fact]
    public void Recent_states_prove_balances_against_their_own_headers_and_older_ones_are_gone()
    {
        var app = new ChainApplication(TestChain.Genesis()) { RetainedStates = 3 };
        var headers = new List<BlockHeader>();
        var sender = TestChain.Key(4).PublicKey;
        for (ulong i = 0; i < 6; i++)
        {
            Assert.Equal(AdmissionStatus.Accepted, app.Mempool.Add(TestChain.Transfer(4, 5, i, 100)));
            var (block, result) = app.CreateBlock(TestChain.Key(0).PublicKey, 1_800_000_001_000 + (1000 * (long)i));
            app.Commit(block, TestChain.CommitFor(block, 0, 1, 2), result);
            headers.Add(block.Header);
        }

        // Height 6 is current and 3–5 are retained; 2 is gone; 7 is in the future.
        for (ulong h = 3; h <= 6; h++)
        {
            Assert.True(app.TryGetState(h, out var state));
            var header = headers[(int)h - 1];
            Assert.Equal(header.StateRoot, state!.StateRoot);
            var proof = state.Accounts.Prove(sender);
            Assert.True(proof.Verify(header.StateRoot));
            Assert.Equal(h, proof.Account!.Value.Nonce); // h transfers sent by then
        }

        Assert.False(app.TryGetState(2, out _));
        Assert.False(app.TryGetState(7, out _));

        // A proof from an old state does not verify against the current root once the account changed.
        Assert.True(app.TryGetState(3, out var old));
        Assert.False(old!.Accounts.Prove(sender).Verify(headers[^1].StateRoot));
    }
}
