using Backprop.Cli;
using Backprop.Training;

namespace Backprop.Tests.Cli;

/// <summary>The summary table <c>backprop train</c> prints at the end.</summary>
public class SummaryTableTests
{
    private static string Table(RunSummary summary)
    {
        var text = new StringWriter();
        SummaryTable.Write(Consoles.Over(text, terminal: false), summary);
        return text.ToString();
    }

    [Fact]
    public void ARunThatRanNoIterationHere_ShowsNoRate_NotZeroImagesPerSecond()
    {
        var summary = new RunSummary { RunDir = "runs/x", Status = RunStatus.Completed, Dataset = "cifar10", Threads = 2, Files = [] };
        Assert.Contains("— (no iteration ran in this process)", Table(summary with { ImagesPerSecond = 0 }));
        Assert.Contains("15157 (2 threads)", Table(summary with { ImagesPerSecond = 15157.2 }));
    }
}
