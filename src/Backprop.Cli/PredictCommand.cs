using System.CommandLine;
using Backprop.Data;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary><c>backprop predict</c>: class indices of a split as an int64 <c>.npy</c> (the leaderboard's prediction.npy).</summary>
internal static class PredictCommand
{
    public const string Example = "Example:\n  backprop predict --model runs/best --split test --out output/phase_1/prediction.npy";

    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "Run folder (holding config.json and model.npz)", Required = true, HelpName = "DIR" };
        var split = new Option<string>("--split") { Description = "train, val or test", DefaultValueFactory = _ => "test", HelpName = "SPLIT" };
        var output = new Option<string>("--out") { Description = "The .npy file to write (int64 class indices)", DefaultValueFactory = _ => "prediction.npy", HelpName = "FILE" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data folder (default $BACKPROP_DATA, else ~/.cache/backprop)", HelpName = "DIR" };
        var command = new Command("predict", "Predict the class of every image of a split and save the indices as an int64 .npy (np.save of the predictions).") { model, split, output, dataDir };
        command.SetAction(result =>
        {
            var dir = result.GetValue(model)!;
            var which = Values.OneOf("--split", result.GetValue(split)!, [.. RunFolder.Splits]);
            var path = Path.GetFullPath(result.GetValue(output)!);
            if (!Directory.Exists(Path.GetDirectoryName(path))) throw new UsageException($"--out: the folder '{Path.GetDirectoryName(path)}' does not exist.");
            var config = RunDirs.Config("--model", dir);
            var preds = RunFolder.Predict(dir, RunDirs.Data(config, result.GetValue(dataDir), console), which);
            Npy.Save(path, preds);
            console.Out.WriteLine($"Wrote {preds.Length} predictions ({which} split, int64) to {path}");
            return ExitCodes.Success;
        });
        return command;
    }
}
