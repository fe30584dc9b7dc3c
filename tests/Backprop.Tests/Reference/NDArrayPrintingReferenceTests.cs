using System.Numerics;
using System.Text.Json.Nodes;
using Backprop.Tensors;

namespace Backprop.Tests.Reference;

/// <summary>
/// <see cref="NDArray{T}.ToString"/> and <see cref="NDArray{T}.Repr"/> against NumPy's own <c>str()</c> and <c>repr()</c>:
/// <c>printing_reference.py</c> prints a table of arrays (seeded normal values, integers as floats, magnitudes that
/// force scientific notation, tiny and huge values, nan, ±inf and −0, rows long enough to wrap, rank 0 to 4, more than
/// 1000 elements, empty arrays, shapes with a 1; float32 and float64) and writes them to an .npz; every string must be
/// equal, character for character.
/// </summary>
public class NDArrayPrintingReferenceTests(NDArrayPrintingReferenceTests.NumpyTable table)
    : IClassFixture<NDArrayPrintingReferenceTests.NumpyTable>
{
    /// <summary>The table, printed once for the class by the Python script (null without NumPy).</summary>
    public sealed class NumpyTable() : ReferenceTable<Case>("printing_reference.py", (i, json) => new Case(i, json));

    /// <summary>One array of the table and what NumPy printed for it.</summary>
    public sealed record Case(int Index, JsonObject Json)
    {
        public string Name => (string)Json["name"]!;
        public bool IsFloat32 => (string)Json["dtype"]! == "float32";
        public string Str => (string)Json["str"]!;
        public string Repr => (string)Json["repr"]!;
    }

    [SkippableFact]
    public void StrAndRepr_OfEveryArray_AreNumpys()
    {
        Skip.If(table.Cases is null, "the reference needs NumPy (apt-get install python3-numpy)");
        Assert.True(table.Cases.Count >= 150, $"the table has {table.Cases.Count} cases");
        var failures = new List<string>();
        foreach (var c in table.Cases)
        {
            var npy = table.Arrays[$"{c.Index}.a"];
            var (str, repr) = c.IsFloat32 ? Print(npy.ToNDArray<float>()) : Print(npy.ToNDArray<double>());
            if (str != c.Str) failures.Add($"case {c.Index} '{c.Name}' {c.Json["dtype"]}, str:\n  NumPy:\n{c.Str}\n  ours:\n{str}");
            if (repr != c.Repr) failures.Add($"case {c.Index} '{c.Name}' {c.Json["dtype"]}, repr:\n  NumPy:\n{c.Repr}\n  ours:\n{repr}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {2 * table.Cases.Count} strings differ from NumPy {table.NumpyVersion}'s:\n" + string.Join("\n", failures));
    }

    private static (string Str, string Repr) Print<T>(NDArray<T> a) where T : unmanaged, IFloatingPointIeee754<T> => (a.ToString(), a.Repr());
}
