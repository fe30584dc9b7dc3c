using System.CommandLine;
using System.Globalization;
using Backprop.Data;
using Backprop.Kernels;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary><c>backprop search</c>: random hyperparameter search, trials in parallel.</summary>
internal static class SearchCommand
{
    public const string Example =
        "Examples:\n" +
        "  backprop search --dataset cifar10 --trials 20 --epochs 5\n" +
        "  backprop search --learning-rate 1e-4:1e-2:log --weight-scale 1e-2 --reg 0:0.01 --dropout 0.5:1 --trials 8\n" +
        "  backprop search --resume searches/x       (after Ctrl-C or a crash: the same draws; finished trials kept, the\n" +
        "                                             interrupted one continued from its checkpoint, the rest run)\n" +
        "A numeric option written lo:hi is drawn uniformly, lo:hi:log log-uniformly; learning rate, weight scale and reg are\n" +
        "searched by default (1e-4:1e-2:log, 1e-3:1e-1:log, 1e-5:1e-1:log) unless given a fixed value.";

    public static Command Create(CliConsole console)
    {
        var options = new TrainOptions();
        var trials = new Option<int>("--trials") { Description = "Number of trials (at most 10000)", DefaultValueFactory = _ => 10, HelpName = "N" };
        var parallel = new Option<int?>("--parallel") { Description = "Trials run at once (default: one per kernel thread (--threads), single-threaded kernels each)", HelpName = "N" };
        var outOption = new Option<string?>("--out") { Description = "Search folder to create (default searches/<timestamp>)", HelpName = "DIR", CustomParser = UserPath.Parse };
        var json = new Option<bool>("--json") { Description = "Print results.json's content as one JSON object on stdout" };
        var resume = new Option<string?>("--resume") { Description = "Continue the interrupted search in DIR: its search.json draws the same trials; finished ones are kept, an interrupted one continues from its checkpoint.npz, the others run (takes no option but --parallel, --json, --data-dir)", HelpName = "DIR", CustomParser = UserPath.Parse };
        var command = new Command("search", "Random hyperparameter search: writes results.csv, results.json, search.png (the notebooks' scatter of the two searched options that varied, learning rate and weight scale first, colour = accuracy; with one, accuracy against it; a grey x marks a trial without accuracy) and a run folder per trial; only the best trial keeps model.npz.");
        options.AddTo(command);
        command.Options.Add(trials);
        command.Options.Add(parallel);
        command.Options.Add(outOption);
        command.Options.Add(json);
        command.Options.Add(resume);
        command.SetAction(result =>
        {
            console.StopsCleanly = true;   // watches console.Cancel to its end: a first Ctrl-C stops it cleanly
            var progress = result.GetValue(json) ? console.Error : console.Out;
            if (VectorSupport.Advice is { } advice) progress.WriteLine($"Warning: {advice}");
            int workers = result.GetValue(parallel) ?? Parallelism.MaxThreads;
            if (workers < 1) throw new UsageException($"--parallel: must be positive, got {workers}.");
            var search = result.GetValue(resume) is { } dir ? Resumed(result, dir, options, trials, outOption, progress, console) : New(result, options, trials, outOption, workers, progress, console);
            search.Parallel = workers;
            int n = search.TrialConfigs.Count;
            search.TrialCompleted += t =>
            {
                lock (progress)
                    // A trial a resumed search takes as it was is said so (it read as one just run).
                    progress.WriteLine($"trial {t.Trial}: {string.Join(", ", t.Values.Select(v => $"{v.Key} {F(v.Value)}"))}: val_acc {A(t.ValAcc)} ({t.Status}, {t.Seconds.ToString("F0", CultureInfo.InvariantCulture)} s{(search.IsFinished(t.Trial) ? ", kept from before" : "")})" +
                        (t.Status == RunStatus.Failed ? $": {t.Message}" : ""));
            };
            var found = search.Run(console.Cancel);
            if (result.GetValue(json))
            {
                console.Out.WriteLine(found.ToJsonLine());
                // stdout holds the JSON alone; the way on goes with the progress lines.
                if (found.Interrupted) progress.WriteLine($"Interrupted: continue with 'backprop search --resume {found.SearchDir}'.");
            }
            else
            {
                if (found.Interrupted)
                    console.Out.WriteLine($"Interrupted: {found.Trials.Count(t => t.Status == RunStatus.Completed)} of {n} trials completed; continue with 'backprop search --resume {found.SearchDir}'.");
                if (found.Best is { } best) console.Out.WriteLine($"Best: trial {best.Trial}, val_acc {A(best.ValAcc)}, test_acc {A(best.TestAcc)}: {Path.Combine(found.SearchDir, best.Run)} (results.csv, results.json, search.png in {found.SearchDir})");
            }
            var (code, problem) = Verdict(found);
            if (problem is not null) console.Error.WriteLine($"backprop: {problem}");
            return code;
        });
        return command;
    }

