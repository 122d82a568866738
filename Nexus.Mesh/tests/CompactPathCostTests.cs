using CsCheck;

namespace Nexus.Mesh.Tests;

public class CompactPathCostTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 16)]
    [InlineData(2, 25)]
    [InlineData(5, 41)]
    [InlineData(10, 55)]
    [InlineData(50, 91)]
    [InlineData(100, 107)]
    [InlineData(1000, 159)]
    [InlineData(1e6, 319)]
    public void Cost_encodes_to_the_spec_table(double cost, int expected) => Assert.Equal(expected, CompactPathCost.EncodeCost(cost));

    [Theory]
    [InlineData(1, 0)]
    [InlineData(300, 66)]
    [InlineData(1000, 80)]
    [InlineData(1e4, 106)]
    [InlineData(5e4, 125)]
    [InlineData(1e6, 159)]
    [InlineData(1e8, 213)]
    [InlineData(1e9, 239)]
    public void Bandwidth_encodes_to_the_spec_table(double bps, int expected) => Assert.Equal(expected, CompactPathCost.EncodeBandwidth(bps));

    [Fact]
    public void Worked_examples_from_the_spec_hold()
    {
        Assert.Equal(1024, CompactPathCost.DecodeBandwidth(80), 6);
        Assert.Equal(4.907, CompactPathCost.DecodeCost(41), 3);
        var relayed = new CompactPathCost(41, 20, 125, 0).AddHop(3, 15, 1e6);
        Assert.Equal(50, relayed.CumulativeCost);
        Assert.Equal(7.72, relayed.CostMicroNxsPerByte, 2);
        Assert.Equal(20, relayed.WorstLatencyMs);
        Assert.Equal(125, relayed.BottleneckBandwidth);
        Assert.Equal(1, relayed.HopCount);
        var slower = relayed.AddHop(0, 400, 300);
        Assert.Equal(400, slower.WorstLatencyMs);
        Assert.Equal(66, slower.BottleneckBandwidth);
    }

    [Fact]
    public void Encodings_saturate_instead_of_wrapping_and_round_half_away_from_zero()
    {
        Assert.Equal(255, CompactPathCost.EncodeBandwidth(10e9));
        Assert.Equal(ushort.MaxValue, CompactPathCost.EncodeCost(double.PositiveInfinity));
        Assert.Equal(0, CompactPathCost.EncodeBandwidth(0));
        Assert.Equal(0, CompactPathCost.EncodeCost(-5));
        Assert.Equal(0, CompactPathCost.EncodeCost(double.NaN));
        // 8·log2(2^(10.5/8)) = 10.5 exactly: away from zero gives 11 (banker's would give 10).
        Assert.Equal(11, CompactPathCost.EncodeBandwidth(Math.Pow(2, 10.5 / 8)));
        Assert.Equal(byte.MaxValue, new CompactPathCost(0, 0, 0, 255).AddHop(0, 0, 1).HopCount);
        Assert.Equal(ushort.MaxValue, new CompactPathCost(0, 0, 0, 0).AddHop(0, 100_000, 1).WorstLatencyMs);
    }

    [Fact]
    public void Six_byte_encoding_round_trips_little_endian()
    {
        var cost = new CompactPathCost(0x0100, 0xEEFF, 0xDD, 0xCC);
        var bytes = new byte[6];
        cost.WriteTo(bytes);
        Assert.Equal(Convert.FromHexString("0001ffeeddcc"), bytes);
        Assert.True(CompactPathCost.TryRead(bytes, out var back));
        Assert.Equal(cost, back);
        Assert.False(CompactPathCost.TryRead(bytes.AsSpan(0, 5), out _));
        Gen.Select(Gen.UShort, Gen.UShort, Gen.Byte, Gen.Byte).Sample((a, b, c, d) =>
        {
            var v = new CompactPathCost(a, b, c, d);
            var buf = new byte[6];
            v.WriteTo(buf);
            return CompactPathCost.TryRead(buf, out var r) && r == v;
        });
    }

    [Fact]
    public void Decode_then_encode_is_identity_and_relay_cost_never_decreases()
    {
        Gen.UShort[0, 4000].Sample(e => CompactPathCost.EncodeCost(CompactPathCost.DecodeCost(e)) == e);
        Gen.Byte.Sample(e => e == 0 || CompactPathCost.EncodeBandwidth(CompactPathCost.DecodeBandwidth(e)) == e);
        Gen.Select(Gen.UShort[0, 2000], Gen.Double[0, 1000]).Sample((enc, add) =>
            new CompactPathCost(enc, 0, 100, 0).AddHop(add, 0, 1e6).CumulativeCost >= enc);
    }
}
