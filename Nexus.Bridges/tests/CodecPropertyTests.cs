using System.Numerics;
using CsCheck;
using Nexus.Bridges.Evm;

namespace Nexus.Bridges.Tests;

public class CodecPropertyTests
{
    private static readonly Gen<RlpItem> ItemGen = Gen.Recursive<RlpItem>((depth, self) =>
        depth >= 4
            ? Gen.Byte.Array[0, 80].Select(b => RlpItem.FromBytes(b))
            : Gen.Frequency(
                (3, Gen.Byte.Array[0, 80].Select(b => RlpItem.FromBytes(b))),
                (1, self.Array[0, 5].Select(RlpItem.FromList))));

    [Fact]
    public void Rlp_encode_then_decode_is_the_identity()
    {
        ItemGen.Sample(item =>
        {
            byte[] encoded = Rlp.Encode(item);
            Assert.True(Rlp.IsValid(encoded));
            Assert.Equal(encoded, Rlp.Encode(Rlp.Decode(encoded)));
        }, iter: 3000);
    }

    [Fact]
    public void Rlp_integers_round_trip_through_writer_reader_and_items()
    {
        Gen.ULong.Sample(value =>
        {
            var writer = new RlpWriter();
            writer.WriteUInt64(value);
            writer.WriteBigInteger(value);
            byte[] encoded = writer.ToArray();
            Assert.Equal(Rlp.EncodeUInt64(value), encoded.AsSpan(0, encoded.Length / 2).ToArray());
            var reader = new RlpReader(encoded);
            Assert.Equal(value, reader.ReadUInt64());
            Assert.Equal(new BigInteger(value), reader.ReadUInt256());
            reader.EnsureEnd();
            Assert.Equal(value, Rlp.Decode(Rlp.EncodeUInt64(value)).AsUInt64());
        });
    }

    [Fact]
    public void Rlp_writer_lists_match_the_static_encoder_across_the_56_byte_boundary()
    {
        for (int n = 0; n < 70; n++)
        {
            byte[] payload = Enumerable.Range(0, n).Select(i => (byte)(0x80 + i % 100)).ToArray();
            var writer = new RlpWriter(1);
            writer.StartList();
            writer.WriteBytes(payload);
            writer.StartList();
            writer.EndList();
            writer.EndList();
            Assert.Equal(Rlp.EncodeList(Rlp.EncodeBytes(payload), Rlp.EncodeList()), writer.ToArray());
        }

        Assert.Throws<InvalidOperationException>(() => new RlpWriter().EndList());
        var open = new RlpWriter();
        open.StartList();
        Assert.Throws<InvalidOperationException>(() => open.ToArray());
    }

    [Fact]
    public void Trie_root_is_independent_of_insertion_order_and_deletion_restores_it()
    {
        Gen.Select(Gen.Byte.Array[1, 6], Gen.Byte.Array[1, 40]).Array[1, 40].Sample(pairs =>
        {
            var forward = new MerklePatriciaTrie();
            var backward = new MerklePatriciaTrie();
            foreach ((byte[] k, byte[] v) in pairs)
            {
                forward.Put(k, v);
            }

            var last = new Dictionary<string, byte[]>();
            foreach ((byte[] k, byte[] v) in pairs)
            {
                last[Convert.ToHexString(k)] = v;
            }

            foreach (var (k, v) in last.Reverse())
            {
                backward.Put(Convert.FromHexString(k), v);
            }

            Assert.Equal(forward.RootHash, backward.RootHash);
            Hash32 before = forward.RootHash;
            byte[] extra = [0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99];
            forward.Put(extra, [1]);
            Assert.NotEqual(before, forward.RootHash);
            Assert.True(forward.Remove(extra));
            Assert.Equal(before, forward.RootHash);
            Assert.False(forward.Remove(extra));
        }, iter: 300);
    }

    [Theory]
    [InlineData("0x", "")]
    [InlineData("0x0", "00")]
    [InlineData("0xABcd", "abcd")]
    [InlineData("abc", "0abc")]
    public void Hex_decodes_data_with_optional_prefix(string text, string expected)
    {
        Assert.Equal(expected, Convert.ToHexStringLower(Hex.Decode(text)));
    }

