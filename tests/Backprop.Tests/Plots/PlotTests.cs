using Backprop.Plots;
using Backprop.Tensors;
using Backprop.Training;
using SkiaSharp;

namespace Backprop.Tests.Plots;

/// <summary>Every picture decodes as a PNG of the stated size with more than one colour in it.</summary>
public class PlotTests
{
    /// <summary>Checks size and that each of <paramref name="panels"/> horizontal bands has drawn content.</summary>
    internal static void AssertPicture(byte[] png, int width, int height, int panels = 1)
    {
        using var bmp = SKBitmap.Decode(png);
        Assert.NotNull(bmp);
        Assert.Equal(width, bmp.Width);
        Assert.Equal(height, bmp.Height);
        int band = bmp.Height / panels;
        for (int p = 0; p < panels; p++)
        {
            var colours = new HashSet<uint>();
            for (int y = p * band; y < (p + 1) * band; y += 2)
                for (int x = 0; x < bmp.Width; x += 2)
                    colours.Add((uint)bmp.GetPixel(x, y));
            Assert.True(colours.Count > 10, $"panel {p}: only {colours.Count} colours, it looks blank");
        }
    }

    /// <summary>
    /// A run folder's <c>weights.png</c>: a grid of <paramref name="gridWidth"/> × <paramref name="gridHeight"/> pixels with
    /// drawn content under a title band (10–60 pixels) as wide as the grid.
    /// </summary>
    internal static void AssertWeightsPicture(byte[] png, int gridWidth, int gridHeight)
    {
        using var bmp = SKBitmap.Decode(png);
        Assert.NotNull(bmp);
        Assert.Equal(gridWidth, bmp.Width);
        Assert.InRange(bmp.Height - gridHeight, 10, 60);
        AssertPicture(png, gridWidth, bmp.Height);
    }

    [Fact]
    public void NullHistories_AreRefusedByName()
    {
        // LossPng(null) was a NullReferenceException inside the plot; AccuracyPng already named its lists.
        Assert.Equal("loss", Assert.Throws<ArgumentNullException>(() => TrainingPlots.LossPng(null!)).ParamName);
        Assert.Equal("valAcc", Assert.Throws<ArgumentNullException>(() => TrainingPlots.AccuracyPng([0.5], null!)).ParamName);
    }

    [Fact]
    public void LossAndAccuracyPanels_AreDrawn()
    {
        var loss = Enumerable.Range(0, 200).Select(i => 2.3 * Math.Exp(-i / 80.0) + 0.1 * Math.Sin(i)).ToList();
        loss[150] = double.NaN;   // a diverged value must not break the plot
        AssertPicture(TrainingPlots.LossPng(loss), 900, 450);
        AssertPicture(TrainingPlots.AccuracyPng([0.1, 0.4, 0.5, 0.6], [0.1, 0.35, 0.45, 0.5], target: 0.5), 900, 450);
    }

    [Fact]
    public void DivergedValues_AreDrawnAround_NotCrashedOn()
    {
        // Values near double's limit overflowed the axis margins; NaN or ∞ accuracies threw in the scatter's colour bar.
        AssertPicture(TrainingPlots.LossPng([2.3, 1e300, 1.7e308, 2.1]), 900, 450);
        AssertPicture(TrainingPlots.AccuracyPng([0.1, double.NaN, 0.3], [0.1, double.PositiveInfinity, 0.2]), 900, 450);
        SearchPoint[] pts = [new(1e-3, 1e-2, 0.3, 0.25), new(1e-2, 1e-1, double.NaN, double.NaN), new(0, 1e-2, 0.9, 0.9)];
        AssertPicture(SearchPlots.ScatterPng(pts), 900, 840, panels: 2);
        AssertPicture(SearchPlots.ScatterPng([new(1e-3, 1e-2, 0.3, 0.25)]), 900, 840, panels: 2);   // one trial: a bar of some width
        // A loss of 2.4e34 is labelled so, not with 35 digits across the panel.
        Assert.Equal("2.4e+34", TrainingPlots.TickLabel(2.4e34));
        Assert.Equal("0.5", TrainingPlots.TickLabel(0.5));
        Assert.Equal("2000", TrainingPlots.TickLabel(2000));
    }

    [Fact]
    public void ShortHistories_GetHonestAxes()
    {
        // No check (a run that diverged at once): an empty −10 … 10 frame with a train/val legend, now a note.
        var none = TrainingPlots.AccuracyPlot([], []);
        Assert.Contains(none.GetPlottables().OfType<ScottPlot.Plottables.Annotation>(), a => a.Text.StartsWith("No accuracy checks"));
        Assert.Empty(none.GetPlottables().OfType<ScottPlot.Plottables.Scatter>());
        Assert.False(HasColour(TrainingPlots.AccuracyPng([], []), Panels.SeriesColor(0)));   // the legend's train line is gone
        Assert.True(HasColour(TrainingPlots.AccuracyPng([0.1, 0.2], [0.1, 0.2]), Panels.SeriesColor(0)));

        // One check: epochs −1, 0, 1 on the axis; now 0 alone.
        Assert.Equal([0.0], MajorTicks(TrainingPlots.AccuracyPlot([0.07], [0.13])));
        // Five iterations: ticks at whole iterations (were 0.5, 1.5, … and −2).
        var loss = MajorTicks(TrainingPlots.LossPlot([new RunCurves("loss", [2.3, 2.2, 2.1, 2.0, 1.9], [], [])], legend: false));
        Assert.All(loss, t => Assert.True(t == Math.Floor(t) && t >= 0, $"tick {t}"));
        Assert.Contains(4.0, loss);

        // The comparison's accuracy panels name their y axis.
        var panels = TrainingPlots.ComparisonPlots([new RunCurves("a", [2.3, 2.0], [0.1, 0.2], [0.1, 0.15])]);
        Assert.Equal(["Loss", "Accuracy", "Accuracy"], panels.Select(p => p.Axes.Left.Label.Text));
        Assert.Equal([0.0, 1.0], MajorTicks(panels[2]));
    }

