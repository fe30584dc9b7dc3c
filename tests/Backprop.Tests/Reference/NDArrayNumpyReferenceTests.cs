using System.Numerics;
using System.Text.Json.Nodes;
using Backprop.Data;
using Backprop.Tensors;
using Xunit.Abstractions;

namespace Backprop.Tests.Reference;

/// <summary>
/// <see cref="NDArray{T}"/>'s arithmetic against NumPy itself: <c>ndarray_reference.py</c> computes a table of cases
/// (every public operation; broadcasting of every kind, scalars on either side, 0-d and size-0 arrays; every axis,
/// negative ones included, with and without keepdims; float32 and float64; NaN, ±inf and ±0 among the inputs) and
/// writes inputs and results to an .npz, and each test here runs its share of the table through our operations.
/// Shapes must be equal; values bit for bit where both sides round each result once (+ − * /, negation, abs, sqrt,
/// max and min (where a tie of +0 and −0 is a tie: NumPy's pick depends on its lanes), reshapes, casts, linspace, argmax), within 4 ulps for exp and log (both are vectorised approximations), and
/// within the summation bound ((n + 4)·ε·Σ|x|, n terms) for sums, means, standard deviations and dot products, whose order of
/// additions differs (NumPy sums pairwise; we sum in order in double, the GEMM in its blocks); NaN and ±inf must be
/// at the same places. What NumPy refuses, ours must refuse with an <see cref="ArgumentException"/> naming the shapes
/// or the axis.
/// </summary>
public class NDArrayNumpyReferenceTests(NDArrayNumpyReferenceTests.NumpyTable table, ITestOutputHelper output)
    : IClassFixture<NDArrayNumpyReferenceTests.NumpyTable>
{
    /// <summary>The table, computed once for the class by the Python script (null without NumPy).</summary>
    public sealed class NumpyTable() : ReferenceTable<Case>("ndarray_reference.py", (i, json) => new Case(i, json));

    /// <summary>One row of the table, as <c>ndarray_reference.py</c> wrote it.</summary>
    public sealed record Case(int Index, JsonObject Json)
    {
        public string Op => (string)Json["op"]!;
        public bool IsFloat32 => (string)Json["dtype"]! == "float32";
        public string Tolerance => (string)Json["tol"]!;
        public int K => (int)Json["k"]!;
        public int Axis => (int)Json["axis"]!;
        public bool KeepDims => (bool)Json["keepdims"]!;
        public bool ScalarFirst => (bool)Json["scalar_first"]!;
        public double[] Args => Json["args"]!.AsArray().Select(v => (double)v!).ToArray();
        public string? Error => (string?)Json["error"];
        public string[] Names => Json["names"]!.AsArray().Select(v => (string)v!).ToArray();

        public override string ToString() =>
            $"case {Index}: {Op} {Json["dtype"]}{(Json["what"] is { } w ? $" '{w}'" : "")}" +
            $"{(Json["axis"] is { } a ? $" axis {a}" : "")}{(Json["keepdims"] is { } kd && (bool)kd ? " keepdims" : "")}" +
            $"{(Json["args"] is { } g ? $" args {g.ToJsonString()}" : "")}{(Json["scalar_first"] is { } f ? $" scalar first: {f}" : "")}";
    }

    /// <summary>What one of our operations gave: a shape and the values as doubles (exact for float and int).</summary>
    private sealed record Result(int[] Shape, double[] Values)
    {
        public static Result Of<T>(NDArray<T> a) where T : unmanaged, IFloatingPointIeee754<T> => new(a.ShapeArray(), a.ToDoubleArray());
        public static Result Scalar(double v) => new([], [v]);
        public static Result Ints(int[] v) => new([v.Length], v.Select(i => (double)i).ToArray());
    }

    [SkippableFact]
    public void ElementWise_WithBroadcastingAndScalars_AsNumpy() =>
        Check(["add", "subtract", "multiply", "divide", "negative", "abs", "sqrt", "exp", "log", "map_leaky"]);

    [SkippableFact]
    public void Reductions_AlongEveryAxis_WithAndWithoutKeepDims_AsNumpy() => Check(["sum", "mean", "std", "max", "min"]);

    [SkippableFact]
    public void WholeArrayStatistics_AsNumpy() =>
        Check(["sum_all", "mean_all", "std_all", "sum_of_squares", "max_all", "min_all", "argmax", "argmax_rows"]);

    [SkippableFact]
    public void TransposeReshapeRowsCastsAndLinspace_AsNumpy() =>
        Check(["transpose", "reshape", "flatten2d", "slice_rows", "cast", "linspace"]);

    [SkippableFact]
    public void Dot_OfVectorsAndMatrices_AsNumpy() => Check(["dot"]);

    [Fact]
    public void DotBeyondMatrices_IsRefused_AsDocumented()
    {
        // np.dot of a 0-d or a 3-d array is a scaling or a sum over the last and second-to-last axes; ours takes vectors
        // and matrices only and says so (NDArray.Dot's documentation), naming both shapes.
        var e = Assert.Throws<ArgumentException>(() => NDArray<double>.Zeros(2, 3, 4).Dot(NDArray<double>.Zeros(4)));
        Assert.Contains("(2, 3, 4)", e.Message);
        Assert.Contains("(4,)", e.Message);
        e = Assert.Throws<ArgumentException>(() => NDArray<double>.Zeros(3).Dot(NDArray<double>.Full(2.0)));
        Assert.Contains("()", e.Message);
    }

    [Fact]
    public void Float32SumsAccumulateInDouble_AsDocumented()
    {
        // NDArray.Sum(axis) and Mean(axis) add in double and round once (their documentation), where NumPy adds float32
        // in float32: np.array([3e38, 3e38, -3e38], np.float32).sum() overflows to inf, ours is 3e38 as the exact sum.
        var x = NDArray<float>.Vector(3e38f, 3e38f, -3e38f);
        Assert.Equal(3e38f, x.Sum(0).Flat(0));
        Assert.Equal(1e38f, x.Mean(0).Flat(0));
    }

    private void Check(string[] ops)
    {
        Skip.If(table.Cases is null, "the reference needs NumPy (apt-get install python3-numpy)");
        var cases = table.Cases!.Where(c => ops.Contains(c.Op)).ToList();
        Assert.NotEmpty(cases);
        var failures = new List<string>();
        var worst = new Dictionary<string, (double Value, Case Case)>();
        int refused = 0;
        foreach (var c in cases)
        {
            string? problem = c.IsFloat32 ? Run<float>(c, worst) : Run<double>(c, worst);
            if (problem is not null) failures.Add($"{c}: {problem}");
            if (c.Error is not null) refused++;
        }
        output.WriteLine($"NumPy {table.NumpyVersion}: {cases.Count} cases of {string.Join(", ", ops)}, {refused} of them refused by NumPy; {failures.Count} differ.");
        foreach (var (what, (value, c)) in worst.OrderBy(w => w.Key, StringComparer.Ordinal))
            output.WriteLine($"  largest {what}: {value:G3} ({c})");
        foreach (var f in failures) output.WriteLine(f);
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases differ from NumPy:\n" + string.Join("\n", failures.Take(40)));
    }

    /// <summary>Runs one case through our operation and compares; null when it agrees with NumPy.</summary>
    private string? Run<T>(Case c, Dictionary<string, (double, Case)> worst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        NDArray<T> Input(string name) => table.Arrays[$"{c.Index}.{name}"].ToNDArray<T>();
        Result result;
        try
        {
            result = Compute<T>(c, Input);
        }
        catch (Exception e) when (c.Error is not null)
        {
            // NumPy refused too: ours must refuse with an argument error (or, for a parameterless Max()/Min() of an empty
            // array, the .NET convention for a call its receiver cannot serve) naming what is wrong.
            bool rightType = e is ArgumentException || (e is InvalidOperationException && c.Op is "max_all" or "min_all");
            if (!rightType) return $"NumPy says '{c.Error}'; ours threw {e.GetType().Name}: {e.Message}";
            var missing = c.Names.Where(n => !e.Message.Contains(n, StringComparison.Ordinal)).ToArray();
            return missing.Length == 0 ? null : $"our message does not name {string.Join(", ", missing)}: {e.Message}";
        }
        catch (Exception e)
        {
            return $"ours threw {e.GetType().Name}: {e.Message}";
        }
        if (c.Error is not null) return $"NumPy refuses ('{c.Error}'); ours gave shape {NDArray<double>.ShapeToString(result.Shape)}";
        var expected = table.Arrays[$"{c.Index}.out"];
        double[]? scale = table.Arrays.TryGetValue($"{c.Index}.scale", out var s) ? s.ToNDArray<double>().ToDoubleArray() : null;
        // The element type of the result: T, except the casts (to the other type) and the integer argmax.
        bool float32 = c.Op == "cast" ? !c.IsFloat32 : c.IsFloat32;
        return Compare(c, result, expected, scale, float32, worst);
    }

    private static Result Compute<T>(Case c, Func<string, NDArray<T>> input) where T : unmanaged, IFloatingPointIeee754<T>
    {
        NDArray<T> a = c.Op == "linspace" ? null! : input("a");
        switch (c.Op)
        {
            case "add" or "subtract" or "multiply" or "divide":
                if (c.Json["scalar_first"] is null) return Result.Of(Binary(c.Op, a, input("b")));
                T s = input("s").Flat(0);
                return Result.Of(c.ScalarFirst ? ScalarFirst(c.Op, s, a) : ScalarSecond(c.Op, a, s));
            case "negative": return Result.Of(-a);
            case "abs": return Result.Of(a.Abs());
            case "sqrt": return Result.Of(a.Sqrt());
            case "exp": return Result.Of(a.Exp());
            case "log": return Result.Of(a.Log());
            case "map_leaky": return Result.Of(a.Map(v => v > T.Zero ? v : T.CreateTruncating(0.01) * v));
            case "sum": return Result.Of(a.Sum(c.Axis, c.KeepDims));
            case "mean": return Result.Of(a.Mean(c.Axis, c.KeepDims));
            case "std": return Result.Of(a.Std(c.Axis, c.KeepDims));
            case "max": return Result.Of(a.Max(c.Axis, c.KeepDims));
            case "min": return Result.Of(a.Min(c.Axis, c.KeepDims));
            case "sum_all": return Result.Scalar(a.Sum());
            case "mean_all": return Result.Scalar(a.Mean());
            case "std_all": return Result.Scalar(a.Std());
            case "sum_of_squares": return Result.Scalar(a.SumOfSquares());
            case "max_all": return Result.Scalar(double.CreateTruncating(a.Max()));
            case "min_all": return Result.Scalar(double.CreateTruncating(a.Min()));
            case "argmax": return Result.Scalar(NDArray<T>.ArgMax(a.AsSpan()));
            case "argmax_rows": return Result.Ints(a.ArgMaxRows());
            case "transpose": return Result.Of(a.Transpose());
            case "reshape": return Result.Of(a.Reshape(c.Args.Select(v => (int)v).ToArray()));
            case "flatten2d": return Result.Of(a.Flatten2D());
            case "slice_rows": return Result.Of(a.SliceRows((int)c.Args[0], (int)c.Args[1]));
            case "cast": return typeof(T) == typeof(double) ? Result.Of(a.Cast<float>()) : Result.Of(a.Cast<double>());
            case "linspace": return Result.Of(NDArray<T>.Linspace(c.Args[0], c.Args[1], (int)c.Args[2]));
            case "dot": return Result.Of(a.Dot(input("b")));
            default: throw new InvalidOperationException($"The table has an operation the test does not know: {c.Op}.");
        }
    }

    private static NDArray<T> Binary<T>(string op, NDArray<T> a, NDArray<T> b) where T : unmanaged, IFloatingPointIeee754<T> => op switch
    {
        "add" => a + b, "subtract" => a - b, "multiply" => a * b, _ => a / b,
    };

    private static NDArray<T> ScalarSecond<T>(string op, NDArray<T> a, T s) where T : unmanaged, IFloatingPointIeee754<T> => op switch
    {
        "add" => a + s, "subtract" => a - s, "multiply" => a * s, _ => a / s,
    };

    private static NDArray<T> ScalarFirst<T>(string op, T s, NDArray<T> a) where T : unmanaged, IFloatingPointIeee754<T> => op switch
    {
        "add" => s + a, "subtract" => s - a, "multiply" => s * a, _ => s / a,
    };

    /// <summary>Shapes exactly; NaN and ±inf at the same places; the values as the case's tolerance says.</summary>
    private static string? Compare(Case c, Result ours, NpyArray expected, double[]? scale, bool float32,
        Dictionary<string, (double Value, Case Case)> worst)
    {
        void Note(string what, double value)
        {
            if (!worst.TryGetValue(what, out var w) || value > w.Value) worst[what] = (value, c);
        }
        if (!ours.Shape.AsSpan().SequenceEqual(expected.Shape))
            return $"shape {NDArray<double>.ShapeToString(ours.Shape)}, NumPy {expected.ShapeString}";
        var want = expected.ToNDArray<double>().ToDoubleArray();
        double eps = float32 ? 1.0 / (1 << 23) : 1.0 / (1L << 52);
        // np.max and np.min return whichever zero comes first or last by their SIMD lanes' order ([-0., 0.].max() is
        // 0.0, [0., -0.].max() is -0.0): a tie of zeros is a tie.
        bool zeroTies = c.Op is "max" or "min" or "max_all" or "min_all";
        var diffs = new List<string>();
        for (int i = 0; i < want.Length; i++)
        {
            double o = ours.Values[i], e = want[i];
            string? bad = null;
            if (double.IsNaN(e) || double.IsNaN(o) || double.IsInfinity(e) || double.IsInfinity(o))
            {
                if (!(double.IsNaN(e) && double.IsNaN(o)) && o != e) bad = "non-finite mismatch";
            }
            else if (c.Tolerance == "exact")
            {
                bool same = zeroTies ? o == e : BitConverter.DoubleToInt64Bits(o) == BitConverter.DoubleToInt64Bits(e);
                if (!same) bad = "not bitwise equal";
            }
            else if (c.Tolerance == "ulps")
            {
                long ulps = float32 ? Math.Abs(Ordered((float)o) - (long)Ordered((float)e)) : Math.Abs(Ordered(o) - Ordered(e));
                Note($"ulps of {c.Op} {(float32 ? "float32" : "float64")}", ulps);
                if (ulps > c.K) bad = $"{ulps} ulps apart";
            }
            else if (o == 0 && e == 0)
            {
                // Sums start from +0.0 on both sides, so a zero's sign is NumPy's too.
                if (double.IsNegative(o) != double.IsNegative(e)) bad = "zeros of opposite signs";
            }
            else
            {
                double bound = c.K * eps * scale![i];
                if (o != e) Note($"|difference| / (ε·Σ|x|) of {c.Op} {(float32 ? "float32" : "float64")}", Math.Abs(o - e) / (eps * scale[i]));
                if (!(Math.Abs(o - e) <= bound)) bad = $"|difference| {Math.Abs(o - e):G3} > bound {bound:G3}";
            }
            if (bad is not null) diffs.Add($"[{i}] ours {o:R}, NumPy {e:R} ({bad})");
        }
        return diffs.Count == 0 ? null : $"{diffs.Count} of {want.Length} values differ: {string.Join("; ", diffs.Take(4))}";
    }

    /// <summary>The float's bits as an integer that orders like the value, so subtraction counts ulps.</summary>
    private static int Ordered(float v) { int b = BitConverter.SingleToInt32Bits(v); return b < 0 ? int.MinValue - b : b; }

    private static long Ordered(double v) { long b = BitConverter.DoubleToInt64Bits(v); return b < 0 ? long.MinValue - b : b; }
}
