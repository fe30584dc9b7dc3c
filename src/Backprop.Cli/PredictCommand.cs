using System.CommandLine;
using Backprop.Data;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary><c>backprop predict</c>: class indices of a split as an int64 <c>.npy</c> (the leaderboard's prediction.npy).</summary>
internal static class PredictCommand
{
    public const string Example =
        "Examples:\n" +
        "  backprop predict --model runs/best --split test --out output/phase_1/prediction.npy\n" +
        "  backprop predict --model runs/best --input X_leaderboard.npy --out prediction.npy\n" +
        "--input takes raw pixel values (0-255, uint8 or float) of shape (N, C, H, W) or (N, C*H*W), channels first;\n" +
        "the run's training mean image is subtracted as for its own data.";

    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "Run folder (holding config.json and model.npz)", Required = true, HelpName = "DIR" };
        var split = new Option<string>("--split") { Description = "train, val or test", DefaultValueFactory = _ => "test", HelpName = "SPLIT" };
        var output = new Option<string>("--out") { Description = "The .npy file to write (int64 class indices)", DefaultValueFactory = _ => "prediction.npy", HelpName = "FILE" };
        var input = new Option<string?>("--input") { Description = "Predict these images (.npy of raw pixels) instead of a split", HelpName = "FILE" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data folder (default $BACKPROP_DATA, else ~/.cache/backprop)", HelpName = "DIR" };
        var command = new Command("predict", "Predict the class of every image of a split (or of an .npy of images) and save the indices as an int64 .npy (np.save of the predictions).") { model, split, input, output, dataDir };
        command.SetAction(result =>
        {
            var dir = result.GetValue(model)!;
            var which = Values.OneOf("--split", result.GetValue(split)!, [.. RunFolder.Splits]);
            var path = Path.GetFullPath(result.GetValue(output)!);
            if (!Directory.Exists(Path.GetDirectoryName(path))) throw new UsageException($"--out: the folder '{Path.GetDirectoryName(path)}' does not exist.");
            var inputPath = result.GetValue(input);
            if (inputPath is not null && result.GetResult(split) is { Implicit: false }) throw new UsageException("--input and --split exclude each other: predict either a split or the images of a file.");
            if (inputPath is not null && !File.Exists(inputPath)) throw new UsageException($"--input: '{inputPath}' does not exist.");
            var config = RunDirs.Config("--model", dir);
            var data = RunDirs.Data(config, result.GetValue(dataDir), console);
            var preds = inputPath is null ? RunFolder.Predict(dir, data, which) : RunFolder.PredictImages(dir, data, Npy.Load(inputPath));
            Npy.Save(path, preds);
            console.Out.WriteLine($"Wrote {preds.Length} predictions ({(inputPath is null ? which + " split" : Path.GetFileName(inputPath))}, int64) to {path}");
            return ExitCodes.Success;
        });
        return command;
    }
}
