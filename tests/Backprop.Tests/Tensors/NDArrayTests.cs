using Backprop.Tensors;

namespace Backprop.Tests.Tensors;

public class NDArrayTests
{
    [Fact]
    public void Linspace_MatchesNumpy()
    {
        var a = NDArray<double>.Linspace(-0.5, 0.5, 12);
        Assert.Equal(-0.5, a[0]);
        Assert.Equal(0.5, a[11]);
        Assert.Equal(-0.5 + 3 * (1.0 / 11), a[3]);
    }

    [Fact]
    public void Reshape_SharesBuffer_AndInfersDimension()
    {
        var a = NDArray<float>.Linspace(0, 23, 24);
        var b = a.Reshape(2, -1, 4);
        Assert.Equal("(2, 3, 4)", b.ShapeString);
        b.At(1, 2, 3) = 100f;
        Assert.Equal(100f, a[23]);
        Assert.Equal("(2, 12)", b.Flatten2D().ShapeString);
    }

    [Fact]
    public void SliceRows_CopiesRowsOfTheFirstAxis_AndTakeTraining_IsSmallData()
    {
        var x = NDArray<double>.Linspace(0, 23, 24).Reshape(4, 2, 3);
        var rows = x.SliceRows(1, 2);                 // x[1:3].copy()
        Assert.Equal([2, 2, 3], rows.ShapeArray());
        Assert.Equal(6.0, rows.Flat(0));
        Assert.Equal(17.0, rows.Flat(11));
        rows.Flat(0) = -1;
        Assert.Equal(6.0, x.Flat(6));                 // a copy, not a view
        Assert.Equal([0, 2, 3], x.SliceRows(4, 0).ShapeArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => x.SliceRows(3, 2));

        var data = new Backprop.Data.Dataset<double>(x, [0, 1, 2, 3], x, [3, 2, 1, 0]) { ClassNames = ["a", "b", "c", "d"] };
        var small = data.TakeTraining(3);
        Assert.Equal([3, 2, 3], small.XTrain.ShapeArray());
        Assert.Equal([0, 1, 2], small.YTrain);
        Assert.Same(data.XVal, small.XVal);
        Assert.Equal(data.ClassNames, small.ClassNames);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.TakeTraining(5));
    }

    [Fact]
    public void Reshape_WrongSize_NamesBothShapes()
    {
        var a = new NDArray<double>(2, 3);
        var e = Assert.Throws<ArgumentException>(() => a.Reshape(4, 2));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 2)", e.Message);
        // Two inferred sizes, or another negative one, name both shapes too (NumPy: "can only specify one unknown dimension").
        e = Assert.Throws<ArgumentException>(() => a.Reshape(-1, -1));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(-1, -1)", e.Message);
        e = Assert.Throws<ArgumentException>(() => a.Reshape(2, -3));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("-3", e.Message);
    }

    [Fact]
    public void FromArray_WrongCount_IsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => NDArray<double>.FromArray(new double[5], 2, 3));
        Assert.Contains("(2, 3)", e.Message);
    }

    [Fact]
    public void Statistics_MatchNumpy()
    {
        var a = NDArray<double>.FromRows([[1, 2, 3], [4, 5, 7]]);
        Assert.Equal(22, a.Sum());
        Assert.Equal(22 / 6.0, a.Mean(), 14);
        Assert.Equal(1.9720265943665387, a.Std(), 14);     // np.std([1,2,3,4,5,7])
        Assert.Equal([2, 2], a.ArgMaxRows());
    }

    [Fact]
    public void Indexing_OutOfRange_Throws()
    {
        var a = new NDArray<double>(2, 3);
        Assert.Throws<IndexOutOfRangeException>(() => a[2, 0]);
        Assert.Throws<InvalidOperationException>(() => a[0]);
    }

    [Fact]
    public void Workspace_ReusesSlots_AcrossResets()
    {
        var ws = new Workspace();
        var a1 = ws.Rent<float>(3, 4);
        var b1 = ws.Rent<float>(5);
        ws.Reset();
        Assert.Same(a1, ws.Rent<float>(3, 4));
        Assert.Same(b1, ws.Rent<float>(5));
        ws.Reset();
        var smaller = ws.Rent<float>(2, 4);
        Assert.Same(a1.Buffer, smaller.Buffer);                     // a smaller batch reuses the buffer
        Assert.Equal(a1.Offset, smaller.Offset);
    }

    [Fact]
    public unsafe void WorkspaceSlots_StartOnACacheLine_WhateverTheirSize()
    {
        // Threads write a slot's parts (a product's column strips, a batch's rows): no line then holds a foreign array's values.
        var ws = new Workspace();
        var small = ws.Rent<float>(10);
        var vector = ws.Rent<double>(500);
        var matrix = ws.Rent<float>(3, 7);
        fixed (float* a = small.AsSpan(), c = matrix.AsSpan())
        fixed (double* b = vector.AsSpan())
        {
            Assert.Equal(0, (long)a & 63);
            Assert.Equal(0, (long)b & 63);
            Assert.Equal(0, (long)c & 63);
        }
        Assert.All(vector.ToDoubleArray(), v => Assert.Equal(0.0, v));
    }

    [Theory]
    [InlineData(4096)]          // 16 KiB of floats: the smallest aligned size
    [InlineData(100 * 3072)]    // a CIFAR batch
    [InlineData(4097 * 513)]    // odd, past the large-object threshold
    public unsafe void LargeArrays_StartOnACacheLine_ViewsAndReusedBuffersToo(int size)
    {
        static long Misalignment(NDArray<float> a)
        {
            fixed (float* p = a.AsSpan()) return (long)p & 63;
        }
        var a = new NDArray<float>(size);
        Assert.Equal(0, Misalignment(a));
        Assert.All(a.ToDoubleArray(), v => Assert.Equal(0.0, v));        // zeroed, slack included or not
        a.Flat(size - 1) = 7f;
        Assert.Equal(7f, a.AsSpan()[^1]);
        Assert.Throws<IndexOutOfRangeException>(() => a.Flat(size));
        Assert.Equal(0, Misalignment(a.Reshape(1, size)));
        Assert.Equal(0, Misalignment(new NumpyRandom(0).Randn<float>(size)));
        var ws = new Workspace();
        ws.Rent<float>(size);
        ws.Reset();
        var reused = ws.Rent<float>(size / 2);
        Assert.Equal(0, Misalignment(reused));
        Assert.Equal(0, Misalignment(NDArray<double>.Zeros(size).Cast<float>()));
    }
    [Fact]
    public void BadAxesShapesAndTypes_AreArgumentErrors_NamingThem()
    {
        var a = new NDArray<float>(2, 3);
        Assert.Equal(3, a.Dim(-1));
        var axis = Assert.Throws<ArgumentOutOfRangeException>(() => a.Dim(5));
        Assert.Contains("Axis 5 is outside an array of shape (2, 3) (rank 2)", axis.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => NDArray<float>.FromArray([1f]).Reshape().Dim(0));
        var big = Assert.Throws<ArgumentException>(() => a.Reshape(65536, 65536));
        Assert.Contains("more elements than an array can hold", big.Message);
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => new NDArray<float>(-1)).ParamName);
        Assert.Contains("Row 1 is null", Assert.Throws<ArgumentException>(() => NDArray<float>.FromRows([[1f], null!])).Message);
        // An unsupported element type is refused at construction, and the type stays usable (no static constructor to fail).
        Assert.Throws<NotSupportedException>(() => new NDArray<Half>(2));
        Assert.Contains("not Half", Assert.Throws<NotSupportedException>(() => new NDArray<Half>(2)).Message);
    }

    [Fact]
    public void ArgMax_IsNumpys_FirstMaximum_OrFirstNaN()
    {
        Assert.Equal(1, NDArray<double>.ArgMax([1.0, 3.0, 3.0]));
        Assert.Equal(1, NDArray<double>.ArgMax([1.0, double.NaN, 3.0]));      // np.argmax([1, nan, 3]) == 1
        Assert.Equal(0, NDArray<float>.ArgMax([float.NaN, 5f]));
        Assert.Equal(2, NDArray<float>.ArgMax([float.NegativeInfinity, -1f, 0f]));
        Assert.Throws<ArgumentException>(() => NDArray<float>.ArgMax([]));
        Assert.Equal([1, 0], NDArray<double>.FromRows([[0.0, double.NaN], [2.0, 1.0]]).ArgMaxRows());
    }
}
