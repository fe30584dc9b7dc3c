using System.Numerics;
using Backprop.Tensors;
using SkiaSharp;

namespace Backprop.Plots;

/// <summary>
/// The notebooks' <c>visualize_grid</c>: images laid out on a square grid, each min–max scaled to [0, ubound], and
/// the first-layer weights of a network drawn that way.
/// </summary>
public static class WeightGrid
{
    /// <summary>
    /// <c>visualize_grid(Xs, ubound, padding)</c>: Xs of shape (N, H, W, C) → a grid of shape
    /// (H·G + padding·(G − 1), W·G + padding·(G − 1), C) with G = ⌈√N⌉; each image scaled to [0, ubound]; gaps are 0.
    /// </summary>
    public static NDArray<double> VisualizeGrid<T>(NDArray<T> xs, double ubound = 255.0, int padding = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Rank != 4) throw new ArgumentException($"visualize_grid expects images of shape (N, H, W, C), got {xs.ShapeString}.", nameof(xs));
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        // NaN or ∞ filled the grid with NaN silently; 0 or below draws nothing to see.
        if (!(ubound > 0) || double.IsInfinity(ubound))
            throw new ArgumentOutOfRangeException(nameof(ubound), ubound, "visualize_grid: ubound (the brightest value) must be a positive number.");
        if (xs.Size == 0) throw new ArgumentException($"visualize_grid: no pixels to draw (shape {xs.ShapeString}).", nameof(xs));
        int n = xs.Dim(0), h = xs.Dim(1), w = xs.Dim(2), c = xs.Dim(3);
        int g = (int)Math.Ceiling(Math.Sqrt(n));
        int gh = h * g + padding * (g - 1), gw = w * g + padding * (g - 1);
        var grid = new NDArray<double>(gh, gw, c);
        for (int idx = 0; idx < n; idx++)
        {
            int y0 = idx / g * (h + padding), x0 = idx % g * (w + padding);
            var img = xs.Row(idx);
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            foreach (var v in img) { double d = double.CreateTruncating(v); lo = Math.Min(lo, d); hi = Math.Max(hi, d); }
            double scale = hi > lo ? ubound / (hi - lo) : 0;   // a constant image is drawn black instead of NaN
            // Flat indices: At(params int[]) allocates its index array per pixel (1.8 GB for 1000 CIFAR tiles).
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int ch = 0; ch < c; ch++)
                        grid.Flat(((y0 + y) * gw + x0 + x) * c + ch) = (double.CreateTruncating(img[(y * w + x) * c + ch]) - lo) * scale;
        }
        return grid;
    }

    /// <summary>
    /// PNG of the first-layer weights W1 (D, H) as H images of shape <paramref name="imageShape"/> (C, height, width),
    /// the data's own layout (3×32×32 for CIFAR-10, 1×28×28 for Fashion-MNIST): colour for 3 channels, grey for 1.
    /// </summary>
    /// <param name="w1">First-layer weights, shape (C·height·width, H).</param>
    /// <param name="imageShape">(C, height, width) with C = 1 or 3.</param>
    /// <param name="padding">Pixels between tiles.</param>
    /// <param name="scale">Each pixel drawn as scale × scale pixels.</param>
    /// <param name="maxImages">At most this many hidden units are drawn (the first ones).</param>
    /// <param name="channelsLast">
    /// W1's rows are in (height, width, C) order, as the two-layer notebooks' rows are
    /// (<see cref="Data.Preprocessing.ToChannelsLastRows{T}"/>; their <c>show_net_weights</c> reads
    /// <c>W1.reshape(32, 32, 3, -1)</c>); <paramref name="imageShape"/> is still (C, height, width).
    /// </param>
    /// <param name="title">
    /// A line drawn above the grid in the training pictures' title font (the run folders' <c>weights.png</c> says which
    /// units it shows, and how the run ended); null or empty draws the grid alone, as the notebooks do.
    /// </param>
    public static byte[] FirstLayerPng<T>(NDArray<T> w1, IReadOnlyList<int> imageShape, int padding = 3, int scale = 3, int maxImages = 100,
        bool channelsLast = false, string? title = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(w1);
        ArgumentNullException.ThrowIfNull(imageShape);
        if (imageShape.Count != 3 || imageShape[0] is not (1 or 3))
            throw new ArgumentException("imageShape must be (C, height, width) with C = 1 or 3.", nameof(imageShape));
        int c = imageShape[0], h = imageShape[1], w = imageShape[2];
        if (w1.Rank != 2 || w1.Dim(0) != c * h * w)
            throw new ArgumentException($"W1 has shape {w1.ShapeString}; {c}×{h}×{w} images need {c * h * w} rows.", nameof(w1));
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxImages, 1);
        int hidden = Math.Min(w1.Dim(1), maxImages), cols = w1.Dim(1);
        // W1.T.reshape(H, C, h, w).transpose(0, 2, 3, 1): one (h, w, C) image per hidden unit.
        var images = new NDArray<double>(hidden, h, w, c);
        for (int k = 0; k < hidden; k++)
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        images.Flat(((k * h + y) * w + x) * c + ch) = double.CreateTruncating(w1.Flat(
                            (channelsLast ? (y * w + x) * c + ch : (ch * h + y) * w + x) * cols + k));
        using var grid = Render(VisualizeGrid(images, 255.0, padding), scale);
        return string.IsNullOrEmpty(title) ? Encode(grid) : EncodeTitled(grid, title);
    }

    /// <summary>PNG of an (H, W, C) array of values in [0, 255] (C = 1 or 3), each pixel scaled up <paramref name="scale"/> times.</summary>
    public static byte[] ToPng(NDArray<double> image, int scale = 1)
    {
        using var bmp = Render(image, scale);
        return Encode(bmp);
    }

    /// <summary>The (H, W, C) image as a bitmap, each pixel drawn as <paramref name="scale"/> × <paramref name="scale"/>; the caller disposes it.</summary>
    private static SKBitmap Render(NDArray<double> image, int scale)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Rank != 3 || image.Dim(2) is not (1 or 3)) throw new ArgumentException($"Expected an (H, W, 1|3) image, got {image.ShapeString}.", nameof(image));
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        int h = image.Dim(0), w = image.Dim(1), c = image.Dim(2);
        if (h == 0 || w == 0) throw new ArgumentException($"An image of shape {image.ShapeString} has no pixels.", nameof(image));
        if ((long)h * scale * w * scale > int.MaxValue / 4)
            throw new ArgumentException($"An image of {h}×{w} scaled {scale} times is too large for one PNG.", nameof(scale));
        var bmp = new SKBitmap(w * scale, h * scale, SKColorType.Rgba8888, SKAlphaType.Opaque);
        // Straight into the pixel bytes (R, G, B, A): SetPixel costs a native call and an allocation per pixel, 18 s
        // and 2 GB for a grid of 1000 CIFAR tiles.
        var pixels = bmp.GetPixelSpan();
        for (int y = 0; y < h * scale; y++)
            for (int x = 0; x < w * scale; x++)
            {
                int o = ((y / scale) * w + x / scale) * c, at = (y * w * scale + x) * 4;
                byte r = Byte(image.Flat(o));
                pixels[at] = r;
                pixels[at + 1] = c == 3 ? Byte(image.Flat(o + 1)) : r;
                pixels[at + 2] = c == 3 ? Byte(image.Flat(o + 2)) : r;
                pixels[at + 3] = 255;
            }
        return bmp;
    }

    private static byte[] Encode(SKBitmap bmp)
    {
        using var img = SKImage.FromBitmap(bmp);
        using var data = img.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The title's size in pixels: ScottPlot's default for a plot title, as loss.png and accuracy.png use.</summary>
    private const float TitleSize = 16;

    /// <summary>The grid under a white band holding <paramref name="title"/>, centred; a canvas widened if the line needs it.</summary>
    private static byte[] EncodeTitled(SKBitmap grid, string title)
    {
        // ScottPlot's own typeface lookup (cached by it, so not disposed here): the same font as the other pictures.
        var typeface = ScottPlot.Fonts.GetTypeface(ScottPlot.Fonts.Default, bold: true, italic: false);
        using var font = new SKFont(typeface, TitleSize) { Subpixel = false, Edging = SKFontEdging.Antialias };
        const int margin = 8;
        int textWidth = (int)Math.Ceiling(font.MeasureText(title));
        int band = (int)Math.Ceiling(font.Spacing) + 2 * margin;
        int width = Math.Max(grid.Width, textWidth + 2 * margin), height = band + grid.Height;
        using var picture = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(picture))
        {
            canvas.Clear(SKColors.White);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            canvas.DrawText(title, width / 2f, margin - font.Metrics.Ascent, SKTextAlign.Center, font, ink);
            canvas.DrawBitmap(grid, (width - grid.Width) / 2, band);
        }
        return Encode(picture);
    }

    // The notebooks' grid.astype('uint8'): truncated, not rounded.
    private static byte Byte(double v) => (byte)Math.Clamp(Math.Floor(v), 0, 255);
}
