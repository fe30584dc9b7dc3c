using Backprop.Tests.Data;
using Backprop.Tests.Kernels;
using System.Text.Json;

namespace Backprop.Tests.Cli;

/// <summary><c>backprop gradcheck</c>: the notebooks' per-parameter lines, JSON, and a non-zero exit above --tol.</summary>
[Collection(KernelCollection.Name)]   // in-process runs with --threads set Parallelism.MaxThreads
public class CliGradcheckTests
{
    [Theory]
    [InlineData("none", "1")]
    [InlineData("batchnorm", "0.5")]
    [InlineData("layernorm", "1")]
    public void Gradcheck_PassesForEveryLayerType(string normalization, string dropout)
    {
        var r = CliRunner.Run("gradcheck", "--normalization", normalization, "--dropout", dropout, "--reg", "3.14");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"(?m)^W1 relative error: \d\.\d\de[-+]\d\d  \(norm-wise \d\.\d\de[-+]\d\d\)$", r.Out);
        Assert.Contains("W3 relative error: ", r.Out);
        if (normalization != "none") Assert.Contains("gamma2 relative error: ", r.Out);
        Assert.Contains("passed", r.Out);
    }

    [Fact]
    public void Gradcheck_OneSample_IsNotRefusedForTheDataSetsBatchNorm()
    {
        // gradcheck's own default is no normalization: a batch of 1 is fine for it.
        var r = CliRunner.Run("gradcheck", "--batch-size", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("passed", r.Out);
        Assert.Contains("batch normalization needs at least 2", CliRunner.Run("gradcheck", "--batch-size", "1", "--normalization", "batchnorm").Error);
    }

    [Fact]
    public void Gradcheck_Json_Float32_AndFailureAboveTol()
    {
        var r = CliRunner.Run("gradcheck", "--dtype", "float32", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using (var doc = JsonDocument.Parse(r.Out))
        {
            Assert.True(doc.RootElement.GetProperty("passed").GetBoolean());
            Assert.Equal(6, doc.RootElement.GetProperty("relative_errors").EnumerateObject().Count());
            // 1e-3 let an analytic db off by 0.1% pass in float32; correct float32 gradients read ≤ 6e-5.
            Assert.Equal(1e-4, doc.RootElement.GetProperty("tol").GetDouble());
        }
        foreach (var norm in new[] { "batchnorm", "layernorm" })
        {
            var f32 = CliRunner.Run("gradcheck", "--dtype", "float32", "--normalization", norm, "--dropout", "0.8", "--reg", "0.1");
            Assert.True(f32.ExitCode == 0, f32.ToString());
        }
        // Small weights: a failure says the check, not the gradient, is then the likelier culprit.
        var small = CliRunner.Run("gradcheck", "--weight-scale", "1e-3");   // a correct gradient, failed on kinks (seed 231)
        Assert.Equal(1, small.ExitCode);
        Assert.Contains("(221 of 500 ReLU inputs lie within 10·h of 0, where centred differences cross the kink", small.Out);
        Assert.DoesNotContain("ReLU inputs", CliRunner.Run("gradcheck", "--tol", "1e-30").Out);   // at 5e-2 no such note
        var fail = CliRunner.Run("gradcheck", "--tol", "1e-30");
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains("FAILED", fail.Out);

        // Weights so large every loss overflows: NaN errors are JSON nulls and a failure (exit 1), not a serializer's error.
        var nan = CliRunner.Run("gradcheck", "--weight-scale", "1e200", "--step", "1e190", "--json");
        Assert.True(nan.ExitCode == 1, nan.ToString());
        using var nanDoc = JsonDocument.Parse(nan.Out);
        Assert.False(nanDoc.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, nanDoc.RootElement.GetProperty("norm_errors").GetProperty("W1").ValueKind);
        var nanText = CliRunner.Run("gradcheck", "--weight-scale", "1e200", "--step", "1e190");
        Assert.Contains("FAILED: W1 norm-wise error NaN", nanText.Out);
    }

    [Fact]
    public void Gradcheck_DeepNet_FailingOnKinks_SaysSo()
    {
        // Six hidden layers of 20 at the notebooks' 5e-2: each layer scales the activations by ~0.16, so the last
        // layers' ReLU inputs sit within the step of 0 and a correct gradient fails (b6 at 1.3e-1). The note keyed on
        // the weight scale alone (below 1e-2) said nothing here; it now counts the inputs near the kink.
        var deep = CliRunner.Run("gradcheck", "--hidden", "20,20,20,20,20,20");
        Assert.Equal(1, deep.ExitCode);
        Assert.Contains("FAILED: b6 norm-wise error", deep.Out);
        Assert.Contains("(207 of 1200 ReLU inputs lie within 10·h of 0", deep.Out);
        // The same architecture with weights that keep the activations' scale passes: the gradient was right.
        var scaled = CliRunner.Run("gradcheck", "--hidden", "20,20,20,20,20,20", "--weight-scale", "0.3");
        Assert.True(scaled.ExitCode == 0, scaled.ToString());
        // Batch or layer norm at a tiny weight scale: the step is a sizeable part of every weight. The normalization
        // rescales the ReLU inputs to about 1, so one of them near 0 is chance (batch norm's 1 of 500 here): the note
        // names the step, as the CLI README says, not "weights small for this depth".
        foreach (var normalization in new[] { "layernorm", "batchnorm" })
        {
            var coarse = CliRunner.Run("gradcheck", "--normalization", normalization, "--weight-scale", "1e-4");
            Assert.Equal(1, coarse.ExitCode);
            Assert.Contains("(with weight scale 0.0001, a step of h is 1% of a typical weight: too coarse for centred differences", coarse.Out);
            Assert.DoesNotContain("ReLU inputs lie within", coarse.Out);
        }
    }

    [Fact]
    public void Gradcheck_ABiasBeforeBatchNorm_IsJudgedByItsAnalyticGradientBeingZero()
    {
        // Weight scale 1 with batch norm: b1's true gradient is 0 (batch norm subtracts the mean it shifts), and its
        // centred differences are the rounding of a loss of ~23, 2e-6 norm-wise. A correct gradient said FAILED (with
        // a note suggesting a larger --step); b1 and b2 are now judged by their analytic gradient being zero.
        var big = CliRunner.Run("gradcheck", "--normalization", "batchnorm", "--weight-scale", "1");
        Assert.True(big.ExitCode == 0, big.ToString());
        Assert.Matches(@"(?m)^b1 relative error: \d\.\d\de[-+]\d\d  \(norm-wise \d\.\d\de[-+]\d\d\)  true gradient 0: largest \|analytic\| \d\.\d\de-1\d of the largest$", big.Out);
        Assert.Contains("b2 relative error: ", big.Out);
        // The output layer's bias has no batch norm after it: judged norm-wise, as before.
        Assert.DoesNotContain("true gradient 0", big.Out.Split('\n').Single(l => l.StartsWith("b3 ", StringComparison.Ordinal)));
        Assert.Contains("passed: every norm-wise error ≤ 1e-06; b1, b2, whose true gradient is 0, by |analytic| ≤ tol × the largest instead", big.Out);
        using var doc = JsonDocument.Parse(CliRunner.Run("gradcheck", "--normalization", "batchnorm", "--weight-scale", "1", "--json").Out);
        var zeros = doc.RootElement.GetProperty("zero_residuals");
        Assert.Equal(["b1", "b2"], zeros.EnumerateObject().Select(p => p.Name));
        Assert.InRange(zeros.GetProperty("b1").GetDouble(), 0, 1e-14);
        Assert.True(doc.RootElement.GetProperty("passed").GetBoolean());
        // Without batch norm no parameter is judged so.
        Assert.Empty(JsonDocument.Parse(CliRunner.Run("gradcheck", "--json").Out).RootElement.GetProperty("zero_residuals").EnumerateObject());
    }

    [Fact]
    public void NormError_OfHugeGradients_DoesNotOverflow()
    {
        // Squares of 1e200 overflow a double; the sums are taken on values scaled by the largest.
        var x = Backprop.Tensors.NDArray<double>.FromRows([[3e200, -4e200]]);
        var y = Backprop.Tensors.NDArray<double>.FromRows([[3e200, -4e200 * (1 + 1e-6)]]);
        Assert.Equal(4e-6 / 10, Backprop.Training.ModelGradientCheck.NormError(x, y), 1e-9);
        var tiny = Backprop.Tensors.NDArray<double>.FromRows([[1e-5, 0]]);
        Assert.Equal(1e-5 / 1e-3, Backprop.Training.ModelGradientCheck.NormError(tiny, new Backprop.Tensors.NDArray<double>(1, 2)), 1e-12);
        Assert.True(double.IsNaN(Backprop.Training.ModelGradientCheck.NormError(Backprop.Tensors.NDArray<double>.FromRows([[double.NaN]]), new Backprop.Tensors.NDArray<double>(1, 1))));
    }
    [Fact]
    public void Gradcheck_TwoLayerNet_WithTheDataSetsDefaults_AndOnlyTheArchitecturesOptions()
    {
        // The data set's defaults are a deep net's (batch norm, two hidden layers): the two-layer net takes its own.
        var r = CliRunner.Run("gradcheck", "--model", "twolayer");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("b2 relative error: ", r.Out);
        Assert.DoesNotContain("W3", r.Out);
        var bn = CliRunner.Run("gradcheck", "--model", "twolayer", "--normalization", "batchnorm");
        Assert.Equal(2, bn.ExitCode);
        Assert.Contains("--normalization: the twolayer model has no normalization; use normalization none, or model fc.", bn.Error);
        // A --config file replaces the check's defaults only for the keys it sets.
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("h.json"), """{"hidden": [5]}""");
        var fromFile = CliRunner.Run("gradcheck", "--config", tmp.File("h.json"));
        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        Assert.Contains("b2 relative error", fromFile.Out);
        Assert.DoesNotContain("gamma1", fromFile.Out);   // no normalization: the check's default, not training's
        Assert.DoesNotContain("W3", fromFile.Out);
        // The schedule's options do nothing here, so they are not offered.
        Assert.Contains("Unrecognized command or argument '--epochs'", CliRunner.Run("gradcheck", "--epochs", "3").Error);
        Assert.DoesNotContain("--learning-rate", CliRunner.Run("gradcheck", "--help").Out);
    }

    [Fact]
    public void Gradcheck_StopsOnCtrlC_BetweenTwoLosses()
    {
        // 300 × 300 weights: tens of thousands of loss evaluations, far longer than the cancellation below.
        using var ctrlC = new CancellationTokenSource();
        ctrlC.CancelAfter(TimeSpan.FromMilliseconds(300));
        var r = CliRunner.Run(ctrlC.Token, "gradcheck", "--hidden", "300", "--input-dim", "300", "--threads", "1");
        Assert.True(r.ExitCode == 130, r.ToString());
        Assert.DoesNotContain("W1 relative error", r.Out);
        Assert.Equal("backprop: interrupted (Ctrl-C or SIGTERM).", Assert.Single(r.ErrorLines));
        // Said before the first (long) parameter: nothing was printed until W1 was done.
        Assert.Equal("Checking 93,310 parameters: 186,620 loss evaluations; each line comes as its parameter is done (Ctrl-C stops the check).",
            r.Out.Split('\n')[0].TrimEnd('\r'));
        Assert.DoesNotContain("Checking", CliRunner.Run("gradcheck").Out);   // the notebooks' small net: no need
    }
}
