using System.CommandLine;
using System.Globalization;
using Backprop.Kernels;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary><c>backprop train</c>: one training run into a run folder.</summary>
internal static class TrainCommand
{
    public const string Example =
        "Examples:\n" +
        "  backprop train --dataset fashion-mnist --epochs 1\n" +
        "  backprop train --dataset cifar10 --hidden 100,100 --update-rule sgd_momentum --learning-rate 1e-2 --out runs/momentum\n" +
        "  backprop train --config runs/momentum/config.json --seed 1      (repeat a run with another seed)\n" +
        "  backprop train --resume runs/momentum                           (continue after Ctrl-C or a crash)";

    public static Command Create(CliConsole console)
    {
        var options = new TrainOptions();
        var outOption = new Option<string?>("--out") { Description = "Run folder to create (default runs/<timestamp>)", HelpName = "DIR", CustomParser = UserPath.Parse };
        var resume = new Option<string?>("--resume") { Description = "Continue the interrupted run in DIR from its checkpoint.npz (takes no other training option; its data is read where it was trained unless --data-dir is given)", HelpName = "DIR", CustomParser = UserPath.Parse };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object on stdout (progress goes to stderr)" };
        var printEvery = new Option<int>("--print-every") { Description = "Loss line every N iterations when output is not a terminal", DefaultValueFactory = _ => 100, HelpName = "N" };
        var command = new Command("train", "Train a network and write a run folder: model.npz, config.json, history.json, summary.json, loss.png, accuracy.png, weights.png, confusion.png, and checkpoint.npz at every epoch end and on Ctrl-C.");
        options.AddTo(command);
        command.Options.Add(outOption);
        command.Options.Add(resume);
        command.Options.Add(json);
        command.Options.Add(printEvery);
        command.SetAction(result =>
        {
            console.StopsCleanly = true;   // watches console.Cancel to its end: a first Ctrl-C stops it cleanly
            bool asJson = result.GetValue(json);
            var progress = asJson ? console.Error : console.Out;
            bool terminal = asJson ? console.ErrorIsTerminal : console.OutIsTerminal;
            int every = result.GetValue(printEvery);
            if (every < 1) throw new UsageException($"--print-every: must be positive, got {every}.");
            if (VectorSupport.Advice is { } advice) progress.WriteLine($"Warning: {advice}");

            TrainingRun run;
            if (result.GetValue(resume) is { } dir)
            {
                var given = options.Given(result).Concat(result.GetResult(outOption) is { Implicit: false } ? ["--out"] : []).ToList();
                if (given.Count > 0)
                    throw new UsageException($"--resume continues a run with its own config.json; remove {string.Join(", ", given)}." +
                        (given.Contains("--epochs")
                            ? $" A run's epochs are fixed at its start (its learning-rate decay and checkpoints follow them); to train for more, start a new run: 'backprop train --config {Path.Combine(dir, RunFiles.Config)} --epochs N'."
                            : ""));
                var config = ReadRunConfig(dir);
                try
                {
                    TrainingRun.CheckResumable(dir);   // before looking for data: a finished run needs none
                }
                catch (FileNotFoundException e)
                {
                    throw new UsageException($"--resume: {e.Message}", e);
                }
                var (choice, _) = RunDirs.DataOf(dir, config, result.GetValue(options.DataDir), console);
                var images = DataSource.Load(choice);
                if (console.Cancel.IsCancellationRequested) return StoppedBeforeTraining(progress, "the run folder is as it was");
                run = new TrainingRun(config, images, dir, resume: true) { NotebookLog = terminal ? null : progress, PrintEvery = every };
                progress.WriteLine($"Resuming {run.RunDir} ({choice.Reason})");
            }
            else
            {
                // Check every value before looking for data, so that a typo costs no download.
                options.Build(result, options.RequestedDataset(result) ?? "cifar10");
                var choice = DataSource.Choose(options.RequestedDataset(result), result.GetValue(options.DataDir), progress, console.Cancel);
                var config = options.Build(result, choice.Dataset);
                var outDir = result.GetValue(outOption) ?? Path.Combine("runs", DateTime.Now.ToString("yyyy-MM-dd_HH-mm-ss", CultureInfo.InvariantCulture));
                OutputFile.CheckWritable("--out", outDir);
                var data = DataSource.Load(choice);
                // Ctrl-C while the data loaded: no run folder with an untrained model and a "best 0.00 %" summary.
                if (console.Cancel.IsCancellationRequested) return StoppedBeforeTraining(progress, "nothing was written");
                run = options.Explaining(result, () => UsageException.Naming("--out", "runDir",
                    () => new TrainingRun(config, data, outDir) { NotebookLog = terminal ? null : progress, PrintEvery = every }));
                progress.WriteLine(choice.Reason);
                if (run.Note is not null) progress.WriteLine(run.Note);
                progress.WriteLine(Describe(run));
            }
            var summary = TrainProgress.Show(run, progress, terminal, console.Cancel);
            if (asJson) console.Out.WriteLine(summary.ToJsonLine());
            else SummaryTable.Write(Consoles.Over(console.Out, console.OutIsTerminal), summary);
            if (summary.Status == RunStatus.Interrupted)
                progress.WriteLine($"Interrupted: continue with 'backprop train --resume {run.RunDir}'.");
            return summary.Status switch
            {
                RunStatus.Diverged => ExitCodes.Diverged,
                RunStatus.Interrupted => ExitCodes.Interrupted,
                _ => ExitCodes.Success,
            };
        });
        return command;
    }

    private static int StoppedBeforeTraining(TextWriter progress, string what)
    {
        progress.WriteLine($"Stopped before training began; {what}.");
        return ExitCodes.Interrupted;
    }

    /// <summary>The config.json of a run folder given to --resume.</summary>
    private static TrainConfig ReadRunConfig(string dir)
    {
        try
        {
            return RunFolder.ReadConfig(dir);
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"--resume: {e.Message}");
        }
    }

    private static string Describe(TrainingRun run)
    {
        var c = run.Config;
        string arch = c.Model == "twolayer" ? $"TwoLayerNet({c.Hidden[0]})" : $"FullyConnectedNet([{string.Join(", ", c.Hidden)}], {c.Normalization}, dropout keep {c.Dropout.ToString(CultureInfo.InvariantCulture)})";
        return string.Create(CultureInfo.InvariantCulture,
            $"Training {arch}, {c.UpdateRule} lr {c.LearningRate:g3} decay {c.LrDecay:g3}, reg {c.Reg:g3}, weight scale {c.WeightScale:g3}, {c.Epochs} epoch{(c.Epochs == 1 ? "" : "s")} of batch {c.BatchSize}, {c.Dtype}, seed {c.Seed} → {run.RunDir}");
    }
}
