using Backprop.Tensors;

namespace Backprop.Tests.Tensors;

/// <summary>The stream of NumPy 1.24's legacy RandomState, value for value.</summary>
public class NumpyRandomTests
{
    [Fact]
    public void Randn_Seed42_MatchesNumpy()
    {
        var r = new NumpyRandom(42).Randn(5);
        Assert.Equal([0.4967141530112327, -0.13826430117118466, 0.6476885381006925, 1.5230298564080254, -0.23415337472333597], r.AsSpan());
    }

    [Fact]
    public void Randn_Seed0_MatchesNumpy()
    {
        var r = new NumpyRandom(0).Randn(4);
        Assert.Equal([1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458], r.AsSpan());
    }

    [Fact]
    public void Randn_MaxSeed_MatchesNumpy()
    {
        var r = new NumpyRandom(4294967295L).Randn(2);
        Assert.Equal([0.6484086742306527, 0.6693235306338161], r.AsSpan());
    }

    [Fact]
    public void Rand_Seed0_MatchesNumpy()
    {
        var r = new NumpyRandom(0).Rand(3);
        Assert.Equal([0.5488135039273248, 0.7151893663724195, 0.6027633760716439], r.AsSpan());
    }

    [Fact]
    public void RandintAndChoice_Seed0_MatchNumpy()
    {
        int[] expected = [4, 0, 3, 3, 3, 1, 3, 2, 4, 0];
        Assert.Equal(expected, new NumpyRandom(0).Randint(0, 5, 10));
        Assert.Equal(expected, new NumpyRandom(0).Choice(5, 10));
    }

    [Fact]
    public void Choice_Seed231_MatchesNumpy()
    {
        Assert.Equal([33968, 47764, 22985], new NumpyRandom(231).Choice(49000, 3));
    }

    [Fact]
    public void Permutation_Seed0_MatchesNumpy()
    {
        Assert.Equal([2, 8, 4, 9, 1, 6, 7, 3, 0, 5], new NumpyRandom(0).Permutation(10));
    }

    [Fact]
    public void Reseeding_ForgetsCachedGaussian()
    {
        var r = new NumpyRandom(0);
        r.NextGaussian();                     // leaves the pair's second value cached
        r.Seed(0);
        Assert.Equal(1.764052345967664, r.NextGaussian());
    }

    [Fact]
    public void State_RoundTrips_MidStream()
    {
        var a = new NumpyRandom(7);
        a.Randn(3);                           // odd count: a Gaussian is cached
        var state = a.GetState();
        var expected = a.Randn(5).AsSpan();
        var b = new NumpyRandom(1);
        b.SetState(state);
        Assert.Equal(expected, b.Randn(5).AsSpan());
    }

    /// <summary>MT19937 as the reference C code writes it, one word at a time.</summary>
    private static IEnumerable<uint> ReferenceMt19937(uint seed)
    {
        var mt = new uint[624];
        for (int i = 0; i < 624; i++)
        {
            mt[i] = seed;
            seed = 1812433253U * (seed ^ (seed >> 30)) + (uint)i + 1;
        }
        while (true)
        {
            for (int k = 0; k < 624; k++)
            {
                uint y = (mt[k] & 0x80000000U) | (mt[(k + 1) % 624] & 0x7fffffffU);
                mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfU : 0);
            }
            for (int k = 0; k < 624; k++)
            {
                uint y = mt[k];
                y ^= y >> 11;
                y ^= (y << 7) & 0x9d2c5680U;
                y ^= (y << 15) & 0xefc60000U;
                y ^= y >> 18;
                yield return y;
            }
        }
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(231u)]
    [InlineData(4294967295u)]
    public void Words_MatchTheReferenceMt19937_OverSeveralRegenerations(uint seed)
    {
        var r = new NumpyRandom(seed);
        int i = 0;
        foreach (uint want in ReferenceMt19937(seed).Take(5 * 624 + 7))
        {
            uint got = r.NextUInt32();
            Assert.True(want == got, $"seed {seed}, word {i}: {got}, want {want}");
            i++;
        }
    }

    [Fact]
    public void NextDoubles_GivesTheValuesOfNextDouble_FromAnyPosition()
    {
        var bulk = new NumpyRandom(5);
        var single = new NumpyRandom(5);
        // Odd word positions (a lone NextUInt32), pairs straddling a regeneration, lengths below and past a vector.
        foreach (int n in new[] { 1, 7, 8, 9, 311, 1000, 2000, 3 })
        {
            bulk.NextUInt32();
            single.NextUInt32();
            var got = new double[n];
            bulk.NextDoubles(got);
            for (int i = 0; i < n; i++)
            {
                double want = single.NextDouble();
                Assert.True(BitConverter.DoubleToInt64Bits(want) == BitConverter.DoubleToInt64Bits(got[i]), $"length {n}, value {i}: {got[i]}, want {want}");
            }
        }
        Assert.Equal(single.NextUInt32(), bulk.NextUInt32());
        var f = new float[777];
        bulk.FillUniform<float>(f);
        for (int i = 0; i < f.Length; i++) Assert.Equal((float)single.NextDouble(), f[i]);
    }

    [Fact]
    public void SeedOutOfRange_IsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NumpyRandom(-1L));
        Assert.Contains("2**32", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumpyRandom(1L << 32));
    }

    [Fact]
    public void Randint_EmptyRange_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new NumpyRandom(0).Randint(3, 3, 1));
    }
}
