using Backprop.Data;

namespace Backprop.Training;

public sealed partial class HyperparameterSearch
{
    /// <summary>
    /// What <see cref="Run"/> does with a trial: <see cref="Run"/> it (new, or from its checkpoint), take the
    /// <see cref="Finished"/> run in its folder, or record why it cannot (<see cref="Stuck"/>).
    /// </summary>
    private sealed record TrialPlan(TrainConfig Config, TrainingRun? Run, RunSummary? Finished, string? Stuck)
    {
        public static TrialPlan Start(TrainingRun run) => new(run.Config, run, null, null);
    }

    /// <summary>
    /// The plan of trial <paramref name="i"/> of a resumed search, from what its folder holds. A damaged file there
    /// fails this trial only, as an error while it runs would.
    /// </summary>
    private TrialPlan Plan(int i, TrainConfig config, string dir)
    {
        try
        {
            return PlanFromFolder(i, config, dir);
        }
        catch (InvalidDataException e)
        {
            return new TrialPlan(SplitSizes.Resolve(config.Validate(), _data, out _), null, null,
                $"{TrialName(i)} cannot be continued: {e.Message.TrimEnd('.')}; delete its folder to run the trial again.");
        }
    }

    private TrialPlan PlanFromFolder(int i, TrainConfig config, string dir)
    {
        if (File.Exists(dir))
            return new TrialPlan(SplitSizes.Resolve(config.Validate(), _data, out _), null, null, $"{TrialName(i)} cannot run: a file is where its folder goes; move it away to run the trial.");
        // Nothing written yet (or only what a run stopped before its first checkpoint leaves): run it.
        if (!Directory.Exists(dir) || TrainingRun.IsFree(dir, SplitSizes.Resolve(config.Validate(), _data, out _))) return TrialPlan.Start(new TrainingRun(config, _data, dir));
        var summaryPath = RunFiles.In(dir, RunFiles.Summary);
        var summary = File.Exists(summaryPath) ? RunSummary.Load(summaryPath) : null;
        if (summary is { Status: RunStatus.Completed or RunStatus.Diverged })
        {
            var resolved = SplitSizes.Resolve(config.Validate(), _data, out _);
            var saved = RunFolder.ReadConfig(dir);
            if (saved.ToJson() != resolved.ToJson())
                throw new ArgumentException($"{TrialName(i)}: its {RunFiles.Config} is not this search's draw for it ({SearchSpec.FileName} or the data differ from when it ran); start a new search.", nameof(config));
            // A run killed after its summary and before deleting its checkpoint leaves one; the trial is finished.
            AtomicFile.TryDelete(RunFiles.In(dir, RunFiles.Checkpoint));
            return new TrialPlan(resolved, null, summary, null);
        }
        // Interrupted, or killed after an epoch end: continue from the checkpoint (which must be of this draw).
        if (File.Exists(RunFiles.In(dir, RunFiles.Checkpoint))) return TrialPlan.Start(new TrainingRun(config, _data, dir, resume: true));
        return new TrialPlan(SplitSizes.Resolve(config.Validate(), _data, out _), null, null,
            $"{TrialName(i)} cannot be continued: its folder holds a run that stopped with no {RunFiles.Checkpoint} and no finished {RunFiles.Summary}; delete the folder to run the trial again.");
    }

    /// <summary>
    /// Runs trial <paramref name="i"/> (or takes its finished run). An error (a folder that cannot be written, a full
    /// disk) fails this trial only: it is recorded with its message and the search goes on, as Ray Tune records an
    /// errored trial.
    /// </summary>
    private SearchTrial RunTrial(int i, CancellationToken cancel, out RunSummary? summary)
    {
        var plan = _plans[i];
        var trial = new SearchTrial
        {
            Trial = i,
            Run = TrialName(i),
            Values = _values[i],
            LearningRate = plan.Config.LearningRate,
            WeightScale = plan.Config.WeightScale,
        };
        summary = null;
        if (plan.Stuck is { } why) return trial with { Status = RunStatus.Failed, Message = why };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            summary = plan.Finished ?? plan.Run!.Run(cancel);
            var history = RunHistory.Load(RunFiles.In(Path.Combine(SearchDir, trial.Run), RunFiles.History));
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
}
