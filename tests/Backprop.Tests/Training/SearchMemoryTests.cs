using Backprop.Data;
using Backprop.Tests.Data;
using Backprop.Tests.Kernels;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary>
/// A search frees each trial's arrays as the trial ends, rather than letting them pile up until the garbage collector
/// gets to them. Runs alone (the kernel collection), so that no other test's allocations move the heap's size.
/// </summary>
[Collection(KernelCollection.Name)]
public class SearchMemoryTests
{
    [Fact]
    public void ATrialsArrays_AreFreed_AsItEnds()
    {
        using var tmp = new TempDir();
        var images = ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, ""));
        // W1 alone is 3072 × 1500 floats (18 MB); with its gradient, Adam's two moments and the rest, a trial leaves 130–170 MB (measured).
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 200, NumVal = 50, NumTest = 20, Hidden = [1500], Epochs = 1, BatchSize = 100, Seed = 5 };
        var search = new HyperparameterSearch(config, [new SearchRange("learning_rate", 1e-4, 1e-2, Log: true)], 3, images, tmp.File("s")) { Parallel = 1 };
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var heldAfter = new List<long>();
        search.TrialCompleted += _ => heldAfter.Add(GC.GetTotalMemory(forceFullCollection: false) - before);
        long weights = 3072L * 1500 * sizeof(float);

        var result = search.Run();

        Assert.Equal(3, result.Trials.Count(t => t.Status == RunStatus.Completed));
        // Before, each ended trial's model, optimizer state and buffers stayed on the heap (here 129–167 MB after each)
        // until a collection the GC chose to run, which across a long search of such trials came at ~1.5 GB resident.
        Assert.All(heldAfter, held => Assert.True(held < weights / 2, $"{held / 1e6:F1} MB still on the heap after a trial (its W1 alone is {weights / 1e6:F1} MB)"));
    }
}
