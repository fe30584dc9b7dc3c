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
                case "--data-dir" when i + 1 < args.Length: dataDir = args[++i]; break;
                case "--out" when i + 1 < args.Length: outDir = args[++i]; break;
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

    /// <summary>Where pictures and files are written.</summary>
    public string OutDir { get; }

    /// <summary>A notebook heading.</summary>
    public static void Section(string title)
    {
        Console.WriteLine();
        Console.WriteLine($"## {title}");
    }

    /// <summary>Prints <c>label: ours</c> with the notebook's value beside it and the relative error between them.</summary>
    public static void Compare(string label, double ours, double notebook)
        => Console.WriteLine($"{label}: {ours:R}   (notebook: {notebook:R}, relative error {Sci(Checks.GradientCheck.RelError(ours, notebook))})");

    /// <summary>Python's <c>%.2e</c>: <c>9.77e-10</c>.</summary>
    public static string Sci(double v) => v == 0 ? "0.00e+00" : v.ToString("0.00e+00", CultureInfo.InvariantCulture);

    /// <summary>Prints an error the notebook also prints, ours first: e.g. <c>dx error: 5.2e-11 (notebook: 5.4e-11)</c>.</summary>
    public static void Error(string label, double ours, double? notebook = null, double? expectBelow = null)
    {
        string nb = notebook is double n ? $"   (notebook: {Sci(n)})" : "";
        string verdict = expectBelow is double limit ? (ours < limit ? $"   ok < {limit:0e+00}" : $"   ABOVE {limit:0e+00}") : "";
        Console.WriteLine($"{label}: {Sci(ours)}{nb}{verdict}");
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
    /// </summary>
    public Dataset<T> LoadCifar10<T>(int numTraining = 49000, int numValidation = 1000, int numTest = 1000) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dir = FindCifar10() ?? throw new DirectoryNotFoundException(
            $"{_name}: no CIFAR-10 found. Pass --data-dir DIR (a folder holding cifar-10-batches-py), set $BACKPROP_DATA, or run 'backprop data download --dataset cifar10'.");
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
        Console.WriteLine($"X_train: {data.XTrain.ShapeString}\ny_train: ({data.YTrain.Length},)\nX_val: {data.XVal.ShapeString}\ny_val: ({data.YVal.Length},)");
        if (data.XTest is not null) Console.WriteLine($"X_test: {data.XTest.ShapeString}\ny_test: ({data.YTest!.Length},)");
        return data;
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

    /// <summary>Elements of a 2-D array as notebook-style rows for printing.</summary>
    public static string Rows<T>(NDArray<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < a.Dim(0); i++)
        {
            sb.Append(i == 0 ? "[[" : " [");
            for (int j = 0; j < a.Dim(1); j++) sb.Append(j == 0 ? "" : " ").Append(double.CreateTruncating(a[i, j]).ToString("0.00000000", CultureInfo.InvariantCulture));
            sb.Append(i == a.Dim(0) - 1 ? "]]" : "]\n");
        }
        return sb.ToString();
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Backprop.sln"))) return dir.FullName;
        return null;
    }
}
