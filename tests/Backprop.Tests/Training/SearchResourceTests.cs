using Backprop.Data;
using Backprop.Kernels;
using Backprop.Tests.Data;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary>
/// A long search's resources stay bounded while it runs: only the best trial so far keeps its model on disk, and a
/// trial's thread keeps no kernel scratch after it.
/// </summary>
public class SearchResourceTests
{
    private static ImageData Subset() => ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, ""));

    [Fact]
    public void AsTrialsEnd_OnlyTheBestSoFarKeepsItsModel()
    {
        using var tmp = new TempDir();
        var images = Subset();
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 20, Hidden = [8], Epochs = 1, BatchSize = 50, Seed = 3 };
        var search = new HyperparameterSearch(config, [new SearchRange("learning_rate", 1e-4, 1e-2, Log: true)], 6, images, tmp.File("s")) { Parallel = 1 };
        var modelsWhenEnded = new List<int>();
        search.TrialCompleted += _ => modelsWhenEnded.Add(Directory.GetFiles(tmp.File("s"), RunFiles.Model, SearchOption.AllDirectories).Length);

        var result = search.Run();

        // Before, every ended trial kept its model until the search's end: 1, 2, 3, 4, 5, 6.
        Assert.Equal([1, 1, 1, 1, 1, 1], modelsWhenEnded);
        Assert.NotNull(result.Best);
        var left = Assert.Single(Directory.GetFiles(tmp.File("s"), RunFiles.Model, SearchOption.AllDirectories));
        Assert.Equal(Path.Combine(tmp.File("s"), result.Best!.Run, RunFiles.Model), left);
        // The best is what it was when chosen at the end alone: highest validation accuracy, then the first trial.
        var completed = result.Trials.Where(t => t.Status == RunStatus.Completed).ToList();
        Assert.Equal(completed.Max(t => t.ValAcc), result.Best.ValAcc);
        Assert.Equal(completed.Where(t => t.ValAcc == result.Best.ValAcc).Min(t => t.Trial), result.Best.Trial);
        // Every other trial's summary no longer lists the model it lost.
        foreach (var t in result.Trials.Where(t => t != result.Best))
            Assert.DoesNotContain(RunFiles.Model, RunSummary.Load(Path.Combine(tmp.File("s"), t.Run, RunFiles.Summary)).Files);
        Assert.Contains(RunFiles.Model, RunSummary.Load(Path.Combine(tmp.File("s"), result.Best.Run, RunFiles.Summary)).Files);
    }

    [Fact]
    public void ATrialsThread_KeepsNoKernelScratch_AfterIt()
    {
        using var tmp = new TempDir();
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 20, Hidden = [64], Epochs = 1, BatchSize = 50, Seed = 4 };
        var search = new HyperparameterSearch(config, [new SearchRange("batch_size", 20, 100, Log: false)], 4, Subset(), tmp.File("s")) { Parallel = 2 };
        var held = new System.Collections.Concurrent.ConcurrentBag<long>();
        // Raised on the trial's own thread, once its training is over.
        search.TrialCompleted += _ => held.Add(Scratch.ThreadBytes);

        search.Run();

        // Before, each thread kept what its largest trial needed (here 1.8 MB; 19 MB stayed after six in-process searches of [50] to [150] nets, Scratch.Release notwithstanding).
        Assert.Equal([0, 0, 0, 0], held.ToArray());
    }
}
