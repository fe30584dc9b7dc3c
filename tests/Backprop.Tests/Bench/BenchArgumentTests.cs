namespace Backprop.Tests.Bench;

/// <summary>
/// The bench's command lines refuse what they do not understand before anything is timed: <c>--help</c> prints the
/// usage and exits 0; an unknown option, an unknown section or data set and a number out of range exit 2 with a
/// message naming what is valid (a typo must not start a 19-minute suite with the defaults, nor die in a stack trace
/// halfway through).
/// </summary>
[Collection(Kernels.KernelCollection.Name)]
public class BenchArgumentTests
{
    [Fact]
    public void SuiteHelp_PrintsUsageAndRunsNothing()
    {
        var r = BenchProgram.Run("suite", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("usage: bench/run.sh", r.Stdout);
        Assert.Contains("--only", r.Stdout);
        Assert.DoesNotContain("suite:", r.Stderr); // nothing started (the suite logs "suite: results to ...")
    }

    [Theory]
    [InlineData("unknown option '--round'; valid options: ", "--round", "1")]
    [InlineData("unknown argument 'gemm'", "gemm")]
    [InlineData("--only: unknown section 'epochs'; the sections: gemm, epoch, bandwidth, determinism, soak", "--only", "epochs")]
    [InlineData("--only takes sections", "--only", ",")]
    [InlineData("--rounds takes a whole number ≥ 1, got '0'", "--rounds", "0")]
    [InlineData("--rounds takes a whole number ≥ 1, got 'x'", "--rounds", "x")]
    [InlineData("--gemm-rounds needs a value", "--gemm-rounds")]
    [InlineData("--threads takes a whole number from 1 to ", "--threads", "0")]
    public void Suite_RefusesBadOptions(string message, params string[] args)
    {
        var r = BenchProgram.Run(["suite", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // a message, not a stack trace
    }

    [Fact]
    public void Suite_RefusesMoreThreadsThanCpus()
    {
        // The report would state counts that never ran (ours caps itself at the CPUs, PyTorch does not).
        int cpus = Environment.ProcessorCount;
        var r = BenchProgram.Run("suite", "--threads", (cpus + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--dry-run");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"--threads takes a whole number from 1 to {cpus}, got '{cpus + 1}'", r.Stderr);
    }

    [Theory]
    [InlineData("--epochs takes a whole number ≥ 1, got '0'", "--epochs", "0")]
    [InlineData("--warmup takes a whole number ≥ 0, got '-1'", "--warmup", "-1")]
    [InlineData("--batch-size takes a whole number ≥ 1, got '0'", "--batch-size", "0")]
    [InlineData("--data 'foo' is not one of cifar10-random, fashion-mnist", "--data", "foo")]
    [InlineData("--data 'cifar10' is not one of cifar10-random, fashion-mnist", "--data", "cifar10")]
    [InlineData("--hidden takes whole numbers ≥ 1 separated by commas, got '5,x'", "--hidden", "5,x")]
    [InlineData("Unknown update rule 'foo'", "--update-rule", "foo")]
    [InlineData("--reg takes a number ≥ 0, got '-1'", "--reg", "-1")]
    [InlineData("--reg takes a number ≥ 0, got 'nan'", "--reg", "nan")]
    [InlineData("unknown option '--epoch'", "--epoch", "2")]
    public void Epoch_RefusesBadOptions(string message, params string[] args)
    {
        var r = BenchProgram.Run(["epoch", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void Epoch_TrainsWithTheRegItIsGiven()
    {
        // The same draws with and without the L2 term: the loss differs by 0.5·reg·ΣW² and more as the weights shrink.
        (double Reg, double LastLoss) Run(string reg)
        {
            var r = BenchProgram.Run("epoch", "--data", "cifar10-random", "--num-train", "300", "--hidden", "20", "--normalization", "none",
                "--update-rule", "sgd", "--learning-rate", "1e-3", "--epochs", "1", "--warmup", "0", "--threads", "1", "--reg", reg);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var json = System.Text.Json.Nodes.JsonNode.Parse(r.Stdout)!;
            return (json["config"]!["reg"]!.GetValue<double>(), json["speed"]!["last_loss"]!.GetValue<double>());
        }
        var plain = Run("0");
        var l2 = Run("0.5");
        Assert.Equal(0.0, plain.Reg);
        Assert.Equal(0.5, l2.Reg);
        Assert.True(l2.LastLoss > plain.LastLoss, $"reg 0.5: {l2.LastLoss}, reg 0: {plain.LastLoss}");
    }

    [Theory]
    [InlineData("gemm", "no case's name contains 'nope'; the cases: square-1024", "--case", "nope")]
    [InlineData("gemm", "--threads takes a whole number from 1 to 1024, got '0'", "--threads", "0")]
    [InlineData("gemm", "--seconds takes a number > 0, got '-1'", "--seconds", "-1")]
    [InlineData("bandwidth", "--rows takes a whole number ≥ 1, got '0'", "--rows", "0")]
    [InlineData("peer-blas", "unknown option '--bad'", "--bad")]
    public void Commands_RefuseBadOptions(string command, string message, params string[] args)
    {
        var r = BenchProgram.Run([command, .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
    }

    /// <summary>
    /// A partial run (<c>--only</c>) without <c>--out</c> goes to a scratch folder, never over the committed full
    /// report in bench/; the smoke run has its own; <c>--out</c> wins.
    /// </summary>
    [Theory]
    [InlineData("bench/out/only-gemm-soak", "--only", "soak,gemm")]
    [InlineData("bench/out/smoke", "--only", "gemm", "--smoke")]
    [InlineData("bench")]
    [InlineData("elsewhere", "--only", "gemm", "--out", "elsewhere")]
    public void Suite_WritesWhereItSays(string folder, params string[] args)
    {
        string repo = HarnessSmokeTests.Repo();
        var r = BenchProgram.Run(["suite", "--dry-run", "--repo", repo, .. args]);
        Assert.Equal(0, r.ExitCode);
        string expected = Path.GetFullPath(folder.StartsWith("bench", StringComparison.Ordinal) ? Path.Combine(repo, folder) : folder);
        Assert.Contains($"out: {expected}\n", r.Stdout.Replace("\r", ""));
    }

    /// <summary>
    /// The suite sets its runs' thread count itself (2 unless told): BACKPROP_THREADS from the caller's environment
    /// is ignored, and it says so.
    /// </summary>
    [Theory]
    [InlineData("threads: 2 (BACKPROP_THREADS=5 in the environment is ignored)\n")]
    [InlineData("threads: 1 (BACKPROP_THREADS=5 in the environment is ignored)\n", "--threads", "1")]
    public void Suite_SetsItsOwnThreadCount(string line, params string[] args)
    {
        var r = BenchProgram.Run(new Dictionary<string, string?> { ["BACKPROP_THREADS"] = "5" }, ["suite", "--dry-run", .. args]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(line, r.Stdout.Replace("\r", "") + "\n");
    }

    [SkippableTheory]
    [InlineData("numpy_fcnet.py", "unknown --data 'foo'", "--data", "foo")]
    [InlineData("torch_fcnet.py", "unknown --data 'foo'", "--data", "foo")]
    [InlineData("numpy_fcnet.py", "--epochs: expected a whole number >= 1, got '0'", "--epochs", "0")]
    [InlineData("numpy_fcnet.py", "--warmup: expected a whole number >= 0, got '-1'", "--warmup", "-1")]
    [InlineData("numpy_fcnet.py", "--batch-size: expected a whole number >= 1, got '0'", "--batch-size", "0")]
    [InlineData("numpy_fcnet.py", "--threads: expected a whole number >= 1, got '0'", "--threads", "0")]
    [InlineData("torch_fcnet.py", "--threads: expected a whole number >= 1, got '0'", "--threads", "0")]
    [InlineData("torch_fcnet.py", "--blas-threads: expected a whole number >= 1, got '0'", "--blas-threads", "0")]
    [InlineData("numpy_fcnet.py", "--data cifar10 needs a directory", "--data", "cifar10")]
    [InlineData("numpy_gemm.py", "no case's name contains 'nope'", "--case", "nope")]
    [InlineData("numpy_gemm.py", "--seconds: expected a number of seconds > 0, got '0'", "--seconds", "0")]
    public void Peers_RefuseBadOptions(string script, string message, params string[] args)
    {
        Skip.IfNot(File.Exists(BenchProgram.Python), "no system Python");
        Skip.If(script == "numpy_gemm.py" && !BenchProgram.PythonHas("numpy"), "numpy_gemm.py needs NumPy");
        var r = BenchProgram.Peer(script, args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.DoesNotContain("Traceback", r.Stderr);
    }
}
