using System.Numerics;
using System.Text;
using System.Text.Json;
using CsCheck;
using Nexus.Bridges.Evm;
using Nexus.Bridges.Tests.Support;

namespace Nexus.Bridges.Tests;

public class AbiTests
{
    public static TheoryData<string> VectorNames()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector("ABITests/basic_abi_tests.json")));
        foreach (JsonProperty p in doc.RootElement.EnumerateObject())
        {
            data.Add(p.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Basic_abi_vector_encodes_and_decodes(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector("ABITests/basic_abi_tests.json")));
        JsonElement c = doc.RootElement.GetProperty(name);
        AbiType[] types = c.GetProperty("types").EnumerateArray().Select(t => AbiType.Parse(t.GetString()!)).ToArray();
        object?[] args = c.GetProperty("args").EnumerateArray().Zip(types, ToValue).ToArray();
        string expected = c.GetProperty("result").GetString()!;

        byte[] encoded = AbiCodec.Encode(types, args);
        Assert.Equal(expected, Convert.ToHexStringLower(encoded));
        object?[] decoded = AbiCodec.Decode(types, encoded);
        Assert.Equal(Convert.ToHexStringLower(encoded), Convert.ToHexStringLower(AbiCodec.Encode(types, decoded)));
    }

    private static object? ToValue(JsonElement e, AbiType type) => type.Kind switch
    {
        AbiTypeKind.UInt or AbiTypeKind.Int => BigInteger.Parse(e.GetRawText(), System.Globalization.CultureInfo.InvariantCulture),
        AbiTypeKind.Address => Address.Parse(e.GetString()!),
        AbiTypeKind.Bool => e.GetBoolean(),
        AbiTypeKind.FixedBytes or AbiTypeKind.Bytes => Encoding.ASCII.GetBytes(e.GetString()!),
        AbiTypeKind.String => e.GetString(),
        AbiTypeKind.Array => e.EnumerateArray().Select(x => ToValue(x, type.ElementType!)).ToArray(),
        _ => throw new InvalidOperationException(),
    };

    [Theory]
    [InlineData("transfer(address,uint256)", "a9059cbb")]
    [InlineData("balanceOf(address)", "70a08231")]
    [InlineData("approve(address,uint256)", "095ea7b3")]
    public void Function_selectors_match_known_values(string signature, string selector)
    {
        string name = signature[..signature.IndexOf('(')];
        AbiType tuple = AbiType.Parse(signature[name.Length..]);
        var f = new AbiFunction(name, tuple.Components.Select(t => new AbiParameter("", t)).ToArray(), []);
        Assert.Equal(signature, f.Signature);
        Assert.Equal(selector, Convert.ToHexStringLower(f.Selector.Span));
    }

    private const string Erc20Like = """
    [
      {"type":"constructor","inputs":[{"name":"supply","type":"uint256"}],"stateMutability":"nonpayable"},
      {"type":"function","name":"transfer","inputs":[{"name":"to","type":"address"},{"name":"amount","type":"uint256"}],"outputs":[{"name":"","type":"bool"}],"stateMutability":"nonpayable"},
      {"type":"function","name":"batch","inputs":[{"name":"orders","type":"tuple[]","components":[{"name":"who","type":"address"},{"name":"tags","type":"string[]"}]}],"outputs":[],"stateMutability":"nonpayable"},
      {"type":"event","name":"Transfer","anonymous":false,"inputs":[{"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},{"name":"value","type":"uint256","indexed":false}]},
      {"type":"event","name":"Note","anonymous":false,"inputs":[{"name":"tag","type":"string","indexed":true},{"name":"text","type":"string","indexed":false}]},
      {"type":"error","name":"Nope","inputs":[]}
    ]
    """;

    [Fact]
    public void Json_abi_gives_signatures_topics_and_tuple_types()
    {
        ContractAbi abi = ContractAbi.Parse(Erc20Like);
        Assert.Equal("transfer(address,uint256)", abi.GetFunction("transfer").Signature);
        Assert.Equal("batch((address,string[])[])", abi.GetFunction("batch").Signature);
        Assert.Equal("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef", abi.GetEvent("Transfer").Topic.ToString());
        Assert.Single(abi.ConstructorInputs);
        Assert.Same(abi.GetEvent("Note"), abi.FindEvent(abi.GetEvent("Note").Topic));
    }

    [Fact]
    public void Event_log_decodes_indexed_topics_and_data()
    {
        ContractAbi abi = ContractAbi.Parse(Erc20Like);
        AbiEvent transfer = abi.GetEvent("Transfer");
        Address from = Address.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        Address to = Address.Parse("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359");
        Hash32[] topics = [transfer.Topic, AbiCodec.EncodeTopic(AbiType.Parse("address"), from), AbiCodec.EncodeTopic(AbiType.Parse("address"), to)];
        byte[] data = AbiCodec.Encode([AbiType.Parse("uint256")], [new BigInteger(1000)]);
        object?[] values = transfer.DecodeLog(topics, data);
        Assert.Equal(from, values[0]);
        Assert.Equal(to, values[1]);
        Assert.Equal(new BigInteger(1000), values[2]);

        AbiEvent note = abi.GetEvent("Note");
        Hash32 tagHash = Keccak256.Hash("tag"u8);
        object?[] noteValues = note.DecodeLog([note.Topic, tagHash], AbiCodec.Encode([AbiType.Parse("string")], ["hello"]));
        Assert.Equal(tagHash, noteValues[0]);
        Assert.Equal("hello", noteValues[1]);
        Assert.Throws<EvmFormatException>(() => transfer.DecodeLog([note.Topic, tagHash], data));
    }

    [Fact]
    public void Nested_dynamic_tuples_round_trip()
    {
        AbiFunction batch = ContractAbi.Parse(Erc20Like).GetFunction("batch");
        Address who = Address.Parse("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB");
        object?[] orders = [new object?[] { who, new object?[] { "a", "bc", "" } }, new object?[] { Address.Zero, Array.Empty<object?>() }];
        byte[] call = batch.EncodeCall([orders]);
        object?[] decoded = batch.DecodeCall(call);
        var first = (object?[])((object?[])decoded[0]!)[0]!;
        Assert.Equal(who, first[0]);
        Assert.Equal(new object?[] { "a", "bc", "" }, (object?[])first[1]!);
        Assert.Equal(call, batch.EncodeCall(decoded));
    }

    [Fact]
    public void Signed_integers_round_trip_and_out_of_range_values_are_rejected()
    {
        AbiType int8 = AbiType.Parse("int8");
        Gen.Int[-128, 127].Sample(v =>
        {
            byte[] e = AbiCodec.Encode([int8], [v]);
            Assert.Equal(new BigInteger(v), AbiCodec.Decode([int8], e)[0]);
        });
        Assert.Throws<ArgumentException>(() => AbiCodec.Encode([int8], [128]));
        Assert.Throws<ArgumentException>(() => AbiCodec.Encode([AbiType.Parse("uint8")], [256]));
        // A uint8 word with a high byte set does not decode.
        byte[] dirty = new byte[32];
        dirty[0] = 1;
        Assert.Throws<EvmFormatException>(() => AbiCodec.Decode([AbiType.Parse("uint8")], dirty));
        Assert.Throws<EvmFormatException>(() => AbiCodec.Decode([AbiType.Parse("bool")], dirty));
    }

    [Fact]
    public void Huge_length_fields_fail_without_allocating_them()
    {
        // bytes with length 2^31-1 and uint256[] with a length of 2^31-1 in 96 bytes of data.
        byte[] data = new byte[96];
        data[31] = 0x20;
        data[32 + 28] = 0x7f;
        data[32 + 29] = 0xff;
        data[32 + 30] = 0xff;
        data[32 + 31] = 0xff;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<EvmFormatException>(() => AbiCodec.Decode([AbiType.Parse("bytes")], data));
        Assert.Throws<EvmFormatException>(() => AbiCodec.Decode([AbiType.Parse("uint256[]")], data));
        Assert.Throws<EvmFormatException>(() => AbiCodec.Decode([AbiType.Parse("uint256[][]")], data));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 100_000);
    }

    [Fact]
    public void Random_and_mutated_abi_data_only_throws_the_format_exception()
    {
        AbiType[] types = [AbiType.Parse("(uint256,bytes,string[])[]"), AbiType.Parse("bytes32"), AbiType.Parse("address[2]")];
        byte[] valid = AbiCodec.Encode(types, [new object?[] { new object?[] { BigInteger.One, new byte[40], new object?[] { "x", "yz" } } }, new byte[32], new object?[] { Address.Zero, Address.Zero }]);
        var rng = new Random(1);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input = (byte[])valid.Clone();
            for (int m = rng.Next(1, 4); m > 0; m--)
            {
                input[rng.Next(input.Length)] = (byte)rng.Next(256);
            }

            try
            {
                AbiCodec.Decode(types, input);
            }
            catch (EvmFormatException)
            {
            }
        }
    }
}
