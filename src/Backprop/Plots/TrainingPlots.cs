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
    /// <summary>
    /// The notebooks' "Training loss" panel: one dot per iteration. PNG bytes. <paramref name="note"/>, when given, ends
    /// the title: how a run that did not complete ended (<c>interrupted in epoch 3 of 10</c>, see
    /// <see cref="Backprop.Training.RunPlots.StatusNote"/>), so that its picture does not pass for a finished run's.
    /// </summary>
    public static byte[] LossPng(IReadOnlyList<double> loss, int width = 900, int height = 450, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return Panels.StackedPng([LossPlot([new RunCurves("loss", loss, [], [])], legend: false, note)], width, height);
    }

    /// <summary>
    /// The notebooks' "Accuracy" panel: train and validation accuracy per epoch (<c>'-o'</c>), with an optional dashed
    /// target line (the notebooks draw 0.5). PNG bytes. <paramref name="note"/> ends the title, as in <see cref="LossPng"/>.
    /// </summary>
    public static byte[] AccuracyPng(IReadOnlyList<double> trainAcc, IReadOnlyList<double> valAcc, double? target = null, int width = 900, int height = 450, string? note = null)
        => Panels.StackedPng([AccuracyPlot(trainAcc, valAcc, target, note)], width, height);

    /// <summary>The panel of <see cref="AccuracyPng"/>.</summary>
    internal static Plot AccuracyPlot(IReadOnlyList<double> trainAcc, IReadOnlyList<double> valAcc, double? target = null, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(trainAcc);
        ArgumentNullException.ThrowIfNull(valAcc);
        var plt = new Plot();
        plt.Title(Titled("Accuracy", note));
        int checks = Math.Max(trainAcc.Count, valAcc.Count);
        if (checks == 0) return NoChecks(plt);
        AddLine(plt, trainAcc, "train", Panels.SeriesColor(0));
        AddLine(plt, valAcc, "val", Panels.SeriesColor(1));
        if (target is double t)
        {
            var line = plt.Add.HorizontalLine(t, 1.5f, Colors.Black, LinePattern.Dashed);
            line.LegendText = $"{t:0.##}";
        }
        plt.XLabel("Epoch");
        WholeAxis(plt, checks);
        plt.YLabel("Accuracy");
        // Beside the panel, as the comparison's: in its lower right corner it hid a validation accuracy of 0 (a tiny
        // --num-val) or any run whose last epochs sit low.
        plt.ShowLegend(Edge.Right);
        return plt;
    }

    /// <summary>
    /// A panel with nothing to draw (a run that diverged before its first accuracy check, a loss of only NaN): say
    /// so, instead of an empty frame from −10 to 10 with a legend of nothing.
    /// </summary>
    private static Plot NoChecks(Plot plt, string text = "No accuracy checks: the run stopped before its first one.")
    {
        plt.Add.Annotation(text, Alignment.MiddleCenter);
        foreach (var axis in plt.Axes.GetAxes()) axis.IsVisible = false;
        plt.HideGrid();
        return plt;
    }

    /// <summary>
    /// The Optimization notebook's comparison: training loss, training accuracy and validation accuracy of several
    /// runs on shared axes, three panels. PNG bytes. A panel is <paramref name="panelHeight"/> pixels high, or as high
    /// as its legend needs (about 20 pixels a run): a legend taller than the panel wrapped into a clipped column.
    /// </summary>
    public static byte[] ComparisonPng(IReadOnlyList<RunCurves> runs, int width = 1000, int panelHeight = 380)
        => Panels.StackedPng(ComparisonPlots(runs), width, Math.Max(panelHeight, LegendHeight(runs.Count)));

    /// <summary>The three panels of <see cref="ComparisonPng"/>, top to bottom.</summary>
    internal static IReadOnlyList<Plot> ComparisonPlots(IReadOnlyList<RunCurves> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("No runs to compare.", nameof(runs));
        var panels = new List<Plot> { LossPlot(runs, legend: true) };
        foreach (var (title, values) in new (string, Func<RunCurves, IReadOnlyList<double>>)[] { ("Training accuracy", r => r.TrainAcc), ("Validation accuracy", r => r.ValAcc) })
        {
            var plt = new Plot();
            plt.Title(title);
            int checks = runs.Max(r => values(r).Count);
            if (checks == 0)
            {
                panels.Add(NoChecks(plt, runs.Count == 1 ? "No accuracy checks: the run stopped before its first one." : "No accuracy checks: every run stopped before its first one."));
                continue;
            }
            var labels = LegendLabels(runs.Select(r => r.Label).ToList());
            for (int i = 0; i < runs.Count; i++) AddLine(plt, values(runs[i]), labels[i], Panels.SeriesStyle(i));
            plt.XLabel("Epoch");
            plt.YLabel("Accuracy");
            WholeAxis(plt, checks);
            plt.ShowLegend(Edge.Right);   // beside the panel: in it, a legend hid the last epochs' points
            panels.Add(plt);
        }
        return panels;
    }

    internal static int LegendHeight(int runs) => 21 * runs + 130;

    /// <summary>Pixels of a marker in the loss panel's legend (the panel's dots are 3 or 4).</summary>
    internal const float LegendMarkerSize = 9;

    /// <summary>Characters a legend label keeps: a 40-character name made the legend take 40% of the panel's width.</summary>
    internal const int LegendLabelLength = 24;

    /// <summary>
    /// Legend labels no longer than <see cref="LegendLabelLength"/> characters: a longer one keeps its first third and
    /// its end with an ellipsis between (<c>runs/2026-12-07_12-42-06-adam-lr3e-4</c> → <c>runs/202…-06-adam-lr3e-4</c>),
    /// since run names (a timestamp, a trial number) differ at their end; a note in brackets at the end (a run's status)
    /// is kept whole after the cut name. Where that would make two different labels alike, they keep more, up to all of them.
    /// </summary>
    internal static IReadOnlyList<string> LegendLabels(IReadOnlyList<string> labels)
    {
        int distinct = labels.Distinct().Count(), longest = labels.Count == 0 ? 0 : labels.Max(l => l.Length);
        for (int max = LegendLabelLength; max < longest; max++)
        {
            var shortened = labels.Select(l => Shortened(l, max)).ToList();
            if (shortened.Distinct().Count() == distinct) return shortened;
        }
        return labels;
    }

    private static string Shortened(string label, int max)
    {
        // A note in brackets at the end ("(diverged)") stays whole; the name before it is what gets cut.
        int note = label.EndsWith(')') ? label.LastIndexOf(" (", StringComparison.Ordinal) : -1;
        if (note > 0) return Shortened(label[..note], max) + label[note..];
        if (label.Length <= max) return label;
        int head = max / 3, tail = max - head - 1;
        return $"{label[..head]}\u2026{label[^tail..]}";
    }

    internal static Plot LossPlot(IReadOnlyList<RunCurves> runs, bool legend, string? note = null)
    {
        var plt = new Plot();
        plt.Title(Titled("Training loss", note));
        var finite = runs.SelectMany(r => Finite(r.Loss)).Where(double.IsFinite).ToList();
        int dropped = runs.Sum(r => r.Loss.Count) - finite.Count;
        if (finite.Count == 0)
            return NoChecks(plt, runs.All(r => r.Loss.Count == 0)
                ? "No loss to draw: the run stopped before its first iteration."
                : $"No finite loss to draw: all {dropped} values are NaN or infinite (the run diverged).");
        bool log = Panels.SpansDecades(finite, out int zeros, out double low, out double high);
        var labels = LegendLabels(runs.Select(r => r.Label).ToList());
        for (int i = 0; i < runs.Count; i++)
        {
            var loss = Finite(runs[i].Loss);
            if (log) for (int k = 0; k < loss.Length; k++) loss[k] = loss[k] > 0 ? Math.Log10(loss[k]) : double.NaN;
            var style = Panels.SeriesStyle(i);
            var sp = plt.Add.ScatterPoints(Panels.Range(loss.Length), loss, style.Color);
            sp.MarkerShape = style.Marker;
            sp.MarkerSize = runs.Count > 10 ? 4 : 3;   // a shape other than a dot needs a few pixels to be seen
            sp.LegendText = "";
            // The legend's own marker, larger than the data's: the scatter's 3-pixel dot could not be told by colour.
            if (legend)
                plt.Legend.ManualItems.Add(new LegendItem
                {
                    LabelText = labels[i],
                    MarkerShape = style.Marker,
                    MarkerSize = LegendMarkerSize,
                    MarkerFillColor = style.Color,
                    MarkerLineColor = style.Color,
                    MarkerLineWidth = 1.5f,
                    LineWidth = 0,
                });
        }
        // Values that cannot be drawn are said under the axis, where no note can hide a point; before, they vanished.
        var notDrawn = new List<string>();
        if (dropped > 0) notDrawn.Add($"{dropped} NaN or infinite {(dropped == 1 ? "loss" : "losses")}");
        if (log && zeros > 0) notDrawn.Add($"{zeros} {(zeros == 1 ? "loss" : "losses")} of 0");
        plt.XLabel(notDrawn.Count == 0 ? "Iteration" : $"Iteration ({string.Join(" and ", notDrawn)} not drawn)");
        WholeAxis(plt, runs.Max(r => r.Loss.Count));
        plt.YLabel(log ? "Loss (log scale)" : "Loss");
        plt.Axes.Left.TickGenerator = log
            ? SearchPlots.LogTicks(Math.Log10(low), Math.Log10(high))
            // A run that blew up reaches 1e30 and more: ticks as 2.4e+34, not 35 digits across the panel.
            : new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = TickLabel };
        if (legend) plt.ShowLegend(Edge.Right);
        return plt;
    }

    /// <summary>A panel's title, and after a dash the note on how its run ended, if any (none for a completed run).</summary>
    internal static string Titled(string title, string? note) => string.IsNullOrEmpty(note) ? title : $"{title} \u2014 {note}";

    /// <summary>
    /// An x axis of whole numbers 0 … <paramref name="count"/> − 1 (epochs, iterations): whole ticks, not 0.5, 1.5, …,
    /// and a margin that stays short of −1 (one check was drawn over epochs −1, 0, 1).
    /// </summary>
    private static void WholeAxis(Plot plt, int count)
    {
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (count == 0) return;
        double margin = Math.Max(0.5, 0.03 * (count - 1));
        plt.Axes.SetLimitsX(-margin, count - 1 + margin);
    }

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
