using System.Numerics;
using System.Text.Json.Nodes;
using Backprop.Data;
using Backprop.Layers;
using Backprop.Tensors;
using Xunit.Abstractions;

namespace Backprop.Tests.Reference;

/// <summary>
/// Every layer against the course's own layers.py (2019, as its solutions complete it) at the inputs where its
/// conventions decide: <c>layers_reference.py</c> runs the course's functions on a table of cases (ReLU at exactly 0,
/// SVM margins of exactly 0, tied, huge (±1e4, ±3e38 in float32) and ±inf softmax scores, labels 0 and C−1, batch
/// norm with N = 1 and constant columns in train and test mode with momentum 0 and 1 and eps given, layer norm with
/// constant rows and D = 1, dropout at keep 1 and tiny keeps with a seed, affine samples of rank 1–4 with N = 1 and
/// M = 1, the affine-ReLU and batchnorm-ReLU sandwiches; forward and backward; float32 and float64), and each test
/// here runs its share through Backprop's layers. Shapes must be equal, NaN and ±∞ at the same places, values bit for
/// bit where one rounding decides (ReLU, the SVM gradient, dropout, running statistics at momentum 1 and in test mode),
/// else within k·ε·scale, the scale being the magnitudes the script computes for each value's roundings.
/// Where Backprop differs on purpose the test checks that it does what its documentation says instead:
/// <list type="bullet">
/// <item>ReLU of −0 is +0 (<see cref="Layer.ReluForward{T}"/>'s documentation), where <c>np.maximum(0, -0.0)</c> is −0.</item>
/// <item>ReLU's gradient is +0 wherever x ≤ 0 (or NaN), whatever dout holds (<see cref="Layer.ReluBackward{T}"/>'s
/// documentation), where the course's product <c>dout * (x &gt; 0)</c> gives −0 for a negative dout and NaN for a NaN or
/// infinite one.</item>
/// <item>Batch norm refuses a training batch of one sample (<see cref="Layer.BatchNormForward{T}"/>), where the course
/// returns β.</item>
/// <item>The course's float32 dropout gradient is float64 (its mask is); ours is float32, the course's value rounded once.</item>
/// </list>
/// </summary>
public class LayersNumpyReferenceTests(LayersNumpyReferenceTests.CourseTable table, ITestOutputHelper output)
    : IClassFixture<LayersNumpyReferenceTests.CourseTable>
{
    /// <summary>The table, computed once for the class by the Python script (null without NumPy).</summary>
    public sealed class CourseTable() : ReferenceTable<Case>("layers_reference.py", (i, json) => new Case(i, json));

    /// <summary>One row of the table, as <c>layers_reference.py</c> wrote it.</summary>
    public sealed record Case(int Index, JsonObject Json)
    {
        public string Op => (string)Json["op"]!;
        public bool IsFloat32 => (string)Json["dtype"]! == "float32";
        public string? Mode => (string?)Json["mode"];
        public double? Get(string key) => Json[key] is { } v ? (double)v : null;
        public IEnumerable<(string Name, string Tol, double K)> Outputs =>
            Json["outputs"]!.AsObject().Select(o => (o.Key, (string)o.Value!["tol"]!, o.Value!["k"] is { } k ? (double)k : 0));

        public override string ToString() =>
            $"case {Index}: {Op} {Json["dtype"]}{(Json["what"] is { } w ? $" '{w}'" : "")}{(Mode is { } m ? $" {m}" : "")}" +
            $"{(Json["p"] is { } p ? $" p {p}" : "")}{(Json["momentum"] is { } mo ? $" momentum {mo}" : "")}{(Json["eps"] is { } e ? $" eps {e}" : "")}";
    }

    /// <summary>One of our outputs: its shape and values as doubles (exact for float).</summary>
    private sealed record Result(int[] Shape, double[] Values)
    {
        public static Result Of<T>(NDArray<T> a) where T : unmanaged, IFloatingPointIeee754<T> => new(a.ShapeArray(), a.ToDoubleArray());
        public static Result Scalar(double v) => new([], [v]);
    }

    [SkippableFact]
    public void Affine_SamplesOfRank1To4_N1_M1_AsTheCourse() => Check(["affine"]);

    [SkippableFact]
    public void Relu_AtZeroAndNonFinite_AsTheCourseOrAsDocumented() => Check(["relu"]);

    [SkippableFact]
    public void AffineReluSandwich_WithOutputsOfExactlyZero_AsTheCourse() => Check(["affine_relu"]);

    [SkippableFact]
    public void SvmLoss_AtMarginsOfZero_Ties_HugeAndNonFiniteScores_AsTheCourse() => Check(["svm"]);

    [SkippableFact]
    public void SoftmaxLoss_AtTiedHugeAndInfiniteScores_AsTheCourse() => Check(["softmax"]);

    [SkippableFact]
    public void BatchNorm_ConstantColumns_Momentum0And1_TrainAndTest_AsTheCourseOrAsDocumented() => Check(["batchnorm"]);

    [SkippableFact]
    public void LayerNorm_ConstantRows_D1_AsTheCourse() => Check(["layernorm"]);

    [SkippableFact]
    public void Dropout_Keep1_TinyKeeps_TestMode_Seeded_AsTheCourse() => Check(["dropout"]);

    private void Check(string[] ops)
    {
        Skip.If(table.Cases is null, "the reference needs NumPy (apt-get install python3-numpy)");
        var cases = table.Cases!.Where(c => ops.Contains(c.Op)).ToList();
        Assert.NotEmpty(cases);
        var failures = new List<string>();
        var notes = new List<string>();
        var worst = new Dictionary<string, (double Value, Case Case)>();
        int values = 0;
        foreach (var c in cases)
        {
            var problems = c.IsFloat32 ? Run<float>(c, worst, notes, ref values) : Run<double>(c, worst, notes, ref values);
            failures.AddRange(problems.Select(p => $"{c}: {p}"));
        }
        output.WriteLine($"NumPy {table.NumpyVersion}: {cases.Count} cases of {string.Join(", ", ops)}, {values} values compared; {failures.Count} differences.");
        foreach (var (what, (value, c)) in worst.OrderBy(w => w.Key, StringComparer.Ordinal))
            output.WriteLine($"  largest {what}: {value:G3} ({c})");
        foreach (var n in notes) output.WriteLine("  documented: " + n);
        foreach (var f in failures) output.WriteLine(f);
        Assert.True(failures.Count == 0, $"{failures.Count} outputs differ from the course's:\n" + string.Join("\n", failures.Take(40)));
    }

    private List<string> Run<T>(Case c, Dictionary<string, (double, Case)> worst, List<string> notes, ref int values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NDArray<T> In(string name) => table.Arrays[$"{c.Index}.{name}"].ToNDArray<T>();
        bool Has(string name) => table.Arrays.ContainsKey($"{c.Index}.{name}");
        Dictionary<string, Result> ours;
        try
        {
            ours = Compute(c, In, () => table.Arrays[$"{c.Index}.y"].ToInt32Array(), Has, notes);
        }
        catch (Exception e)
        {
            return [$"ours threw {e.GetType().Name}: {e.Message}"];
        }
        var problems = new List<string>();
        foreach (var (name, tol, k) in c.Outputs)
        {
            if (!ours.TryGetValue(name, out var result))
            {
                if (ours.ContainsKey("refused")) continue;   // documented refusal, checked in Compute
                problems.Add($"{name}: ours computed nothing");
                continue;
            }
            var expected = table.Arrays[$"{c.Index}.{name}"];
            double[]? scale = tol == "bound" ? table.Arrays[$"{c.Index}.{name}.scale"].ToNDArray<double>().ToDoubleArray() : null;
            double[]? reluInput = null;
            if (c.Op == "relu" && name == "dx") reluInput = In("x").ToDoubleArray();
            values += expected.Size;
            if (Compare(c, name, result, expected, tol, k, scale, c.IsFloat32, reluInput, worst, notes) is { } p) problems.Add(p);
        }
        return problems;
    }

    private static Dictionary<string, Result> Compute<T>(Case c, Func<string, NDArray<T>> input, Func<int[]> labels, Func<string, bool> has, List<string> notes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new Dictionary<string, Result>();
        switch (c.Op)
        {
            case "affine":
            {
                var (outp, cache) = Layer.AffineForward(input("x"), input("w"), input("b"));
                var (dx, dw, db) = Layer.AffineBackward(input("dout"), cache);
                r["out"] = Result.Of(outp); r["dx"] = Result.Of(dx); r["dw"] = Result.Of(dw); r["db"] = Result.Of(db);
                break;
            }
            case "relu":
            {
                var (outp, cache) = Layer.ReluForward(input("x"));
                r["out"] = Result.Of(outp);
                r["dx"] = Result.Of(Layer.ReluBackward(input("dout"), cache));
                break;
            }
            case "affine_relu":
            {
                var (outp, cache) = Layer.AffineReluForward(input("x"), input("w"), input("b"));
                var (dx, dw, db) = Layer.AffineReluBackward(input("dout"), cache);
                r["out"] = Result.Of(outp); r["dx"] = Result.Of(dx); r["dw"] = Result.Of(dw); r["db"] = Result.Of(db);
                break;
            }
            case "svm" or "softmax":
            {
                var y = labels();
                var (loss, dx) = c.Op == "svm" ? Layer.SvmLoss(input("x"), y) : Layer.SoftmaxLoss(input("x"), y);
                r["loss"] = Result.Scalar(loss); r["dx"] = Result.Of(dx);
                break;
            }
            case "batchnorm":
            {
                var x = input("x");
                BatchNormParam<T> Param()
                {
                    var p = new BatchNormParam<T> { Mode = c.Mode == "test" ? Mode.Test : Mode.Train };
                    if (c.Get("momentum") is { } m) p.Momentum = m;
                    if (c.Get("eps") is { } e) p.Eps = e;
                    if (has("running_mean0")) { p.RunningMean = input("running_mean0"); p.RunningVar = input("running_var0"); }
                    return p;
                }
                var param = Param();
                if (param.Mode == Mode.Train && x.Dim(0) == 1)
                {
                    // Documented (BatchNormForward, CheckTrainingBatch): one sample has no variance to estimate; the
                    // course returns beta, we refuse, as PyTorch's BatchNorm1d does.
                    var e = Assert.Throws<ArgumentException>(() => Layer.BatchNormForward(x, input("gamma"), input("beta"), param));
                    Assert.Contains("at least 2 samples", e.Message);
                    Assert.Throws<ArgumentException>(() => Layer.BatchNormReluForward(x, input("gamma"), input("beta"), Param()));
                    notes.Add($"{c}: a training batch of one sample is refused ({e.Message})");
                    r["refused"] = Result.Scalar(1);
                    break;
                }
                var (outp, cache) = Layer.BatchNormForward(x, input("gamma"), input("beta"), param);
                r["out"] = Result.Of(outp);
                r["running_mean"] = Result.Of(param.RunningMean!);
                r["running_var"] = Result.Of(param.RunningVar!);
                if (param.Mode == Mode.Test) break;
                var dout = input("dout");
                var (dx, dg, db) = Layer.BatchNormBackward(dout, cache);
                r["dx"] = Result.Of(dx); r["dgamma"] = Result.Of(dg); r["dbeta"] = Result.Of(db);
                (dx, dg, db) = Layer.BatchNormBackwardAlt(dout, cache);
                r["dx_alt"] = Result.Of(dx); r["dgamma_alt"] = Result.Of(dg); r["dbeta_alt"] = Result.Of(db);
                var fusedParam = Param();
                var (h, fused) = Layer.BatchNormReluForward(x, input("gamma"), input("beta"), fusedParam);
                (dx, dg, db) = Layer.BatchNormReluBackward(dout, fused);
                r["relu_out"] = Result.Of(h); r["relu_dx"] = Result.Of(dx); r["relu_dgamma"] = Result.Of(dg); r["relu_dbeta"] = Result.Of(db);
                Assert.Equal(param.RunningMean!.ToDoubleArray(), fusedParam.RunningMean!.ToDoubleArray());
                Assert.Equal(param.RunningVar!.ToDoubleArray(), fusedParam.RunningVar!.ToDoubleArray());
                break;
            }
            case "layernorm":
            {
                var lnParam = new LayerNormParam();
                if (c.Get("eps") is { } e) lnParam.Eps = e;
                var (outp, cache) = Layer.LayerNormForward(input("x"), input("gamma"), input("beta"), lnParam);
                var (dx, dg, db) = Layer.LayerNormBackward(input("dout"), cache);
                r["out"] = Result.Of(outp); r["dx"] = Result.Of(dx); r["dgamma"] = Result.Of(dg); r["dbeta"] = Result.Of(db);
                break;
            }
            case "dropout":
            {
                uint? seed = c.Json["seed"] is { } s ? (uint)s : null;
                var rng = c.Json["generator"] is { } g ? new NumpyRandom((uint)g) : null;
                var param = new DropoutParam(c.Get("p")!.Value, c.Mode == "test" ? Mode.Test : Mode.Train, seed, rng);
                var (outp, cache) = Layer.DropoutForward(input("x"), param);
                r["out"] = Result.Of(outp);
                r["dx"] = Result.Of(Layer.DropoutBackward(input("dout"), cache));
                if (c.Json["kept"] is { } kept && cache.Mask is { } mask)
                    Assert.Equal((int)kept, mask.ToDoubleArray().Count(v => v != 0));
                break;
            }
            default: throw new InvalidOperationException($"The table has a layer the test does not know: {c.Op}.");
        }
        return r;
    }

    /// <summary>Shapes exactly; NaN and ±inf at the same places; values as the output's tolerance says.</summary>
    private static string? Compare(Case c, string name, Result ours, NpyArray expected, string tol, double k, double[]? scale,
        bool float32, double[]? reluInput, Dictionary<string, (double Value, Case Case)> worst, List<string> notes)
    {
        if (!ours.Shape.AsSpan().SequenceEqual(expected.Shape))
            return $"{name}: shape {NDArray<double>.ShapeToString(ours.Shape)}, the course's {expected.ShapeString}";
        var want = expected.ToNDArray<double>().ToDoubleArray();
        // The course's float32 dropout gradient is float64 (a float32 dout times its float64 mask): ours, float32, must
        // be that value rounded once.
        bool rounded = float32 && expected.DType == NpyDType.Float64;
        if (rounded) notes.Add($"{c}: {name} is float64 in the course (its mask is float64); ours is float32, compared with its rounding");
        double eps = float32 ? 1.0 / (1 << 23) : 1.0 / (1L << 52);
        var diffs = new List<string>();
        int documented = 0, zeroSigns = 0;
        for (int i = 0; i < want.Length; i++)
        {
            double o = ours.Values[i], e = rounded ? (float)want[i] : want[i];
            string? bad = null;
            if (reluInput is not null && !(reluInput[i] > 0))
            {
                // Documented (Layer.ReluBackward): dx is +0 wherever x is not positive, whatever dout holds.
                if (BitConverter.DoubleToInt64Bits(o) != 0) bad = "not +0 where x <= 0";
                else if (BitConverter.DoubleToInt64Bits(e) != 0) documented++;
            }
            else if (double.IsNaN(e) || double.IsNaN(o) || double.IsInfinity(e) || double.IsInfinity(o))
            {
                if (!(double.IsNaN(e) && double.IsNaN(o)) && o != e) bad = "non-finite mismatch";
            }
            else if (tol == "exact")
            {
                if (BitConverter.DoubleToInt64Bits(o) == BitConverter.DoubleToInt64Bits(e)) { }
                // Documented (Layer.ReluForward): −0 gives +0, where np.maximum(0, −0.0) is −0.
                else if (c.Op == "relu" && name == "out" && e == 0 && o == 0 && !double.IsNegative(o)) zeroSigns++;
                else bad = "not bitwise equal";
            }
            else
            {
                double bound = k * eps * scale![i];
                if (o != e && scale[i] > 0) Note(worst, c, $"|difference| / (k·ε·scale) of {c.Op} {name} {(float32 ? "float32" : "float64")}", Math.Abs(o - e) / bound);
                if (!(Math.Abs(o - e) <= bound)) bad = $"|difference| {Math.Abs(o - e):G3} > bound {bound:G3}";
            }
            if (bad is not null) diffs.Add($"[{i}] ours {o:R}, the course's {e:R} ({bad})");
        }
        if (zeroSigns > 0) notes.Add($"{c}: {name} is +0 at {zeroSigns} places where the course's np.maximum(0, -0.0) is -0");
        if (documented > 0) notes.Add($"{c}: {name} has +0 at {documented} places x <= 0 where the course's product has -0 or NaN");
        return diffs.Count == 0 ? null : $"{name}: {diffs.Count} of {want.Length} values differ: {string.Join("; ", diffs.Take(4))}";
    }

    private static void Note(Dictionary<string, (double Value, Case Case)> worst, Case c, string what, double value)
    {
        if (!worst.TryGetValue(what, out var w) || value > w.Value) worst[what] = (value, c);
    }
}
