using System.Diagnostics;
using System.Globalization;
using Backprop.Training;
using Spectre.Console;

namespace Backprop.Cli;

/// <summary>
/// Shows a run's progress: on a terminal a live Spectre bar (epoch, iteration, loss, learning rate, images/s, time
/// left) with the notebooks' accuracy lines above it; otherwise the notebooks' plain lines, which the Solver prints.
/// </summary>
internal static class TrainProgress
{
    /// <summary>Runs <paramref name="run"/> with progress on <paramref name="writer"/>; returns its summary.</summary>
    public static RunSummary Show(TrainingRun run, TextWriter writer, bool terminal, CancellationToken cancel)
    {
        if (!terminal) return run.Run(cancel);
        var console = Consoles.Over(writer, terminal: true);
        RunSummary? summary = null;
        console.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", autoStart: true, maxValue: 1);
                var clock = Stopwatch.StartNew();
                int start = 0, perEpoch = 1, batch = 1, epochs = run.Config.Epochs;
                run.Started += s =>
                {
                    (start, perEpoch, batch) = (s.StartIteration, s.IterationsPerEpoch, s.BatchSize);
                    task.MaxValue = s.NumIterations;
                    task.Value = s.StartIteration;
                };
                run.IterationCompleted += i =>
                {
                    task.Value = i.Iteration;
                    double ips = (i.Iteration - start) * batch / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                    task.Description = string.Create(CultureInfo.InvariantCulture,
                        $"epoch {Math.Min(i.Epoch + 1, epochs)}/{epochs}  iteration {i.Iteration}/{i.NumIterations}  loss {i.Loss:F4}  lr {i.LearningRate:G3}  {ips:F0} img/s");
                };
                run.AccuracyChecked += e => console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"(Epoch {e.Epoch} / {e.NumEpochs}) train acc: {e.TrainAcc:F6}; val_acc: {e.ValAcc:F6}")) + (e.IsBest ? " [green]best[/]" : ""));
                summary = run.Run(cancel);
            });
        return summary!;
    }
}
