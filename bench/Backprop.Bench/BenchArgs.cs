using System.Globalization;

namespace Backprop.Bench;

/// <summary>A bad command line: the message names the option and what it takes. The program prints it and exits 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// One bench command's <c>--name value</c> options and <c>--flag</c>s, checked up front against the names the command
/// takes: an unknown name, a missing value or a value out of range is refused with a message naming the valid ones,
/// before anything is measured (a typo must not start a 19-minute run with the defaults).
/// </summary>
public sealed class BenchArgs
{
    private readonly string _command;
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    /// <param name="command">The command's name, for messages.</param>
    /// <param name="args">The arguments after the command's name.</param>
    /// <param name="options">Names that take a value (<c>--rounds</c>).</param>
    /// <param name="flags">Names that take none (<c>--smoke</c>); <c>--help</c> and <c>-h</c> are always accepted.</param>
    public BenchArgs(string command, string[] args, IEnumerable<string> options, IEnumerable<string>? flags = null)
    {
        _command = command;
        var valued = options.ToHashSet(StringComparer.Ordinal);
        var bare = (flags ?? []).Concat(["--help", "-h"]).ToHashSet(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (bare.Contains(a)) _flags.Add(a);
            else if (valued.Contains(a))
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"{command}: {a} needs a value.");
                _values[a] = args[++i];
            }
            else
            {
                var known = valued.Concat(bare.Where(f => f != "-h")).Order(StringComparer.Ordinal);
                throw new UsageException($"{command}: unknown {(a.StartsWith('-') ? "option" : "argument")} '{a}'; valid options: {string.Join(", ", known)}.");
            }
        }
    }

    /// <summary>Whether <c>--help</c> or <c>-h</c> was given.</summary>
    public bool Help => _flags.Contains("--help") || _flags.Contains("-h");

    /// <summary>The value given for <paramref name="name"/>, or null.</summary>
    public string? Get(string name) => _values.GetValueOrDefault(name);

    /// <summary>Whether the flag <paramref name="name"/> was given.</summary>
    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="fallback"/> when absent.</summary>
    public int Int(string name, int fallback, int min = 1, int max = int.MaxValue)
    {
        if (Get(name) is not { } s) return fallback;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new UsageException($"{_command}: {name} takes a whole number {Range(min, max)}, got '{s}'.");
        return v;
    }

    /// <summary>A finite number above <paramref name="above"/> (or at least it, when <paramref name="inclusive"/>), or <paramref name="fallback"/> when absent.</summary>
    public double Double(string name, double fallback, double above = 0, bool inclusive = false, double max = double.MaxValue)
    {
        if (Get(name) is not { } s) return fallback;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v)
            || (inclusive ? v < above : v <= above) || v > max)
        {
            string range = (inclusive ? "≥ " : "> ") + above.ToString(CultureInfo.InvariantCulture) + (max < double.MaxValue ? $" and ≤ {max.ToString(CultureInfo.InvariantCulture)}" : "");
            throw new UsageException($"{_command}: {name} takes a number {range}, got '{s}'.");
        }
        return v;
    }

    /// <summary>One of <paramref name="choices"/>, or <paramref name="fallback"/> when absent.</summary>
    public string Choice(string name, string fallback, IReadOnlyList<string> choices)
    {
        if (Get(name) is not { } s) return fallback;
        if (!choices.Contains(s)) throw new UsageException($"{_command}: {name} '{s}' is not one of {string.Join(", ", choices)}.");
        return s;
    }

    /// <summary>A comma-separated list of whole numbers each from <paramref name="min"/> up, or null when absent.</summary>
    public int[]? Ints(string name, int min = 1)
    {
        if (Get(name) is not { } s) return null;
        var parts = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] < min)
                throw new UsageException($"{_command}: {name} takes whole numbers ≥ {min} separated by commas, got '{s}'.");
        return values;
    }

    private static string Range(int min, int max) => max == int.MaxValue ? $"≥ {min}" : $"from {min} to {max}";
}
