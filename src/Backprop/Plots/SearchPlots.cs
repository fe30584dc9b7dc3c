using ScottPlot;

namespace Backprop.Plots;

/// <summary>One trial of a hyperparameter search, for plotting.</summary>
public sealed record SearchPoint(double LearningRate, double WeightScale, double TrainAcc, double ValAcc);

/// <summary>
/// The notebooks' hyperparameter-search scatter plots: one dot per trial at (log10 learning rate, log10 weight scale),
/// coloured by training accuracy (top panel) and validation accuracy (bottom panel), each with a colour bar.
/// </summary>
public static class SearchPlots
{
    /// <summary>PNG bytes of the two panels; <paramref name="dataset"/> names the data in the titles.</summary>
    public static byte[] ScatterPng(IReadOnlyList<SearchPoint> points, string dataset = "CIFAR-10", int width = 900, int panelHeight = 420)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("No search results to plot.", nameof(points));
        return Panels.StackedPng([
            Panel(points, p => p.TrainAcc, $"{dataset} training accuracy"),
            Panel(points, p => p.ValAcc, $"{dataset} validation accuracy"),
        ], width, panelHeight);
    }

    private static Plot Panel(IReadOnlyList<SearchPoint> points, Func<SearchPoint, double> value, string title)
    {
        var plt = new Plot();
        var colormap = new ScottPlot.Colormaps.Viridis();
        // Only points that can be placed and coloured (a NaN accuracy, or a rate of 0 on a log axis, cannot) set the scale.
        var drawn = points.Where(p => double.IsFinite(value(p)) && p.LearningRate > 0 && p.WeightScale > 0
                                      && double.IsFinite(p.LearningRate) && double.IsFinite(p.WeightScale)).ToList();
        double lo = drawn.Count > 0 ? drawn.Min(value) : 0, hi = drawn.Count > 0 ? drawn.Max(value) : 1;
        if (hi - lo < 1e-3)
        {
            // One trial, or all alike: a bar of zero width has no ticks; give it a little, centred on the value.
            lo -= 0.005;
            hi += 0.005;
        }
        var axis = new FixedColorAxis(colormap, lo, hi);
        foreach (var p in drawn)
            plt.Add.Marker(Math.Log10(p.LearningRate), Math.Log10(p.WeightScale), MarkerShape.FilledCircle, 14, colormap.GetColor((value(p) - lo) / (hi - lo)));
        plt.Add.ColorBar(axis, Edge.Right);
        plt.Title(title);
        plt.XLabel("log10 learning rate");
        plt.YLabel("log10 weight scale");
        return plt;
    }

    private sealed class FixedColorAxis(IColormap colormap, double min, double max) : IHasColorAxis
    {
        public IColormap Colormap { get; set; } = colormap;
        public ScottPlot.Range GetRange() => new(min, max);
    }
}
