using System.Numerics;
using System.Text;

namespace Backprop.Tests.Sweep;

/// <summary>
/// Collects every element of a sweep that falls outside its bound, so one run reports all mismatching cases (the first
/// few elements of each) instead of stopping at the first.
/// </summary>
internal sealed class Mismatches
{
    private readonly StringBuilder _report = new();
    private int _cases;

    /// <summary>Elements reported per array (the count of the rest is given).</summary>
    private const int PerArray = 3;

    /// <summary>Cases reported in all.</summary>
    private const int MaxCases = 25;

    /// <summary>The unit roundoff of <typeparamref name="T"/>: 2⁻²⁴ for float, 2⁻⁵³ for double.</summary>
    public static double U<T>() where T : IFloatingPointIeee754<T> => typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);

    /// <summary>Checks |got − want| ≤ bound element by element (NaN matches NaN only).</summary>
    public void Check<T>(string what, ReadOnlySpan<T> got, ReadOnlySpan<double> want, ReadOnlySpan<double> bound) where T : IFloatingPointIeee754<T>
    {
        if (got.Length != want.Length)
        {
            Add($"{what}: {got.Length} values, the reference has {want.Length}");
            return;
        }
        int bad = 0;
        var lines = new StringBuilder();
        for (int i = 0; i < got.Length; i++)
        {
            double g = double.CreateTruncating(got[i]);
            if (Within(g, want[i], bound[i])) continue;
            if (bad++ < PerArray)
                lines.Append($"\n    [{i}] got {g:R}, reference {want[i]:R}, |diff| {Math.Abs(g - want[i]):g3} > bound {bound[i]:g3}");
        }
        if (bad > 0) Add($"{what}: {bad} of {got.Length} values outside the bound{lines}{(bad > PerArray ? "\n    …" : "")}");
    }

    /// <summary>Checks one value.</summary>
    public void Check(string what, double got, double want, double bound)
    {
        if (!Within(got, want, bound)) Add($"{what}: got {got:R}, reference {want:R}, |diff| {Math.Abs(got - want):g3} > bound {bound:g3}");
    }

    /// <summary>Checks two arrays hold the same bits.</summary>
    public void SameBits<T>(string what, ReadOnlySpan<T> expected, ReadOnlySpan<T> actual) where T : IFloatingPointIeee754<T>
    {
        if (expected.Length != actual.Length)
        {
            Add($"{what}: {actual.Length} values, expected {expected.Length}");
            return;
        }
        for (int i = 0; i < expected.Length; i++)
        {
            if (Bits(expected[i]) == Bits(actual[i])) continue;
            Add($"{what}: first difference at [{i}]: {actual[i]} where {expected[i]} was expected");
            return;
        }
    }

    /// <summary>Records a failure of its own.</summary>
    public void Add(string line)
    {
        if (_cases++ < MaxCases) _report.Append("\n  ").Append(line);
    }

    /// <summary>Fails the test with every mismatch found, if any.</summary>
    public void AssertNone()
    {
        if (_cases > 0) Assert.Fail($"{_cases} mismatching case(s):{_report}{(_cases > MaxCases ? "\n  …" : "")}");
    }

    private static bool Within(double got, double want, double bound) =>
        double.IsNaN(want) ? double.IsNaN(got) : got == want || Math.Abs(got - want) <= bound;

    private static long Bits<T>(T v) where T : IFloatingPointIeee754<T> => BitConverter.DoubleToInt64Bits(double.CreateTruncating(v));
}
