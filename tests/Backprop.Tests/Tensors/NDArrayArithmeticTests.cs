using Backprop.Checks;
using Backprop.Layers;
using Backprop.Tensors;

namespace Backprop.Tests.Tensors;

/// <summary>NumPy's array arithmetic on <see cref="NDArray{T}"/>: broadcasting, reductions along an axis, .T and np.dot.</summary>
public class NDArrayArithmeticTests
{
    private static NDArray<double> Range(params int[] shape) => NDArray<double>.Linspace(0, NDArray<double>.CheckedSize(shape) - 1, NDArray<double>.CheckedSize(shape)).Reshape(shape);

    [Fact]
    public void Broadcasting_StretchesOnesAndMissingAxes_AsNumpy()
    {
        var x = Range(2, 3);                                          // [[0 1 2] [3 4 5]]
        Assert.Equal([10, 21, 32, 13, 24, 35], (x + NDArray<double>.Vector(10, 20, 30)).ToDoubleArray());

        var col = Range(3, 1);                                        // outer sum (3, 1) + (1, 4) → (3, 4)
        var row = Range(1, 4) * 10.0;
        var outer = col + row;
        Assert.Equal([3, 4], outer.ShapeArray());
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) Assert.Equal(i + 10.0 * j, outer[i, j]);

        var cube = Range(2, 1, 3) * Range(4, 1);                      // (2, 1, 3) * (4, 1) → (2, 4, 3)
        Assert.Equal([2, 4, 3], cube.ShapeArray());
        for (int a = 0; a < 2; a++) for (int b = 0; b < 4; b++) for (int c = 0; c < 3; c++)
            Assert.Equal((a * 3 + c) * (double)b, cube.At(a, b, c));

