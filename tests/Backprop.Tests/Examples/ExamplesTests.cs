using System.Diagnostics;
using Backprop.Tests.Data;
using Backprop.Tests.Plots;

namespace Backprop.Tests.Examples;

/// <summary>
/// Every notebook program runs to the end in quick mode (as CI runs it), every check it prints is within the
/// notebook's level, and its pictures are real images.
/// </summary>
public class ExamplesTests
{
    [Theory]
    [InlineData("TwoLayerNet", new[] { "toy_loss_cs231n.png", "subopt_weights.png", "best_weights.png" }, "Final training loss: 0.0171496079387")]   // seed 002 prints 12 digits
    [InlineData("FullyConnectedNets", new[] { "update_rules.png", "search.png", "best_accuracy.png", "twolayer_weights.png" }, "Initial loss: 2.3004790897684924")]
    [InlineData("Optimization", new[] { "all_update_rules.png", "easier_optimization.png" }, "next_w error: 1.09e-08")]
    [InlineData("BatchNormalization", new[] { "batchnorm_vs_baseline.png", "weight_scale.png" }, "means: [-0.03927354 -0.04349152 -0.10452688]")]
    [InlineData("Dropout", new[] { "dropout_regularization.png" }, "Fraction of train-time output set to zero: 0.749784")]
    public async Task RunsInQuickMode(string name, string[] pictures, string expectedLine)
    {
        _ = TestData.Cifar10SubsetDir;   // fails clearly when the data is missing
        using var outDir = new TempDir();
        var psi = new ProcessStartInfo("dotnet", ["run", Path.Combine("examples", name + ".cs"), "--", "--quick", "--out", outDir.Path])
        {
            WorkingDirectory = TestData.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["BACKPROP_DATA"] = TestData.Cifar10SubsetDir;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{name} did not finish within 5 minutes");
        }
        string output = await stdout;
        string errors = await stderr;
        Assert.True(p.ExitCode == 0, $"{name} exited with {p.ExitCode}:\n{errors}\n{output[^Math.Min(output.Length, 3000)..]}");
        Assert.Contains(expectedLine, output);
        Assert.DoesNotContain("ABOVE", output);                  // a check outside the notebook's level
        foreach (var picture in pictures)
        {
            var path = Path.Combine(outDir.Path, picture);
            Assert.True(File.Exists(path), $"{name} did not draw {picture}");
            using var bmp = SkiaSharp.SKBitmap.Decode(path);
            PlotTests.AssertPicture(File.ReadAllBytes(path), bmp.Width, bmp.Height);
        }
    }
}