    /// <summary>A new search from the options (checked before any data is looked for); says what it searches.</summary>
    private static HyperparameterSearch New(ParseResult result, TrainOptions options, Option<int> trials, Option<string?> outOption, int workers, TextWriter progress, CliConsole console)
    {
        int n = result.GetValue(trials);
        if (n < 1) throw new UsageException($"--trials: must be positive, got {n}.");
        if (n > HyperparameterSearch.MaxTrials) throw new UsageException($"--trials: at most {HyperparameterSearch.MaxTrials} (each trial is a training run), got {n}.");
        // Searched unless given a value, as an option or a key of the --config file.
        var defaultRanges = new[] { ("learning_rate", options.LearningRate, "1e-4:1e-2:log"), ("weight_scale", options.WeightScale, "1e-3:1e-1:log"), ("reg", options.Reg, "1e-5:1e-1:log") }
            .Where(d => !options.Chosen(result, d.Item2)).Select(d => SearchRange.Parse(d.Item1, d.Item3)).ToList();
        options.Build(result, options.RequestedDataset(result) ?? "cifar10", [], defaultRanges);
        var choice = DataSource.Choose(options.RequestedDataset(result), result.GetValue(options.DataDir), progress, console.Cancel);
        var ranges = new List<SearchRange>();
        var config = options.Build(result, choice.Dataset, ranges, defaultRanges);
        if (ranges.Count == 0)
            throw new UsageException("nothing to search: every option has a fixed value (a --config file's learning_rate, weight_scale and reg fix them too, as a run's config.json does); " +
                "give at least one range, e.g. --learning-rate 1e-4:1e-2:log.");
        var outDir = result.GetValue(outOption) ?? Path.Combine("searches", DateTime.Now.ToString("yyyy-MM-dd_HH-mm-ss", CultureInfo.InvariantCulture));
        OutputFile.CheckWritable("--out", outDir);
        // Said before the data is read, with the command that continues a search (the library's message names its API).
        if (Directory.Exists(outDir) && !Directory.EnumerateFileSystemEntries(outDir).All(FolderLock.IsLockFile))
            throw new UsageException($"--out: The search folder '{outDir}' already exists and is not empty; choose a new folder " +
                $"(or continue an interrupted search with 'backprop search --resume {outDir}').");
        var images = DataSource.Load(choice);
        var search = options.Explaining(result, () => UsageException.Naming("--out", "searchDir",
            () => new HyperparameterSearch(config, ranges, n, images, outDir)));
        progress.WriteLine(choice.Reason);
        progress.WriteLine($"Searching {string.Join(", ", ranges.Select(r => $"{r.Name} in [{F(r.Low)}, {F(r.High)}]{(r.Log ? " (log)" : "")}"))}: {n} trial{(n == 1 ? "" : "s")}, " +
            $"{Math.Min(workers, n)} at a time → {search.SearchDir}");
        return search;
    }

