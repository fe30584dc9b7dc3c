using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using Backprop.Data;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>
/// Random search (as the notebooks' "train a good model" cells, but drawn rather than on a grid): each trial is a
/// <see cref="TrainingRun"/> whose searched options are drawn from their <see cref="SearchRange"/>s with a generator
/// seeded by the base configuration's seed. Trials run in parallel, one per core, each with single-threaded kernels
/// (measured faster than trials one after another on shared kernel threads: see src/Backprop.Cli/README.md). Writes
/// <c>search.json</c> first (what <see cref="Resume"/> redraws the trials from), then <c>results.csv</c>,
/// <c>results.json</c> and <c>search.png</c> into the search folder, and keeps <c>model.npz</c> only in the best
/// trial's run folder (while it runs, in the best ended trial's: the others' go as each trial ends).
/// </summary>
public sealed partial class HyperparameterSearch
{
    private readonly TrainConfig _baseConfig;
    private readonly ImageData _data;
    private readonly TrialPlan[] _plans;
    private readonly IReadOnlyDictionary<string, double>[] _values;
    private readonly bool _resume;
    private int _started;   // 1 once Run has the folder
    private readonly object _bestLock = new();
    private SearchTrial? _bestSoFar;   // the ended trial that keeps its model.npz (KeepModelIfBest)

    /// <summary>Draws every trial's configuration and checks them all; nothing is written until <see cref="Run"/>.</summary>
    /// <param name="baseConfig">The options not searched (and the seed of the draws and of every trial).</param>
    /// <param name="ranges">The searched options.</param>
    /// <param name="trials">Number of trials.</param>
    /// <param name="data">The images.</param>
    /// <param name="searchDir">The search folder: new or empty.</param>
    /// <exception cref="ArgumentException">A bad option or range, two ranges for one option, or a folder that is not empty.</exception>
    public HyperparameterSearch(TrainConfig baseConfig, IReadOnlyList<SearchRange> ranges, int trials, ImageData data, string searchDir)
        : this(baseConfig, ranges, trials, data, searchDir, resume: false)
    {
    }

    /// <summary>
    /// Most trials one search takes. Every trial is a training run, planned and checked before the first starts: at 10⁸
    /// (a damaged search.json) the plans alone took minutes and 7 GB before any trial ran.
    /// </summary>
    public const int MaxTrials = 10_000;