    [Theory]
    [InlineData("0x")]
    [InlineData("12")]
    [InlineData("0xg")]
    [InlineData("0x1_0")]
    public void Quantities_without_prefix_or_digits_are_rejected(string text)
    {
        Assert.Throws<EvmFormatException>(() => Hex.DecodeQuantityUInt64(text));
        Assert.Throws<EvmFormatException>(() => Hex.DecodeQuantity(text));
    }

    [Fact]
    public void Quantities_round_trip()
    {
        Gen.ULong.Sample(v => Assert.Equal(v, Hex.DecodeQuantityUInt64(Hex.EncodeQuantity(v))));
        BigInteger max = (BigInteger.One << 256) - 1;
        Assert.Equal(max, Hex.DecodeQuantity(Hex.EncodeQuantity(max)));
        Assert.Throws<EvmFormatException>(() => Hex.DecodeQuantity(Hex.EncodeQuantity(max + 1)));
        Assert.Equal("0x0", Hex.EncodeQuantity(BigInteger.Zero));
    }

    [Theory]
    [InlineData("uint")]
    [InlineData("uint7")]
    [InlineData("uint264")]
    [InlineData("bytes0")]
    [InlineData("bytes33")]
    [InlineData("int08")]
    [InlineData("fixed128x18")]
    [InlineData("(uint256")]
    [InlineData("uint256[")]
    [InlineData("uint256[01]")]
    [InlineData("address]")]
    public void Bad_abi_type_names_are_rejected_and_uint_alias_is_canonicalised(string text)
    {
        if (text == "uint")
        {
            Assert.Equal("uint256", AbiType.Parse(text).CanonicalName);
            return;
        }

        Assert.Throws<EvmFormatException>(() => AbiType.Parse(text));
    }

    [Fact]
    public void Abi_type_shapes_are_reported()
    {
        AbiType t = AbiType.Parse("(uint8,bytes32)[3]");
        Assert.False(t.IsDynamic);
        Assert.Equal(192, t.HeadSize);
        Assert.True(AbiType.Parse("(uint8,string)").IsDynamic);
        Assert.Equal(32, AbiType.Parse("uint256[]").HeadSize);
        Assert.Equal("(uint256,(address,bytes)[])[2]", AbiType.Parse("(uint,(address,bytes)[])[2]").CanonicalName);
    }

    [Fact]
    public void Block_parameter_writes_quantities_and_tags()
    {
        Assert.Equal("0x1b4", ((BlockParameter)436UL).ToString());
        Assert.Equal("latest", BlockParameter.Latest.ToString());
        Assert.Equal("finalized", BlockParameter.Finalized.ToString());
        Assert.Equal(BlockParameter.FromUInt64(5), (BlockParameter)5UL);
        Assert.Equal("latest", default(BlockParameter).ToString());
    }

    [Fact]
    public void Hash32_and_address_parse_strictly()
    {
        Assert.False(Hash32.TryParse("0x1234", out _));
        Assert.False(Hash32.TryParse("0x" + new string('z', 64), out _));
        Assert.Throws<EvmFormatException>(() => Address.Parse("0x1234"));
        Assert.Equal(Address.Zero, Address.Parse("0x0000000000000000000000000000000000000000"));
        Assert.Equal(Hash32.Zero, new Hash32(new byte[32]));
        Assert.Throws<ArgumentException>(() => new Hash32(new byte[31]));
    }

    [Fact]
    public void Rsv_signatures_reject_bad_v_and_length()
    {
        Assert.Throws<EvmFormatException>(() => EcdsaSignature.FromRsv(new byte[64]));
        byte[] rsv = new byte[65];
        rsv[64] = 29;
        Assert.Throws<EvmFormatException>(() => EcdsaSignature.FromRsv(rsv));
        rsv[64] = 1;
        Assert.Equal(1, EcdsaSignature.FromRsv(rsv).YParity);
    }
}
