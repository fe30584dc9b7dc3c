using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Tests.Kernels;

/// <summary><see cref="PairwiseSum"/> against NumPy 1.24's <c>np.random.seed(0); np.random.randn(20000)[:n].sum()</c>.</summary>
public class PairwiseSumTests
{
    [Theory]
    [InlineData(7, 7.224209265441231)]       // fewer than 8: in turn
    [InlineData(100, 5.9808015534485)]       // eight running sums (in turn: 5.980801553448494)
    [InlineData(129, 18.057260878646467)]    // one split
    [InlineData(1000, -45.25670749019538)]
    [InlineData(8192, -128.55889109306764)]  // one buffer
    [InlineData(8193, -129.08780963765258)]  // a second buffer of one
    [InlineData(20000, -74.45714285321492)]  // in turn: -74.45714285321365
    public void Sums_AsNumPyDoes_BitForBit(int n, double numpy)
    {
        var a = new NumpyRandom(0u).Randn(20000);
        Assert.Equal(numpy, PairwiseSum.Of(a.AsSpan()[..n]));
    }
}
