namespace Backprop.Data;

/// <summary>The two official CIFAR-10 distributions.</summary>
public enum Cifar10Format
{
    /// <summary><c>cifar-10-batches-py</c>: Python 2 pickles (<c>data_batch_1</c> … <c>data_batch_5</c>, <c>test_batch</c>).</summary>
    Python,
    /// <summary><c>cifar-10-batches-bin</c>: binary records (<c>data_batch_1.bin</c> … <c>data_batch_5.bin</c>, <c>test_batch.bin</c>).</summary>
    Binary,
}

/// <summary>
/// Reads CIFAR-10 batches (the notebooks' <c>load_CIFAR10</c>): images as (N, 3, 32, 32) bytes — the R, G and B planes
/// of each 32×32 image, exactly as stored — and labels 0–9.
/// </summary>
/// <remarks>
/// Both formats give byte-identical <see cref="ImageSet"/>s. A python batch is read with <see cref="PickleReader"/>, which
/// never executes anything; it must be a dict with <c>data</c> (uint8, (N, 3072)) and <c>labels</c> (N ints 0–9), keys
/// either <c>str</c> or <c>bytes</c>; other keys (<c>batch_label</c>, <c>filenames</c>) are ignored. A binary batch is a
/// whole number of 3073-byte records (1 label byte, 3072 pixel bytes).
/// </remarks>
public static class Cifar10
{
    /// <summary>The ten classes, in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Number of classes (10).</summary>
    public const int NumClasses = 10;

    /// <summary>Bytes per image: 3 × 32 × 32.</summary>
    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>Bytes per binary record: 1 label byte + 3072 pixel bytes.</summary>
    public const int RecordBytes = 1 + ImageBytes;

    /// <summary>The training batch names, <c>data_batch_1</c> … <c>data_batch_5</c> (binary files add <c>.bin</c>).</summary>
    public static IReadOnlyList<string> TrainingBatchNames { get; } = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"];

    /// <summary>The test batch name, <c>test_batch</c> (binary: <c>test_batch.bin</c>).</summary>
    public const string TestBatchName = "test_batch";

    /// <summary>The batch file names of a format, training batches first.</summary>
    public static IEnumerable<string> BatchFileNames(Cifar10Format format) =>
        TrainingBatchNames.Append(TestBatchName).Select(n => format == Cifar10Format.Binary ? n + ".bin" : n);

