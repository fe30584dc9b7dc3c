using System.Globalization;
using Backprop.Training;
using Spectre.Console;

namespace Backprop.Cli;

/// <summary>The final table of <c>backprop train</c>.</summary>
internal static class SummaryTable
{
    /// <summary>Writes the summary of a run as a table.</summary>
    public static void Write(IAnsiConsole console, RunSummary s)
    {
        static string P(double v) => v.ToString("P2", CultureInfo.InvariantCulture);
        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn("");
        table.ShowHeaders = false;
        void Row(string k, string v) => table.AddRow(new Text(k), new Text(v));
        Row("status", s.Status);
        Row("data", $"{DataSetChoice.Display(s.Dataset)}: {s.NumTrain} train / {s.NumVal} val / {s.NumTest} test ({s.DataFolder})");
        Row("best val acc", s.BestValAcc is double b ? P(b) : "- (no accuracy check ran)");
        Row("test acc", s.TestAcc is double t ? P(t) : "-");
        Row("parameters", s.Parameters.ToString("N0", CultureInfo.InvariantCulture));
        Row("epochs", $"{s.EpochsCompleted} / {s.Epochs} ({s.Iterations} / {s.NumIterations} iterations)");
        Row("time", TimeSpan.FromSeconds(s.WallSeconds).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture));
        // 0 when this process ran no iteration (resumed from the last one's checkpoint): there is no rate to show.
        Row("images/s", s.ImagesPerSecond > 0
            ? $"{s.ImagesPerSecond.ToString("F0", CultureInfo.InvariantCulture)} ({s.Threads} {(s.Threads == 1 ? "thread" : "threads")})"
            : "— (no iteration ran in this process)");
        Row("files", $"{s.RunDir}: {string.Join(", ", s.Files)}");
        console.Write(table);
        if (s.Message is not null) console.WriteLine(s.Message);
    }
}
