namespace Backprop.Cli;

/// <summary>
/// Where a command writes and whether those are terminals (for live progress) or redirected (plain lines), and the
/// token that Ctrl-C cancels. Tests pass string writers.
/// </summary>
/// <param name="Out">Standard output: results (the summary table, <c>--json</c> objects).</param>
/// <param name="Error">Standard error: errors, and progress when <c>--json</c> keeps stdout clean.</param>
/// <param name="OutIsTerminal">Standard output is a terminal.</param>
/// <param name="ErrorIsTerminal">Standard error is a terminal.</param>
/// <param name="Cancel">Fires on Ctrl-C (or SIGTERM).</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool OutIsTerminal, bool ErrorIsTerminal, CancellationToken Cancel)
{
    /// <summary>Plain writers, no terminal, never cancelled (tests).</summary>
    public static CliConsole Plain(TextWriter output, TextWriter error, CancellationToken cancel = default) => new(output, error, false, false, cancel);
}
