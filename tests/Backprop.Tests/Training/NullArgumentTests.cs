using Backprop.Models;
using Backprop.Tensors;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary>
/// A null run folder, file or argument to the run-folder API is an ArgumentNullException naming the caller's parameter,
/// checked before any file is read: before, these named 'path1', said "'' does not exist", reported a later problem
/// (an unknown split, a missing folder) first, or threw a NullReferenceException.
/// </summary>
public class NullArgumentTests
{
    private static readonly string Missing = Path.Combine(Path.GetTempPath(), "backprop-missing-" + Guid.NewGuid().ToString("N"));

    public static TheoryData<string, Func<object?>> Calls => new()
    {
        { "dir", () => RunFiles.In(null!, "config.json") },
        { "file", () => RunFiles.In(Missing, null!) },
        { "runDir", () => RunFolder.TrainedOn(null!) },
        { "runDir", () => RunFolder.MovedDataFolder(null!) },
        { "runDir", () => RunFolder.LoadModel<float>(null!, new TrainConfig(), 4, 2) },
        { "config", () => RunFolder.LoadModel<float>(Missing, null!, 4, 2) },
        { "data", () => RunFolder.Evaluate(Missing, null!) },
        { "runDir", () => RunFolder.Predict(null!, null!, "val") },
        { "data", () => RunFolder.Predict(Missing, null!, "val") },
        { "runDir", () => RunFolder.ClassifyImages(null!, null!, null!) },
        { "runDir", () => RunFolder.ClassifyPictures(null!, null!, "a.png") },
        { "runDir", () => RunPlots.Redraw(null!) },
        { "runDir", () => RunPlots.Write<float>(null!, new RunHistory(), null, [1, 28, 28]) },
        { "history", () => RunPlots.Write<float>(Missing, null!, null, [1, 28, 28]) },
        { "imageShape", () => RunPlots.Write<float>(Missing, new RunHistory(), null, null!) },
        { "history", () => RunPlots.StatusNote(null!) },
        { "searchDir", () => SearchPicture.Redraw(null!) },
        { "path", () => RunHistory.Load(null!) },
        { "path", () => RunSummary.Load(null!) },
        { "path", () => SearchResult.Load(null!) },
        { "path", () => SearchSpec.Load(null!) },
        { "data", () => HyperparameterSearch.Resume(Missing, null!) },
        { "name", () => SearchRange.Parse(null!, "1:2") },
        { "source", () => TrainConfig.FromJson("{}", null!) },
        { "solver", () => RunHistory.Of<float>(null!, RunStatus.Completed, 0) },
        { "rng", () => ModelFactory.Create<float>(new TrainConfig(), 4, 2, null!) },
        { "config", () => ModelFactory.ParameterCount(null!, 4, 2) },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void NullArgument_IsNamed(string parameter, Func<object?> call)
    {
        var e = Assert.Throws<ArgumentNullException>(call);
        Assert.Equal(parameter, e.ParamName);
    }
}
