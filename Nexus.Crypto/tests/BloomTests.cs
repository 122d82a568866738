using System.Buffers.Binary;
using CsCheck;

namespace Nexus.Crypto.Tests;

public class BloomTests
{
    private static byte[] Item(long i)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, i);
        return b;
    }

    [Theory]
    [InlineData(10_000, 0.01)]
    [InlineData(1_000, 0.05)]
    [InlineData(50_000, 0.001)]
    [InlineData(20_000, 0.0001)]
    public void Measured_false_positive_rate_over_100k_non_members_is_within_1_5x_of_target(int n, double p)
    {
        var filter = BloomFilter.ForCapacity(n, p, "round-7"u8);
        for (int i = 0; i < n; i++)
        {
            filter.Add(Item(i));
        }

        for (int i = 0; i < n; i++)
        {
            Assert.True(filter.MayContain(Item(i)));
        }

        int falsePositives = 0;
        const int Trials = 100_000;
        for (long i = 0; i < Trials; i++)
        {
            if (filter.MayContain(Item(1_000_000_000 + i)))
            {
                falsePositives++;
            }
        }

        double rate = (double)falsePositives / Trials;
        Assert.True(rate <= 1.5 * p, $"measured {rate:P4} vs target {p:P4} (m={filter.BitCount}, k={filter.HashCount})");
    }

    [Fact]
    public void Sizing_follows_the_optimal_formulas()
    {
        // n = 10,000, p = 1 %: m = ceil(95,850.58...) rounded up to 64 -> 95,872; k = round(6.64) = 7.
        Assert.Equal(95_872, BloomFilter.OptimalBitCount(10_000, 0.01));
        var f = BloomFilter.ForCapacity(10_000, 0.01);
        Assert.Equal(7, f.HashCount);
        // The spec's epoch filter: p = 0.01 % gives k = 13.
        Assert.Equal(13, BloomFilter.ForCapacity(1_000, 0.0001).HashCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => BloomFilter.ForCapacity(0, 0.01));
        Assert.Throws<ArgumentOutOfRangeException>(() => BloomFilter.ForCapacity(10, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BloomFilter.ForCapacity(int.MaxValue, 1e-9));
        Assert.Throws<ArgumentException>(() => new BloomFilter(64, 3, new byte[65]));
    }

    [Fact]
    public void Different_salts_give_independent_positions()
    {
        var a = BloomFilter.ForCapacity(1_000, 0.01, BitConverter.GetBytes(1L));
        var b = BloomFilter.ForCapacity(1_000, 0.01, BitConverter.GetBytes(2L));
        a.Add("item"u8);
        b.Add("item"u8);
        Assert.NotEqual(a.ToArray().AsSpan(7 + 8).ToArray(), b.ToArray().AsSpan(7 + 8).ToArray());

        // A false positive under one salt is, in general, not one under the next.
        var one = BloomFilter.ForCapacity(100, 0.05, "1"u8);
        var two = BloomFilter.ForCapacity(100, 0.05, "2"u8);
        for (int i = 0; i < 100; i++)
        {
            one.Add(Item(i));
            two.Add(Item(i));
        }

        var fp1 = Enumerable.Range(1000, 20_000).Where(i => one.MayContain(Item(i))).ToHashSet();
        var fp2 = Enumerable.Range(1000, 20_000).Where(i => two.MayContain(Item(i))).ToHashSet();
        Assert.NotEmpty(fp1);
        Assert.True(fp1.Intersect(fp2).Count() < fp1.Count / 4);
    }

    [Fact]
    public void Union_contains_both_sets_and_requires_matching_parameters()
    {
        var a = BloomFilter.ForCapacity(1_000, 0.01, "s"u8);
        var b = BloomFilter.ForCapacity(1_000, 0.01, "s"u8);
        for (int i = 0; i < 500; i++)
        {
            a.Add(Item(i));
            b.Add(Item(i + 500));
        }

        a.UnionWith(b);
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(a.MayContain(Item(i)));
        }

        Assert.Throws<ArgumentException>(() => a.UnionWith(BloomFilter.ForCapacity(1_000, 0.01, "t"u8)));
        Assert.Throws<ArgumentException>(() => a.UnionWith(BloomFilter.ForCapacity(2_000, 0.01, "s"u8)));
    }

    [Fact]
    public void Serialization_round_trips_and_rejects_malformed_input()
    {
        var f = BloomFilter.ForCapacity(300, 0.01, "salt"u8);
        for (int i = 0; i < 300; i++)
        {
            f.Add(Item(i));
        }

        var bytes = f.ToArray();
        var g = BloomFilter.Parse(bytes);
        Assert.Equal(f.BitCount, g.BitCount);
        Assert.Equal(f.HashCount, g.HashCount);
        Assert.Equal(bytes, g.ToArray());
        for (int i = 0; i < 300; i++)
        {
            Assert.True(g.MayContain(Item(i)));
        }

        Assert.False(BloomFilter.TryParse(bytes.AsSpan(0, bytes.Length - 1), out _));
        Assert.False(BloomFilter.TryParse([.. bytes, 0], out _));
        var huge = bytes.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(huge.AsSpan(2), 0xFFFF_FFC0); // claims 4 Gbit: refused before any allocation
        Assert.False(BloomFilter.TryParse(huge, out _));
        var zeroK = bytes.ToArray();
        zeroK[1] = 0;
        Assert.False(BloomFilter.TryParse(zeroK, out _));
        Assert.Throws<FormatException>(() => BloomFilter.Parse([2, 3]));

        Gen.Byte.Array[0, 100].Sample(junk =>
        {
            if (BloomFilter.TryParse(junk, out var parsed))
            {
                Assert.Equal(junk, parsed!.ToArray());
            }
        }, iter: 2000);
    }
}
