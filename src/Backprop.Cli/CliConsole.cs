using System.Runtime.CompilerServices;

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
    private readonly StrongBox<bool> _stopsCleanly = new();

    /// <summary>
    /// Set by a command that watches <see cref="Cancel"/> until it ends (train, search, gradcheck, data download): the
    /// first Ctrl-C or SIGTERM then asks it to stop cleanly. Otherwise the signal ends the process at once, as it
    /// would any program (eval, predict, plot and data info have nothing to save).
    /// </summary>
    public bool StopsCleanly
    {
        get => _stopsCleanly.Value;
        set => _stopsCleanly.Value = value;
    }

    /// <summary>
    /// Whether a stream is a terminal that takes a live display: not redirected, and not <c>TERM=dumb</c> (Emacs
    /// shells, some CI consoles), where the progress bar cannot redraw and the plain loss lines are what to print.
    /// </summary>
    public static bool IsLiveTerminal(bool redirected, string? term) => !redirected && term != "dumb";

    /// <summary>The process's own console: its standard streams, judged by <see cref="IsLiveTerminal"/>.</summary>
    public static CliConsole OfProcess(CancellationToken cancel)
    {
        string? term = Environment.GetEnvironmentVariable("TERM");
        return new(Console.Out, Console.Error, IsLiveTerminal(Console.IsOutputRedirected, term), IsLiveTerminal(Console.IsErrorRedirected, term), cancel);
    }

    /// <summary>Plain writers, no terminal, never cancelled (tests).</summary>
    public static CliConsole Plain(TextWriter output, TextWriter error, CancellationToken cancel = default) => new(output, error, false, false, cancel);
}
