using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json.Serialization;
using Backprop.Data;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>What a search found: every trial and the best one (<c>results.json</c>).</summary>
public sealed record SearchResult
{
    /// <summary>The search folder.</summary>
    [JsonPropertyName("search_dir")] public string SearchDir { get; init; } = "";

    /// <summary>Every trial that ran, in trial order.</summary>
    [JsonPropertyName("trials")] public IReadOnlyList<SearchTrial> Trials { get; init; } = [];

    /// <summary>The trial with the best validation accuracy (its run folder keeps <c>model.npz</c>), or null when none finished.</summary>
    [JsonPropertyName("best")] public SearchTrial? Best { get; init; }

    /// <summary>True when the search was cancelled before every trial ran.</summary>
    [JsonPropertyName("interrupted")] public bool Interrupted { get; init; }

    /// <summary>The data set searched on (canonical name: cifar10, fashion-mnist, mnist).</summary>
    [JsonPropertyName("dataset")] public string Dataset { get; init; } = "";

    /// <summary>The searched options (what <c>search.png</c> is drawn against); empty in a file written before they were recorded.</summary>
    [JsonPropertyName("ranges")] public IReadOnlyList<SearchRange> Ranges { get; init; } = [];

    /// <summary>The name of the file in a search folder.</summary>
    public const string FileName = "results.json";

    /// <summary>Reads a search folder's <c>results.json</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not a search's results.</exception>
    public static SearchResult Load(string path)
    {
        var result = RunJson.Load<SearchResult>(path);
        // A key the file lacks reads as null, not as the initializer's value (an older file has no ranges or dataset).
        if (result.Trials is null || result.Trials.Any(t => t?.Values is null))
            throw new InvalidDataException($"{path}: not a search's results (no trials with their values).");
        return result with { Ranges = result.Ranges ?? [], Dataset = result.Dataset ?? "" };
    }

    /// <summary>The result as one line of JSON, as <c>results.json</c> holds it (for <c>--json</c>).</summary>
    public string ToJsonLine() => RunJson.Line(this);
}

/// <summary>
/// Random search (as the notebooks' "train a good model" cells, but drawn rather than on a grid): each trial is a
/// <see cref="TrainingRun"/> whose searched options are drawn from their <see cref="SearchRange"/>s with a generator
/// seeded by the base configuration's seed. Trials run in parallel, one per core, each with single-threaded kernels
/// (measured faster than trials one after another on shared kernel threads: see src/Backprop.Cli/README.md). Writes
/// <c>results.csv</c>, <c>results.json</c> and <c>search.png</c> into the search folder, and keeps <c>model.npz</c> only
/// in the best trial's run folder.
/// </summary>
public sealed class HyperparameterSearch
{
    private readonly TrainingRun[] _runs;
    private readonly IReadOnlyDictionary<string, double>[] _values;
    private int _started;   // 1 once Run has the folder

