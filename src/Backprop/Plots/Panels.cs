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
