using System.Globalization;
using System.Numerics;
using Backprop.Data;
using Backprop.Tensors;

namespace Backprop.Examples;

/// <summary>
/// What the example programs share: their command line (<c>--quick</c>, <c>--data-dir</c>, <c>--out</c>), finding
/// CIFAR-10, printing a check beside the notebook's value, and writing pictures.
/// </summary>
public sealed class Notebook
{
    private readonly string _name;

    private Notebook(string name, bool quick, string? dataDir, string outDir)
    {
        _name = name;
        Quick = quick;
        DataDir = dataDir;
        OutDir = outDir;
        Directory.CreateDirectory(outDir);
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
    }

    /// <summary>
    /// Parses <c>--quick</c>, <c>--data-dir DIR</c> and <c>--out DIR</c> (default <c>examples/out/NAME</c>, or
    /// <c>examples/out/quick/NAME</c> in quick mode, so a quick run leaves the committed full-size pictures alone).
    /// </summary>
    public static Notebook Start(string name, string[] args)
    {
        bool quick = false;
        string? dataDir = null, outDir = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                // A quoted "~/data" reaches us with its ~: the home folder, as the backprop command reads it.
                case "--data-dir" when i + 1 < args.Length: dataDir = HomeFolder.Expand(args[++i]); break;
                case "--out" when i + 1 < args.Length: outDir = HomeFolder.Expand(args[++i]); break;
                case "--help" or "-h":
                    Console.WriteLine($"usage: dotnet run examples/{name}.cs [-- --quick] [--data-dir DIR] [--out DIR]");
                    Environment.Exit(0);
                    break;
                default:
                    Console.Error.WriteLine($"{name}: unknown argument '{args[i]}' (use --quick, --data-dir DIR, --out DIR)");
                    Environment.Exit(2);
                    break;
            }
        }
        outDir ??= Path.Combine(RepositoryRoot() ?? ".", "examples", "out", quick ? Path.Combine("quick", name) : name);
        var nb = new Notebook(name, quick, dataDir, Path.GetFullPath(outDir));
        Console.WriteLine($"# {name}{(quick ? " (quick mode: smaller experiments)" : "")}");
        return nb;
    }

    /// <summary>Quick mode: every experiment shrunk so the program runs in seconds (CI runs this).</summary>
    public bool Quick { get; }

    /// <summary>The <c>--data-dir</c> value, if any.</summary>
    public string? DataDir { get; }

    /// <summary>How many training images <see cref="LoadCifar10{T}"/> gave (the notebooks': 49000), for labelling results.</summary>
    public int TrainingImages { get; private set; }

    /// <summary>Where pictures and files are written.</summary>
    public string OutDir { get; }

    /// <summary>A notebook heading.</summary>
    public static void Section(string title)
    {
        Console.WriteLine();
        Console.WriteLine($"## {title}");
    }

    /// <summary>
    /// Prints <c>label: ours</c> with the notebook's value beside it and the relative error between them, and, given the
    /// notebook's bound on the difference, its verdict.
    /// </summary>
    public static void Compare(string label, double ours, double notebook, double? differenceBelow = null)
    {
        double difference = Math.Abs(ours - notebook);
        string verdict = differenceBelow is double limit ? $"; difference {Sci(difference)} {(difference < limit ? "ok <" : "ABOVE")} {limit:0e+00}" : "";
        Console.WriteLine($"{label}: {ours:R}   (notebook: {notebook:R}, relative error {Sci(Checks.GradientCheck.RelError(ours, notebook))}{verdict})");
    }

    /// <summary>Python's <c>%.2e</c>: <c>9.77e-10</c>.</summary>
    public static string Sci(double v) => v == 0 ? "0.00e+00" : v.ToString("0.00e+00", CultureInfo.InvariantCulture);

    /// <summary>Prints an error the notebook also prints, ours first: e.g. <c>dx error: 5.2e-11 (notebook: 5.4e-11)</c>.</summary>
    public static void Error(string label, double ours, double? notebook = null, double? expectBelow = null)
    {
        string nb = notebook is double n ? $"   (notebook: {Sci(n)})" : "";
        string verdict = expectBelow is double limit ? (ours < limit ? $"   ok < {limit:0e+00}" : $"   ABOVE {limit:0e+00}") : "";
        Console.WriteLine($"{label}: {Sci(ours)}{nb}{verdict}");
    }

    /// <summary>
    /// Prints the relative error of a gradient that is zero by construction (a bias right before batch norm), whose
    /// centred differences are rounding alone, and the verdict on what can be checked: the analytic gradient's largest
    /// magnitude against <paramref name="below"/>.
    /// </summary>
    public static void ZeroGradient(string label, double relativeError, double largest, double below) =>
        Console.WriteLine($"{label}: {Sci(relativeError)}   (true gradient 0: largest |analytic| {Sci(largest)} {(largest < below ? "ok <" : "ABOVE")} {below:0e+00})");

    /// <summary>
    /// Prints <c>label: ours</c> beside a value the notebook printed rounded (Python 2 prints 12 digits): the absolute
    /// difference, and whether ours rounds to the digits printed.
    /// </summary>
    public static void ComparePrinted(string label, double ours, string notebookPrinted)
    {
        double printed = double.Parse(notebookPrinted, CultureInfo.InvariantCulture);
        int decimals = notebookPrinted.Length - notebookPrinted.IndexOf('.') - 1;
        double diff = Math.Abs(ours - printed);
        string verdict = diff <= 0.5 * Math.Pow(10, -decimals) ? "ok: the same to the digits printed" : "ABOVE half a unit of the last digit printed";
        Console.WriteLine($"{label}: {ours:R}   (notebook: {notebookPrinted}; difference {Sci(diff)}, {verdict})");
    }

    /// <summary>
    /// A gradient check's relative error at the notebooks' h = 1e-5, judged against <paramref name="level"/>. Above it,
    /// shows whether the worst element is off by the centred difference's rounding noise, about ε·loss/(2h) (large
    /// beside a tiny gradient), and judges the check at h = 1e-4 instead, where that noise is 10× smaller and a wrong
    /// gradient's error would not be.
    /// </summary>
    public static void GradientError(string label, Func<double, NDArray<double>> numericAt, NDArray<double> analytic, double loss, double? notebook, double level)
    {
        var numeric = numericAt(1e-5);
        double error = Checks.GradientCheck.RelError(numeric, analytic);
        if (error < level)
        {
            Error(label, error, notebook, level);
            return;
        }
        int worst = Enumerable.Range(0, analytic.Size).MaxBy(i => Checks.GradientCheck.RelError(numeric.Flat(i), analytic.Flat(i)));
        double offBy = numeric.Flat(worst) - analytic.Flat(worst);
        double noise = (double.BitIncrement(1.0) - 1) * Math.Abs(loss) / 2e-5;   // machine epsilon × loss / (2h)
        Error(label, error, notebook);
        Console.WriteLine($"  above {level:0e+00} at h = 1e-5: element {worst} has gradient {Sci(analytic.Flat(worst))} and numeric − analytic {Sci(offBy)}" +
                          (Math.Abs(offBy) < 4 * noise ? $", the size of the centred difference's rounding noise ε·loss/(2h) = {Sci(noise)}" : $", more than the rounding noise ε·loss/(2h) = {Sci(noise)}"));
        Error($"{label} at h = 1e-4", Checks.GradientCheck.RelError(numericAt(1e-4), analytic), expectBelow: level);
    }

    /// <summary>A size a run uses, with the notebook's beside it where quick mode shrank it: <c>2 epochs (notebook: 5)</c>.</summary>
    public static string Used(int used, int notebook, string units)
    {
        string counted = $"{used} {(used == 1 ? units.TrimEnd('s') : units)}";
        return used == notebook ? counted : $"{counted} (notebook: {notebook})";
    }

    /// <summary>Writes a PNG into the output folder and says so.</summary>
    public void Picture(string file, byte[] png)
    {
        var path = Path.Combine(OutDir, file);
        AtomicFile.WriteAllBytes(path, png);
        Console.WriteLine($"[picture] {Path.GetRelativePath(Environment.CurrentDirectory, path)}");
    }

    /// <summary>
    /// CIFAR-10 as the notebooks' <c>get_CIFAR10_data()</c>: from <c>--data-dir</c>, else the usual data folder, else the
    /// shared 5000-image subset beside the repository. On the subset, or in quick mode, the splits shrink and it says so.
    /// With none found, the program ends with a message and exit code 3.
    /// </summary>
    public Dataset<T> LoadCifar10<T>(int numTraining = 49000, int numValidation = 1000, int numTest = 1000) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dir = FindCifar10();
        if (dir is null) ExitForMissingData();
        var (train, _) = Cifar10.Load(dir);
        int have = train.Count;
        bool subset = have < numTraining + numValidation;
        if (subset)
        {
            numValidation = Math.Min(numValidation, have / 5);
            numTraining = have - numValidation;
        }
        if (Quick)
        {
            numTraining = Math.Min(numTraining, 2000);
            numValidation = Math.Min(numValidation, 500);
            numTest = Math.Min(numTest, 500);
        }
        // One line with the counts really used (after both reductions).
        if (subset || Quick)
            Console.WriteLine($"[data] {dir} holds {have} training images{(subset ? ", not the full 50000" : "")}: using {numTraining} for training and {numValidation} for validation" +
                              (Quick ? " (--quick)" : "") +
                              (subset ? " (the notebooks' 49000/1000 need the full CIFAR-10; pass --data-dir to use it). Accuracies are therefore lower than the notebooks'." : "."));
        var data = Preprocessing.GetCifar10Data<T>(dir, numTraining, numValidation, Math.Min(numTest, 1000));
        TrainingImages = data.XTrain.Dim(0);
        Console.WriteLine($"X_train: {data.XTrain.ShapeString}\ny_train: ({data.YTrain.Length},)\nX_val: {data.XVal.ShapeString}\ny_val: ({data.YVal.Length},)");
        if (data.XTest is not null) Console.WriteLine($"X_test: {data.XTest.ShapeString}\ny_test: ({data.YTest!.Length},)");
        return data;
    }

    /// <summary>
    /// The sections that need no data have run; the rest cannot: say where CIFAR-10 was looked for and how to get it,
    /// and exit with code 3 (a message, not an exception's stack trace).
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ExitForMissingData()
    {
        string where = DataDir is not null
            ? $"'{Path.GetFullPath(DataDir)}' (--data-dir)"
            : $"'{DataLocations.Resolve(null).Root}' ($BACKPROP_DATA, else $XDG_CACHE_HOME/backprop, else {DataLocations.DefaultFolderText}), nor in the shared subset '{Path.GetFullPath(Path.Combine(RepositoryRoot() ?? ".", "..", "shared", "cifar10"))}'";
        Console.Out.Flush();
        Console.Error.WriteLine();
        Console.Error.WriteLine(
            $"{_name}: found no CIFAR-10 in {where}, so the sections from here on cannot run; the checks above need no data. " +
            "CIFAR-10 is a folder cifar-10-batches-py (or cifar-10-batches-bin) with all six batches, in the data folder. Get it with " +
            "'dotnet run -c Release --project src/Backprop.Cli -- data download --dataset cifar10 --data-dir DIR' where there is internet, " +
            "or pass --data-dir DIR for a folder that holds it (the 5000-image subset: --data-dir ../shared/cifar10).");
        Environment.Exit(3);
    }

    private string? FindCifar10()
    {
        if (DataDir is not null) return DataLocations.Resolve(DataDir).FindCifar10();
        var found = DataLocations.Resolve(null).FindCifar10();
        if (found is not null) return found;
        var root = RepositoryRoot();
        return root is null ? null : DataLocations.Resolve(Path.Combine(root, "..", "shared", "cifar10")).FindCifar10();
    }

    /// <summary>The first <paramref name="n"/> rows of a data set's training split, with its validation split (the notebooks' <c>small_data</c>).</summary>
    public static Dataset<T> SmallData<T>(Dataset<T> data, int n) where T : unmanaged, IFloatingPointIeee754<T> =>
        data.TakeTraining(Math.Min(n, data.YTrain.Length));

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Backprop.sln"))) return dir.FullName;
        return null;
    }
}
