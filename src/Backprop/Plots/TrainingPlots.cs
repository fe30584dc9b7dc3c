using ScottPlot;

namespace Backprop.Plots;

/// <summary>One training run's histories, for plotting.</summary>
/// <param name="Label">Legend text (e.g. the update rule).</param>
/// <param name="Loss">Loss of every iteration.</param>
/// <param name="TrainAcc">Training accuracy at every check (epoch 0, 1, …).</param>
/// <param name="ValAcc">Validation accuracy at every check.</param>
public sealed record RunCurves(string Label, IReadOnlyList<double> Loss, IReadOnlyList<double> TrainAcc, IReadOnlyList<double> ValAcc);

/// <summary>The notebooks' training pictures: loss per iteration, train/val accuracy per epoch, and comparisons of runs.</summary>
public static class TrainingPlots
{
    /// <summary>The notebooks' "Training loss" panel: one dot per iteration. PNG bytes.</summary>
    public static byte[] LossPng(IReadOnlyList<double> loss, int width = 900, int height = 450)
        => Panels.StackedPng([LossPlot([new RunCurves("loss", loss, [], [])], legend: false)], width, height);

    /// <summary>
    /// The notebooks' "Accuracy" panel: train and validation accuracy per epoch (<c>'-o'</c>), with an optional dashed
    /// target line (the notebooks draw 0.5). PNG bytes.
    /// </summary>
    public static byte[] AccuracyPng(IReadOnlyList<double> trainAcc, IReadOnlyList<double> valAcc, double? target = null, int width = 900, int height = 450)
    {
        var plt = new Plot();
        AddLine(plt, trainAcc, "train", Panels.SeriesColor(0));
        AddLine(plt, valAcc, "val", Panels.SeriesColor(1));
        if (target is double t)
        {
            var line = plt.Add.HorizontalLine(t, 1.5f, Colors.Black, LinePattern.Dashed);
            line.LegendText = $"{t:0.##}";
        }
        plt.Title("Accuracy");
        plt.XLabel("Epoch");
        EpochTicks(plt);
        plt.YLabel("Accuracy");
        plt.ShowLegend(Alignment.LowerRight);
        return Panels.StackedPng([plt], width, height);
    }

    /// <summary>
    /// The Optimization notebook's comparison: training loss, training accuracy and validation accuracy of several
    /// runs on shared axes, three panels. PNG bytes. A panel is <paramref name="panelHeight"/> pixels high, or as high
    /// as its legend needs (about 20 pixels a run): a legend taller than the panel wrapped into a clipped column.
    /// </summary>
    public static byte[] ComparisonPng(IReadOnlyList<RunCurves> runs, int width = 1000, int panelHeight = 380)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("No runs to compare.", nameof(runs));
        panelHeight = Math.Max(panelHeight, LegendHeight(runs.Count));
        var train = new Plot();
        var val = new Plot();
        for (int i = 0; i < runs.Count; i++)
        {
            AddLine(train, runs[i].TrainAcc, runs[i].Label, Panels.SeriesStyle(i));
            AddLine(val, runs[i].ValAcc, runs[i].Label, Panels.SeriesStyle(i));
        }
        train.Title("Training accuracy");
        train.XLabel("Epoch");
        EpochTicks(train);
        train.ShowLegend(Edge.Right);   // beside the panel: in it, a legend hid the last epochs' points
        val.Title("Validation accuracy");
        val.XLabel("Epoch");
        EpochTicks(val);
        val.ShowLegend(Edge.Right);
        return Panels.StackedPng([LossPlot(runs, legend: true), train, val], width, panelHeight);
    }

    internal static int LegendHeight(int runs) => 21 * runs + 130;

    private static Plot LossPlot(IReadOnlyList<RunCurves> runs, bool legend)
    {
        var plt = new Plot();
        for (int i = 0; i < runs.Count; i++)
        {
            var loss = runs[i].Loss;
            var style = Panels.SeriesStyle(i);
            var sp = plt.Add.ScatterPoints(Panels.Range(loss.Count), Finite(loss), style.Color);
            sp.MarkerShape = style.Marker;
            sp.MarkerSize = runs.Count > 10 ? 4 : 3;   // a shape other than a dot needs a few pixels to be seen
            sp.LegendText = legend ? runs[i].Label : "";
        }
        plt.Title("Training loss");
        plt.XLabel("Iteration");
        plt.YLabel("Loss");
        // A run that blew up reaches 1e30 and more: ticks as 2.4e+34, not 35 digits across the panel.
        plt.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = TickLabel };
        if (legend) plt.ShowLegend(Edge.Right);
        return plt;
    }

    // Accuracy is checked once per epoch: whole-epoch ticks, not 0.5, 1.5, ….
    private static void EpochTicks(Plot plt) =>
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

    private static void AddLine(Plot plt, IReadOnlyList<double> values, string label, Color color) =>
        AddLine(plt, values, label, (color, MarkerShape.FilledCircle, LinePattern.Solid));

    private static void AddLine(Plot plt, IReadOnlyList<double> values, string label, (Color Color, MarkerShape Marker, LinePattern Line) style)
    {
        var sp = plt.Add.Scatter(Panels.Range(values.Count), Finite(values), style.Color);
        sp.MarkerShape = style.Marker;
        sp.LinePattern = style.Line;
        sp.LegendText = label;
        sp.MarkerSize = 6;
        sp.LineWidth = 1.5f;
    }

    // A diverged run ends in NaN/∞, or in values so near double's limit that the axis margins overflow: plot the rest
    // instead of failing.
    private static double[] Finite(IReadOnlyList<double> v)
    {
        var r = new double[v.Count];
        for (int i = 0; i < r.Length; i++) r[i] = double.IsFinite(v[i]) && Math.Abs(v[i]) < 1e300 ? v[i] : double.NaN;
        return r;
    }

    internal static string TickLabel(double v) =>
        v != 0 && (Math.Abs(v) >= 1e6 || Math.Abs(v) < 1e-4)
            ? v.ToString("0.##e+0", System.Globalization.CultureInfo.InvariantCulture)
            : v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}
