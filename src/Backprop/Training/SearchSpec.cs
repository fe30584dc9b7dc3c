using System.Text.Json.Serialization;

namespace Backprop.Training;

/// <summary>
/// <c>search.json</c>: what a search was asked to do, written when it starts. The draws follow from it (the base
/// configuration's seed, the ranges, the number of trials), so <see cref="HyperparameterSearch.Resume"/> draws the same
/// trials again and continues the ones that did not finish.
/// </summary>
public sealed record SearchSpec
{
    /// <summary>The name of the file in a search folder.</summary>
    public const string FileName = "search.json";

    /// <summary>The options not searched, and the seed of the draws and of every trial.</summary>
    [JsonPropertyName("config")] public TrainConfig Config { get; init; } = TrainConfig.DefaultFor("cifar10");

    /// <summary>The searched options, in the order they are drawn.</summary>
    [JsonPropertyName("ranges")] public IReadOnlyList<SearchRange> Ranges { get; init; } = [];

    /// <summary>Number of trials.</summary>
    [JsonPropertyName("trials")] public int Trials { get; init; }

    /// <summary>The folder the images were read from.</summary>
    [JsonPropertyName("data_folder")] public string DataFolder { get; init; } = "";

    /// <summary>Writes the file atomically.</summary>
    public void Save(string path) => RunJson.Save(path, this);

    /// <summary>Reads a search folder's <c>search.json</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not a search's, or a value in it is out of range.</exception>
    public static SearchSpec Load(string path)
    {
        var spec = RunJson.Load<SearchSpec>(path);
        // A key the file lacks reads as null, not as the initializer's value.
        if (spec.Config is null || spec.Ranges is null || spec.Trials < 1 || spec.DataFolder is null)
            throw new InvalidDataException($"{path}: not a search's {FileName} (it needs config, ranges, trials and data_folder).");
        if (spec.Trials > HyperparameterSearch.MaxTrials)
            throw new InvalidDataException($"{path}: trials {spec.Trials} is more than a search takes ({HyperparameterSearch.MaxTrials}); the file is damaged.");
        try
        {
            spec.Config.Validate();
        }
        catch (ArgumentException e)   // a ConfigValueException, or an unknown data set, dtype or update rule
        {
            throw new InvalidDataException($"{path}: config: {e.Message}", e);
        }
        // Every end of every range, and every corner of them together, must be a value the run takes, as the search
        // checked when it started (a trial should not fail on a draw): a file that says otherwise is damaged.
        if (spec.Ranges.Any(r => r is null)) throw new InvalidDataException($"{path}: ranges: a null range.");
        (SearchRange? Alone, ConfigValueException Why)? unreachable;
        try
        {
            unreachable = SearchRange.Unreachable(spec.Config, spec.Ranges);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: ranges: {e.Message}; the file is damaged.", e);
        }
        if (unreachable is { } found)
        {
            var names = found.Alone is { } alone ? [alone.Name] : spec.Ranges.Select(r => r.Name).ToList();
            throw new InvalidDataException($"{path}: ranges: {string.Join(", ", names)} {(names.Count == 1 ? "reaches" : "reach")} values the run does not take ({found.Why.Message}); the file is damaged.", found.Why);
        }
        return spec;
    }
}
