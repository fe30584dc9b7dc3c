using System.Text.Json.Serialization;

namespace Backprop.Training;

/// <summary>What a search found: every trial and the best one (<c>results.json</c>).</summary>
public sealed record SearchResult
{
    /// <summary>The search folder.</summary>
    [JsonPropertyName("search_dir")] public string SearchDir { get; init; } = "";

    /// <summary>Every trial that ran, in trial order.</summary>
    [JsonPropertyName("trials")] public IReadOnlyList<SearchTrial> Trials { get; init; } = [];

    /// <summary>
    /// The completed trial with the best validation accuracy (its run folder keeps <c>model.npz</c>), or null when no trial
    /// completed with its model (every one diverged or failed; or, resumed, the earlier best can no longer be used).
    /// </summary>
    [JsonPropertyName("best")] public SearchTrial? Best { get; init; }

    /// <summary>True when the search was cancelled before every trial ran.</summary>
    [JsonPropertyName("interrupted")] public bool Interrupted { get; init; }

    /// <summary>The data set searched on (canonical name: cifar10, fashion-mnist, mnist).</summary>
    [JsonPropertyName("dataset")] public string Dataset { get; init; } = "";

    /// <summary>The searched options (what <c>search.png</c> is drawn against); empty in a file written before they were recorded.</summary>
    [JsonPropertyName("ranges")] public IReadOnlyList<SearchRange> Ranges { get; init; } = [];

    /// <summary>The name of the file in a search folder.</summary>
    public const string FileName = "results.json";

    /// <summary>Reads a search folder's <c>results.json</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not a search's results.</exception>
    public static SearchResult Load(string path)
    {
        var result = RunJson.Load<SearchResult>(path, "ranges", "dataset");
        // A key the file lacks reads as null, not as the initializer's value (an older file has no ranges or dataset).
        if (result.Trials is null || result.Trials.Any(t => t?.Values is null))
            throw new InvalidDataException($"{path}: not a search's results (no trials with their values).");
        return result with { Ranges = result.Ranges ?? [], Dataset = result.Dataset ?? "" };
    }

    /// <summary>The result as one line of JSON, as <c>results.json</c> holds it (for <c>--json</c>).</summary>
    public string ToJsonLine() => RunJson.Line(this);
}
