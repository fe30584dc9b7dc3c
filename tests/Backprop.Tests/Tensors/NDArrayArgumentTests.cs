using Backprop.Tensors;

namespace Backprop.Tests.Tensors;

/// <summary>A null or empty argument to NDArray's public methods is refused by name, not as a NullReferenceException inside.</summary>
public class NDArrayArgumentTests
{
    public static TheoryData<string, Action> NullArguments => new()
    {
        { "values", () => NDArray<double>.Vector(null!) },
        { "other", () => new NDArray<double>(2, 3).SameShape(null!) },
        { "shape", () => new NDArray<double>(2, 3).HasShape(null!) },
        { "index", () => new NDArray<double>(2, 3).At(null!) },
        { "shape", () => NDArray<double>.FromArray([1.0, 2.0], null!) },
        { "like", () => new Workspace().RentLike<double>(null!) },
    };

    [Theory]
    [MemberData(nameof(NullArguments))]
    public void Null_IsArgumentNullException_NamingTheParameter(string parameter, Action call)
    {
        var e = Assert.Throws<ArgumentNullException>(call);
        Assert.Equal(parameter, e.ParamName);
    }

    [Fact]
    public void ArgMaxRows_OfEmptyRows_SaysSo()
    {
        // np.argmax(np.zeros((3, 0)), axis=1) raises too; before, the span check deep inside named a parameter 'values'.
        var e = Assert.Throws<InvalidOperationException>(() => new NDArray<double>(3, 0).ArgMaxRows());
        Assert.Contains("(3, 0)", e.Message);
        Assert.Empty(new NDArray<double>(0, 3).ArgMaxRows());
    }

    [Fact]
    public void SliceRows_NamesTheArgumentAtFault()
    {
        // A negative start was refused as 'count'.
        var x = new NDArray<double>(4, 2);
        Assert.Equal("start", Assert.Throws<ArgumentOutOfRangeException>(() => x.SliceRows(-1, 2)).ParamName);
        Assert.Equal("start", Assert.Throws<ArgumentOutOfRangeException>(() => x.SliceRows(5, 0)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => x.SliceRows(3, 2)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => x.SliceRows(0, -1)).ParamName);
    }
}
