using System.Numerics;
using Nexus.Bridges.Evm;

namespace Nexus.Bridges.Tests;

public class BlockHeaderTests
{
    private static BlockHeader MainnetGenesis() => new()
    {
        ParentHash = Hash32.Zero,
        OmmersHash = Hash32.EmptyListHash,
        Beneficiary = Address.Zero,
        StateRoot = Hash32.Parse("0xd7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544"),
        TransactionsRoot = Hash32.EmptyTrieRoot,
        ReceiptsRoot = Hash32.EmptyTrieRoot,
        Difficulty = 17_179_869_184,
        Number = 0,
        GasLimit = 5000,
        GasUsed = 0,
        Timestamp = 0,
        ExtraData = Hex.Decode("0x11bbe8db4e347b4e8c937c1c8370e4b5ed33adb3db69cbdb7a38e1e50b1b82fa"),
        MixHash = Hash32.Zero,
        Nonce = Hex.Decode("0x0000000000000042"),
    };

    [Fact]
    public void Mainnet_genesis_header_hashes_to_the_known_block_hash()
    {
        BlockHeader genesis = MainnetGenesis();
        Assert.Equal("0xd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3", genesis.GetHash().ToString());
        BlockHeader decoded = BlockHeader.Decode(genesis.Encode());
        Assert.Equal(genesis.GetHash(), decoded.GetHash());
        Assert.Null(decoded.BaseFeePerGas);
    }

    [Fact]
    public void Optional_fork_fields_are_included_exactly_when_present()
    {
        BlockHeader london = new()
        {
            OmmersHash = Hash32.EmptyListHash,
            Number = 12_965_000,
            Nonce = new byte[8],
            BaseFeePerGas = 1_000_000_000,
        };
        BlockHeader prague = new()
        {
            OmmersHash = Hash32.EmptyListHash,
            Nonce = new byte[8],
            BaseFeePerGas = 7,
            WithdrawalsRoot = Hash32.EmptyTrieRoot,
            BlobGasUsed = 0,
            ExcessBlobGas = 0,
            ParentBeaconBlockRoot = Hash32.Zero,
            RequestsHash = Hash32.EmptyKeccak,
        };
        Assert.Equal(16, CountFields(london.Encode()));
        Assert.Equal(21, CountFields(prague.Encode()));
        BlockHeader again = BlockHeader.Decode(prague.Encode());
        Assert.Equal(Hash32.EmptyKeccak, again.RequestsHash);
        Assert.Equal(new BigInteger(7), again.BaseFeePerGas);

        BlockHeader gap = new() { Nonce = new byte[8], WithdrawalsRoot = Hash32.Zero };
        Assert.Throws<InvalidOperationException>(() => gap.Encode());
    }

    private static int CountFields(byte[] rlp) => Rlp.Decode(rlp).Items.Count;
}
