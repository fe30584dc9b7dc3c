using Backprop.Data;
using Backprop.Tests.Data;
using Backprop.Training;

namespace Backprop.Tests.Cli;

/// <summary>
/// An interrupted run (Ctrl-C in-process, or the process killed outright) resumed with <c>--resume</c> ends with
/// exactly the parameters of one uninterrupted run with the same seed.
/// </summary>
public class CliResumeTests
{
    private static readonly string[] Options =
        ["train", "--num-train", "400", "--num-val", "100", "--num-test", "100", "--batch-size", "20", "--hidden", "32",
         "--dropout", "0.8", "--seed", "7"];

    private static string[] Train(string dataDir, string outDir, string epochs) => [.. Options, "--data-dir", dataDir, "--epochs", epochs, "--out", outDir];

    private static IReadOnlyDictionary<string, NpyArray> Model(string run) => Npz.Load(Path.Combine(run, "model.npz"));

    private static void AssertSameModel(string expectedRun, string actualRun)
    {
        var expected = Model(expectedRun);
        var actual = Model(actualRun);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (k, v) in expected) Assert.Equal((float[])v.Data, (float[])actual[k].Data);
        Assert.Equal(RunHistory.Load(Path.Combine(expectedRun, "history.json")).Loss, RunHistory.Load(Path.Combine(actualRun, "history.json")).Loss);
    }

    [Fact]
    public void ResumeWithOptions_IsRefused_AndMoreEpochs_SaysHowToTrainLonger()
    {
        var r = CliRunner.Run("train", "--resume", "runs/x", "--epochs", "15", "--reg", "0.1");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--resume continues a run with its own config.json; remove --reg, --epochs.", r.Error);
        Assert.Contains($"to train for more, start a new run: 'backprop train --config {Path.Combine("runs/x", "config.json")} --epochs N'", r.Error);
        var other = CliRunner.Run("train", "--resume", "runs/x", "--reg", "0.1");
        Assert.DoesNotContain("train for more", other.Error);
    }

    [Fact]
    public void CtrlC_ThenResume_EqualsUninterruptedRun()
    {
        using var tmp = new TempDir();
        var whole = CliRunner.Run(Train(CliRunner.Cifar10DataDir, tmp.File("whole"), "3"));
        Assert.True(whole.ExitCode == 0, whole.ToString());

        // Ctrl-C in the middle of epoch 2: the run stops after the current iteration and writes its checkpoint and plots.
        var images = ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10PythonDir, ""));
        var config = TrainConfig.FromJson(File.ReadAllText(tmp.File("whole/config.json")));
        using var ctrlC = new CancellationTokenSource();
        var first = new TrainingRun(config, images, tmp.File("cut"));
        first.IterationCompleted += i => { if (i.Iteration == 27) ctrlC.Cancel(); };
        var cut = first.Run(ctrlC.Token);
        Assert.Equal(RunStatus.Interrupted, cut.Status);
        Assert.Equal(27, cut.Iterations);
        foreach (var f in new[] { "checkpoint.npz", "loss.png", "accuracy.png", "weights.png", "confusion.png", "model.npz", "summary.json" })
            Assert.True(File.Exists(tmp.File("cut/" + f)), f);

        // config.json edited since the checkpoint: the run is refused, naming what changed, and nothing is touched.
        string configPath = tmp.File("cut/config.json"), original = File.ReadAllText(configPath);
        var checkpointBytes = File.ReadAllBytes(tmp.File("cut/checkpoint.npz"));
        File.WriteAllText(configPath, (config with { Dropout = 0.9, Seed = 8 }).ToJson());
        var edited = CliRunner.Run("train", "--resume", tmp.File("cut"));
        Assert.True(edited.ExitCode == 2, edited.ToString());
        Assert.Contains("was written by a run with another configuration: dropout 0.9 (the checkpoint's: 0.8), seed 8 (the checkpoint's: 7)", edited.Error);
        Assert.Equal(checkpointBytes, File.ReadAllBytes(tmp.File("cut/checkpoint.npz")));
        File.WriteAllText(configPath, original);

        // No --data-dir: the data is read where the run was trained, as its summary.json records.
        var resumed = CliRunner.Run("train", "--resume", tmp.File("cut"));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"(Using CIFAR-10 from {TestData.Cifar10PythonDir}, where the run was trained", resumed.Out);
        Assert.False(File.Exists(tmp.File("cut/checkpoint.npz")));   // completed: nothing left to resume
        AssertSameModel(tmp.File("whole"), tmp.File("cut"));
        var again = CliRunner.Run("train", "--resume", tmp.File("cut"));
        Assert.True(again.ExitCode == 2, again.ToString());
        Assert.Contains($"the run completed all its {config.Epochs} epochs, so there is nothing to continue", again.Error);
    }

    [Fact]
    public void KilledProcess_ResumesFromItsLastEpochCheckpoint_EqualsUninterruptedRun()
    {
        using var tmp = new TempDir();
        var killed = tmp.File("killed");
        using (var process = CliRunner.Start(Train(CliRunner.Cifar10DataDir, killed, "40")))
        {
            var checkpoint = Path.Combine(killed, "checkpoint.npz");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(checkpoint) && !process.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(5);
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.True(File.Exists(checkpoint), "no checkpoint was written before the process was killed");
        }
        Assert.False(File.Exists(Path.Combine(killed, "summary.json")), "the process finished before it could be killed");

        // No summary was written, and no --data-dir is given: the checkpoint records where the data is.
        var resumed = CliRunner.Run("train", "--resume", killed);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("where the run was trained (its checkpoint.npz; another folder: --data-dir)", resumed.Out);
        var whole = CliRunner.Run(Train(CliRunner.Cifar10DataDir, tmp.File("whole"), "40"));
        Assert.True(whole.ExitCode == 0, whole.ToString());
        AssertSameModel(tmp.File("whole"), killed);
    }

    [Fact]
    public void Sigterm_StopsTheProcessLikeCtrlC_WithExitCode130AndACheckpoint()
    {
        using var tmp = new TempDir();
        var run = tmp.File("run");
        using var process = CliRunner.Start(Train(CliRunner.Cifar10DataDir, run, "40"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(Path.Combine(run, "checkpoint.npz")) && !process.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(5);
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            kill.WaitForExit();
        Assert.True(process.WaitForExit(30_000), "the process did not stop after SIGTERM");
        Assert.Equal(130, process.ExitCode);
        var summary = RunSummary.Load(Path.Combine(run, "summary.json"));
        Assert.Equal(RunStatus.Interrupted, summary.Status);
        Assert.True(summary.Iterations < summary.NumIterations);
        Assert.True(File.Exists(Path.Combine(run, "checkpoint.npz")));
        Assert.True(File.Exists(Path.Combine(run, "loss.png")));
    }
}
