using Backprop.Data;
using Backprop.Kernels;
using Backprop.Tests.Data;

namespace Backprop.Tests.Cli;

/// <summary><c>--threads</c> and <c>$BACKPROP_THREADS</c>: the kernels' thread count, which never changes a result.</summary>
[Collection(Kernels.KernelCollection.Name)] // sets the process-wide thread count
public class CliThreadsTests
{
    [Fact]
    public void Train_OnOneOrThreeThreads_WritesTheSameModel_AndRestoresTheCount()
    {
        using var tmp = new TempDir();
        int before = Parallelism.MaxThreads;
        var models = new List<IReadOnlyDictionary<string, NpyArray>>();
        foreach (var threads in new[] { "1", "3" })
        {
            // Big enough for the products to split over threads (100 × 3072 × 256 per step).
            var r = CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--num-train", "400", "--num-val", "100", "--num-test", "100",
                "--epochs", "1", "--hidden", "256", "--normalization", "batchnorm", "--threads", threads, "--out", tmp.File(threads));
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(before, Parallelism.MaxThreads);
            Assert.Contains($"\"threads\": {threads},", File.ReadAllText(Path.Combine(tmp.File(threads), "summary.json")));
            models.Add(Npz.Load(Path.Combine(tmp.File(threads), "model.npz")));
        }
        Assert.Equal(models[0].Keys.Order(), models[1].Keys.Order());
        foreach (var (name, array) in models[0])
        {
            Assert.Equal(array.Shape, models[1][name].Shape);
            Assert.True(array.RawBytes.SequenceEqual(models[1][name].RawBytes), $"{name} differs between 1 and 3 threads");
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1025")]
    public void Threads_OutOfRange_IsBadUsage(string threads)
    {
        var r = CliRunner.Run("gradcheck", "--threads", threads);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"backprop: --threads: must be from 1 to 1024, got {threads}.", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public void BackpropThreads_Malformed_IsBadUsage_Valid_IsUsed()
    {
        using var tmp = new TempDir();
        var bad = CliRunner.RunProcess(new Dictionary<string, string> { ["BACKPROP_THREADS"] = "two" }, "gradcheck", "--hidden", "5");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("BACKPROP_THREADS: 'two' is not a thread count from 1 to 1024", bad.Error);
        // A valid variable sets the count; --threads wins over it (even over a malformed one).
        foreach (var (variable, option, expected) in new[] { ("1", null, 1), ("two", "3", 3) })
        {
            var run = tmp.File(expected.ToString(System.Globalization.CultureInfo.InvariantCulture));
            string[] args = ["train", "--data-dir", CliRunner.Cifar10DataDir, "--num-train", "200", "--num-val", "100", "--num-test", "100",
                "--epochs", "1", "--hidden", "10", "--out", run, .. option is null ? Array.Empty<string>() : ["--threads", option]];
            var r = CliRunner.RunProcess(new Dictionary<string, string> { ["BACKPROP_THREADS"] = variable }, args);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains($"\"threads\": {expected},", File.ReadAllText(Path.Combine(run, "summary.json")));
        }
    }
}