    /// <summary>
    /// Loads the five training batches (concatenated in order) and the test batch from a folder in either format,
    /// picking the format by the files present (python first).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder lacks a batch file of either format.</exception>
    /// <exception cref="InvalidDataException">A batch is malformed.</exception>
    public static (ImageSet Train, ImageSet Test) Load(string dir)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"The CIFAR-10 folder '{dir}' does not exist.");
        var format = DetectFormat(dir) ?? throw new FileNotFoundException(
            $"'{dir}' holds neither the python batches ({string.Join(", ", BatchFileNames(Cifar10Format.Python))}) nor the binary ones ({string.Join(", ", BatchFileNames(Cifar10Format.Binary))}){InnerFolderHint(dir)}.");
        return Load(dir, format);
    }

    /// <summary>Names the batch folders inside <paramref name="dir"/> (a data folder given where its CIFAR-10 folder was meant).</summary>
    private static string InnerFolderHint(string dir)
    {
        var inner = Directory.EnumerateDirectories(dir, "cifar-10-batches-*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        return inner.Count == 0 ? "" : $"; it holds {string.Join(" and ", inner.Select(n => $"'{n}'"))}: give that folder";
    }

    /// <summary>Loads the five training batches (concatenated in order) and the test batch of the given format.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A batch file is missing.</exception>
    /// <exception cref="InvalidDataException">A batch is malformed, empty, or of another size than the first training batch.</exception>
    public static (ImageSet Train, ImageSet Test) Load(string dir, Cifar10Format format)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"The CIFAR-10 folder '{dir}' does not exist.");
        Func<string, ImageSet> read = format == Cifar10Format.Binary ? ReadBinaryBatch : ReadPythonBatch;
        var names = BatchFileNames(format).ToArray();
        foreach (var n in names)
        {
            var p = Path.Combine(dir, n);
            if (!File.Exists(p)) throw new FileNotFoundException($"The CIFAR-10 folder '{dir}' has no '{n}'.", p);
        }
        var batches = names[..^1].Select(n => read(Path.Combine(dir, n))).ToArray();
        var test = read(Path.Combine(dir, names[^1]));
        // The official batches hold 10,000 images each (a subset, the same count each): an empty batch, or one cut at a
        // record boundary, would otherwise load as fewer images, every later one moved up.
        for (int i = 0; i < names.Length; i++)
        {
            int count = i < batches.Length ? batches[i].Count : test.Count;
            if (count == 0) throw DataFile.Invalid(Path.Combine(dir, names[i]), "the batch holds no images.");
            if (i < batches.Length && count != batches[0].Count)
                throw DataFile.Invalid(Path.Combine(dir, names[i]), $"the batch holds {count} images where '{names[0]}' holds {batches[0].Count}; CIFAR-10's training batches are all the same size.");
        }
        return (ImageSet.Concatenate(batches), test);
    }

    /// <summary>Which complete set of batch files the folder holds (python preferred), or null if neither.</summary>
    public static Cifar10Format? DetectFormat(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        foreach (var f in new[] { Cifar10Format.Python, Cifar10Format.Binary })
            if (BatchFileNames(f).All(n => File.Exists(Path.Combine(dir, n)))) return f;
        return null;
    }

    /// <summary>Reads one python-version batch (a pickle): images (N, 3, 32, 32) and labels.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">Its folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a CIFAR-10 batch pickle (the message names the file, offset or key, and the problem).</exception>
    public static ImageSet ReadPythonBatch(string path)
    {
        var value = PickleReader.Load(path);
        if (value is not PickleDict dict) throw DataFile.Invalid(path, "the pickle holds no dict; a CIFAR-10 batch is a dict with 'data' and 'labels'.");
        if (!dict.TryGetValue("data", out var dataValue)) throw DataFile.Invalid(path, "the batch has no 'data' key.");
        if (!dict.TryGetValue("labels", out var labelsValue)) throw DataFile.Invalid(path, "the batch has no 'labels' key.");
        if (dataValue is not NpyArray { DType: NpyDType.UInt8 } data || data.Shape.Length != 2 || data.Shape[1] != ImageBytes)
            throw DataFile.Invalid(path, $"'data' must be a uint8 array of shape (N, {ImageBytes}); it is {Describe(dataValue)}.");
        if (labelsValue is not List<object?> list) throw DataFile.Invalid(path, $"'labels' must be a list; it is {Describe(labelsValue)}.");
        int n = data.Shape[0];
        if (list.Count != n) throw DataFile.Invalid(path, $"'data' holds {n} images but 'labels' holds {list.Count} labels.");
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (list[i] is not long y || y is < 0 or >= NumClasses)
                throw DataFile.Invalid(path, $"'labels'[{i}] is {Describe(list[i])}, not a class 0–9.");
            labels[i] = (int)y;
        }
        return new ImageSet((byte[])data.Data, labels, 3, 32, 32);
    }

    /// <summary>Reads one binary-version batch: a whole number of 3073-byte records, giving images (N, 3, 32, 32) and labels.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">Its folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The length is not a whole number of records, or a label byte is above 9.</exception>
    public static ImageSet ReadBinaryBatch(string path)
    {
        using var fs = DataFile.OpenRead(path);
        long length = fs.Length;
        if (length % RecordBytes != 0)
            throw DataFile.Invalid(path, $"the file is {length} bytes long, which is not a whole number of {RecordBytes}-byte records (1 label byte + {ImageBytes} pixel bytes); {length / RecordBytes} records and {length % RecordBytes} extra bytes.");
        long n = length / RecordBytes;
        if (n * ImageBytes > Array.MaxLength)
            throw DataFile.Invalid(path, $"{n} records are more than this reader supports.");
        var pixels = new byte[n * ImageBytes];
        var labels = new int[n];
        var record = new byte[RecordBytes];
        for (int i = 0; i < n; i++)
        {
            fs.ReadExactly(record);
            if (record[0] >= NumClasses)
                throw DataFile.Invalid(path, (long)i * RecordBytes, $"record {i} has label {record[0]}; CIFAR-10 labels are 0–9.");
            labels[i] = record[0];
            record.AsSpan(1).CopyTo(pixels.AsSpan(i * ImageBytes, ImageBytes));
        }
        return new ImageSet(pixels, labels, 3, 32, 32);
    }

    private static string Describe(object? v) => v switch
    {
        null => "None",
        NpyArray a => $"a {a.Descr} array of shape {Npy.Shape(a.Shape)}",
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        bool b => b ? "True" : "False",
        string => "a str",
        PickleBytes => "a bytes value",
        List<object?> => "a list",
        PickleTuple => "a tuple",
        PickleDict => "a dict",
        _ => v.GetType().Name,
    };
}
