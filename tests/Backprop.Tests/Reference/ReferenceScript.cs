using System.Text.Json.Nodes;
using Backprop.Data;
using Backprop.Tests.Bench;

namespace Backprop.Tests.Reference;

/// <summary>
/// The Python scripts beside these tests, run with the system NumPy: each computes what the course's code or NumPy
/// itself gives, for the C# tests to compare Backprop with.
/// </summary>
internal static class ReferenceScript
{
    /// <summary>Whether the scripts can run (NumPy is installed); tests skip without it.</summary>
    public static bool Available => BenchProgram.PythonHas("numpy");

    /// <summary>Runs <paramref name="script"/> (a file of this folder) with <paramref name="args"/>; a failure fails the test with its output.</summary>
    public static void Run(string script, params string[] args)
    {
        string path = Path.Combine(TestData.RepositoryRoot, "tests", "Backprop.Tests", "Reference", script);
        var r = BenchProgram.RunProcess(BenchProgram.Python, [path, .. args], null, TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, r.Output);
    }

    /// <summary>
    /// A table of cases a script writes into the folder it is given: <c>cases.json</c> (<c>numpy</c>, its version, and
    /// <c>cases</c>, one object per case) and <c>cases.npz</c> (their arrays); null where NumPy is missing.
    /// </summary>
    public static (string NumpyVersion, JsonArray Cases, IReadOnlyDictionary<string, NpyArray> Arrays)? Table(string script)
    {
        if (!Available) return null;
        using var dir = new Data.TempDir();
        Run(script, dir.Path);
        var json = JsonNode.Parse(File.ReadAllText(dir.File("cases.json")))!;
        return ((string)json["numpy"]!, json["cases"]!.AsArray(), Npz.Load(dir.File("cases.npz")));
    }
}

/// <summary>
/// A class fixture holding a script's table of cases (<see cref="ReferenceScript.Table"/>), read once for the test class;
/// <see cref="Cases"/> is null where NumPy is missing.
/// </summary>
/// <typeparam name="TCase">One row, made from its index and its JSON object.</typeparam>
public abstract class ReferenceTable<TCase>
{
    protected ReferenceTable(string script, Func<int, JsonObject, TCase> row)
    {
        if (ReferenceScript.Table(script) is not var (version, cases, arrays)) return;
        NumpyVersion = version;
        Cases = cases.Select((c, i) => row(i, c!.AsObject())).ToList();
        Arrays = arrays;
    }

    public string NumpyVersion { get; } = "";
    public List<TCase>? Cases { get; }
    public IReadOnlyDictionary<string, NpyArray> Arrays { get; } = new Dictionary<string, NpyArray>();
}