    /// <summary>Draws every trial's configuration and checks them all; nothing is written until <see cref="Run"/>.</summary>
    /// <param name="baseConfig">The options not searched (and the seed of the draws and of every trial).</param>
    /// <param name="ranges">The searched options.</param>
    /// <param name="trials">Number of trials.</param>
    /// <param name="data">The images.</param>
    /// <param name="searchDir">The search folder: new or empty.</param>
    /// <exception cref="ArgumentException">A bad option or range, two ranges for one option, or a folder that is not empty.</exception>
    public HyperparameterSearch(TrainConfig baseConfig, IReadOnlyList<SearchRange> ranges, int trials, ImageData data, string searchDir)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        ArgumentNullException.ThrowIfNull(ranges);
        ArgumentNullException.ThrowIfNull(data);
        if (trials < 1) throw new ArgumentOutOfRangeException(nameof(trials), trials, $"The number of trials must be positive, got {trials}.");
        SearchDir = Path.GetFullPath(searchDir);
        if (File.Exists(SearchDir))
            throw new ArgumentException($"The search folder '{searchDir}' is a file; choose a new folder.", nameof(searchDir));
        if (Directory.Exists(SearchDir) && !IsEmpty(SearchDir))
            throw new ArgumentException($"The search folder '{searchDir}' already exists and is not empty; choose a new folder.", nameof(searchDir));
        if (ranges.Any(r => r is null)) throw new ArgumentException("A search range is null.", nameof(ranges));
        // Two ranges for one option: the second draw would overwrite the first, and results.csv would name it twice.
        foreach (var twice in ranges.GroupBy(r => r.Name).Where(g => g.Count() > 1))
            throw new ArgumentException($"{twice.Key} is searched by {twice.Count()} ranges ({string.Join(" and ", twice.Select(Describe))}); give one range per option.", nameof(ranges));
        Ranges = ranges;
        var rng = new NumpyRandom(baseConfig.Seed);
        _runs = new TrainingRun[trials];
        _values = new IReadOnlyDictionary<string, double>[trials];
        for (int i = 0; i < trials; i++)
        {
            var config = baseConfig;
            var values = new Dictionary<string, double>();
            foreach (var range in ranges)
            {
                values[range.Name] = range.Sample(rng);
                config = range.Apply(config, values[range.Name]);
            }
            _values[i] = values;
            _runs[i] = new TrainingRun(config, data, Path.Combine(SearchDir, TrialName(i)));
        }
    }

    /// <summary>The search folder (absolute).</summary>
    public string SearchDir { get; }

    /// <summary>The searched options.</summary>
    public IReadOnlyList<SearchRange> Ranges { get; }

    /// <summary>Trials run at once; default one per core.</summary>
    public int Parallel { get; init; } = Environment.ProcessorCount;

    /// <summary>The trials' run configurations, in trial order.</summary>
    public IReadOnlyList<TrainConfig> TrialConfigs => _runs.Select(r => r.Config).ToList();

    /// <summary>Raised (from a worker thread) when a trial has finished, failed trials included.</summary>
    public event Action<SearchTrial>? TrialCompleted;

    /// <summary>
    /// Runs the trials; on cancellation the running trials stop (and keep their checkpoints) and no new one starts. A
    /// trial that throws is recorded as <see cref="RunStatus.Failed"/> with its error, and the others run on: the
    /// results and the plot are written either way.
    /// </summary>
    /// <exception cref="InvalidOperationException">Run was called before (its trials are in the folder).</exception>
    /// <exception cref="FolderInUseException">Another process holds or filled the folder.</exception>
    public SearchResult Run(CancellationToken cancel = default)
    {
        // Its own trials fill the folder: a second Run is not "another process".
        if (Interlocked.Exchange(ref _started, 1) == 1)
            throw new InvalidOperationException($"This search has already run (or is running) in '{SearchDir}'; a search runs once. To search again, make a new HyperparameterSearch with a new folder.");
        // Held for the whole search, and checked again under the hold: two searches given one folder at once would
        // delete each other's models.
        FolderLock hold;
        try
        {
            Directory.CreateDirectory(SearchDir);
            hold = FolderLock.Acquire(SearchDir);
            if (!IsEmpty(SearchDir))
            {
                hold.Dispose();
                throw new FolderInUseException($"The search folder '{SearchDir}' was filled by another process after this search was set up; choose another folder.");
            }
        }
        catch
        {
            _started = 0;   // nothing ran: a later Run may try again
            throw;
        }
        using var held = hold;
        var done = new SearchTrial?[_runs.Length];
        var summaries = new RunSummary?[_runs.Length];
        int parallel = Math.Clamp(Parallel, 1, _runs.Length);
        // Each trial's kernels get an equal share of the threads, on its own thread only: the process-wide setting (and
        // another search's or training's share) is left alone.
        int share = Math.Max(1, Parallelism.MaxThreads / parallel);
        try
        {
            System.Threading.Tasks.Parallel.For(0, _runs.Length, new ParallelOptions { MaxDegreeOfParallelism = parallel }, i =>
            {
                if (cancel.IsCancellationRequested) return;
                using var limit = Parallelism.LimitCallingThread(share);
                done[i] = RunTrial(i, cancel, out summaries[i]);
                TrialCompleted?.Invoke(done[i]!);
            });
        }
        catch (AggregateException e)
        {
            // A TrialCompleted handler's own error (a trial's is recorded in the trial), not .NET's "One or more errors occurred".
            ExceptionDispatchInfo.Throw(e.Flatten().InnerExceptions[0]);
        }

        var trials = done.Where(t => t is not null).Select(t => t!).ToList();
        // A model whose scores overflow has no accuracy worth the name (an argmax of NaN is class 0): never the best.
        var bestTrial = trials.Where(t => t.Status != RunStatus.Interrupted && t.ValAcc is not null).OrderByDescending(t => t.ValAcc).ThenBy(t => t.Trial).FirstOrDefault();
        foreach (var t in trials.Where(t => t != bestTrial))
        {
            string dir = Path.Combine(SearchDir, t.Run);
            AtomicFile.TryDelete(RunFiles.In(dir, RunFiles.Model));
            // Its summary.json no longer lists the file it lost (a failed trial may have none).
            if (summaries[t.Trial] is { } summary)
                (summary with { Files = [.. summary.Files.Where(f => f != RunFiles.Model)] }).Save(RunFiles.In(dir, RunFiles.Summary));
        }
        var result = new SearchResult
        {
            SearchDir = SearchDir, Trials = trials, Best = bestTrial, Dataset = _runs[0].Data.Dataset, Ranges = Ranges,
            Interrupted = trials.Count < _runs.Length || trials.Any(t => t.Status == RunStatus.Interrupted),
        };
        RunJson.Save(Path.Combine(SearchDir, SearchResult.FileName), result);
        AtomicFile.WriteAllText(Path.Combine(SearchDir, "results.csv"), Csv(trials));
        if (trials.Count > 0) AtomicFile.WriteAllBytes(Path.Combine(SearchDir, SearchPicture.FileName), SearchPicture.Png(result));
        return result;
    }

    /// <summary>
    /// Runs trial <paramref name="i"/>. An error (a folder that cannot be written, a full disk) fails this trial only:
    /// it is recorded with its message and the search goes on, as Ray Tune records an errored trial.
    /// </summary>
    private SearchTrial RunTrial(int i, CancellationToken cancel, out RunSummary? summary)
    {
        var trial = new SearchTrial
        {
            Trial = i,
            Run = TrialName(i),
            Values = _values[i],
            LearningRate = _runs[i].Config.LearningRate,
            WeightScale = _runs[i].Config.WeightScale,
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            summary = _runs[i].Run(cancel);
            var history = RunHistory.Load(RunFiles.In(_runs[i].RunDir, RunFiles.History));
            // No check, or scores that overflow: no accuracy to report (not 0, and not an argmax of NaN).
            bool measured = summary.ScoresFinite && history.ValAcc.Count > 0;
            int best = measured ? history.ValAcc.ToList().IndexOf(history.ValAcc.Max()) : -1;
            return trial with
            {
                TrainAcc = measured ? history.TrainAcc[best] : null,
                ValAcc = measured ? summary.BestValAcc : null,
                TestAcc = summary.ScoresFinite ? summary.TestAcc : null,
                Status = !summary.ScoresFinite && summary.Status == RunStatus.Completed ? RunStatus.Diverged : summary.Status,
                Message = summary.Message,
                Seconds = summary.WallSeconds,
            };
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancel.IsCancellationRequested))
        {
            summary = null;
            return trial with { Status = RunStatus.Failed, Message = $"{e.GetType().Name}: {e.Message}", Seconds = clock.Elapsed.TotalSeconds };
        }
    }

    // Empty but for a stale lock file (a search killed before its first trial began).
    private static bool IsEmpty(string dir) => Directory.EnumerateFileSystemEntries(dir).All(FolderLock.IsLockFile);

    private static string Describe(SearchRange r) => string.Create(CultureInfo.InvariantCulture, $"{r.Low:g6}:{r.High:g6}{(r.Log ? ":log" : "")}");

    /// <summary>The run folder name of trial <paramref name="i"/>.</summary>
    public static string TrialName(int i) => string.Create(CultureInfo.InvariantCulture, $"trial-{i:D3}");

    private string Csv(IReadOnlyList<SearchTrial> trials)
    {
        var names = Ranges.Select(r => r.Name).Where(n => n is not ("learning_rate" or "weight_scale")).ToList();
        var sb = new StringBuilder();
        sb.AppendJoin(',', ["trial", "run", "learning_rate", "weight_scale", .. names, "train_acc", "val_acc", "test_acc", "status", "seconds", "message"]).Append('\n');
        foreach (var t in trials)
        {
            // An accuracy the trial does not have is an empty cell (pandas reads NaN), not 0.
            string F(double? v) => v is double d ? d.ToString("R", CultureInfo.InvariantCulture) : "";
            sb.AppendJoin(',', [t.Trial.ToString(CultureInfo.InvariantCulture), t.Run, F(t.LearningRate), F(t.WeightScale),
                .. names.Select(n => F(t.Values[n])), F(t.TrainAcc), F(t.ValAcc), F(t.TestAcc), t.Status, F(t.Seconds), Quoted(t.Message)]).Append('\n');
        }
        return sb.ToString();
    }

    // RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
    private static string Quoted(string? text) =>
        text is null ? "" : text.IndexOfAny([',', '"', '\n', '\r']) < 0 ? text : '"' + text.Replace("\"", "\"\"") + '"';
}
