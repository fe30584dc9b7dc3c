namespace Backprop.Bench.Suite;

/// <summary>Median and spread of repeated measurements.</summary>
public readonly record struct Stat(double Median, double Min, double Max, int Count)
{
    public static Stat Of(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).Order().ToArray();
        if (v.Length == 0) return new Stat(double.NaN, double.NaN, double.NaN, 0);
        double median = v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        return new Stat(median, v[0], v[^1], v.Length);
    }

    public bool Has => Count > 0;

    /// <summary>"1.23 (1.20–1.30)" with <paramref name="format"/>; "n/a" when empty.</summary>
    public string Show(string format = "F2") =>
        !Has ? "n/a" : Count == 1 ? Median.ToString(format, System.Globalization.CultureInfo.InvariantCulture)
        : FormattableString.Invariant($"{Median.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} ({Min.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}–{Max.ToString(format, System.Globalization.CultureInfo.InvariantCulture)})");

    public object ToJson() => new { median = Median, min = Min, max = Max, count = Count };
}
