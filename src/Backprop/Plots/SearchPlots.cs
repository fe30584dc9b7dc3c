using System.Globalization;
using ScottPlot;

namespace Backprop.Plots;

/// <summary>An axis of a search picture: a searched option.</summary>
/// <param name="Name">The option's name, as the axis label says it (learning_rate, reg, …).</param>
/// <param name="Log">Drawn on a log scale (the option was drawn log-uniformly).</param>
/// <param name="Whole">The option takes whole numbers (epochs, batch_size): whole ticks only.</param>
public sealed record SearchAxis(string Name, bool Log = false, bool Whole = false)
{
    /// <summary>The notebooks' x axis.</summary>
    public static SearchAxis LearningRate { get; } = new("learning_rate", Log: true);

    /// <summary>The notebooks' y axis.</summary>
    public static SearchAxis WeightScale { get; } = new("weight_scale", Log: true);
}

/// <summary>One trial of a hyperparameter search, for plotting.</summary>
/// <param name="X">Its value of the x option.</param>
/// <param name="Y">Its value of the y option (unused in a one-option picture).</param>
/// <param name="TrainAcc">Training accuracy; NaN when it has none (diverged, failed): drawn as a grey ✕.</param>
/// <param name="ValAcc">Validation accuracy; NaN as <paramref name="TrainAcc"/>.</param>
/// <param name="Diverged">The trial diverged after its accuracies were checked: its dot carries a red ✕.</param>
public sealed record SearchPoint(double X, double Y, double TrainAcc, double ValAcc, bool Diverged = false);

/// <summary>
/// The notebooks' hyperparameter-search pictures. With two searched options: one dot per trial at (x, y), coloured by
/// training accuracy (top panel) and validation accuracy (bottom panel), each with a colour bar over the accuracies
/// the trials have. With one: accuracy against the option, train and val. Trials without an accuracy are a grey ✕;
/// those that diverged after their accuracies were checked carry a small red ✕ on their dot.
/// </summary>
public static class SearchPlots
{
    private static readonly Color NoAccuracy = Colors.Gray;
    private const string NoAccuracyText = "no accuracy (diverged or failed)";
    private static readonly Color DivergedMark = Colors.Red;
    private const string DivergedText = "diverged after this check (not a usable model)";

    /// <summary>The notebooks' picture: learning rate (x) against weight scale (y), both on log scales. PNG bytes.</summary>
    public static byte[] ScatterPng(IReadOnlyList<SearchPoint> points, string dataset = "CIFAR-10", int width = 900, int panelHeight = 420)
        => ScatterPng(points, SearchAxis.LearningRate, SearchAxis.WeightScale, dataset, null, width, panelHeight);

    /// <summary>
    /// PNG bytes: with <paramref name="y"/>, two panels of <paramref name="x"/> against <paramref name="y"/> coloured by
    /// training and validation accuracy (<paramref name="width"/> × 2 <paramref name="panelHeight"/>); without, one
    /// panel of accuracy against <paramref name="x"/> (<paramref name="width"/> × <paramref name="panelHeight"/>).
    /// </summary>
    /// <param name="points">The trials.</param>
    /// <param name="x">The x option.</param>
    /// <param name="y">The y option, or null for accuracy against <paramref name="x"/>.</param>
    /// <param name="dataset">Names the data in the titles.</param>
    /// <param name="note">Added to the titles (say, which other options varied); none when null.</param>
    /// <param name="width">Pixels.</param>
    /// <param name="panelHeight">Pixels per panel.</param>
    public static byte[] ScatterPng(IReadOnlyList<SearchPoint> points, SearchAxis x, SearchAxis? y, string dataset = "CIFAR-10", string? note = null,
        int width = 900, int panelHeight = 420)
        => Panels.StackedPng(Plots(points, x, y, dataset, note), width, panelHeight);

