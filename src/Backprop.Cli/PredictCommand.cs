using System.CommandLine;
using System.Globalization;
using Backprop.Data;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary><c>backprop predict</c>: class indices of a split as an int64 <c>.npy</c> (the leaderboard's prediction.npy).</summary>
internal static class PredictCommand
{
    public const string Example =
        "Examples:\n" +
        "  backprop predict --model runs/best --split test --out output/phase_1/prediction.npy   (into a folder that exists)\n" +
        "  backprop predict --model runs/best --split test --out output/phase_1/prediction.npy --zip output/prediction_phase_1.zip\n" +
        "  backprop predict --model runs/best --input X_leaderboard.npy --out prediction.npy\n" +
        "  backprop predict --model runs/best --input my_photos/\n" +
        "--input takes an .npy of raw pixel values (0-255, uint8 or float) of shape (N, C, H, W) or (N, C*H*W), channels\n" +
        "first (grey images also (N, H, W), as the IDX files hold them); or pictures (PNG, JPEG, BMP, GIF, WebP: one file,\n" +
        "or a folder's in name order), centre-cropped to square and scaled to the data set's size, each printed with its\n" +
        "three likeliest classes. (Fashion-)MNIST models expect a light object on a black background, as in their data.\n" +
        "The run's training mean image is subtracted as for its own data.";

    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "Run folder (holding config.json and model.npz)", Required = true, HelpName = "DIR", CustomParser = UserPath.Parse };
        var split = new Option<string>("--split") { Description = "train, val or test", DefaultValueFactory = _ => "test", HelpName = "SPLIT" };
        var output = new Option<string>("--out") { Description = "The .npy file to write (int64 class indices; .npy is added to a name without an extension, as np.save does)", DefaultValueFactory = _ => "prediction.npy", HelpName = "FILE", CustomParser = UserPath.Parse };
        var input = new Option<string?>("--input") { Description = "Predict these images instead of a split: an .npy of raw pixels, a picture, or a folder of pictures", HelpName = "PATH", CustomParser = UserPath.Parse };
        var zip = new Option<string?>("--zip") { Description = "Also write a .zip holding the .npy, the leaderboard's upload (the notebook's zip_fun: prediction_phase_1.zip with prediction.npy inside)", HelpName = "FILE", CustomParser = UserPath.Parse };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data folder (default: where the run was trained, as its summary.json or checkpoint.npz records; else $BACKPROP_DATA, else $XDG_CACHE_HOME/backprop, else " + DataLocations.DefaultFolderText + ")", HelpName = "DIR", CustomParser = UserPath.Parse };
        var command = new Command("predict", "Predict the class of every image of a split (or of an .npy of images, or of picture files) and save the indices as an int64 .npy (np.save of the predictions).") { model, split, input, output, zip, dataDir };
        command.SetAction(result =>
        {
            var dir = result.GetValue(model)!;
            var which = Values.OneOf("--split", result.GetValue(split)!, [.. RunFolder.Splits]);
            var inputPath = result.GetValue(input);
            var path = OutputFile.Check("--out", result.GetValue(output)!, ".npy", [inputPath]);
            var zipPath = result.GetValue(zip) is { } z ? OutputFile.Check("--zip", z, ".zip", [inputPath, path]) : null;
            if (inputPath is not null && result.GetResult(split) is { Implicit: false }) throw new UsageException("--input and --split exclude each other: predict either a split or the images of a file.");
            if (inputPath is not null && !File.Exists(inputPath) && !Directory.Exists(inputPath)) throw new UsageException($"--input: '{inputPath}' does not exist.");
            bool pictures = inputPath is not null && (Directory.Exists(inputPath) || ImageFiles.IsImage(inputPath));
            if (inputPath is not null && !pictures && !Path.GetExtension(inputPath).Equals(".npy", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"--input: '{inputPath}' is neither an .npy of images nor a picture ({string.Join(", ", ImageFiles.Extensions)}), by its name; convert it to one of those.");
            var config = RunDirs.Config("--model", dir);
            var data = RunDirs.Data(dir, config, result.GetValue(dataDir), console);
            long[] preds;
            if (inputPath is null) preds = UsageException.Naming("--split " + which, "split", () => RunFolder.Predict(dir, data, which));
            else if (!pictures) preds = UsageException.Naming("--input " + inputPath, "images", () => RunFolder.PredictImages(dir, data, Npy.Load(inputPath)));
            else
            {
                var (files, classified) = UsageException.Naming("--input " + inputPath, "images", () => RunFolder.ClassifyPictures(dir, data, inputPath));
                for (int i = 0; i < files.Length; i++)
                    console.Out.WriteLine($"{Path.GetFileName(files[i])}: {Likeliest(classified.Probabilities[i], data.ClassNames)}");
                preds = classified.Classes;
            }
            Npy.Save(path, preds);
            console.Out.WriteLine($"Wrote {preds.Length} prediction{(preds.Length == 1 ? "" : "s")} ({(inputPath is null ? which + " split" : Path.GetFileName(Path.TrimEndingDirectorySeparator(inputPath)))}, int64) to {path}");
            if (zipPath is not null)
            {
                AtomicFile.WriteAllBytes(zipPath, ZipOf(Path.GetFileName(path), File.ReadAllBytes(path)));
                console.Out.WriteLine($"Wrote {zipPath} ({Path.GetFileName(path)} inside)");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A zip archive of one file at its root, as <c>zip archive.zip prediction.npy</c> makes it.</summary>
    internal static byte[] ZipOf(string name, byte[] content)
    {
        using var memory = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(memory, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = archive.CreateEntry(name, System.IO.Compression.CompressionLevel.Optimal);
            using var stream = entry.Open();
            stream.Write(content);
        }
        return memory.ToArray();
    }

    /// <summary>"cat 81.2%, dog 9.0%, frog 3.1%": the three likeliest classes.</summary>
    private static string Likeliest(double[] probabilities, IReadOnlyList<string> names) =>
        string.Join(", ", probabilities.Select((p, c) => (p, c)).OrderByDescending(t => t.p).ThenBy(t => t.c).Take(3)
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"{names[t.c]} {100 * t.p:F1}%")));
}
