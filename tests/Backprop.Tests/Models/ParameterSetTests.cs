using Backprop.Models;
using Backprop.Tensors;

namespace Backprop.Tests.Models;

public class ParameterSetTests
{
    [Fact]
    public void CopyValuesFrom_ARefusal_CopiesNothing()
    {
        // W1 fits, then b1 has another shape: W1 used to be overwritten before b1 was refused.
        var target = new ParameterSet<double> { ["W1"] = NDArray<double>.Zeros(2, 3), ["b1"] = NDArray<double>.Zeros(3) };
        var source = new ParameterSet<double> { ["W1"] = NDArray<double>.Ones(2, 3), ["b1"] = NDArray<double>.Ones(4) };
        var e = Assert.Throws<ArgumentException>(() => target.CopyValuesFrom(source));
        Assert.Equal("source", e.ParamName);
        Assert.Contains("'b1' has shape (3,); the source has (4,)", e.Message);
        Assert.Equal(0.0, target["W1"].Sum());

        source["b1"] = NDArray<double>.Ones(3);
        target.CopyValuesFrom(source);
        Assert.Equal(9.0, target["W1"].Sum() + target["b1"].Sum());
    }

    [Fact]
    public void ANullEntry_IsNamed_NotANullReferenceException()
    {
        var set = new ParameterSet<double> { ["W1"] = NDArray<double>.Zeros(2), ["gamma1"] = null! };
        Assert.Contains("'gamma1' holds null", Assert.Throws<InvalidOperationException>(() => set.Copy()).Message);
        Assert.Contains("'gamma1' holds null", Assert.Throws<InvalidOperationException>(() => set.TotalSize).Message);
        var e = Assert.Throws<ArgumentException>(() => new ParameterSet<double> { ["W1"] = NDArray<double>.Zeros(2), ["gamma1"] = NDArray<double>.Zeros(2) }.CopyValuesFrom(set));
        Assert.Contains("'gamma1' is null", e.Message);
    }
}