    private HyperparameterSearch(TrainConfig baseConfig, IReadOnlyList<SearchRange> ranges, int trials, ImageData data, string searchDir, bool resume)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        ArgumentNullException.ThrowIfNull(ranges);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(searchDir);
        if (trials is < 1 or > MaxTrials)
            throw new ArgumentOutOfRangeException(nameof(trials), trials, $"The number of trials must lie in [1, {MaxTrials}], got {trials}.");
        SearchDir = Path.GetFullPath(searchDir);
        if (File.Exists(SearchDir))
            throw new ArgumentException($"The search folder '{searchDir}' is a file; choose a new folder.", nameof(searchDir));
        if (!resume && Directory.Exists(SearchDir) && !IsEmpty(SearchDir))
            throw new ArgumentException($"The search folder '{searchDir}' already exists and is not empty; choose a new folder (or continue an interrupted search with HyperparameterSearch.Resume).", nameof(searchDir));
        if (ranges.Any(r => r is null)) throw new ArgumentException("A search range is null.", nameof(ranges));
        // Two ranges for one option: the second draw would overwrite the first, and results.csv would name it twice.
        foreach (var twice in ranges.GroupBy(r => r.Name).Where(g => g.Count() > 1))
            throw new ArgumentException($"{twice.Key} is searched by {twice.Count()} ranges ({string.Join(" and ", twice.Select(Describe))}); give one range per option.", nameof(ranges));
        _baseConfig = baseConfig;
        _data = data;
        _resume = resume;
        Ranges = ranges;
        var rng = new NumpyRandom(baseConfig.Seed);
        _plans = new TrialPlan[trials];
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
            string dir = Path.Combine(SearchDir, TrialName(i));
            _plans[i] = resume ? Plan(i, config, dir) : TrialPlan.Start(new TrainingRun(config, data, dir));
        }
    }

    /// <summary>
    /// Continues the search in <paramref name="searchDir"/> that was interrupted (Ctrl-C) or killed: its
    /// <c>search.json</c> draws the same trials again; a trial that finished is taken as it is, one interrupted
    /// continues from its <c>checkpoint.npz</c> (as <c>train --resume</c>), and one that never started, or failed
    /// before it wrote anything, runs. <see cref="Run"/> then rewrites the results from every trial.
    /// </summary>
    /// <param name="searchDir">The folder of the interrupted search.</param>
    /// <param name="data">The images (the data set and split sizes the search ran on).</param>
    /// <exception cref="FileNotFoundException">The folder has no <c>search.json</c>.</exception>
    /// <exception cref="InvalidDataException"><c>search.json</c> is malformed.</exception>
    /// <exception cref="ArgumentException">A trial's folder holds a run of another configuration (edited since, or other data).</exception>
    public static HyperparameterSearch Resume(string searchDir, ImageData data)
    {
        ArgumentException.ThrowIfNullOrEmpty(searchDir);
        ArgumentNullException.ThrowIfNull(data);
        var path = Path.Combine(searchDir, SearchSpec.FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException(Directory.Exists(searchDir)
                ? $"'{searchDir}' has no {SearchSpec.FileName}: it is not a search folder, or its search was made before searches recorded what they draw; start a new search."
                : $"The search folder '{searchDir}' does not exist.", path);
        var spec = SearchSpec.Load(path);
        return new HyperparameterSearch(spec.Config, spec.Ranges, spec.Trials, data, searchDir, resume: true);
    }

    /// <summary>Trials whose finished run <see cref="Run"/> takes as it is (after <see cref="Resume"/>; 0 for a new search).</summary>
    public int FinishedTrials => _plans.Count(p => p.Finished is not null);

    /// <summary>Whether <see cref="Run"/> takes trial <paramref name="trial"/>'s finished run as it is (after <see cref="Resume"/>).</summary>
    public bool IsFinished(int trial) => (uint)trial < (uint)_plans.Length
        ? _plans[trial].Finished is not null
        : throw new ArgumentOutOfRangeException(nameof(trial), trial, $"The search has trials 0 to {_plans.Length - 1}.");

    /// <summary>Trials <see cref="Run"/> continues from their checkpoint (after <see cref="Resume"/>).</summary>
    public int ResumedTrials => _plans.Count(p => p.Run?.Resume == true);

    /// <summary>The search folder (absolute).</summary>
    public string SearchDir { get; }

    /// <summary>The searched options.</summary>
    public IReadOnlyList<SearchRange> Ranges { get; }

    /// <summary>Trials run at once; default one per core.</summary>
    public int Parallel { get; set; } = Environment.ProcessorCount;

    /// <summary>The trials' run configurations, in trial order.</summary>
    public IReadOnlyList<TrainConfig> TrialConfigs => _plans.Select(p => p.Config).ToList();

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
            try
            {
                if (!_resume && !IsEmpty(SearchDir))
                    throw new FolderInUseException($"The search folder '{SearchDir}' was filled by another process after this search was set up; choose another folder.");
                // What the draws follow from, before any trial: a search stopped at any point can be resumed.
                if (!_resume)
                    new SearchSpec { Config = _baseConfig, Ranges = Ranges, Trials = _plans.Length, DataFolder = _data.Folder }.Save(Path.Combine(SearchDir, SearchSpec.FileName));
            }
            catch
            {
                hold.Dispose();
                throw;
            }
        }
        catch
        {
            _started = 0;   // nothing ran: a later Run may try again
            throw;
        }
        using var held = hold;
        var done = new SearchTrial?[_plans.Length];
        var summaries = new RunSummary?[_plans.Length];
        int parallel = Math.Clamp(Parallel, 1, _plans.Length);
        // Each trial's kernels get an equal share of the threads, on its own thread only: the process-wide setting (and
        // another search's or training's share) is left alone.
        int share = Math.Max(1, Parallelism.MaxThreads / parallel);
        try
        {
            System.Threading.Tasks.Parallel.For(0, _plans.Length, new ParallelOptions { MaxDegreeOfParallelism = parallel }, i =>
            {
                if (cancel.IsCancellationRequested) return;
                using var limit = Parallelism.LimitCallingThread(share);
                try
                {
                    done[i] = RunTrial(i, cancel, out summaries[i]);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    return;   // stopped before its training began: not run, as the trials after it
                }
                finally
                {
                    // The kernels' buffers sized for this trial's shapes: a thread-pool thread would keep them while
                    // idle (the largest trial's, per thread), beyond Scratch.Release's reach.
                    Scratch.DropThisThread();
                    // The trial's arrays (its model, optimizer state, layer caches and those buffers: pinned, ~100 MB for
                    // a [1000, 1000] net) are garbage now; left to the GC's own pace they piled up to ~1.5 GB resident
                    // over a search of such trials, against ~0.5 GB for two at a time. A full collection takes a few
                    // milliseconds next to a trial's seconds, and the other trial running loses no bit, only those.
                    GC.Collect();
                }
                done[i] = KeepModelIfBest(done[i]!, summaries);
                TrialCompleted?.Invoke(done[i]!);
            });
        }
        catch (AggregateException e)
        {
            // A TrialCompleted handler's own error (a trial's is recorded in the trial), not .NET's "One or more errors occurred".
            ExceptionDispatchInfo.Throw(e.Flatten().InnerExceptions[0]);
        }

        var trials = done.Where(t => t is not null).Select(t => t!).ToList();
        var bestTrial = BestWithModel(trials);
        // A failed trial's model is left alone: it may be an earlier run's best, failed now on a damaged file. Most
        // models went as their trials ended (KeepModelIfBest); this settles the rest (none, unless a file vanished).
        for (int t = 0; t < trials.Count; t++)
            if (trials[t] != bestTrial && trials[t].Status != RunStatus.Failed) trials[t] = DropModel(trials[t], summaries);
        var result = new SearchResult
        {
            SearchDir = SearchDir, Trials = trials, Best = bestTrial, Dataset = _data.Dataset, Ranges = Ranges,
            Interrupted = trials.Count < _plans.Length || trials.Any(t => t.Status == RunStatus.Interrupted),
        };
        RunJson.Save(Path.Combine(SearchDir, SearchResult.FileName), result);
        AtomicFile.WriteAllText(Path.Combine(SearchDir, "results.csv"), Csv(trials));
        if (trials.Count > 0) AtomicFile.WriteAllBytes(Path.Combine(SearchDir, SearchPicture.FileName), SearchPicture.Png(result));
        return result;
    }

    /// <summary>
    /// As each trial ends, keeps <c>model.npz</c> only in the best trial so far (the order <see cref="Run"/> picks the
    /// best by: highest validation accuracy, then the first trial) and deletes the others'. Kept until the search's end,
    /// every trial's model filled the disk while it ran: 60 trials of a [100] net held 74 MB that the end deleted, and
    /// 10,000 of the default [500, 500, 500] would have held 80 GB.
    /// </summary>
    /// <returns>The trial as recorded (a diverged one's message now says its model was deleted).</returns>
    private SearchTrial KeepModelIfBest(SearchTrial trial, RunSummary?[] summaries)
    {
        if (trial.Status == RunStatus.Failed) return trial;   // left alone, as at the end
        lock (_bestLock)
        {
            bool usable = trial.Status == RunStatus.Completed && trial.ValAcc is not null
                && File.Exists(RunFiles.In(Path.Combine(SearchDir, trial.Run), RunFiles.Model));
            if (usable && (_bestSoFar is null || trial.ValAcc > _bestSoFar.ValAcc || (trial.ValAcc == _bestSoFar.ValAcc && trial.Trial < _bestSoFar.Trial)))
            {
                if (_bestSoFar is { } previous) DropModel(previous, summaries);
                _bestSoFar = trial;
                return trial;
            }
            return DropModel(trial, summaries);
        }
    }

    /// <summary>
    /// Only a trial that completed: a diverged one keeps the parameters of its best check before it blew up, which can
    /// be its untrained start (6.6% on CIFAR-10), and a train that diverges exits 3, so a search of them does too. And
    /// one whose model.npz is still there: a resumed search's earlier run deleted every model but its best's, and that
    /// best may now be failed (a damaged file), so the next in line has no model to offer.
    /// </summary>
    private SearchTrial? BestWithModel(IEnumerable<SearchTrial> trials) =>
        trials.Where(t => t.Status == RunStatus.Completed && t.ValAcc is not null && File.Exists(RunFiles.In(Path.Combine(SearchDir, t.Run), RunFiles.Model)))
            .OrderByDescending(t => t.ValAcc).ThenBy(t => t.Trial).FirstOrDefault();

    /// <summary>Said of a diverged trial whose model (its best parameters before the loss blew up) the search deleted.</summary>
    internal const string ModelDeletedNote = "The search deleted this trial's model.npz: it keeps only its best completed trial's model.";

    /// <summary>
    /// Deletes <paramref name="trial"/>'s <c>model.npz</c>, and its name from the trial's <c>summary.json</c>; a diverged
    /// trial's message ("the best parameters so far … were kept") then says so (<see cref="ModelDeletedNote"/>), in the
    /// summary and in the returned trial.
    /// </summary>
    private SearchTrial DropModel(SearchTrial trial, RunSummary?[] summaries)
    {
        string dir = Path.Combine(SearchDir, trial.Run);
        AtomicFile.TryDelete(RunFiles.In(dir, RunFiles.Model));
        static string? Noted(string? message) =>
            message is null || message.Contains(ModelDeletedNote, StringComparison.Ordinal) ? message : message + " " + ModelDeletedNote;
        // Its summary.json no longer lists the file it lost (a failed trial may have none).
        if (summaries[trial.Trial] is { } summary && summary.Files.Contains(RunFiles.Model))
        {
            summaries[trial.Trial] = summary with
            {
                Files = [.. summary.Files.Where(f => f != RunFiles.Model)],
                Message = summary.Status == RunStatus.Diverged ? Noted(summary.Message) : summary.Message,
            };
            summaries[trial.Trial]!.Save(RunFiles.In(dir, RunFiles.Summary));
        }
        return trial.Status == RunStatus.Diverged ? trial with { Message = Noted(trial.Message) } : trial;
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
