using Backprop.Tensors;
using static Backprop.Checks.GradientCheck;

namespace Backprop.Tests.Checks;

/// <summary>The numerical gradients themselves: the step they really take, x restored whatever f does, shapes checked.</summary>
public class GradientCheckTests
{
    [Fact]
    public void Float32_DividesByTheStepActuallyTaken()
    {
        // d/dx Σx = 1. At 1, float32 stores 1 ± 1e-5 as 1 ± 1.001358e-5: dividing by 2h read 1.001358.
        var near = NDArray<float>.FromRows([[1f, 3f]]);
        var g = EvalNumericalGradient<float>(v => v.Sum(), near);
        Assert.Equal(1f, g[0, 0], 1e-6f);
        Assert.Equal(1f, g[0, 1], 1e-6f);
        // At 1000 float32's spacing (6.1e-5) is larger than h: 1000 ± 1e-5 rounds back to 1000 and read 0.
        var far = NDArray<float>.FromRows([[1000f]]);
        var e = Assert.Throws<ArgumentException>(() => EvalNumericalGradient<float>(v => v.Sum(), far));
        Assert.Contains("a step of h = 1e-05 does not change x[0] = 1000 in Single; use a larger h", e.Message);
        Assert.Equal(1f, EvalNumericalGradient<float>(v => v.Sum(), far, h: 1e-2)[0, 0], 1e-6f);
        Assert.Equal(1f, EvalNumericalGradientArray<float>(v => v.Copy(), near, NDArray<float>.Ones(1, 2))[0, 0], 1e-6f);
        var sparse = GradCheckSparse<float>(v => v.Sum(), near, NDArray<float>.Ones(1, 2), numChecks: 3);
        Assert.All(sparse, c => Assert.InRange(c.RelError, 0, 1e-6));
    }

    [Fact]
    public void Float64_KeepsTheNotebooksFormula()
    {
        // (f(x + h) − f(x − h)) / 2h, bit for bit what gradient_check.py computes.
        var x = NDArray<double>.FromRows([[0.3, -1.7]]);
        var g = EvalNumericalGradient<double>(v => v[0, 0] * v[0, 0] + 3 * v[0, 1], x);
        double plus = (0.3 + 1e-5) * (0.3 + 1e-5) + 3 * -1.7, minus = (0.3 - 1e-5) * (0.3 - 1e-5) + 3 * -1.7;
        Assert.Equal((plus - minus) / 2e-5, g[0, 0]);
    }

    [Fact]
    public void Calls_AsGradientCheckPyDoes()
    {
        // eval_numerical_gradient evaluates fx = f(x) once first (2n + 1 calls); the array version does not (2n).
        var x = NDArray<double>.FromRows([[1.0, 2.0]]);
        int calls = 0;
        EvalNumericalGradient<double>(v => { calls++; return v.Sum(); }, x);
        Assert.Equal(5, calls);
        calls = 0;
        EvalNumericalGradientArray<double>(v => { calls++; return v.Copy(); }, x, x);
        Assert.Equal(4, calls);
    }

    [Fact]
    public void APointThatCannotBeStepped_IsSaidAsSuch()
    {
        var inf = NDArray<double>.FromRows([[1.0, double.PositiveInfinity]]);
        Assert.Contains("x[1] is Infinity; a gradient needs a finite point", Assert.Throws<ArgumentException>(() => EvalNumericalGradient<double>(v => 0, inf)).Message);
        // Float64 is already the widest type: the advice is a larger h only.
        var big = NDArray<double>.FromRows([[1e300]]);
        var e = Assert.Throws<ArgumentException>(() => EvalNumericalGradient<double>(v => 0, big));
        Assert.EndsWith("in Double; use a larger h. (Parameter 'h')", e.Message);
    }

    [Fact]
    public void Printed_AsTheNotebooksPrint_WhateverTheMachinesCulture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        // A German-style culture (decimal comma), made by hand: the tests run in invariant-globalization mode.
        var comma = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NumberGroupSeparator = ".";
        System.Globalization.CultureInfo.CurrentCulture = comma;
        try
        {
            var x = NDArray<double>.FromRows([[1.5, -0.25]]);
            Assert.Equal("[[ 1.5  -0.25]]", x.ToString());   // NumPy's print(x), not "1,5"
            var log = new StringWriter();
            GradCheckSparse<double>(v => v.SumOfSquares(), x, NDArray<double>.FromRows([[3.0, -0.5]]), numChecks: 1, log: log);
            Assert.Matches(@"^numerical: -?\d+\.\d{6} analytic: -?\d+\.\d{6}, relative error: \d\.\d{6}e[-+]\d\d\r?\n$", log.ToString());   // %f, %e
            var verbose = new StringWriter();
            EvalNumericalGradient<double>(v => v[0, 0] * 2 + v[0, 1], x, verbose: verbose);
            var lines = verbose.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
            Assert.Equal(["(0, 0)", "(0, 1)"], lines.Select(l => l[..l.LastIndexOf(' ')]));   // print(ix, grad[ix])
            Assert.Equal(2.0, double.Parse(lines[0][(lines[0].LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture), 6);
            Assert.Equal(1.0, double.Parse(lines[1][(lines[1].LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture), 6);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void X_IsRestored_WhenTheFunctionThrows()
    {
        var x = NDArray<double>.FromRows([[1.0, 2.0]]);
        Assert.Throws<InvalidOperationException>(() => EvalNumericalGradient<double>(_ => throw new InvalidOperationException(), x));
        Assert.Throws<InvalidOperationException>(() => EvalNumericalGradientArray<double>(_ => throw new InvalidOperationException(), x, x));
        Assert.Throws<InvalidOperationException>(() => GradCheckSparse<double>(_ => throw new InvalidOperationException(), x, x));
        Assert.Equal([1.0, 2.0], x.AsSpan().ToArray());
    }

    [Fact]
    public void Shapes_AreCompared_NotJustSizes()
    {
        var a = new NDArray<double>(2, 3);
        var b = new NDArray<double>(3, 2);
        Assert.Contains("shapes (2, 3) and (3, 2) differ", Assert.Throws<ArgumentException>(() => RelError(a, b)).Message);
        var e = Assert.Throws<ArgumentException>(() => EvalNumericalGradientArray<double>(v => v.Reshape(3, 2), a, a));
        Assert.Contains("f returns (3, 2) but df has shape (2, 3)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradCheckSparse<double>(v => v.Sum(), a, a, numChecks: -1));
    }

    [Fact]
    public void EvalNumericalGradientArray_OfAFunctionThatReturnsItsInput_IsTheUpstreamGradient()
    {
        // Test-mode dropout returns x itself, a reshape a view of it: both sides of the difference must be copies.
        var rng = new NumpyRandom(0);
        var x = rng.Randn(3, 4);
        var dout = rng.Randn(3, 4);
        var identity = EvalNumericalGradientArray(v => v, x, dout);
        Assert.True(RelError(identity, dout) < 1e-8, $"rel error {RelError(identity, dout)}");
        var reshaped = EvalNumericalGradientArray(v => v.Reshape(4, 3), x, dout.Reshape(4, 3));
        Assert.True(RelError(reshaped, dout) < 1e-8);
    }
}