    /// <summary>The panels of <see cref="ScatterPng(IReadOnlyList{SearchPoint}, SearchAxis, SearchAxis?, string, string?, int, int)"/>, top to bottom.</summary>
    internal static IReadOnlyList<Plot> Plots(IReadOnlyList<SearchPoint> points, SearchAxis x, SearchAxis? y, string dataset, string? note)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(x);
        if (points.Count == 0) throw new ArgumentException("No search results to plot.", nameof(points));
        string suffix = note is null ? "" : $" ({note})";
        if (y is null) return [AccuracyPanel(points, x, $"{dataset}: accuracy against {x.Name}{suffix}")];
        return [
            ColouredPanel(points, x, y, p => p.TrainAcc, $"{dataset} training accuracy{suffix}", "training accuracy"),
            ColouredPanel(points, x, y, p => p.ValAcc, $"{dataset} validation accuracy{suffix}", "validation accuracy"),
        ];
    }

    /// <summary>Two options, colour = accuracy.</summary>
    private static Plot ColouredPanel(IReadOnlyList<SearchPoint> points, SearchAxis x, SearchAxis y, Func<SearchPoint, double> value, string title, string barLabel)
    {
        var plt = new Plot();
        var colormap = new ScottPlot.Colormaps.Viridis();
        // Only points that can be placed (not NaN, not ≤ 0 on a log axis) are drawn; only accuracies that exist set the bar.
        var placed = points.Where(p => Placeable(p.X, x) && Placeable(p.Y, y)).ToList();
        var xs = Spread(placed.Select(p => Position(p.X, x)).ToList(), placed.Select(p => Position(p.Y, y)).ToList(), out var ys);
        var finite = placed.Select(value).Where(double.IsFinite).ToList();
        double lo = finite.Count > 0 ? finite.Min() : 0, hi = finite.Count > 0 ? finite.Max() : 1;
        if (hi - lo < 1e-3)
        {
            // One trial, or all alike: a bar of zero width has no ticks; give it a little, inside [0, 1] (an accuracy
            // below 0 is not one).
            lo = Math.Max(0, lo - 0.005);
            hi = Math.Max(Math.Min(1, hi + 0.005), lo + 0.005);
        }
        bool legend = false, divergedLegend = false;
        for (int i = 0; i < placed.Count; i++)
        {
            double v = value(placed[i]);
            if (double.IsFinite(v))
            {
                plt.Add.Marker(xs[i], ys[i], MarkerShape.FilledCircle, 14, colormap.GetColor(Math.Clamp((v - lo) / (hi - lo), 0, 1)));
                // Its accuracy is from before the loss blew up: drawn, but not like a trial that completed.
                if (placed[i].Diverged) divergedLegend |= AddDiverged(plt, xs[i], ys[i], first: !divergedLegend);
            }
            else
                legend |= AddNoAccuracy(plt, xs[i], ys[i], first: !legend);
        }
        legend |= divergedLegend;
        if (finite.Count > 0)
        {
            // The bar says what its colours are, as the confusion matrix's does; the two panels' bars span different ranges.
            var bar = plt.Add.ColorBar(new FixedColorAxis(colormap, lo, hi), Edge.Right);
            bar.Axis.Label.Text = barLabel;
        }
        else plt.Add.Annotation("No trial has an accuracy: every one diverged or failed.", Alignment.UpperCenter);
        if (legend) plt.ShowLegend(Edge.Bottom);
        plt.Title(title);
        Label(plt.Axes.Bottom, x, xs, plt.XLabel);
        Label(plt.Axes.Left, y, ys, plt.YLabel);
        return plt;
    }

    /// <summary>One option: train and validation accuracy against it.</summary>
    private static Plot AccuracyPanel(IReadOnlyList<SearchPoint> points, SearchAxis x, string title)
    {
        var plt = new Plot();
        var placed = points.Where(p => Placeable(p.X, x)).ToList();
        var train = placed.Where(p => double.IsFinite(p.TrainAcc)).ToList();
        var val = placed.Where(p => double.IsFinite(p.ValAcc)).ToList();
        var tr = plt.Add.ScatterPoints(train.Select(p => Position(p.X, x)).ToArray(), train.Select(p => p.TrainAcc).ToArray(), Panels.SeriesColor(0));
        tr.MarkerShape = MarkerShape.OpenCircle;
        tr.MarkerSize = 10;
        tr.LegendText = "train";
        var va = plt.Add.ScatterPoints(val.Select(p => Position(p.X, x)).ToArray(), val.Select(p => p.ValAcc).ToArray(), Panels.SeriesColor(1));
        va.MarkerSize = 10;
        va.LegendText = "val";
        // Trials without an accuracy sit on the axis's floor, where no accuracy below them can hide them.
        double floor = Math.Min(0, train.Concat(val).Select(p => Math.Min(p.TrainAcc, p.ValAcc)).Where(double.IsFinite).DefaultIfEmpty(0).Min());
        bool first = true;
        foreach (var p in placed.Where(p => !double.IsFinite(p.ValAcc)))
            first = !AddNoAccuracy(plt, Position(p.X, x), floor, first) && first;
        first = true;
        foreach (var p in val.Where(p => p.Diverged))
            first = !AddDiverged(plt, Position(p.X, x), p.ValAcc, first) && first;
        if (train.Count == 0 && val.Count == 0)
        {
            plt.Axes.SetLimitsY(-0.05, 1.05);   // an accuracy's range, not ScottPlot's −1 … 1 for nothing
            plt.Add.Annotation("No trial has an accuracy: every one diverged or failed.", Alignment.UpperCenter);
        }
        plt.ShowLegend(Edge.Bottom);
        plt.Title(title);
        Label(plt.Axes.Bottom, x, placed.Select(p => Position(p.X, x)), plt.XLabel);
        plt.YLabel("accuracy");
        return plt;
    }

    // Returns true when it labelled the legend entry.
    private static bool AddDiverged(Plot plt, double x, double y, bool first)
    {
        // Red on a white outline, to show on the colour map's dark and bright ends alike.
        plt.Add.Marker(x, y, MarkerShape.Eks, 11, Colors.White).MarkerLineWidth = 4.5f;
        var m = plt.Add.Marker(x, y, MarkerShape.Eks, 11, DivergedMark);
        m.MarkerLineWidth = 2f;
        if (first) m.LegendText = DivergedText;
        return first;
    }

    // Returns true when it labelled the legend entry.
    private static bool AddNoAccuracy(Plot plt, double x, double y, bool first)
    {
        var m = plt.Add.Marker(x, y, MarkerShape.Eks, 14, NoAccuracy);
        m.MarkerLineWidth = 2.5f;
        if (first) m.LegendText = NoAccuracyText;
        return first;
    }

    private static bool Placeable(double v, SearchAxis axis) => double.IsFinite(v) && (!axis.Log || v > 0);

    private static double Position(double v, SearchAxis axis) => axis.Log ? Math.Log10(v) : v;

    /// <summary>
    /// Trials at the same place (whole-number options take few values) drawn a little apart, around it, so that each
    /// one's colour shows: before, the last one drawn hid the others. Returns the x positions; <paramref name="ys"/> the y.
    /// </summary>
    internal static double[] Spread(IReadOnlyList<double> x, IReadOnlyList<double> y, out double[] ys)
    {
        double Span(IReadOnlyList<double> v) => v.Count == 0 || v.Max() == v.Min() ? 1 : v.Max() - v.Min();
        double rx = 0.02 * Span(x), ry = 0.02 * Span(y);
        var xs = x.ToArray();
        ys = y.ToArray();
        foreach (var group in Enumerable.Range(0, x.Count).GroupBy(i => (x[i], y[i])).Where(g => g.Count() > 1))
        {
            var members = group.ToList();
            for (int k = 0; k < members.Count; k++)
            {
                double angle = 2 * Math.PI * k / members.Count;
                xs[members[k]] += rx * Math.Cos(angle);
                ys[members[k]] += ry * Math.Sin(angle);
            }
        }
        return xs;
    }

    /// <summary>
    /// Names the axis by its option. A log axis (positions are log10 of the values) is ticked and labelled in the
    /// option's values, as matplotlib's log scale: 0.001, 0.01 at the decades (2 … 9 between as minor ticks), or
    /// 1, 2, 5 times them when the values span less.
    /// </summary>
    private static void Label(IAxis axis, SearchAxis option, IEnumerable<double> positions, Action<string, float?> setLabel)
    {
        setLabel(option.Log ? $"{option.Name} (log scale)" : option.Name, null);
        if (option.Log && positions.Any())
            axis.TickGenerator = LogTicks(positions.Min(), positions.Max());
        else
            // A linear range of huge values (a learning rate of 1e30 and up) ticked as 2.4e+34, not 35 digits.
            axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = option.Whole, LabelFormatter = TrainingPlots.TickLabel };
    }

    /// <summary>
    /// Ticks for log10 positions <paramref name="lo"/> … <paramref name="hi"/>: every decade (every second or more past
    /// 10), else 1, 2 and 5 times each, whichever first puts 3 inside the range (with one either side of it for the
    /// margins); a range narrower than that gets about 4 evenly spaced round values (0.0012, 0.0014, …).
    /// </summary>
    internal static ITickGenerator LogTicks(double lo, double hi)
    {
        int first = (int)Math.Floor(lo) - 1, last = (int)Math.Ceiling(hi) + 1;
        int step = Math.Max(1, (int)Math.Ceiling((last - first) / 10.0));
        var decades = Enumerable.Range(0, (last - first) / step + 1).Select(k => Math.Pow(10, first + k * step)).ToList();
        bool Inside(double v) => Math.Log10(v) >= lo - 1e-9 && Math.Log10(v) <= hi + 1e-9;
        var values = decades.Count(Inside) >= 3 ? decades : Decades(first, last, [1, 2, 5]) is var ones && ones.Count(Inside) >= 3 ? ones : Even(Math.Pow(10, lo), Math.Pow(10, hi));
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var v in values) ticks.AddMajor(Math.Log10(v), v.ToString("g3", CultureInfo.InvariantCulture));
        if (values == decades && step == 1)
            foreach (var m in Decades(first, last, [2, 3, 4, 5, 6, 7, 8, 9])) ticks.AddMinor(Math.Log10(m));
        return ticks;
    }

    /// <summary>Round values a step of 1, 2 or 5 × 10^k apart, about 4 inside [<paramref name="a"/>, <paramref name="b"/>], one either side, all positive.</summary>
    private static List<double> Even(double a, double b)
    {
        double raw = Math.Max(b - a, Math.Abs(a) * 1e-6) / 4, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        var values = new List<double>();
        for (double k = Math.Floor(a / step) - 1; k <= Math.Ceiling(b / step) + 1; k++)
            if (k * step > 0) values.Add(Math.Round(k * step / magnitude) * magnitude);
        return values;
    }

    private static List<double> Decades(int first, int last, int[] digits) =>
        [.. Enumerable.Range(first, last - first + 1).SelectMany(d => digits.Select(m => m * Math.Pow(10, d)))];

    private sealed class FixedColorAxis(IColormap colormap, double min, double max) : IHasColorAxis
    {
        public IColormap Colormap { get; set; } = colormap;
        public ScottPlot.Range GetRange() => new(min, max);
    }
}
