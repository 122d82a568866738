using System.Text;
using CsCheck;
using Nexus.Bridges.Evm;
using Org.BouncyCastle.Crypto.Digests;

namespace Nexus.Bridges.Tests;

public class KeccakTests
{
    [Theory]
    [InlineData("", "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")]
    [InlineData("abc", "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")]
    [InlineData("transfer(address,uint256)", "0xa9059cbb2ab09eb219583f4a59a5d0623ade346d962bcd4e46b11da047c9049b")]
    [InlineData("Transfer(address,address,uint256)", "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")]
    public void Keccak256_known_answers(string input, string expected)
    {
        Assert.Equal(expected, Keccak256.Hash(Encoding.ASCII.GetBytes(input)).ToString());
    }

    [Fact]
    public void Empty_string_hash_is_the_empty_code_hash()
    {
        Assert.Equal(Hash32.EmptyKeccak, Keccak256.Hash([]));
        Assert.Equal(Hash32.EmptyTrieRoot, Keccak256.Hash([0x80]));
        Assert.Equal(Hash32.EmptyListHash, Keccak256.Hash([0xc0]));
    }

    [Fact]
    public void Matches_BouncyCastle_for_every_length_around_the_rate()
    {
        Gen.Byte.Array[0, 700].Sample(data =>
        {
            var digest = new KeccakDigest(256);
            digest.BlockUpdate(data, 0, data.Length);
            var expected = new byte[32];
            digest.DoFinal(expected, 0);
            Assert.Equal(expected, Keccak256.Hash(data).ToArray());
        }, iter: 2000);
    }
}
