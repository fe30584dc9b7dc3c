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
        using var outDir = new TempDir();
        var (exitCode, output, errors) = await Run(name, "--quick", "--out", outDir.Path);
        Assert.True(exitCode == 0, $"{name} exited with {exitCode}:\n{errors}\n{output[^Math.Min(output.Length, 3000)..]}");
        Assert.Contains(expectedLine, output);
        Assert.DoesNotContain("ABOVE", output);                  // a check outside the notebook's level
        Assert.DoesNotContain("FAILS", output);                  // an assertion of the notebook's that does not hold
        // The random search's lines in Python's %e, as seed 000 prints them ("lr 1.372828e-04 ws 4.361943e-02 …").
        if (name == "FullyConnectedNets")
            Assert.Matches(@"(?m)^lr \d\.\d{6}e[-+]\d\d ws \d\.\d{6}e[-+]\d\d train accuracy: \d\.\d{6}, validation accuracy: \d\.\d{6}\r?$", output);
        foreach (var picture in pictures)
        {
            var path = Path.Combine(outDir.Path, picture);
            Assert.True(File.Exists(path), $"{name} did not draw {picture}");
            using var bmp = SkiaSharp.SKBitmap.Decode(path);
            PlotTests.AssertPicture(File.ReadAllBytes(path), bmp.Width, bmp.Height);
        }
    }

    [Fact]
    public async Task WithoutData_RunsTheChecks_ThenSaysWhereDataWasLookedFor()
    {
        using var emptyDataDir = new TempDir();
        using var outDir = new TempDir();
        var (exitCode, output, errors) = await Run("Optimization", "--quick", "--data-dir", emptyDataDir.Path, "--out", outDir.Path);
        Assert.Equal(3, exitCode);
        Assert.Contains("v error: 4.21e-09", output);            // the last update-rule check ran before the data was needed
        Assert.Contains($"found no CIFAR-10 in '{emptyDataDir.Path}' (--data-dir)", errors);
        Assert.Contains("data download --dataset cifar10", errors);
        Assert.DoesNotContain("Exception", errors);              // a message, not a stack trace
    }

    private static async Task<(int ExitCode, string Output, string Errors)> Run(string example, params string[] args)
    {
        _ = TestData.Cifar10SubsetDir;   // fails clearly when the data is missing
        var psi = new ProcessStartInfo("dotnet", ["run", Path.Combine("examples", example + ".cs"), "--", .. args])
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
            Assert.Fail($"{example} did not finish within 5 minutes");
        }
        return (p.ExitCode, await stdout, await stderr);
    }
}
