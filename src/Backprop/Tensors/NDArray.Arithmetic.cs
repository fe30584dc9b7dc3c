using System.Numerics;
using System.Numerics.Tensors;
using Backprop.Kernels;

namespace Backprop.Tensors;

/// <summary>
/// NumPy's array arithmetic, for scripts, checks and hand-written layers (<c>5 * x + 12</c>, <c>x - x.Mean(0)</c>,
/// <c>a.Dot(b)</c>): every operation returns a new array. A training step never uses them (its kernels fuse the same
/// steps and reuse buffers); the gradient check's diagnostics do.
/// </summary>
public sealed partial class NDArray<T>
{
    private enum BinaryOp { Add, Subtract, Multiply, Divide }

    // ---- element-wise, with NumPy's broadcasting ------------------------------------------------------------------

    /// <summary>Element-wise sum, NumPy's broadcasting (shapes aligned at the right; a dimension of 1 stretches).</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, e.g. (2, 3) and (2,).</exception>
    public static NDArray<T> operator +(NDArray<T> a, NDArray<T> b) => Combine(a, b, BinaryOp.Add);

    /// <summary>Element-wise difference, with broadcasting as <c>+</c>.</summary>
    public static NDArray<T> operator -(NDArray<T> a, NDArray<T> b) => Combine(a, b, BinaryOp.Subtract);

    /// <summary>Element-wise product (NumPy's <c>*</c>, not a matrix product: see <see cref="Dot"/>), with broadcasting as <c>+</c>.</summary>
    public static NDArray<T> operator *(NDArray<T> a, NDArray<T> b) => Combine(a, b, BinaryOp.Multiply);

    /// <summary>Element-wise quotient (IEEE: x/0 is ±∞ or NaN, as NumPy's, which warns), with broadcasting as <c>+</c>.</summary>
    public static NDArray<T> operator /(NDArray<T> a, NDArray<T> b) => Combine(a, b, BinaryOp.Divide);

    /// <summary><c>a + s</c> for every element.</summary>
    public static NDArray<T> operator +(NDArray<T> a, T s) => WithScalar(a, s, BinaryOp.Add, scalarFirst: false);

    /// <summary><c>s + a</c> for every element.</summary>
    public static NDArray<T> operator +(T s, NDArray<T> a) => WithScalar(a, s, BinaryOp.Add, scalarFirst: true);

    /// <summary><c>a − s</c> for every element.</summary>
    public static NDArray<T> operator -(NDArray<T> a, T s) => WithScalar(a, s, BinaryOp.Subtract, scalarFirst: false);

    /// <summary><c>s − a</c> for every element.</summary>
    public static NDArray<T> operator -(T s, NDArray<T> a) => WithScalar(a, s, BinaryOp.Subtract, scalarFirst: true);

    /// <summary><c>a · s</c> for every element.</summary>
    public static NDArray<T> operator *(NDArray<T> a, T s) => WithScalar(a, s, BinaryOp.Multiply, scalarFirst: false);

    /// <summary><c>s · a</c> for every element.</summary>
    public static NDArray<T> operator *(T s, NDArray<T> a) => WithScalar(a, s, BinaryOp.Multiply, scalarFirst: true);

    /// <summary><c>a / s</c> for every element.</summary>
    public static NDArray<T> operator /(NDArray<T> a, T s) => WithScalar(a, s, BinaryOp.Divide, scalarFirst: false);

    /// <summary><c>s / a</c> for every element.</summary>
    public static NDArray<T> operator /(T s, NDArray<T> a) => WithScalar(a, s, BinaryOp.Divide, scalarFirst: true);

    /// <summary>Every element negated.</summary>
    public static NDArray<T> operator -(NDArray<T> a) => Unary(a, TensorPrimitives.Negate);

    /// <summary><paramref name="f"/> of every element (NumPy's vectorised function), a new array of the same shape.</summary>
    public NDArray<T> Map(Func<T, T> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var r = new NDArray<T>(_shape);
        var src = AsSpan();
        var dst = r.AsSpan();
        for (int i = 0; i < src.Length; i++) dst[i] = f(src[i]);
        return r;
    }

    /// <summary><c>np.abs</c>.</summary>
    public NDArray<T> Abs() => Unary(this, TensorPrimitives.Abs);

    /// <summary><c>np.sqrt</c> (NaN for negative values, as NumPy's, which warns).</summary>
    public NDArray<T> Sqrt() => Unary(this, TensorPrimitives.Sqrt);

    /// <summary><c>np.exp</c>.</summary>
    public NDArray<T> Exp() => Unary(this, TensorPrimitives.Exp);

