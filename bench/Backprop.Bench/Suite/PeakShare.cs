using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>
/// "% of peak" figures above 100%. No product outruns the register-resident FMA loop, so such a figure says the loop's
/// reading beside it was low (the host's clock moved between them, or the loop shared its CPUs in a way its per-thread
/// CPU time did not undo); RESULTS.md flags every one instead of printing it as a result.
/// </summary>
public static class PeakShare
{
    /// <summary>The most a "% of peak" figure can honestly be.</summary>
    public const double Limit = 100;

    /// <summary>The mark a flagged figure carries in RESULTS.md.</summary>
    public const string Mark = "⚠";

    /// <summary>Whether any of the figures (percent) lies above <see cref="Limit"/>.</summary>
    public static bool Above(Stat pct) => pct.Has && pct.Max > Limit;

    /// <summary>"83.2 (82.0–89.2)", with <see cref="Mark"/> after it when any figure lies above 100%.</summary>
    public static string Show(Stat pct) => pct.Show("F1") + (Above(pct) ? " " + Mark : "");

    /// <summary>The note under a table that flagged <paramref name="flagged"/> (nothing when none was).</summary>
    public static string Note(IReadOnlyCollection<string> flagged) => flagged.Count == 0 ? "" :
        $"{Mark} Above 100% of peak ({string.Join(", ", flagged)}): no product outruns the FMA loop, so the loop read low beside these (the host's clock moved between the reading and the timed calls, or a one-thread product ran at a clock that the loop on every CPU at once does not reach); they are suspect, not results.";

    /// <summary>The flagged names as a JSON array (results.json's <c>pct_peak_above_100</c>).</summary>
    public static JsonArray Json(IEnumerable<string> flagged) => new([.. flagged.Select(f => (JsonNode?)f)]);
}
