using Backprop.Data;
using Backprop.Plots;

namespace Backprop.Training;

/// <summary>
/// <c>search.png</c>: the searched options that varied against each other, coloured by accuracy (the notebooks' learning
/// rate against weight scale when both varied), or accuracy against the one that varied; drawn from a
/// <see cref="SearchResult"/>, so a search folder's <c>results.json</c> redraws it.
/// </summary>
public static class SearchPicture
{
    /// <summary>The name of the picture in a search folder.</summary>
    public const string FileName = "search.png";

    /// <summary>
    /// The options on the picture's axes: the ranges that vary (lo &lt; hi), in <see cref="SearchRange.Searchable"/>
    /// order (learning rate and weight scale first, as the notebooks), at most two. None when no range varies.
    /// </summary>
    public static IReadOnlyList<SearchRange> Axes(IReadOnlyList<SearchRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        return [.. ranges.Where(r => r.Varies).OrderBy(r => IndexOf(r.Name)).Take(2)];
    }

    private static int IndexOf(string name) => SearchRange.Searchable.ToList().IndexOf(name);

    /// <summary>PNG bytes of the picture of <paramref name="result"/> (which must hold at least one trial).</summary>
    public static byte[] Png(SearchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var ranges = result.Ranges.Count > 0 ? result.Ranges : Inferred(result.Trials);
        var axes = Axes(ranges);
        var others = ranges.Where(r => r.Varies && !axes.Contains(r)).Select(r => r.Name).ToList();
        string? note = others.Count > 0 ? $"{string.Join(", ", others)} also varied: see results.csv" : null;
        string dataset = result.Dataset.Length > 0 ? DataSetChoice.Display(result.Dataset) : "Search";
        double Acc(double? a) => a ?? double.NaN;
        if (axes.Count == 0)
        {
            // Nothing varied (every range is lo:lo): the trials side by side.
            var byTrial = result.Trials.Select(t => new SearchPoint(t.Trial, 0, Acc(t.TrainAcc), Acc(t.ValAcc), t.Status == RunStatus.Diverged)).ToList();
            return SearchPlots.ScatterPng(byTrial, new SearchAxis("trial", Whole: true), null, dataset, note);
        }
        var points = result.Trials.Select(t => new SearchPoint(ValueOf(t, axes[0].Name), axes.Count > 1 ? ValueOf(t, axes[1].Name) : 0,
            Acc(t.TrainAcc), Acc(t.ValAcc), t.Status == RunStatus.Diverged)).ToList();
        return SearchPlots.ScatterPng(points, AxisOf(axes[0]), axes.Count > 1 ? AxisOf(axes[1]) : null, dataset, note);
    }

    /// <summary>Redraws <c>search.png</c> in <paramref name="searchDir"/> from its <c>results.json</c>; returns the path written.</summary>
    /// <exception cref="FileNotFoundException">The folder has no <c>results.json</c>.</exception>
    /// <exception cref="InvalidDataException"><c>results.json</c> is not a search's, or holds no trial.</exception>
    public static string Redraw(string searchDir, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(searchDir);
        var path = Path.Combine(searchDir, SearchResult.FileName);
        var result = SearchResult.Load(path);
        if (result.Trials.Count == 0) throw new InvalidDataException($"{path}: no trial ran (the search was interrupted before its first one ended), so there is nothing to draw.");
        var png = Png(result);
        output ??= Path.Combine(searchDir, FileName);
        AtomicFile.WriteAllBytes(output, png);
        return Path.GetFullPath(output);
    }

    private static SearchAxis AxisOf(SearchRange r) => new(r.Name, r.Log, Whole: r.Name is "epochs" or "batch_size");

    private static double ValueOf(SearchTrial t, string name) =>
        t.Values.TryGetValue(name, out var v) ? v : name switch { "learning_rate" => t.LearningRate, "weight_scale" => t.WeightScale, _ => double.NaN };

    /// <summary>
    /// The ranges of a <c>results.json</c> written before they were recorded: each searched value that differs between
    /// trials, on a log scale when positive and spanning a decade or more, or for the options searched on one by
    /// default (learning rate, weight scale, reg).
    /// </summary>
    private static IReadOnlyList<SearchRange> Inferred(IReadOnlyList<SearchTrial> trials) =>
        [.. trials.SelectMany(t => t.Values.Keys).Distinct().Where(SearchRange.Searchable.Contains).Select(name =>
        {
            var v = trials.Where(t => t.Values.ContainsKey(name)).Select(t => t.Values[name]).Where(double.IsFinite).ToList();
            double lo = v.DefaultIfEmpty(0).Min(), hi = v.DefaultIfEmpty(0).Max();
            return new SearchRange(name, lo, hi, Log: lo > 0 && (hi >= 10 * lo || name is "learning_rate" or "weight_scale" or "reg"));
        })];
}
