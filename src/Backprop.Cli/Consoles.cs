using Spectre.Console;

namespace Backprop.Cli;

/// <summary>Spectre consoles over the command's writers: ANSI and live displays only on a terminal.</summary>
internal static class Consoles
{
    /// <summary>A Spectre console writing to <paramref name="writer"/>.</summary>
    public static IAnsiConsole Over(TextWriter writer, bool terminal) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
    });
}
