using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>
/// One searched option of <c>backprop search</c>: a numeric <see cref="TrainConfig"/> option drawn uniformly from
/// [<see cref="Low"/>, <see cref="High"/>], or log-uniformly when <see cref="Log"/> (written <c>lo:hi</c> or <c>lo:hi:log</c>).
/// </summary>
/// <remarks>
/// The properties are read-only: the constructor's checks are the only way in (a <c>with</c> that set an end would skip
/// them, and a log range through 0 would draw NaN).
/// </remarks>
/// <param name="Name">The option's config name: learning_rate, weight_scale, reg, dropout, lr_decay, epochs or batch_size.</param>
/// <param name="Low">Lower end.</param>
/// <param name="High">Upper end.</param>
/// <param name="Log">Draw log10 of the value uniformly.</param>
/// <exception cref="ArgumentException">An option that cannot be searched, ends that are not finite or not in order, a log
/// range that is not positive, or (epochs, batch_size) ends that are not whole or exceed <see cref="int.MaxValue"/>.</exception>
public sealed record SearchRange(string Name, double Low, double High, bool Log)
{
    /// <summary>The options that can be searched, by config name.</summary>
    public static IReadOnlyList<string> Searchable { get; } = ["learning_rate", "weight_scale", "reg", "dropout", "lr_decay", "epochs", "batch_size"];

    /// <summary>The option's config name (checked with the ends when the range is made).</summary>
    [JsonPropertyName("name")] public string Name { get; } = Checked(Name, Low, High, Log);

    /// <summary>Lower end.</summary>
    [JsonPropertyName("low")] public double Low { get; } = Low;

    /// <summary>Upper end.</summary>
    [JsonPropertyName("high")] public double High { get; } = High;

    /// <summary>Draw log10 of the value uniformly.</summary>
    [JsonPropertyName("log")] public bool Log { get; } = Log;

    /// <summary>True when the draws can differ (<see cref="Low"/> &lt; <see cref="High"/>).</summary>
    [JsonIgnore] public bool Varies => Low < High;

    private static string Checked(string name, double low, double high, bool log)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Searchable.Contains(name)) throw new ArgumentException($"'{name}' cannot be searched; searchable: {string.Join(", ", Searchable)}.", nameof(Name));
        if (!double.IsFinite(low) || !double.IsFinite(high) || low > high)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name}: the range {low:g6} to {high:g6} must have finite ends, the lower first."), nameof(Low));
        if (log && !(low > 0))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name}: a log range needs positive ends, got {low:g6} to {high:g6}."), nameof(Log));
        if (IsInteger(name) && (low != Math.Floor(low) || high != Math.Floor(high)))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name}: takes whole numbers, so the range's ends must be whole, got {low:g6} to {high:g6}."), nameof(Low));
        // A config holds an int: a larger end would be clamped to 2147483647, a value nobody asked for.
        if (IsInteger(name) && TooLarge(low, high) is double big)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name}: {big:R} is too large; the largest whole number it takes is {int.MaxValue}."), nameof(High));
        return name;
    }

    private static bool IsInteger(string name) => name is "epochs" or "batch_size";

    private static double? TooLarge(double low, double high) => Math.Abs(high) > int.MaxValue ? high : Math.Abs(low) > int.MaxValue ? low : null;

    /// <summary>Parses <c>lo:hi</c> or <c>lo:hi:log</c> for option <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Not a range, lo &gt; hi, a log range that is not positive, or whole-number ends that are not whole or too large.</exception>
    public static SearchRange Parse(string name, string text)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(text);
        if (!Searchable.Contains(name)) throw new ArgumentException($"'{name}' cannot be searched; searchable: {string.Join(", ", Searchable)}.", nameof(name));
        string option = "--" + name.Replace('_', '-');
        var parts = text.Split(':');
        bool log = parts.Length == 3 && parts[2].Trim().Equals("log", StringComparison.OrdinalIgnoreCase);
        if (parts.Length is < 2 or > 3 || (parts.Length == 3 && !log)
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var lo)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var hi))
            throw new ArgumentException($"{option}: '{text}' is not a range; write lo:hi or lo:hi:log (e.g. 1e-4:1e-2:log).", name);
        if (!double.IsFinite(lo) || !double.IsFinite(hi) || lo > hi)
            throw new ArgumentException($"{option}: the range {text} must have finite ends with lo ≤ hi.", name);
        if (log && !(lo > 0)) throw new ArgumentException($"{option}: a log range needs positive ends, got {text}.", name);
        if (IsInteger(name) && (lo != Math.Floor(lo) || hi != Math.Floor(hi)))
            throw new ArgumentException($"{option}: takes whole numbers, so the range's ends must be whole, got {text}.", name);
        if (IsInteger(name) && TooLarge(lo, hi) is not null)
            throw new ArgumentException($"{option}: {parts[Math.Abs(hi) > int.MaxValue ? 1 : 0].Trim()} (in {text}) is too large; the largest whole number it takes is {int.MaxValue}.", name);
        return new SearchRange(name, lo, hi, log);
    }

    /// <summary>
    /// Draws a value from <paramref name="rng"/>. For epochs and batch_size a whole number, each of lo … hi as likely
    /// as the next (log ranges: as likely as its share of [log lo, log (hi + 1)) ), the ends included: rounding a
    /// continuous draw would give each end half the chance of the values between.
    /// </summary>
    public double Sample(NumpyRandom rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (!IsInteger(Name))
            return Log ? Math.Pow(10, rng.Uniform(Math.Log10(Low), Math.Log10(High))) : rng.Uniform(Low, High);
        double v = Log ? Math.Pow(10, rng.Uniform(Math.Log10(Low), Math.Log10(High + 1))) : rng.Uniform(Low, High + 1);
        return Math.Clamp(Math.Floor(v), Low, High);
    }

    /// <summary><paramref name="config"/> with this option set to <paramref name="value"/>.</summary>
    public TrainConfig Apply(TrainConfig config, double value)
    {
        ArgumentNullException.ThrowIfNull(config);
        var node = JsonNode.Parse(config.ToJson())!.AsObject();
        node[Name] = IsInteger(Name) ? JsonValue.Create(checked((int)Math.Round(value))) : JsonValue.Create(value);
        return TrainConfig.FromJson(node.ToJsonString(), "search");
    }

    /// <summary>
    /// The first value <paramref name="ranges"/> would give a run on <paramref name="config"/> that it does not take: each
    /// range's two ends alone, then, for 2 to 10 ranges, every corner of them together (epochs 10:1500 is fine, and so
    /// is lr_decay 0.5, but not both). A search checks this before its first draw, so that no trial fails on one.
    /// </summary>
    /// <returns>Null when every value is taken; else the range whose end is refused (null for a corner) and why.</returns>
    public static (SearchRange? Alone, ConfigValueException Why)? Unreachable(TrainConfig config, IReadOnlyList<SearchRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(ranges);
        foreach (var range in ranges)
            foreach (var end in new[] { range.Low, range.High })
                try
                {
                    range.Apply(config, end).Validate();
                }
                catch (ConfigValueException e)
                {
                    return (range, e);
                }
        if (ranges.Count is > 1 and <= 10)
            for (int corner = 0; corner < 1 << ranges.Count; corner++)
                try
                {
                    var c = config;
                    for (int i = 0; i < ranges.Count; i++) c = ranges[i].Apply(c, (corner >> i & 1) == 0 ? ranges[i].Low : ranges[i].High);
                    c.Validate();
                }
                catch (ConfigValueException e)
                {
                    return (null, e);
                }
        return null;
    }
}