    // The bottom axis's labelled ticks inside its limits, once the plot is laid out as it is drawn.
    private static double[] MajorTicks(ScottPlot.Plot plt)
    {
        plt.GetImageBytes(900, 450, ScottPlot.ImageFormat.Png);
        var range = plt.Axes.Bottom.Range;
        return [.. plt.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor && t.Position >= range.Min && t.Position <= range.Max).Select(t => t.Position)];
    }

    private static bool HasColour(byte[] png, ScottPlot.Color c)
    {
        using var bmp = SKBitmap.Decode(png);
        for (int y = 0; y < bmp.Height; y++)
            for (int x = 0; x < bmp.Width; x++)
            {
                var p = bmp.GetPixel(x, y);
                if (p.Red == c.R && p.Green == c.G && p.Blue == c.B) return true;
            }
        return false;
    }

    [Fact]
    public void WeightPixels_AreTruncated_AsTheNotebooksAstypeUint8()
    {
        // One grey 2 × 2 tile of 0, 1, 2, 2: scaled to 0, 127.5, 255, 255, and astype('uint8') makes 127.5 into 127.
        var w1 = NDArray<double>.FromRows([[0.0], [1.0], [2.0], [2.0]]);
        using var bmp = SKBitmap.Decode(WeightGrid.FirstLayerPng(w1, [1, 2, 2], padding: 0, scale: 1));
        Assert.Equal(0, bmp.GetPixel(0, 0).Red);
        Assert.Equal(127, bmp.GetPixel(1, 0).Red);
        Assert.Equal(255, bmp.GetPixel(0, 1).Red);
    }

    [Fact]
    public void Comparison_HasThreePanels()
    {
        var runs = new[] { "sgd", "adam" }.Select((r, k) => new RunCurves(r,
            Enumerable.Range(0, 50).Select(i => 2.3 - k * 0.01 * i).ToList(), [0.1, 0.2 + k * 0.1], [0.1, 0.15 + k * 0.1])).ToList();
        AssertPicture(TrainingPlots.ComparisonPng(runs, 800, 300), 800, 900, panels: 3);
    }

    [Fact]
    public void Comparison_LabelsAndStyles_TellEveryRunApart()
    {
        // Two searches' trial-000 were both labelled trial-000.
        Assert.Equal(["s1/trial-000", "sint4/trial-000", "adam"],
            Backprop.Training.RunPlots.Labels(["/tmp/a1/s1/trial-000", "/tmp/a1/sint4/trial-000/", "/runs/adam"]));
        Assert.Equal(["x/a/run", "y/a/run"], Backprop.Training.RunPlots.Labels(["/x/a/run", "/y/a/run"]));
        Assert.Equal(["/r/a", "/r/a"], Backprop.Training.RunPlots.Labels(["/r/a", "/r/a"]));   // the same folder twice

        // Ten colours: runs 0 and 10 (plot searches/x/trial-* after --trials 20) had the same look.
        var styles = Enumerable.Range(0, 40).Select(Panels.SeriesStyle).ToList();
        Assert.Equal(40, styles.Distinct().Count());
        Assert.NotEqual(styles[0].Line, styles[10].Line);
        Assert.NotEqual(styles[4].Marker, styles[14].Marker);
        var runs = Enumerable.Range(0, 15).Select(k => new RunCurves($"run{k}",
            Enumerable.Range(0, 30).Select(i => 2.3 - 0.01 * k * i).ToList(), [0.1, 0.2 + 0.01 * k], [0.1, 0.15 + 0.01 * k])).ToList();
        // Fifteen legend entries do not fit 300 pixels: the panels grow instead of clipping a second legend column.
        AssertPicture(TrainingPlots.ComparisonPng(runs, 800, 300), 800, 3 * (21 * 15 + 130), panels: 3);
    }

    [Fact]
    public void VisualizeGrid_MatchesNotebookLayout()
    {
        var xs = new NDArray<double>(5, 2, 2, 1);
        for (int i = 0; i < xs.Size; i++) xs.Flat(i) = i;
        var grid = WeightGrid.VisualizeGrid(xs, 255, padding: 1);
        Assert.Equal("(8, 8, 1)", grid.ShapeString);          // G = 3: 2·3 + 1·2
        Assert.Equal(0, grid.At(0, 0, 0));
        Assert.Equal(255, grid.At(1, 1, 0));
        Assert.Equal(0, grid.At(0, 2, 0));                     // padding column
        Assert.Equal(255, grid.At(4, 1, 0));                   // image 3 starts the second row of tiles
        Assert.Equal(0, grid.At(7, 7, 0));                     // empty last tiles
    }

    [Fact]
    public void FirstLayerWeights_ColourAndGrey()
    {
        var w1 = new NumpyRandom(0).Randn<float>(3 * 32 * 32, 10);
        AssertPicture(WeightGrid.FirstLayerPng(w1, [3, 32, 32], padding: 3, scale: 2), (4 * 32 + 9) * 2, (4 * 32 + 9) * 2);
        var g = new NumpyRandom(0).Randn<float>(28 * 28, 16);
        AssertPicture(WeightGrid.FirstLayerPng(g, [1, 28, 28], padding: 1, scale: 1), 4 * 28 + 3, 4 * 28 + 3);
        Assert.Throws<ArgumentException>(() => WeightGrid.FirstLayerPng(g, [3, 32, 32]));

        // Rows in the two-layer notebooks' (height, width, C) order draw the same picture as the same weights planar.
        var hwc = new NDArray<float>(3 * 32 * 32, 10);
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 32 * 32; p++)
                for (int k = 0; k < 10; k++) hwc[p * 3 + c, k] = w1[c * 32 * 32 + p, k];
        Assert.Equal(WeightGrid.FirstLayerPng(w1, [3, 32, 32]), WeightGrid.FirstLayerPng(hwc, [3, 32, 32], channelsLast: true));
        Assert.NotEqual(WeightGrid.FirstLayerPng(w1, [3, 32, 32]), WeightGrid.FirstLayerPng(hwc, [3, 32, 32]));
    }

    [Fact]
    public void TitledWeightGrid_IsTheSameGrid_UnderABandWithTheTitle()
    {
        var w1 = new NumpyRandom(0).Randn<float>(3 * 32 * 32, 10);
        using var plain = SKBitmap.Decode(WeightGrid.FirstLayerPng(w1, [3, 32, 32]));
        using var titled = SKBitmap.Decode(WeightGrid.FirstLayerPng(w1, [3, 32, 32], title: "First-layer weights: all 10 units"));
        int band = AssertTitledGrid(titled, plain);
        Assert.Equal(plain.Width, titled.Width);   // the line fits the 399-pixel grid: no widening
        Assert.Equal(WeightGrid.FirstLayerPng(w1, [3, 32, 32]), WeightGrid.FirstLayerPng(w1, [3, 32, 32], title: ""));   // no band for no text

        // A line wider than the grid (4 grey 28 × 28 tiles, 59 pixels) widens the canvas; the grid is centred under it.
        var g = new NumpyRandom(1).Randn<float>(28 * 28, 4);
        using var small = SKBitmap.Decode(WeightGrid.FirstLayerPng(g, [1, 28, 28], padding: 3, scale: 1));
        using var wide = SKBitmap.Decode(WeightGrid.FirstLayerPng(g, [1, 28, 28], padding: 3, scale: 1, title: "First-layer weights: all 4 units"));
        Assert.True(wide.Width > 3 * small.Width, $"{wide.Width} pixels wide for a {small.Width}-pixel grid");
        AssertTitledGrid(wide, small);
        Assert.True(band > 10 && band < 60, $"a {band}-pixel band");
    }

    /// <summary>
    /// <paramref name="titled"/> holds <paramref name="plain"/>'s pixels exactly, centred at its bottom, under a band of
    /// white with dark text in it and white on both sides. Returns the band's height.
    /// </summary>
    private static int AssertTitledGrid(SKBitmap titled, SKBitmap plain)
    {
        int band = titled.Height - plain.Height, left = (titled.Width - plain.Width) / 2;
        Assert.True(band > 0, "no title band");
        for (int y = 0; y < plain.Height; y++)
            for (int x = 0; x < plain.Width; x++)
                Assert.Equal(plain.GetPixel(x, y), titled.GetPixel(left + x, band + y));
        for (int y = band; y < titled.Height; y++)
            for (int x = 0; x < titled.Width; x++)
                if (x < left || x >= left + plain.Width) Assert.Equal(SKColors.White, titled.GetPixel(x, y));
        int dark = 0, other = 0;
        for (int y = 0; y < band; y++)
            for (int x = 0; x < titled.Width; x++)
            {
                var p = titled.GetPixel(x, y);
                if (p.Red < 64 && p.Green < 64 && p.Blue < 64) dark++;
                else if (p != SKColors.White && (p.Red != p.Green || p.Green != p.Blue)) other++;
            }
        Assert.True(dark > 100, $"only {dark} dark pixels in the title band");
        Assert.Equal(0, other);   // black text on white: antialiasing greys only
        Assert.Equal(SKColors.White, titled.GetPixel(0, 0));
        Assert.Equal(SKColors.White, titled.GetPixel(titled.Width - 1, band - 1));
        return band;
    }

    [Fact]
    public void WeightsTitle_SaysWhichUnitsItShows()
    {
        // A 1000-unit layer's weights.png drew its first 100 with nothing to say so.
        Assert.Equal("First-layer weights: the first 100 of 1000 units", RunPlots.WeightsTitle(1000, null));
        Assert.Equal("First-layer weights: the first 100 of 101 units", RunPlots.WeightsTitle(101, null));
        Assert.Equal("First-layer weights: all 100 units", RunPlots.WeightsTitle(100, null));
        Assert.Equal("First-layer weights: all 2 units", RunPlots.WeightsTitle(2, null));
        Assert.Equal("First-layer weights: the one unit", RunPlots.WeightsTitle(1, null));
        Assert.Equal("First-layer weights: all 50 units \u2014 interrupted in epoch 3 of 10", RunPlots.WeightsTitle(50, "interrupted in epoch 3 of 10"));
    }

    [Fact]
    public void SearchScatter_IsDrawn()
    {
        var pts = new List<SearchPoint>();
        var rng = new NumpyRandom(1);
        for (int i = 0; i < 9; i++) pts.Add(new SearchPoint(Math.Pow(10, rng.Uniform(-4, -3)), Math.Pow(10, rng.Uniform(-2, -1)), rng.NextDouble(), rng.NextDouble()));
        AssertPicture(SearchPlots.ScatterPng(pts), 900, 840, panels: 2);
    }

    [Fact]
    public void SearchScatter_MarksTrialsWithoutAccuracy_AndBarsOnlyTheAccuraciesThereAre()
    {
        // A diverged trial used to be coloured as accuracy 0, and a bar around a single 0 ran from −0.005.
        SearchPoint[] pts = [new(1e-3, 1e-2, 0, 0), new(1e-2, 1e-1, double.NaN, double.NaN), new(1e-4, 1e-3, double.NaN, double.NaN)];
        var panels = SearchPlots.Plots(pts, SearchAxis.LearningRate, SearchAxis.WeightScale, "CIFAR-10", null);
        Assert.Equal(2, panels.Count);
        foreach (var plt in panels)
        {
            var markers = plt.GetPlottables().OfType<ScottPlot.Plottables.Marker>().ToList();
            Assert.Equal(3, markers.Count);   // every trial is drawn
            var crosses = markers.Where(m => m.MarkerShape == ScottPlot.MarkerShape.Eks).ToList();
            Assert.Equal(2, crosses.Count);
            Assert.All(crosses, m => Assert.Equal(ScottPlot.Colors.Gray, m.MarkerLineColor));
            Assert.Equal("no accuracy (diverged or failed)", crosses[0].LegendText);
            var bar = plt.Axes.GetPanels().OfType<ScottPlot.Panels.ColorBar>().Single().Source.GetRange();
            Assert.Equal((0, 0.005), (bar.Min, bar.Max));
        }
        // Each bar says which accuracy its colours are (they had no label; the two bars span different ranges).
        Assert.Equal(["training accuracy", "validation accuracy"], panels.Select(p => p.Axes.GetPanels().OfType<ScottPlot.Panels.ColorBar>().Single().Axis.Label.Text));
        AssertPicture(SearchPlots.ScatterPng(pts), 900, 840, panels: 2);

        // None has an accuracy: no bar at all, and the picture says why.
        var none = SearchPlots.Plots([pts[1], pts[2]], SearchAxis.LearningRate, SearchAxis.WeightScale, "CIFAR-10", null)[0];
        Assert.Empty(none.Axes.GetPanels().OfType<ScottPlot.Panels.ColorBar>());
        Assert.Contains(none.GetPlottables().OfType<ScottPlot.Plottables.Annotation>(), a => a.Text.StartsWith("No trial has an accuracy"));
    }

    [Fact]
    public void SearchScatter_MarksTrialsThatDivergedAfterACheck()
    {
        // Such a trial has accuracies (its checks before the loss blew up) and was drawn exactly as a completed one.
        SearchPoint[] pts = [new(1e-3, 1e-2, 0.5, 0.4), new(1e-2, 1e-1, 0.2, 0.15, Diverged: true), new(1e-4, 1e-3, 0.3, 0.3)];
        foreach (var plt in SearchPlots.Plots(pts, SearchAxis.LearningRate, SearchAxis.WeightScale, "CIFAR-10", null)
                     .Append(SearchPlots.Plots(pts, SearchAxis.LearningRate, null, "CIFAR-10", null)[0]))
        {
            var marks = plt.GetPlottables().OfType<ScottPlot.Plottables.Marker>().Where(m => m.MarkerShape == ScottPlot.MarkerShape.Eks).ToList();
            Assert.Equal([ScottPlot.Colors.White, ScottPlot.Colors.Red], marks.Select(m => m.MarkerLineColor));   // red on a white outline
            var mark = marks[1];
            Assert.Equal((Math.Log10(1e-2), true), (mark.Location.X, mark.LegendText.StartsWith("diverged after this check")));
        }
        AssertPicture(SearchPlots.ScatterPng(pts), 900, 840, panels: 2);
    }

    [Fact]
    public void SearchScatter_OneOption_IsAccuracyAgainstIt_NamedAndOnItsScale()
    {
        // The picture was always log10 learning rate against log10 weight scale, whatever was searched: a search of reg
        // alone put every trial on one spot.
        SearchPoint[] pts = [new(0.01, 0, 0.5, 0.4), new(0.05, 0, 0.6, 0.45), new(0.09, 0, double.NaN, double.NaN)];
        var reg = SearchPlots.Plots(pts, new SearchAxis("reg"), null, "CIFAR-10", null);
        var panel = Assert.Single(reg);
        Assert.Equal("reg", panel.Axes.Bottom.Label.Text);
        Assert.Equal("accuracy", panel.Axes.Left.Label.Text);
        Assert.Equal(["train", "val"], panel.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Select(p => p.LegendText));
        Assert.Single(panel.GetPlottables().OfType<ScottPlot.Plottables.Marker>(), m => m.MarkerShape == ScottPlot.MarkerShape.Eks);
        AssertPicture(SearchPlots.ScatterPng(pts, new SearchAxis("reg"), null), 900, 420);

        // A log option is ticked in its values at the decades, not in log10 of them.
        var lr = SearchPlots.Plots(pts.Select(p => p with { X = p.X / 10 }).ToList(), SearchAxis.LearningRate, null, "CIFAR-10", null)[0];
        Assert.Equal("learning_rate (log scale)", lr.Axes.Bottom.Label.Text);
        var ticks = SearchPlots.LogTicks(-4, -2);
        using (var paint = ScottPlot.Paint.NewDisposablePaint())
            ticks.Regenerate(new ScottPlot.CoordinateRange(-4.5, -1.5), ScottPlot.Edge.Bottom, new ScottPlot.PixelLength(800), paint, new ScottPlot.LabelStyle());
        Assert.Equal(["0.0001", "0.001", "0.01"], ticks.Ticks.Where(t => t.IsMajor && t.Position is >= -4.5 and <= -1.5).Select(t => t.Label));
    }

    [Fact]
    public void SearchScatter_TrialsAtOnePlace_AreDrawnApart()
    {
        // Whole-number options take few values: trials on one spot hid each other's colours.
        var xs = SearchPlots.Spread([1, 1, 1, 2], [50, 50, 50, 51], out var ys);
        Assert.Equal(4, xs.Zip(ys).Distinct().Count());
        Assert.Equal((2.0, 51.0), (xs[3], ys[3]));   // a trial alone stays where it is
        Assert.All(xs.Take(3), x => Assert.InRange(x, 0.95, 1.05));
    }

    [Fact]
    public void ConfusionMatrix_ColoursEachRowsShare_TrueClassZeroOnTop()
    {
        string[] names = ["cat", "dog", "ship"];
        AssertPicture(ConfusionPlot.Png([[5, 1, 0], [2, 7, 1], [0, 0, 9]], names, "test"), 760, 760);

        // Only class 0 has images, all predicted right: the one cell at full share is the top-left one.
        using var bmp = SKBitmap.Decode(ConfusionPlot.Png([[4, 0, 0], [0, 0, 0], [0, 0, 0]], names, "test"));
        var full = new ScottPlot.Colormaps.Viridis().GetColor(1.0);
        var (xs, ys) = (new List<int>(), new List<int>());
        for (int y = 0; y < bmp.Height; y++)
            for (int x = 0; x < bmp.Width - 120; x++)   // the colour bar at the right edge holds every colour
            {
                var c = bmp.GetPixel(x, y);
                if (Math.Abs(c.Red - full.R) <= 2 && Math.Abs(c.Green - full.G) <= 2 && Math.Abs(c.Blue - full.B) <= 2) { xs.Add(x); ys.Add(y); }
            }
        Assert.True(xs.Count > 5000, $"{xs.Count} pixels in the full-share colour");
        Assert.InRange(xs.Max(), 0, bmp.Width / 2);
        Assert.InRange(ys.Max(), 0, bmp.Height / 2);

        var e = Assert.Throws<ArgumentException>(() => ConfusionPlot.Png([[1, 0], [0, 1, 2]], names, "test"));
        Assert.Contains("square", e.Message);
        e = Assert.Throws<ArgumentException>(() => ConfusionPlot.Png([[1, 0], [0, 1]], names, "test"));
        Assert.Contains("2 classes in the matrix but 3 class names", e.Message);
    }
    [Fact]
    public void WeightPictures_RefuseEmptyInputAndBadScales()
    {
        Assert.Contains("no pixels to draw", Assert.Throws<ArgumentException>(() => WeightGrid.VisualizeGrid(new NDArray<double>(0, 2, 2, 3))).Message);
        var tiles = new NumpyRandom(0).Randn(4, 2, 2, 3);
        foreach (double ubound in new[] { double.NaN, double.PositiveInfinity, 0.0, -1.0 })   // NaN gave a grid of NaN
            Assert.Contains("ubound (the brightest value) must be a positive number",
                Assert.Throws<ArgumentOutOfRangeException>(() => WeightGrid.VisualizeGrid(tiles, ubound)).Message);
        Assert.Equal(1.0, WeightGrid.VisualizeGrid(tiles, 1.0).AsSpan().ToArray().Max(), 12);
        var w1 = new NDArray<float>(12, 4);
        Assert.Equal("maxImages", Assert.Throws<ArgumentOutOfRangeException>(() => WeightGrid.FirstLayerPng(w1, [3, 2, 2], maxImages: 0)).ParamName);
        var image = new NDArray<double>(2, 2, 3);
        Assert.Equal("scale", Assert.Throws<ArgumentOutOfRangeException>(() => WeightGrid.ToPng(image, scale: 0)).ParamName);
        Assert.Equal("scale", Assert.Throws<ArgumentOutOfRangeException>(() => WeightGrid.ToPng(image, scale: -1)).ParamName);
        Assert.Contains("too large for one PNG", Assert.Throws<ArgumentException>(() => WeightGrid.ToPng(image, scale: 40_000)).Message);
        using var one = SKBitmap.Decode(WeightGrid.FirstLayerPng(w1, [3, 2, 2], padding: 1, scale: 2, maxImages: 1));
        Assert.Equal((4, 4), (one.Width, one.Height));   // one 2×2 tile, scaled twice
    }

    [Fact]
    public void LossPanel_SaysWhatItCouldNotDraw_AndGoesLogOverDecades()
    {
        // NaN and ∞ losses vanished without a word, and a loss of only NaN was an empty −10 … 10 frame.
        var some = TrainingPlots.LossPlot([new RunCurves("loss", [2.3, double.NaN, 2.1, double.PositiveInfinity, 1.9], [], [])], legend: false);
        Assert.Equal("Iteration (2 NaN or infinite losses not drawn)", some.Axes.Bottom.Label.Text);
        var none = TrainingPlots.LossPlot([new RunCurves("loss", [double.NaN, double.NaN], [], [])], legend: false);
        Assert.Contains(none.GetPlottables().OfType<ScottPlot.Plottables.Annotation>(), a => a.Text.StartsWith("No finite loss to draw"));
        Assert.Empty(none.GetPlottables().OfType<ScottPlot.Plottables.Scatter>());
        AssertPicture(TrainingPlots.LossPng([double.NaN, double.NaN]), 900, 450);
        Assert.Contains(TrainingPlots.LossPlot([new RunCurves("loss", [], [], [])], legend: false).GetPlottables().OfType<ScottPlot.Plottables.Annotation>(),
            a => a.Text.StartsWith("No loss to draw"));

        // A diverged run's 2.3 then 1e11 (or a loss driven down to 1e-4) drew every ordinary iteration as a flat line at 0.
        var blown = TrainingPlots.LossPlot([new RunCurves("loss", [2.3, 3e11, 1.5e11, 9e10], [], [])], legend: false);
        Assert.Equal("Loss (log scale)", blown.Axes.Left.Label.Text);
        Assert.Equal([Math.Log10(2.3), Math.Log10(3e11)], blown.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Single().Data.GetScatterPoints().Select(p => p.Y).Take(2));
        AssertPicture(TrainingPlots.LossPng([2.3, 3e11, 1.5e11, 9e10]), 900, 450);
        // Less than three decades, or a loss of 0 (no log of it): linear, as the notebooks draw it.
        Assert.Equal("Loss", TrainingPlots.LossPlot([new RunCurves("loss", [2.3, 0.01], [], [])], legend: false).Axes.Left.Label.Text);
        Assert.Equal("Loss", TrainingPlots.LossPlot([new RunCurves("loss", [2.3, 1e-5, 0], [], [])], legend: false).Axes.Left.Label.Text);
        // A long batch-size-1 run: decades of positive losses and a few of exactly 0 (float32 saturated). Log, the
        // zeros said under the axis; they stayed linear, a flat band at 0.
        var saturated = Enumerable.Range(0, 1000).Select(i => i % 400 == 399 ? 0.0 : 2.3 * Math.Pow(10, -5.0 * i / 1000)).ToArray();
        var logWithZeros = TrainingPlots.LossPlot([new RunCurves("loss", saturated, [], [])], legend: false);
        Assert.Equal("Loss (log scale)", logWithZeros.Axes.Left.Label.Text);
        Assert.Equal("Iteration (2 losses of 0 not drawn)", logWithZeros.Axes.Bottom.Label.Text);
        AssertPicture(TrainingPlots.LossPng(saturated), 900, 450);
        var cmp = TrainingPlots.ComparisonPlots([new RunCurves("a", [2.3, 1e-4], [0.1], [0.1]), new RunCurves("b", [2.3, 0.5], [0.1], [0.1])]);
        Assert.Equal("Loss (log scale)", cmp[0].Axes.Left.Label.Text);
    }

    [Fact]
    public void AccuracyLegend_SitsBesideThePanel()
    {
        // In the lower right corner it covered a validation accuracy of 0 (--num-val 1) at the last epochs.
        var plt = TrainingPlots.AccuracyPlot([0.3, 0.5, 0.7], [0, 0, 0]);
        Assert.False(plt.Legend.IsVisible);   // not inside the data area
        Assert.Contains(plt.Axes.GetPanels(), p => p.GetType().Name.Contains("Legend") && p.Edge == ScottPlot.Edge.Right);
        AssertPicture(TrainingPlots.AccuracyPng([0.3, 0.5, 0.7], [0, 0, 0]), 900, 450);
    }

    [Fact]
    public void ConfusionMatrix_HasAShareBar_AndRoomForLongNames()
    {
        string[] names = ["T-shirt/top (short sleeves)", "Trouser", "Pullover sweater with hood"];
        var plt = ConfusionPlot.Plot([[8497, 166, 700], [42, 8496, 480], [1424, 140, 8321]], names, "test");
        // The colours had no scale; the bar says what they are, from 0 to 1 whatever the counts.
        var bar = plt.Axes.GetPanels().OfType<ScottPlot.Panels.ColorBar>().Single();
        Assert.Equal((0.0, 1.0), (bar.Source.GetRange().Min, bar.Source.GetRange().Max));
        Assert.Equal("share of the true class", bar.Axis.Label.Text);
        // A fixed 110 pixels under the matrix cut 27-character names off at the picture's bottom edge.
        Assert.True(plt.Axes.Bottom.MinimumSize >= 6 * 27 * Math.Sin(40 * Math.PI / 180), $"{plt.Axes.Bottom.MinimumSize} pixels");
        Assert.Equal(110, ConfusionPlot.BottomAxisSize(["cat", "dog"]));
        AssertPicture(ConfusionPlot.Png([[8497, 166, 700], [42, 8496, 480], [1424, 140, 8321]], names, "test"), 760, 760);
    }

    [Fact]
    public void UnfinishedRuns_SayHowTheyEnded_InTheirTitles_CompletedOnesAsBefore()
    {
        // 10 epochs of 49 iterations; before, an interrupted or diverged run's loss.png and accuracy.png looked finished.
        RunHistory H(string status, int iterations) => new()
        {
            Loss = [.. Enumerable.Range(0, iterations).Select(i => 2.3 - 0.001 * i)],
            TrainAcc = [0.1, 0.2, 0.3], ValAcc = [0.1, 0.2, 0.25], LearningRate = [1e-3, 1e-3, 1e-3],
            IterationsPerEpoch = 49, NumIterations = 490, Status = status,
        };
        Assert.Null(RunPlots.StatusNote(H(RunStatus.Completed, 490)));
        Assert.Equal("interrupted in epoch 3 of 10", RunPlots.StatusNote(H(RunStatus.Interrupted, 100)));
        Assert.Equal("interrupted after epoch 2 of 10", RunPlots.StatusNote(H(RunStatus.Interrupted, 98)));
        Assert.Equal("interrupted before its first iteration", RunPlots.StatusNote(H(RunStatus.Interrupted, 0)));
        Assert.Equal("diverged at iteration 123 of 490", RunPlots.StatusNote(H(RunStatus.Diverged, 123)));
        Assert.Equal("unfinished: after epoch 2 of 10", RunPlots.StatusNote(H(RunStatus.Running, 98)));

        // A completed run's titles are the notebooks' as they were (the README's pictures are a completed run's).
        Assert.Equal("Training loss", TrainingPlots.LossPlot([new RunCurves("loss", [2.3, 2.1], [], [])], legend: false, note: null).Axes.Title.Label.Text);
        Assert.Equal("Accuracy", TrainingPlots.AccuracyPlot([0.1, 0.2], [0.1, 0.2], note: null).Axes.Title.Label.Text);
        Assert.Equal("Training loss \u2014 diverged at iteration 2 of 490",
            TrainingPlots.LossPlot([new RunCurves("loss", [2.3, double.NaN], [], [])], legend: false, note: "diverged at iteration 2 of 490").Axes.Title.Label.Text);
        Assert.Equal("Accuracy \u2014 interrupted in epoch 3 of 10", TrainingPlots.AccuracyPlot([0.1], [0.1], note: "interrupted in epoch 3 of 10").Axes.Title.Label.Text);

        // The run folder's pictures are drawn with the note (and a completed run's with none).
        using var tmp = new Backprop.Tests.Data.TempDir();
        foreach (var (status, iterations) in new[] { (RunStatus.Completed, 490), (RunStatus.Interrupted, 100), (RunStatus.Diverged, 123) })
        {
            var h = H(status, iterations);
            var w1 = new NumpyRandom(0).Randn<float>(28 * 28, 30);
            RunPlots.Write(tmp.Path, h, w1, [1, 28, 28]);
            var note = RunPlots.StatusNote(h);
            // weights.png too: the same grid under a title that says which units, and how the run ended.
            Assert.Equal(WeightGrid.FirstLayerPng(w1, [1, 28, 28], title: RunPlots.WeightsTitle(30, note)),
                File.ReadAllBytes(Path.Combine(tmp.Path, RunFiles.WeightsPlot)));
            Assert.Equal(TrainingPlots.LossPng(h.Loss, note: note), File.ReadAllBytes(Path.Combine(tmp.Path, RunFiles.LossPlot)));
            Assert.Equal(TrainingPlots.AccuracyPng(h.TrainAcc, h.ValAcc, note: note), File.ReadAllBytes(Path.Combine(tmp.Path, RunFiles.AccuracyPlot)));
            if (status == RunStatus.Completed)
                Assert.Equal(TrainingPlots.LossPng(h.Loss), File.ReadAllBytes(Path.Combine(tmp.Path, RunFiles.LossPlot)));
            else
                Assert.NotEqual(TrainingPlots.LossPng(h.Loss), File.ReadAllBytes(Path.Combine(tmp.Path, RunFiles.LossPlot)));
        }
    }

    [Fact]
    public void ComparisonLegend_HasMarkersLargerThanTheDots_AndShortNames()
    {
        string a = "runs/2026-12-07_12-42-06-adam-lr3e-4-hidden-512", b = "runs/2026-12-07_12-42-06-sgd-lr3e-4-hidden-512";
        var panels = TrainingPlots.ComparisonPlots([new RunCurves(a, [2.3, 2.0], [0.1, 0.2], [0.1, 0.15]), new RunCurves(b, [2.3, 2.1], [0.1, 0.2], [0.1, 0.1])]);
        // The loss panel's legend showed its 3-pixel dots; its own markers are larger, in the series' shape and colour.
        var dots = panels[0].GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
        var items = panels[0].Legend.GetItems();
        Assert.Equal(2, items.Length);
        for (int i = 0; i < 2; i++)
        {
            Assert.True(items[i].MarkerSize > 2 * dots[i].MarkerSize, $"legend marker {items[i].MarkerSize} px, dots {dots[i].MarkerSize} px");
            Assert.Equal(dots[i].MarkerShape, items[i].MarkerShape);
            Assert.Equal(dots[i].Color, items[i].MarkerFillColor);
        }
        // 47-character names took 40% of the width; shortened in the middle, they keep their start and their end, as much
        // as tells them apart (24 characters would have made both runs/202…3e-4-hidden-512).
        Assert.Equal(["runs/2026…m-lr3e-4-hidden-512", "runs/2026…d-lr3e-4-hidden-512"], items.Select(x => x.LabelText));
        foreach (var panel in panels.Skip(1))
            Assert.Equal(items.Select(x => x.LabelText), panel.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Select(p => p.LegendText));
        Assert.Equal(["runs/202…-06-adam-lr3e-4", "sgd"], TrainingPlots.LegendLabels(["runs/2026-12-07_12-42-06-adam-lr3e-4", "sgd"]));
        // Names that differ only in their middle keep more of it, rather than look alike.
        var alike = TrainingPlots.LegendLabels(["runs/2026-12-07_12-42-06-adam-lr3e-4", "runs/2026-12-07_12-43-10-adam-lr3e-4"]);
        Assert.Equal(2, alike.Distinct().Count());
        Assert.All(alike, l => Assert.True(l.Length < 36, l));
        Assert.Equal(["a", "a"], TrainingPlots.LegendLabels(["a", "a"]));
        Assert.Equal(["runs/202…-06-adam-lr3e-4 (diverged)", "sgd (interrupted)"],
            TrainingPlots.LegendLabels(["runs/2026-12-07_12-42-06-adam-lr3e-4 (diverged)", "sgd (interrupted)"]));
    }

    [Fact]
    public void ScalePanel_TicksRoundScales_AndGoesLogForADivergedLoss()
    {
        // The weight-scale picture ticked its x axis at exponents −3.8, −3.6, … and drew a diverged baseline's final loss
        // of 5.7e7 on a linear axis, every other loss a flat line at 0.
        double[] scales = [1e-4, 1e-3, 1e-2, 1e-1, 1];
        var loss = ScalePlots.Panel("Final training loss", "Weight initialization scale", "Final training loss", scales,
            [("baseline", [2.3, 2.3, 2.2, 2.0, 5.7e7]), ("batchnorm", [2.2, 2.2, 2.1, 2.0, double.NaN])]);
        loss.GetImageBytes(900, 380, ScottPlot.ImageFormat.Png);
        var range = loss.Axes.Bottom.Range;
        Assert.Equal(["0.0001", "0.001", "0.01", "0.1", "1"],
            loss.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor && t.Position >= range.Min - 1e-9 && t.Position <= range.Max + 1e-9).Select(t => t.Label));
        Assert.Equal("Final training loss (log scale)", loss.Axes.Left.Label.Text);
        Assert.Equal("Weight initialization scale (log scale; 1 NaN or infinite value not drawn)", loss.Axes.Bottom.Label.Text);
        Assert.Contains(loss.Axes.GetPanels(), p => p.GetType().Name.Contains("Legend") && p.Edge == ScottPlot.Edge.Right);
        var acc = ScalePlots.Panel("Best val accuracy", "Weight initialization scale", "Best val accuracy", scales, [("baseline", [0.1, 0.1, 0.17, 0.2, 0.12])]);
        Assert.Equal("Best val accuracy", acc.Axes.Left.Label.Text);
        Assert.Equal(0.17, acc.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Single().Data.GetScatterPoints()[2].Y);
        Assert.Contains("positive", Assert.Throws<ArgumentException>(() => ScalePlots.Panel("t", "x", "y", [0, 1], [("a", [1.0, 2.0])])).Message);
        Assert.Contains("2 values for 3 settings", Assert.Throws<ArgumentException>(() => ScalePlots.Panel("t", "x", "y", [1, 2, 3], [("a", [1.0, 2.0])])).Message);
    }

    [Fact]
    public void ComparedRuns_ThatDidNotComplete_SaySoInTheLegend()
    {
        using var tmp = new Backprop.Tests.Data.TempDir();
        string[] statuses = [RunStatus.Completed, RunStatus.Interrupted, RunStatus.Diverged, RunStatus.Running];
        var dirs = statuses.Select(s => Path.Combine(tmp.Path, "run-" + s)).ToList();
        for (int i = 0; i < dirs.Count; i++)
        {
            Directory.CreateDirectory(dirs[i]);
            new RunHistory { Loss = [2.3, 2.1], TrainAcc = [0.1], ValAcc = [0.1], LearningRate = [1e-3], IterationsPerEpoch = 2, NumIterations = 4, Status = statuses[i] }
                .Save(Path.Combine(dirs[i], RunFiles.History));
        }
        Assert.Equal(["run-completed", "run-interrupted (interrupted)", "run-diverged (diverged)", "run-running (unfinished)"],
            RunPlots.ComparisonRuns(dirs).Select(r => r.Label));
        AssertPicture(RunPlots.ComparisonPng(dirs), 1000, 3 * 380, panels: 3);
    }
}
