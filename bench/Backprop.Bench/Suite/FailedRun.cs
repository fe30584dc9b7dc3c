using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>One run of the suite that failed: what was run, whether it was a peer's, its exit code and the end of its stderr.</summary>
public sealed record FailedRun(string Command, bool Peer, int ExitCode, string StderrTail)
{
    /// <summary>The last 300 characters of <paramref name="stderr"/>, on one line.</summary>
    public static string Tail(string stderr)
    {
        string s = stderr.Trim();
        return (s.Length <= 300 ? s : "…" + s[^300..]).ReplaceLineEndings(" ⏎ ");
    }

    /// <summary>results.json's entry.</summary>
    public JsonObject ToJson() => new() { ["command"] = Command, ["peer"] = Peer, ["exit_code"] = ExitCode, ["stderr_tail"] = StderrTail };

    /// <summary>RESULTS.md's lines: "none", or a list of the failures.</summary>
    public static string Markdown(IReadOnlyList<FailedRun> failures) => failures.Count == 0
        ? "- Failed runs: none."
        : $"- **Failed runs ({failures.Count})**: their cells say `failed` or n/a.\n"
          + string.Join('\n', failures.Select(f => $"  - {(f.Peer ? "peer" : "ours")}: `{f.Command}` exited {f.ExitCode}: {f.StderrTail}"));
}