    /// <summary><c>np.log</c> (−∞ at 0, NaN below).</summary>
    public NDArray<T> Log() => Unary(this, TensorPrimitives.Log);

    private delegate void SpanFunction(ReadOnlySpan<T> x, Span<T> destination);

    private static NDArray<T> Unary(NDArray<T> a, SpanFunction f)
    {
        ArgumentNullException.ThrowIfNull(a);
        var r = new NDArray<T>(a._shape);
        f(a.AsSpan(), r.AsSpan());
        return r;
    }

    private static NDArray<T> WithScalar(NDArray<T> a, T s, BinaryOp op, bool scalarFirst)
    {
        ArgumentNullException.ThrowIfNull(a);
        var r = new NDArray<T>(a._shape);
        if (scalarFirst) ScalarOp(op, s, a.AsSpan(), r.AsSpan());
        else SpanScalarOp(op, a.AsSpan(), s, r.AsSpan());
        return r;
    }

    /// <summary>
    /// The broadcast result, one innermost run at a time: each operand's run is contiguous (stride 1) or one value
    /// repeated (stride 0), so every run is one SIMD call.
    /// </summary>
    private static NDArray<T> Combine(NDArray<T> a, NDArray<T> b, BinaryOp op)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var shape = BroadcastShape(a._shape, b._shape);
        var r = new NDArray<T>(shape);
        if (r.Size == 0) return r;
        if (a.SameShape(b))
        {
            SpanOp(op, a.AsSpan(), b.AsSpan(), r.AsSpan());
            return r;
        }
        var strideA = BroadcastStrides(a._shape, shape);
        var strideB = BroadcastStrides(b._shape, shape);
        int rank = shape.Length, inner = rank == 0 ? 1 : shape[rank - 1];
        int innerA = rank == 0 ? 0 : strideA[rank - 1], innerB = rank == 0 ? 0 : strideB[rank - 1];
        var index = new int[rank];
        ReadOnlySpan<T> sa = a.AsSpan(), sb = b.AsSpan();
        var dst = r.AsSpan();
        int offsetA = 0, offsetB = 0;
        for (int start = 0; start < dst.Length; start += inner)
        {
            var outRun = dst.Slice(start, inner);
            if (innerA != 0 && innerB != 0) SpanOp(op, sa.Slice(offsetA, inner), sb.Slice(offsetB, inner), outRun);
            else if (innerB == 0 && innerA != 0) SpanScalarOp(op, sa.Slice(offsetA, inner), sb[offsetB], outRun);
            else if (innerA == 0 && innerB != 0) ScalarOp(op, sa[offsetA], sb.Slice(offsetB, inner), outRun);
            else outRun.Fill(Apply(op, sa[offsetA], sb[offsetB]));
            // Next run: advance the odometer over the outer axes.
            for (int d = rank - 2; d >= 0; d--)
            {
                offsetA += strideA[d];
                offsetB += strideB[d];
                if (++index[d] < shape[d]) break;
                offsetA -= strideA[d] * shape[d];
                offsetB -= strideB[d] * shape[d];
                index[d] = 0;
            }
        }
        return r;
    }

    /// <summary>NumPy's broadcast shape of two shapes, or its error (which names both).</summary>
    internal static int[] BroadcastShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int i = 1; i <= rank; i++)
        {
            int da = i <= a.Length ? a[^i] : 1, db = i <= b.Length ? b[^i] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"operands could not be broadcast together with shapes {ShapeToString(a)} {ShapeToString(b)}: axis {rank - i} has {da} against {db}.");
            shape[rank - i] = da == 1 ? db : da;
        }
        CheckedSize(shape);
        return shape;
    }

    /// <summary>Element strides of an operand of <paramref name="shape"/> read as <paramref name="target"/>: 0 along a stretched axis.</summary>
    private static int[] BroadcastStrides(ReadOnlySpan<int> shape, int[] target)
    {
        var strides = new int[target.Length];
        int stride = 1;
        for (int i = 1; i <= shape.Length; i++)
        {
            strides[^i] = shape[^i] == 1 && target[^i] != 1 ? 0 : stride;
            stride *= shape[^i];
        }
        return strides;
    }

    private static T Apply(BinaryOp op, T x, T y) => op switch
    {
        BinaryOp.Add => x + y,
        BinaryOp.Subtract => x - y,
        BinaryOp.Multiply => x * y,
        _ => x / y,
    };

    private static void SpanOp(BinaryOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, y, d); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(x, y, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }

    private static void SpanScalarOp(BinaryOp op, ReadOnlySpan<T> x, T y, Span<T> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, y, d); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(x, y, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }

    private static void ScalarOp(BinaryOp op, T x, ReadOnlySpan<T> y, Span<T> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(y, x, d); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(y, x, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }

    // ---- reductions along an axis ---------------------------------------------------------------------------------

    /// <summary>
    /// <c>x.sum(axis)</c>: the sums along <paramref name="axis"/> (negative counts from the end), accumulated in double.
    /// The result drops that axis, or keeps it as 1 with <paramref name="keepDims"/> (so <c>x - x.Sum(1, true)</c> broadcasts).
    /// A 0-d array takes axis 0 or −1 and comes back as itself, as in NumPy (so do <see cref="Max(int, bool)"/> and
    /// <see cref="Min(int, bool)"/>; <see cref="Mean(int, bool)"/> and <see cref="Std(int, bool)"/> refuse it, as NumPy's do).
    /// </summary>
    public NDArray<T> Sum(int axis, bool keepDims = false) => Reduce(axis, keepDims, Reduction.Sum);

    /// <summary><c>x.mean(axis)</c>, as <see cref="Sum(int, bool)"/> divided by the axis length (NaN for an empty axis, as NumPy's, which warns).</summary>
    public NDArray<T> Mean(int axis, bool keepDims = false) => Reduce(axis, keepDims, Reduction.Mean);

    /// <summary><c>x.std(axis)</c>: population standard deviation (<c>ddof=0</c>) along the axis, from its mean (two passes).</summary>
    public NDArray<T> Std(int axis, bool keepDims = false) => Reduce(axis, keepDims, Reduction.Std);

    /// <summary><c>x.max(axis)</c>: NaN where a NaN is along the axis, as NumPy's. An empty axis has no maximum.</summary>
    /// <exception cref="ArgumentException">The axis is empty (even if the result would be, as for shape (0, 0)).</exception>
    public NDArray<T> Max(int axis, bool keepDims = false) => Reduce(axis, keepDims, Reduction.Max);

    /// <summary><c>x.min(axis)</c>, as <see cref="Max(int, bool)"/>.</summary>
    public NDArray<T> Min(int axis, bool keepDims = false) => Reduce(axis, keepDims, Reduction.Min);

    /// <summary>The largest element (<c>x.max()</c>); NaN if any is NaN.</summary>
    /// <exception cref="InvalidOperationException">The array is empty.</exception>
    public T Max() => Size == 0 ? throw EmptyReduction("maximum") : TensorPrimitives.Max<T>(AsSpan());

    /// <summary>The smallest element (<c>x.min()</c>); NaN if any is NaN.</summary>
    /// <exception cref="InvalidOperationException">The array is empty.</exception>
    public T Min() => Size == 0 ? throw EmptyReduction("minimum") : TensorPrimitives.Min<T>(AsSpan());

    private InvalidOperationException EmptyReduction(string what) =>
        new($"zero-size array to reduction operation {what} which has no identity (shape {ShapeString}).");

    private enum Reduction { Sum, Mean, Std, Max, Min }

    /// <summary>
    /// Reduces the array seen as (outer, n, inner) over n, a row of <c>inner</c> values at a time, so the mean image of
    /// (50000, 3072) reads memory in order instead of one column at a time.
    /// </summary>
    private NDArray<T> Reduce(int axis, bool keepDims, Reduction kind)
    {
        // NumPy's sum, max and min read a 0-d array as shape (1,) for axis 0 or -1 and give it back as 0-d (keepdims
        // too); its mean and std refuse the axis, as we do.
        if (Rank == 0 && axis is 0 or -1 && kind is Reduction.Sum or Reduction.Max or Reduction.Min) return Copy();
        int a = axis < 0 ? axis + Rank : axis;
        if ((uint)a >= (uint)Rank)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Axis {axis} is outside an array of shape {ShapeString} (rank {Rank}).");
        int n = _shape[a];
        int inner = CheckedSize(_shape.AsSpan(a + 1));
        int outer = CheckedSize(_shape.AsSpan(0, a));
        var shape = new List<int>(_shape);
        if (keepDims) shape[a] = 1; else shape.RemoveAt(a);
        // An empty axis has no maximum even when nothing is asked of it: np.zeros((0, 0)).max(axis=0) raises.
        if (n == 0 && kind is Reduction.Max or Reduction.Min)
            throw new ArgumentException(EmptyReduction(kind == Reduction.Max ? "maximum" : "minimum").Message, nameof(axis));
        var r = new NDArray<T>([.. shape]);
        if (r.Size == 0) return r;
        var src = AsSpan();
        var dst = r.AsSpan();
        var acc = new double[inner];
        var squares = kind == Reduction.Std ? new double[inner] : null;
        for (int o = 0; o < outer; o++)
        {
            var block = src.Slice(o * n * inner, n * inner);
            if (kind is Reduction.Max or Reduction.Min) Extremes(block, n, acc, kind == Reduction.Max);
            else
            {
                Array.Clear(acc);
                for (int j = 0; j < n; j++)
                {
                    var row = block.Slice(j * inner, inner);
                    for (int i = 0; i < inner; i++) acc[i] += double.CreateTruncating(row[i]);
                }
                if (kind != Reduction.Sum) for (int i = 0; i < inner; i++) acc[i] /= n;
                if (squares is not null)
                {
                    Array.Clear(squares);
                    for (int j = 0; j < n; j++)
                    {
                        var row = block.Slice(j * inner, inner);
                        for (int i = 0; i < inner; i++) { double d = double.CreateTruncating(row[i]) - acc[i]; squares[i] += d * d; }
                    }
                    for (int i = 0; i < inner; i++) acc[i] = Math.Sqrt(squares[i] / n);
                }
            }
            for (int i = 0; i < inner; i++) dst[o * inner + i] = T.CreateTruncating(acc[i]);
        }
        return r;
    }

    /// <summary>The largest (or smallest) of the n rows in each of the inner positions; NaN once a NaN is met.</summary>
    private static void Extremes(ReadOnlySpan<T> block, int n, double[] acc, bool max)
    {
        int inner = acc.Length;
        for (int i = 0; i < inner; i++) acc[i] = double.CreateTruncating(block[i]);
        for (int j = 1; j < n; j++)
        {
            var row = block.Slice(j * inner, inner);
            for (int i = 0; i < inner; i++)
            {
                double v = double.CreateTruncating(row[i]);
                if (double.IsNaN(acc[i])) continue;
                if (double.IsNaN(v) || (max ? v > acc[i] : v < acc[i])) acc[i] = v;
            }
        }
    }

    // ---- shape and matrix products --------------------------------------------------------------------------------

    /// <summary>
    /// <c>x.T</c>: the axes reversed (rows and columns swapped for a matrix), copied into a new contiguous array. A 1-D
    /// array comes back as a copy of itself, as in NumPy.
    /// </summary>
    public NDArray<T> Transpose()
    {
        var shape = new int[Rank];
        for (int d = 0; d < Rank; d++) shape[d] = _shape[Rank - 1 - d];
        var r = new NDArray<T>(shape);
        if (Size == 0) return r;
        // Strides of the input along the output's axes.
        var stride = new int[Rank];
        for (int d = Rank - 1, s = 1; d >= 0; d--) { stride[Rank - 1 - d] = s; s *= _shape[d]; }
        var index = new int[Rank];
        var src = AsSpan();
        var dst = r.AsSpan();
        int at = 0;
        for (int k = 0; k < dst.Length; k++)
        {
            dst[k] = src[at];
            for (int d = Rank - 1; d >= 0; d--)
            {
                at += stride[d];
                if (++index[d] < shape[d]) break;
                at -= stride[d] * shape[d];
                index[d] = 0;
            }
        }
        return r;
    }

    /// <summary>
    /// <c>np.dot</c> for vectors and matrices, on the library's GEMM: (m, k)·(k, n) → (m, n); (m, k)·(k,) → (m,);
    /// (k,)·(k, n) → (n,); (k,)·(k,) → a 0-d array (shape <c>()</c>) holding the inner product.
    /// </summary>
    /// <exception cref="ArgumentException">The inner dimensions differ, or an operand has rank 0 or above 2.</exception>
    public NDArray<T> Dot(NDArray<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank is < 1 or > 2 || other.Rank is < 1 or > 2)
            throw new ArgumentException($"Dot takes vectors and matrices, not {ShapeString} · {other.ShapeString}; Reshape (or Flatten2D) first.", nameof(other));
        int m = Rank == 2 ? _shape[0] : 1, k = _shape[Rank - 1];
        int k2 = other._shape[0], n = other.Rank == 2 ? other._shape[1] : 1;
        if (k != k2)
            throw new ArgumentException($"shapes {ShapeString} and {other.ShapeString} not aligned: {k} (dim {Rank - 1}) != {k2} (dim 0).", nameof(other));
        int[] shape = (Rank, other.Rank) switch
        {
            (2, 2) => [m, n],
            (2, 1) => [m],
            (1, 2) => [n],
            _ => [],
        };
        var r = new NDArray<T>(shape);
        if (r.Size > 0 && k > 0) Gemm.Multiply<T>(AsSpan(), other.AsSpan(), r.AsSpan(), m, n, k);
        return r;
    }
}
