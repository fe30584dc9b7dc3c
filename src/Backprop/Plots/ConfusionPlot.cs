using System.Globalization;
using ScottPlot;

namespace Backprop.Plots;

/// <summary>
/// A confusion matrix as a picture: one cell per (true class, predicted class), true classes top to bottom, each
/// cell's colour its share of the true class's images (so rows compare across classes of different sizes) and its text
/// the count.
/// </summary>
public static class ConfusionPlot
{
    /// <summary>
    /// PNG bytes of <paramref name="counts"/> (n × n: rows true class, columns predicted), labelled with
    /// <paramref name="classNames"/> (n names).
    /// </summary>
    /// <exception cref="ArgumentException">The counts are not square, or do not match the names.</exception>
    public static byte[] Png(IReadOnlyList<IReadOnlyList<long>> counts, IReadOnlyList<string> classNames, string title, int size = 760)
        => Panels.StackedPng([Plot(counts, classNames, title)], size, size);

    /// <summary>The panel of <see cref="Png"/>.</summary>
    internal static Plot Plot(IReadOnlyList<IReadOnlyList<long>> counts, IReadOnlyList<string> classNames, string title)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(classNames);
        int n = counts.Count;
        if (n == 0 || counts.Any(r => r.Count != n))
            throw new ArgumentException($"A confusion matrix must be square with at least one class; got {n} rows of lengths {string.Join(", ", counts.Select(r => r.Count).Distinct())}.", nameof(counts));
        if (classNames.Count != n)
            throw new ArgumentException($"{n} classes in the matrix but {classNames.Count} class names.", nameof(classNames));

        var plt = new ScottPlot.Plot();
        var colormap = new ScottPlot.Colormaps.Viridis();
        double[] positions = Panels.Range(n);
        for (int a = 0; a < n; a++)
        {
            long support = counts[a].Sum();
            double y = n - 1 - a;   // class 0 on top, as the matrix is printed
            for (int p = 0; p < n; p++)
            {
                double share = support == 0 ? 0 : (double)counts[a][p] / support;
                var cell = plt.Add.Rectangle(p - 0.5, p + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = colormap.GetColor(share);
                cell.LineWidth = 0;
                var text = plt.Add.Text(counts[a][p].ToString(CultureInfo.InvariantCulture), p, y);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = n <= 12 ? 14 : 9;
                text.LabelFontColor = share > 0.5 ? Colors.Black : Colors.White;
            }
        }
        plt.Axes.Bottom.SetTicks(positions, [.. classNames]);
        plt.Axes.Bottom.TickLabelStyle.Rotation = -40;
        plt.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plt.Axes.Left.SetTicks([.. positions.Select(i => n - 1 - i)], [.. classNames]);
        plt.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        // The names are drawn at −40°: the axis is as tall as the longest one needs (about 6 pixels a character at
        // this font, sin 40° of it downwards) plus its label, so that "T-shirt/top" and longer stay in the picture and
        // clear of "predicted class". A fixed 110 pixels cut long names off at the bottom edge.
        plt.Axes.Bottom.MinimumSize = BottomAxisSize(classNames);
        // Without a bar the colours had no scale: a colour is the cell's share of its row, which the counts do not say.
        var bar = plt.Add.ColorBar(new ShareAxis(colormap), Edge.Right);
        bar.Axis.TickGenerator = new ScottPlot.TickGenerators.NumericManual([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"]);
        bar.Axis.Label.Text = "share of the true class";
        plt.Grid.IsVisible = false;
        plt.Title(title);
        plt.XLabel("predicted class");
        plt.YLabel("true class");
        return plt;
    }

    /// <summary>Pixels below the matrix for the rotated class names and the axis label.</summary>
    internal static float BottomAxisSize(IReadOnlyList<string> classNames) =>
        Math.Max(110, 6f * classNames.Max(c => c.Length) * MathF.Sin(40 * MathF.PI / 180) + 50);

    /// <summary>The colour bar's scale: a cell's colour is its share of the row, 0 … 1 whatever the counts.</summary>
    private sealed class ShareAxis(IColormap colormap) : IHasColorAxis
    {
        public IColormap Colormap { get; set; } = colormap;
        public ScottPlot.Range GetRange() => new(0, 1);
    }
}