        var scalar = NDArray<double>.Full(2.5);                       // a 0-d array, shape ()
        Assert.Equal("()", scalar.ShapeString);
        Assert.Equal([2.5, 3.5], (scalar + NDArray<double>.Vector(0, 1)).ToDoubleArray());
        Assert.Equal([0, 3], (NDArray<double>.Zeros(0, 3) - NDArray<double>.Vector(1, 2, 3)).ShapeArray());
    }

    [Fact]
    public void ShapesThatDoNotBroadcast_AreRefused_NamingBoth()
    {
        var e = Assert.Throws<ArgumentException>(() => Range(2, 3) + Range(2));
        Assert.StartsWith("operands could not be broadcast together with shapes (2, 3) (2,): axis 1 has 3 against 2", e.Message);
        Assert.Throws<ArgumentException>(() => Range(4, 3) * Range(2, 1, 2));
    }

    [Fact]
    public void ElementWise_GivesEachElementsOwnRounding_InFloat32()
    {
        var rng = new NumpyRandom(3);
        var a = rng.Randn(5, 7).Cast<float>();
        var b = rng.Randn(5, 7).Cast<float>();
        var row = rng.Randn(7).Cast<float>();
        var sum = a + b; var diff = a - row; var prod = a * b; var quot = b / a;
        for (int i = 0; i < a.Size; i++)
        {
            Assert.Equal(a.Flat(i) + b.Flat(i), sum.Flat(i));
            Assert.Equal(a.Flat(i) - row.Flat(i % 7), diff.Flat(i));
            Assert.Equal(a.Flat(i) * b.Flat(i), prod.Flat(i));
            Assert.Equal(b.Flat(i) / a.Flat(i), quot.Flat(i));
        }
    }

    [Fact]
    public void Scalars_OnEitherSide_AndUnaryFunctions()
    {
        var x = NDArray<double>.Vector(1, 4, 9);
        Assert.Equal([17, 32, 57], (5 * x + 12).ToDoubleArray());    // the notebooks' 5 * x + 12
        Assert.Equal([0, -3, -8], (1 - x).ToDoubleArray());
        Assert.Equal([-1, 2, 7], (x - 2).ToDoubleArray());
        Assert.Equal([36, 9, 4], (36 / x).ToDoubleArray());
        Assert.Equal([0.5, 2, 4.5], (x / 2).ToDoubleArray());
        Assert.Equal([-1, -4, -9], (-x).ToDoubleArray());
        Assert.Equal([1, 2, 3], x.Sqrt().ToDoubleArray());
        Assert.Equal([1, 4, 9], (-x).Abs().ToDoubleArray());
        Assert.Equal([Math.Exp(1), Math.Exp(4), Math.Exp(9)], x.Exp().ToDoubleArray(), (p, q) => Math.Abs(p - q) <= 1e-15 * q);
        Assert.Equal([0, Math.Log(4), Math.Log(9)], x.Log().ToDoubleArray(), (p, q) => Math.Abs(p - q) <= 1e-15);
        Assert.Equal([2, 5, 10], x.Map(v => v + 1).ToDoubleArray());
        Assert.Equal([1, 4, 9], x.ToDoubleArray());                    // every operation returns a new array
    }

    [Fact]
    public void Reductions_AlongAnAxis_MatchLoops_AndKeepDimsBroadcasts()
    {
        var rng = new NumpyRandom(7);
        var x = rng.Randn(2, 3, 4);
        for (int axis = -3; axis < 3; axis++)
        {
            int ax = (axis + 3) % 3;
            var sum = x.Sum(axis); var mean = x.Mean(axis); var std = x.Std(axis); var max = x.Max(axis); var min = x.Min(axis);
            var expectedShape = x.ShapeArray().Where((_, d) => d != ax).ToArray();
            Assert.Equal(expectedShape, sum.ShapeArray());
            Assert.Equal(x.ShapeArray().Select((n, d) => d == ax ? 1 : n).ToArray(), x.Mean(axis, keepDims: true).ShapeArray());
            int k = 0;
            for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) for (int c = 0; c < 4; c++)
            {
                int[] idx = [a, b, c];
                if (idx[ax] != 0) continue;
                var line = Enumerable.Range(0, x.Dim(ax)).Select(j => { idx[ax] = j; return x.At(idx); }).ToArray();
                double m = line.Average();
                Assert.Equal(line.Sum(), sum.Flat(k), 1e-14);
                Assert.Equal(m, mean.Flat(k), 1e-14);
                Assert.Equal(Math.Sqrt(line.Select(v => (v - m) * (v - m)).Sum() / line.Length), std.Flat(k), 1e-14);
                Assert.Equal(line.Max(), max.Flat(k));
                Assert.Equal(line.Min(), min.Flat(k));
                k++;
            }
            Assert.Equal(sum.Size, k);
        }
        // x - x.mean(axis=1, keepdims=True): every row of the result sums to zero.
        var m2 = rng.Randn(5, 6);
        var centred = m2 - m2.Mean(1, keepDims: true);
        for (int i = 0; i < 5; i++) Assert.Equal(0, centred.Row(i).ToArray().Sum(), 1e-14);
        // Columns, the batch-norm way: x - x.mean(axis=0) broadcasts without keepDims.
        var cols = (m2 - m2.Mean(0)).Mean(0);
        Assert.All(cols.ToDoubleArray(), v => Assert.Equal(0, v, 1e-15));
        Assert.Throws<ArgumentOutOfRangeException>(() => m2.Sum(2));
    }

    [Fact]
    public void MaxAndMin_PropagateNaN_AndRefuseEmpty_AsNumpy()
    {
        var x = NDArray<float>.FromRows([[1, float.NaN, 3], [4, 5, -6]]);
        Assert.True(float.IsNaN(x.Max()));
        Assert.True(float.IsNaN(x.Min()));
        Assert.Equal([4f, float.NaN, 3f], x.Max(0).AsSpan().ToArray());
        Assert.Equal([float.NaN, -6f], x.Min(1).AsSpan().ToArray());
        Assert.Equal(6f, NDArray<float>.Vector(1, 6, 2).Max());
        var e = Assert.Throws<InvalidOperationException>(() => NDArray<float>.Zeros(0).Max());
        Assert.Contains("zero-size array to reduction operation maximum", e.Message);
        Assert.Throws<ArgumentException>(() => NDArray<float>.Zeros(0, 3).Min(0));
        Assert.Equal([0f, 0f, 0f], NDArray<float>.Zeros(0, 3).Sum(0).AsSpan().ToArray());
        Assert.True(double.IsNaN(NDArray<double>.Zeros(0, 3).Mean(0)[1]));
        Assert.Equal([0], NDArray<float>.Zeros(0, 3).Max(1).ShapeArray());   // nothing to reduce: an empty result, no error
        // An empty axis is refused even when the result is empty too, as np.zeros((0, 0)).max(axis=0) is.
        Assert.Contains("maximum", Assert.Throws<ArgumentException>(() => NDArray<float>.Zeros(0, 0).Max(0)).Message);
        Assert.Contains("minimum", Assert.Throws<ArgumentException>(() => NDArray<double>.Zeros(2, 0, 0).Min(-1, keepDims: true)).Message);
    }

    [Fact]
    public void ZeroDimensionalArrays_TakeAxisZeroInSumMaxAndMin_AsNumpy()
    {
        // np.array(1.75).sum(axis=0) is 1.75, shape (), keepdims or not; so are max and min, and axis=-1. np.mean and
        // np.std refuse the axis (AxisError), as does every reduction for axis 1.
        var x = NDArray<double>.Full(1.75);
        foreach (int axis in new[] { 0, -1 })
            foreach (bool keep in new[] { false, true })
                foreach (var r in new[] { x.Sum(axis, keep), x.Max(axis, keep), x.Min(axis, keep) })
                {
                    Assert.Equal("()", r.ShapeString);
                    Assert.Equal(1.75, r.Flat(0));
                }
        Assert.True(double.IsNaN(NDArray<float>.Full(float.NaN).Max(0).Flat(0)));
        Assert.Contains("shape ()", Assert.Throws<ArgumentOutOfRangeException>(() => x.Mean(0)).Message);
        Assert.Contains("shape ()", Assert.Throws<ArgumentOutOfRangeException>(() => x.Std(-1)).Message);
        Assert.Contains("Axis 1", Assert.Throws<ArgumentOutOfRangeException>(() => x.Sum(1)).Message);
    }

    [Fact]
    public void Transpose_ReversesTheAxes_IntoANewArray()
    {
        var m = Range(2, 3);
        var t = m.Transpose();
        Assert.Equal([3, 2], t.ShapeArray());
        Assert.Equal([0, 3, 1, 4, 2, 5], t.ToDoubleArray());
        var c = Range(2, 3, 4);
        var ct = c.Transpose();
        Assert.Equal([4, 3, 2], ct.ShapeArray());
        for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) for (int d = 0; d < 4; d++) Assert.Equal(c.At(a, b, d), ct.At(d, b, a));
        var v = Range(3);
        var vt = v.Transpose();
        vt[0] = 99;
        Assert.Equal(0, v[0]);
        Assert.Equal([0, 3], NDArray<double>.Zeros(3, 0).Transpose().ShapeArray());
    }

    [Fact]
    public void Dot_IsNumpysDot_ForVectorsAndMatrices()
    {
        var rng = new NumpyRandom(11);
        var a = rng.Randn(4, 5); var b = rng.Randn(5, 3); var u = rng.Randn(5); var w = rng.Randn(4);
        var ab = a.Dot(b);
        Assert.Equal([4, 3], ab.ShapeArray());
        for (int i = 0; i < 4; i++) for (int j = 0; j < 3; j++)
            Assert.Equal(Enumerable.Range(0, 5).Sum(k => a[i, k] * b[k, j]), ab[i, j], 1e-13);
        var au = a.Dot(u);
        Assert.Equal([4], au.ShapeArray());
        for (int i = 0; i < 4; i++) Assert.Equal(Enumerable.Range(0, 5).Sum(k => a[i, k] * u[k]), au[i], 1e-13);
        var wa = w.Dot(a);
        Assert.Equal([5], wa.ShapeArray());
        for (int j = 0; j < 5; j++) Assert.Equal(Enumerable.Range(0, 4).Sum(i => w[i] * a[i, j]), wa[j], 1e-13);
        var uu = u.Dot(u);
        Assert.Equal("()", uu.ShapeString);
        Assert.Equal(u.SumOfSquares(), uu.Flat(0), 1e-13);
        Assert.Equal(new double[4], NDArray<double>.Zeros(2, 0).Dot(NDArray<double>.Zeros(0, 2)).ToDoubleArray());

        var e = Assert.Throws<ArgumentException>(() => a.Dot(a));
        Assert.StartsWith("shapes (4, 5) and (4, 5) not aligned: 5 (dim 1) != 4 (dim 0)", e.Message);
        Assert.Contains("Reshape", Assert.Throws<ArgumentException>(() => rng.Randn(2, 2, 2).Dot(a)).Message);
    }

    [Fact]
    public void AHandWrittenLayer_FromTheArithmetic_MatchesTheLibrarysAndPassesItsGradientCheck()
    {
        // The notebooks' affine_forward in NumPy: x.reshape(N, -1).dot(w) + b, and its backward.
        var rng = new NumpyRandom(231);
        var x = rng.Randn(10, 2, 3); var w = rng.Randn(6, 5); var b = rng.Randn(5); var dout = rng.Randn(10, 5);
        NDArray<double> Forward(NDArray<double> v) => v.Flatten2D().Dot(w) + b;
        var dx = dout.Dot(w.Transpose()).Reshape(x.ShapeArray());
        var dw = x.Flatten2D().Transpose().Dot(dout);
        var db = dout.Sum(axis: 0);
        var (libOut, cache) = Layer.AffineForward(x, w, b);
        var (libDx, libDw, libDb) = Layer.AffineBackward(dout, cache);
        Assert.True(GradientCheck.RelError(Forward(x), libOut) < 1e-14);
        Assert.True(GradientCheck.RelError(dx, libDx) < 1e-14);
        Assert.True(GradientCheck.RelError(dw, libDw) < 1e-14);
        Assert.True(GradientCheck.RelError(db, libDb) < 1e-14);

        // A leaky ReLU of one's own, checked as the notebooks check theirs.
        NDArray<double> Leaky(NDArray<double> v) => v.Map(e => e > 0 ? e : 0.01 * e);
        var z = rng.Randn(10, 5);
        var dz = dout * z.Map(e => e > 0 ? 1.0 : 0.01);
        Assert.True(GradientCheck.RelError(dz, GradientCheck.EvalNumericalGradientArray(Leaky, z, dout)) < 1e-9);
        Assert.True(GradientCheck.RelError(dx, GradientCheck.EvalNumericalGradientArray(Forward, x, dout)) < 1e-9);
    }
}
