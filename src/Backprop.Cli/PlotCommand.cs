using System.CommandLine;
using Backprop.Data;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary><c>backprop plot</c>: redraws a run's pictures, or compares several runs on shared axes.</summary>
internal static class PlotCommand
{
    public const string Example =
        "Examples:\n" +
        "  backprop plot runs/adam                         (redraws loss.png, accuracy.png, weights.png in the folder)\n" +
        "  backprop plot runs/sgd runs/adam --out cmp.png  (training loss, train and val accuracy of both, as the Optimization notebook)\n" +
        "  backprop plot searches/x                        (a search folder: redraws search.png from results.json)";

    public static Command Create(CliConsole console)
    {
        var runs = new Argument<string[]>("RUN_DIR") { Description = "One or more run folders, or one search folder", Arity = ArgumentArity.OneOrMore, CustomParser = UserPath.ParseAll };
        var output = new Option<string?>("--out") { Description = "With several runs (or one run and --out): the comparison PNG to write (default comparison.png); with a search folder: where to write its picture (default its search.png)", HelpName = "FILE", CustomParser = UserPath.Parse };
        var command = new Command("plot", "Redraw the plots of one run folder (or a search folder's search.png), or draw several runs on shared axes.") { runs, output };
        command.SetAction(result =>
        {
            var dirs = result.GetValue(runs)!;
            // RUN_DIR takes every token after the folders, so a mistyped option arrives here rather than as unmatched.
            foreach (var dir in dirs)
                if (dir.StartsWith('-') && !Directory.Exists(dir)) throw new UsageException(Cli.Unrecognized(dir, command));
            if (dirs.Length == 1 && IsSearch(dirs[0]))
            {
                var to = result.GetValue(output) is { } o ? OutputFile.Check("--out", o, ".png", []) : null;
                var written = SearchPicture.Redraw(dirs[0], to);
                console.Out.WriteLine($"Wrote {written}");
                return ExitCodes.Success;
            }
            foreach (var dir in dirs)
                if (!File.Exists(RunFiles.In(dir, RunFiles.History)))
                    throw new UsageException(IsSearch(dir) ? $"RUN_DIR: '{dir}' is a search folder: give it alone to redraw its {SearchPicture.FileName}, or its trial folders ({Path.Combine(dir, "trial-000")} …) to compare them."
                        // A search killed before its first results, said as eval says it (plot said "not a search folder").
                        : RunDirs.SearchFolder(dir) is { } search ? $"RUN_DIR: {search}"
                        : Directory.Exists(dir) ? $"RUN_DIR: '{dir}' is not a run folder (no {RunFiles.History}) or a search folder (no {SearchResult.FileName})."
                        : File.Exists(dir) ? $"RUN_DIR: '{dir}' is a file; give the run folder that holds it."
                        : $"RUN_DIR: '{dir}' does not exist.");
            if (dirs.Length == 1 && result.GetValue(output) is null)
            {
                var files = RunPlots.Redraw(dirs[0]);
                console.Out.WriteLine($"Wrote {string.Join(", ", files)} in {Path.GetFullPath(dirs[0])}");
                return ExitCodes.Success;
            }
            var path = OutputFile.Check("--out", result.GetValue(output) ?? "comparison.png", ".png", []);
            // The same run twice was drawn as two identical series under two labels.
            var twice = dirs.GroupBy(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).FirstOrDefault(g => g.Count() > 1);
            if (twice is not null) throw new UsageException($"RUN_DIR: '{twice.Key}' is given {twice.Count()} times; give each run once.");
            AtomicFile.WriteAllBytes(path, RunPlots.ComparisonPng(dirs));
            console.Out.WriteLine($"Wrote {path} ({dirs.Length} run{(dirs.Length == 1 ? "" : "s")})");
            return ExitCodes.Success;
        });
        return command;
    }

    // A search folder holds results.json and no history.json of its own.
    private static bool IsSearch(string dir) => File.Exists(Path.Combine(dir, SearchResult.FileName)) && !File.Exists(RunFiles.In(dir, RunFiles.History));
}
