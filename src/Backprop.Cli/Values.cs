using System.Globalization;

namespace Backprop.Cli;

/// <summary>Parses option values with the invariant culture; a bad value is a <see cref="UsageException"/> naming the option.</summary>
internal static class Values
{
    /// <summary>A number (1e-3, 0.5, …).</summary>
    public static double Double(string option, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v : throw new UsageException($"{option}: '{text}' is not a number.");

    /// <summary>A whole number.</summary>
    public static int Int(string option, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
            // Said as too large (or small), not as int's range: "from -2147483648" suggested a negative batch size would do.
            : throw new UsageException(System.Numerics.BigInteger.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var big)
                ? big.Sign > 0 ? $"{option}: {text.Trim()} is too large (at most {int.MaxValue})." : $"{option}: {text.Trim()} is too small."
                : $"{option}: '{text}' is not a whole number.");

    /// <summary>A comma-separated list of whole numbers (<c>500,500,500</c>); empty for a softmax classifier.</summary>
    public static int[] IntList(string option, string text) =>
        text.Trim().Length == 0 ? [] : text.Split(',').Select(p => Int(option, p.Trim())).ToArray();

    /// <summary>A seed in [0, 2³²).</summary>
    public static uint Seed(string option, string text) =>
        uint.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new UsageException($"{option}: '{text}' is not a seed (a whole number from 0 to 4294967295).");

    /// <summary>One of <paramref name="allowed"/>, in any case (as a config file takes <c>"Adam"</c>), returned as listed.</summary>
    public static string OneOf(string option, string text, params string[] allowed) =>
        allowed.FirstOrDefault(a => a.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new UsageException($"{option}: unknown value '{text}'; use {string.Join(", ", allowed.SkipLast(1))} or {allowed[^1]}.");
}
