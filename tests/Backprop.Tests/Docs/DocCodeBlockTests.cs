using System.Globalization;
using System.Text.RegularExpressions;
using Backprop.Data;
using Backprop.Tests.Data;
using Backprop.Tests.Kernels;

namespace Backprop.Tests.Docs;

/// <summary>
/// The docs' C# blocks compile as they stand, and README.md's "The library in a dozen lines" runs on the CIFAR-10
/// subset and prints what its comments say. Compiled with Roslyn and run in this process, so they belong to the
/// collection that runs alone: the block sets <c>Parallelism.MaxThreads</c>, and the run swaps the console and the
/// current folder.
/// </summary>
[Collection(KernelCollection.Name)]
public class DocCodeBlockTests
{
    [Fact]
    public void EveryCSharpBlockInTheDocs_CompilesWithoutAWarning()
    {
        var blocks = DocCodeBlocks.All();
        Assert.Contains(blocks, b => b.File == "README.md");
        foreach (var block in blocks) DocCodeBlocks.Compile(block.Code, block.ToString());
    }

    [Fact]
    public void TheReadmesLibraryBlock_RunsOnTheSubset_AndPrintsWhatItsCommentsSay()
    {
        var block = Assert.Single(DocCodeBlocks.All(), b => b.File == "README.md" && b.Code.Contains("GetCifar10Data"));
        string code = block.Code;

        // The comment names the subset's folder and the counts to pass there; the test passes exactly those.
        var subset = Regex.Match(code, @"\(\.\./shared/cifar10/(?<dir>[\w-]+)\) pass smaller counts \(numTraining: (?<train>\d+), numValidation: (?<val>\d+), numTest: (?<test>\d+)\)");
        Assert.True(subset.Success, "the comment no longer says which counts to pass on the subset");
        string dir = Path.Combine(TestData.Cifar10SubsetDir, subset.Groups["dir"].Value);
        Assert.True(Directory.Exists(dir), $"the comment's subset folder {dir} does not exist");
        int train = Int(subset.Groups["train"].Value), val = Int(subset.Groups["val"].Value), test = Int(subset.Groups["test"].Value);

        // The full-size figures the comments state follow from the block's own settings: 49000 / batch 100 × 10 epochs.
        int fullTrain = Int(Regex.Match(code, @"// (\d+)/\d+/\d+, mean image subtracted").Groups[1].Value);
        int batch = Int(Regex.Match(code, @"BatchSize = (\d+)").Groups[1].Value);
        int epochs = Int(Regex.Match(code, @"NumEpochs = (\d+)").Groups[1].Value);
        Assert.Equal($"(Iteration 1 / {fullTrain / batch * epochs})", Regex.Match(code, @"// prints (\(Iteration 1 / \d+\))").Groups[1].Value);

        code = DocCodeBlocks.ReplaceOnce(code, "GetCifar10Data<float>(\"cifar-10-batches-py\")",
            $"GetCifar10Data<float>(@\"{dir}\", numTraining: {train}, numValidation: {val}, numTest: {test})");
        code = DocCodeBlocks.ReplaceOnce(code, $"NumEpochs = {epochs},", "NumEpochs = 1,");
        // Added after the block: the model read back from the file alone scores as the trained one.
        code += "Console.WriteLine(Solver<float>.Accuracy(again, data.XTest!, data.YTest!));\n";

        using var folder = new TempDir();
        string output = DocCodeBlocks.Run(DocCodeBlocks.Compile(code, block.ToString()), folder.Path);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        // "dx error: 1.16e-10", as the comment prints it (its level, where the machine sums in another order).
        string dxComment = Regex.Match(block.Code, @"// (dx error: \S+)").Groups[1].Value;
        Notebook.AssertPrintedLine(dxComment, lines[0]);
        // The Solver prints the notebooks' lines: one epoch of train / batch iterations.
        Assert.StartsWith($"(Iteration 1 / {train / batch}) loss: ", lines[1]);
        Assert.Contains($"(Epoch 1 / 1) train acc: ", output);
        // The test accuracy, well above chance (10 classes) after one epoch, and the same from the model file.
        double accuracy = double.Parse(lines[^2], CultureInfo.InvariantCulture);
        Assert.InRange(accuracy, 0.2, 1.0);
        Assert.Equal(lines[^2], lines[^1]);
        // "np.load('model.npz')['W1'] reads it": the file holds W1 with the first layer's shape.
        var w1 = Npz.Load(Path.Combine(folder.Path, "model.npz"))["W1"];
        int width = Int(Regex.Match(block.Code, @"FullyConnectedNet<float>\(\[(\d+)").Groups[1].Value);
        Assert.Equal([3 * 32 * 32, width], w1.ShapeArray());
    }

    [Fact]
    public void TheReadmesOwnLayerBlock_PassesItsGradientCheck_AndItsNetworkOverfitsItsSamples()
    {
        var block = Assert.Single(DocCodeBlocks.All(), b => b.File == "README.md" && b.Code.Contains("class LeakyNet"));
        using var folder = new TempDir();
        var lines = DocCodeBlocks.Run(DocCodeBlocks.Compile(block.Code, block.ToString()), folder.Path)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Each printed line is what the comment beside its WriteLine says.
        var said = Regex.Matches(block.Code, @"Console\.WriteLine\(.*// (?<line>.+)$", RegexOptions.Multiline).Select(m => m.Groups["line"].Value.Trim()).ToArray();
        Assert.Equal(2, said.Length);
        Assert.Equal(said, lines);
        Assert.True(double.Parse(lines[0]["dx error: ".Length..], CultureInfo.InvariantCulture) < 1e-9, lines[0]);
        Assert.Equal("train accuracy: 1", lines[1]);
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);
}
