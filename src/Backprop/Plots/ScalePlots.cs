using ScottPlot;

namespace Backprop.Plots;

/// <summary>
/// Results against a setting swept over decades: the BatchNormalization notebook's weight-scale experiment
/// (<c>plt.semilogx(weight_scales, best_val_accs, '-o')</c>).
/// </summary>
public static class ScalePlots
{
    /// <summary>
    /// One panel: each series' values (<c>'-o'</c>) against <paramref name="xs"/> (all positive) on a log axis ticked at
    /// round values (0.001, 0.01, …), not at exponents −3.8, −3.6, …. Values over three decades and more (a diverged
    /// run's final loss of 6e7 beside losses of 2) go on a log axis too, where a linear one drew every other point as a
    /// flat line at 0 (<see cref="Panels.SpansDecades"/>, the loss panel's rule); NaN and ∞ are left out and said under the axis. The legend sits beside the panel, hiding no point.
    /// </summary>
    /// <param name="title">Panel title.</param>
    /// <param name="xLabel">Name of the swept setting.</param>
    /// <param name="yLabel">Name of the values.</param>
    /// <param name="xs">The setting's values, one per point.</param>
    /// <param name="series">Legend text and one value per x of each series.</param>
    public static Plot Panel(string title, string xLabel, string yLabel, IReadOnlyList<double> xs, IReadOnlyList<(string Label, IReadOnlyList<double> Values)> series)
    {
        ArgumentNullException.ThrowIfNull(xs);
        ArgumentNullException.ThrowIfNull(series);
        if (xs.Count == 0) throw new ArgumentException("No settings to plot against.", nameof(xs));
        if (xs.Any(x => !(x > 0) || !double.IsFinite(x)))
            throw new ArgumentException($"The settings go on a log axis, so they must be positive and finite; got {string.Join(", ", xs)}.", nameof(xs));
        foreach (var (label, values) in series)
            if (values.Count != xs.Count)
                throw new ArgumentException($"Series '{label}' has {values.Count} values for {xs.Count} settings; give one value per setting.", nameof(series));

        var plt = new Plot();
        plt.Title(title);
        var logX = xs.Select(Math.Log10).ToArray();
        var finite = series.SelectMany(s => s.Values).Where(double.IsFinite).ToList();
        int dropped = series.Sum(s => s.Values.Count) - finite.Count;
        bool logY = Panels.SpansDecades(finite, out int zeros, out double low, out double high);
        for (int i = 0; i < series.Count; i++)
        {
            var ys = series[i].Values.Select(v => !double.IsFinite(v) || (logY && !(v > 0)) ? double.NaN : logY ? Math.Log10(v) : v).ToArray();
            var style = Panels.SeriesStyle(i);
            var sp = plt.Add.Scatter(logX, ys, style.Color);
            sp.MarkerShape = style.Marker;
            sp.LinePattern = style.Line;
            sp.MarkerSize = 6;
            sp.LineWidth = 1.5f;
            sp.LegendText = series[i].Label;
        }
        plt.Axes.Bottom.TickGenerator = SearchPlots.LogTicks(logX.Min(), logX.Max());
        var notDrawn = new List<string>();
        if (dropped > 0) notDrawn.Add($"{dropped} NaN or infinite {(dropped == 1 ? "value" : "values")}");
        if (logY && zeros > 0) notDrawn.Add($"{zeros} {(zeros == 1 ? "value" : "values")} of 0");
        plt.XLabel(notDrawn.Count == 0 ? $"{xLabel} (log scale)" : $"{xLabel} (log scale; {string.Join(" and ", notDrawn)} not drawn)");
        plt.YLabel(logY ? $"{yLabel} (log scale)" : yLabel);
        if (logY) plt.Axes.Left.TickGenerator = SearchPlots.LogTicks(Math.Log10(low), Math.Log10(high));
        plt.ShowLegend(Edge.Right);
        return plt;
    }
}