    /// <summary>
    /// The interrupted search in <paramref name="dir"/>, continued: its data is read where it ran (search.json) unless
    /// --data-dir is given; no option that would change its draws is taken.
    /// </summary>
    private static HyperparameterSearch Resumed(ParseResult result, string dir, TrainOptions options, Option<int> trials, Option<string?> outOption, TextWriter progress, CliConsole console)
    {
        var given = options.Given(result).Concat(new Option[] { trials, outOption }.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name)).ToList();
        if (given.Count > 0) throw new UsageException($"--resume continues a search with the draws of its own {SearchSpec.FileName}; remove {string.Join(", ", given)}.");
        SearchSpec spec;
        try
        {
            if (!Directory.Exists(dir)) throw new UsageException($"--resume: the search folder '{dir}' does not exist.");
            if (!File.Exists(Path.Combine(dir, SearchSpec.FileName)))
                throw new UsageException($"--resume: '{dir}' has no {SearchSpec.FileName}: " + (File.Exists(Path.Combine(dir, SearchResult.FileName))
                    ? "its search was made before searches recorded their draws; start a new search (or continue its interrupted trial with 'backprop train --resume')."
                    : "it is not a search folder."));
            spec = SearchSpec.Load(Path.Combine(dir, SearchSpec.FileName));
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"--resume: {e.Message}", e);
        }
        string dataset = TrainConfig.Canonical(spec.Config.Dataset);
        var dataDir = result.GetValue(options.DataDir);
        var choice = dataDir is null && Directory.Exists(spec.DataFolder)
            ? new DataSetChoice(dataset, spec.DataFolder, $"Using {DataSetChoice.Display(dataset)} from {spec.DataFolder}, where the search ran (its {SearchSpec.FileName}; another folder: --data-dir).")
            : DataSource.Choose(dataset, dataDir, progress, console.Cancel);
        var images = DataSource.Load(choice);
        var search = UsageException.Naming("--resume", "config", () => HyperparameterSearch.Resume(dir, images));
        int n = spec.Trials, finished = search.FinishedTrials, resumed = search.ResumedTrials;
        progress.WriteLine(choice.Reason);
        progress.WriteLine(finished == n
            ? $"The search in {search.SearchDir} has finished all its {n} trial{(n == 1 ? "" : "s")}: nothing to run; its results are written again."
            : $"Resuming the search in {search.SearchDir}: {finished} of {n} trial{(n == 1 ? "" : "s")} finished, {resumed} to continue from {(resumed == 1 ? "its" : "their")} checkpoint, {n - finished - resumed} to run.");
        return search;
    }

    /// <summary>
    /// The exit code of a finished search, and what to say on stderr when it is not a success: trials that failed with
    /// an error (1, the others' results kept), or no usable model at all (3 when every trial diverged, as train's
    /// code for a diverged run; 1 when errors were among the causes). Interrupted is 130 whatever else happened.
    /// </summary>
    internal static (int Code, string? Problem) Verdict(SearchResult found)
    {
        var failed = found.Trials.Where(t => t.Status == RunStatus.Failed).ToList();
        string where = $"results.csv and results.json in {found.SearchDir}";
        if (found.Interrupted) return (ExitCodes.Interrupted, null);
        if (found.Best is null)
        {
            var first = found.Trials.FirstOrDefault(t => t.Message is not null);
            string why = first is null ? "" : $"; trial {first.Trial}: {FirstSentence(first.Message!)}";
            int completed = found.Trials.Count(t => t.Status == RunStatus.Completed && t.ValAcc is not null);
            string what = completed > 0 ? $"{completed} completed, but none still has its model.npz (a search keeps only its best trial's, and that one cannot be used now)"
                : failed.Count == 0 ? $"{Every(found.Trials.Count)} diverged or had no accuracy check"
                : failed.Count == found.Trials.Count ? $"{Every(failed.Count)} failed"
                : $"{failed.Count} of {found.Trials.Count} trials failed, the others diverged or had no accuracy check";
            return (failed.Count == 0 ? ExitCodes.Diverged : ExitCodes.Failure,
                $"no trial produced a usable model: {what}{why}. The trials' messages are in {where}.");
        }
        if (failed.Count > 0)
            return (ExitCodes.Failure, $"{failed.Count} of {found.Trials.Count} trials failed (trial {failed[0].Trial}: {FirstSentence(failed[0].Message!)}); " +
                $"the best of the others (trial {found.Best.Trial}) is kept. The trials' messages are in {where}.");
        return (ExitCodes.Success, null);
    }

    // The reason, without the advice after it (the whole message is in results.csv and results.json).
    private static string FirstSentence(string message) =>
        message.IndexOf(". ", StringComparison.Ordinal) is int end and > 0 ? message[..end] : message.TrimEnd('.');

    private static string Every(int trials) => trials == 1 ? "the only trial" : $"all {trials} trials";

    // An accuracy the trial does not have (no check, or scores that are not finite) is "-", not 0.
    private static string A(double? acc) => acc?.ToString("F4", CultureInfo.InvariantCulture) ?? "-";

    // NumPy's style for small values: 1.92e-05, not 1.92E-05.
    private static string F(double v) => v.ToString("g3", CultureInfo.InvariantCulture);
}
