using ScottPlot;
using SkiaSharp;

namespace Backprop.Plots;

/// <summary>Renders several ScottPlot plots stacked vertically into one PNG (the notebooks' <c>plt.subplot(n, 1, i)</c>).</summary>
public static class Panels
{
    /// <summary>PNG bytes of the plots stacked top to bottom, each <paramref name="width"/> × <paramref name="panelHeight"/> pixels.</summary>
    public static byte[] StackedPng(IReadOnlyList<Plot> plots, int width, int panelHeight)
    {
        ArgumentNullException.ThrowIfNull(plots);
        if (plots.Count == 0) throw new ArgumentException("No plots to render.", nameof(plots));
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 50);
        ArgumentOutOfRangeException.ThrowIfLessThan(panelHeight, 50);
        var info = new SKImageInfo(width, panelHeight * plots.Count);
        using var surface = SKSurface.Create(info);
        surface.Canvas.Clear(SKColors.White);
        for (int i = 0; i < plots.Count; i++)
        {
            // Rendering straight into a sub-rectangle repaints the whole canvas, so each panel is drawn on its own.
            using var panel = SKBitmap.Decode(plots[i].GetImageBytes(width, panelHeight, ImageFormat.Png));
            surface.Canvas.DrawBitmap(panel, 0, i * panelHeight);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Indices 0, 1, … as doubles (x values for a history).</summary>
    internal static double[] Range(int n, int start = 0)
    {
        var r = new double[n];
        for (int i = 0; i < n; i++) r[i] = i + start;
        return r;
    }

    /// <summary>
    /// Whether finite <paramref name="values"/> go on a log axis, as matplotlib's semilogy would be chosen by eye: the
    /// positive ones span three decades or more (a loss blown up to 1e11 beside 2.3, or driven down to 1e-4), where a
    /// linear axis draws all but a few points as a flat line at 0. Zeros (a softmax loss saturated in float32, a met SVM
    /// margin) have no logarithm: up to 1% of them are left off and counted in <paramref name="nonPositive"/>; more,
    /// and the axis stays linear to show them. <paramref name="low"/> and <paramref name="high"/> are the positive range.
    /// </summary>
    internal static bool SpansDecades(IReadOnlyCollection<double> values, out int nonPositive, out double low, out double high)
    {
        low = double.PositiveInfinity; high = 0; nonPositive = 0;
        foreach (var v in values)
        {
            if (!(v > 0)) { nonPositive++; continue; }
            low = Math.Min(low, v);
            high = Math.Max(high, v);
        }
        return high > 0 && high / low >= 1e3 && nonPositive <= values.Count / 100;
    }

    /// <summary>A named ScottPlot palette colour, stable per series index (the 10 colours repeat: see <see cref="SeriesStyle"/>).</summary>
    internal static Color SeriesColor(int i) => new ScottPlot.Palettes.Category10().GetColor(i);

    private static readonly MarkerShape[] Shapes =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond,
         MarkerShape.FilledTriangleDown, MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp,
         MarkerShape.OpenDiamond, MarkerShape.OpenTriangleDown, MarkerShape.Eks, MarkerShape.Cross];

    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    /// <summary>
    /// The look of series <paramref name="i"/> among many: matplotlib's 10 colours in turn, and with each further ten
    /// another marker shape and line pattern, so that series 0 and 10 (the 11th run compared) differ. Unique for the
    /// first 120 series.
    /// </summary>
    internal static (Color Color, MarkerShape Marker, LinePattern Line) SeriesStyle(int i) =>
        (SeriesColor(i), Shapes[i / 10 % Shapes.Length], Patterns[i / 10 % Patterns.Length]);
}
