using System.Numerics;
using System.Text;
using System.Text.Json;
using Nexus.Bridges.Evm;
using Nexus.Bridges.Tests.Support;

namespace Nexus.Bridges.Tests;

public class RlpVectorTests
{
    public static TheoryData<string> ValidNames() => Names("RLPTests/rlptest.json");

    public static TheoryData<string> InvalidNames() => Names("RLPTests/invalidRLPTest.json");

    private static TheoryData<string> Names(string file)
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector(file)));
        foreach (JsonProperty p in doc.RootElement.EnumerateObject())
        {
            data.Add(p.Name);
        }

        return data;
    }

    private static JsonElement Case(string file, string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector(file)));
        return doc.RootElement.GetProperty(name).Clone();
    }

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void Valid_vector_encodes_and_decodes(string name)
    {
        JsonElement c = Case("RLPTests/rlptest.json", name);
        byte[] expected = Hex.Decode(c.GetProperty("out").GetString()!);
        RlpItem item = ToItem(c.GetProperty("in"));

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(Rlp.Encode(item)));
        RlpItem decoded = Rlp.Decode(expected);
        Assert.True(Rlp.IsValid(expected));
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(Rlp.Encode(decoded)));
        AssertSame(item, decoded);
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Invalid_vector_is_rejected_by_every_decoder(string name)
    {
        JsonElement c = Case("RLPTests/invalidRLPTest.json", name);
        byte[] bytes = Hex.Decode(c.GetProperty("out").GetString()!);

        Assert.Throws<EvmFormatException>(() => Rlp.Decode(bytes));
        Assert.False(Rlp.IsValid(bytes));
        Assert.False(Rlp.TryDecode(bytes, out _));
        Assert.Throws<EvmFormatException>(() => ReadAllWithReader(bytes));
    }

    // Walks the whole input with the span reader, requiring exactly one item.
    private static void ReadAllWithReader(byte[] bytes)
    {
        var reader = new RlpReader(bytes);
        Walk(ref reader);
        reader.EnsureEnd();

        static void Walk(ref RlpReader r)
        {
            if (r.PeekIsList())
            {
                RlpReader inner = r.ReadList();
                while (inner.HasMore)
                {
                    Walk(ref inner);
                }
            }
            else
            {
                r.ReadBytes();
            }
        }
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_rejected()
    {
        byte[] nested = [0xc0];
        for (int i = 0; i < 10; i++)
        {
            nested = Rlp.EncodeList(nested);
        }

        Assert.NotNull(Rlp.Decode(nested, maxDepth: 10));
        Assert.Throws<EvmFormatException>(() => Rlp.Decode(nested, maxDepth: 9));
        Assert.False(Rlp.IsValid(nested, 9));
        Assert.True(Rlp.IsValid(nested, 10));
    }

    [Fact]
    public void Integers_with_leading_zeros_are_rejected()
    {
        Assert.Throws<EvmFormatException>(() => new RlpReader([0x82, 0x00, 0x01]).ReadUInt64());
        Assert.Throws<EvmFormatException>(() => Rlp.Decode([0x82, 0x00, 0x01]).AsUInt64());
        Assert.Equal(0x0401UL, new RlpReader([0x82, 0x04, 0x01]).ReadUInt64());
        Assert.Throws<EvmFormatException>(() => new RlpReader(Rlp.EncodeBytes(new byte[9] { 1, 0, 0, 0, 0, 0, 0, 0, 0 })).ReadUInt64());
    }

    private static RlpItem ToItem(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => RlpItem.FromList(e.EnumerateArray().Select(ToItem).ToArray()),
        JsonValueKind.Number => RlpItem.FromUInt64(e.GetUInt64()),
        JsonValueKind.String when e.GetString()!.StartsWith('#') => RlpItem.FromBigInteger(BigInteger.Parse(e.GetString()!.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)),
        JsonValueKind.String => RlpItem.FromBytes(Encoding.Latin1.GetBytes(e.GetString()!)),
        _ => throw new InvalidOperationException("unexpected vector element"),
    };

    private static void AssertSame(RlpItem expected, RlpItem actual)
    {
        Assert.Equal(expected.IsList, actual.IsList);
        Assert.Equal(expected.Bytes.ToArray(), actual.Bytes.ToArray());
        Assert.Equal(expected.Items.Count, actual.Items.Count);
        for (int i = 0; i < expected.Items.Count; i++)
        {
            AssertSame(expected.Items[i], actual.Items[i]);
        }
    }
}
