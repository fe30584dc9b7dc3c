using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Backprop.Data;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary><c>backprop eval</c>: accuracy of a run's model on its validation and test splits, and per class.</summary>
internal static class EvalCommand
{
    public const string Example = "Example:\n  backprop eval --model runs/2025-01-01_12-00-00";

    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "Run folder (holding config.json and model.npz)", Required = true, HelpName = "DIR", CustomParser = UserPath.Parse };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data folder (default: where the run was trained, as its summary.json or checkpoint.npz records; else $BACKPROP_DATA, else $XDG_CACHE_HOME/backprop, else " + DataLocations.DefaultFolderText + ")", HelpName = "DIR", CustomParser = UserPath.Parse };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object" };
        var command = new Command("eval", "Accuracy of a trained model on the validation and test splits it was trained with (same images, same mean image), class by class: accuracy, precision and the confusion matrix of the test split (--json: both splits' matrices).") { model, dataDir, json };
        command.SetAction(result =>
        {
            var dir = result.GetValue(model)!;
            var config = RunDirs.Config("--model", dir);
            var e = RunFolder.Evaluate(dir, RunDirs.Data(dir, config, result.GetValue(dataDir), console));
            if (result.GetValue(json))
                console.Out.WriteLine(new JsonObject
                {
                    ["model"] = Path.GetFullPath(dir), ["val_acc"] = e.ValAcc, ["test_acc"] = e.TestAcc, ["num_val"] = e.NumVal, ["num_test"] = e.NumTest,
                    ["class_names"] = new JsonArray([.. e.ClassNames.Select(n => JsonValue.Create(n))]),
                    ["val_confusion"] = Rows(e.Val), ["test_confusion"] = e.Test is { } tc ? Rows(tc) : null,
                }.ToJsonString());
            else
            {
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Validation set accuracy:  {e.ValAcc} ({e.NumVal} images)"));
                console.Out.WriteLine(e.TestAcc is double t ? string.Create(CultureInfo.InvariantCulture, $"Test set accuracy:  {t} ({e.NumTest} images)") : "Test set accuracy:  - (the run used no test images)");
                console.Out.WriteLine();
                var (title, m) = e.Test is { } test ? ("Test set", test) : ("Validation set", e.Val);
                ConfusionTable.Write(Consoles.Over(console.Out, console.OutIsTerminal), title, m, e.ClassNames);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The counts as a JSON array of rows (true class) of columns (predicted class).</summary>
    private static JsonArray Rows(ConfusionMatrix m) =>
        new([.. m.ToRows().Select(row => (JsonNode)new JsonArray([.. row.Select(v => JsonValue.Create(v))]))]);
}
