using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Backprop.Tests.Cli;

namespace Backprop.Tests.Docs;

/// <summary>src/Backprop.Cli/README.md against the commands' own <c>--help</c> and behaviour.</summary>
public class CliReadmeTests
{
    private static readonly string[][] Commands =
        [[], ["train"], ["gradcheck"], ["search"], ["eval"], ["predict"], ["plot"], ["data"], ["data", "info"], ["data", "download"]];

    [Fact]
    public void EveryOptionInACommandsHelp_IsInTheCliReadme()
    {
        string readme = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "src", "Backprop.Cli", "README.md"));
        var missing = new List<string>();
        foreach (var command in Commands)
        {
            var help = CliRunner.Run([.. command, "--help"]);
            Assert.Equal(0, help.ExitCode);
            var options = OptionsOf(help.Out);
            Assert.NotEmpty(options);
            missing.AddRange(options.Where(o => !Regex.IsMatch(readme, Regex.Escape(o) + @"(?![\w-])"))
                .Select(o => $"backprop {string.Join(' ', command)} {o}"));
        }
        Assert.True(missing.Count == 0, "not in src/Backprop.Cli/README.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void GradchecksDefaultTolerance_IsWhatItsHelpAndTheReadmeSay()
    {
        string Tol(string dtype)
        {
            var run = CliRunner.Run("gradcheck", "--dtype", dtype, "--json");
            Assert.Equal(0, run.ExitCode);
            double tol = JsonDocument.Parse(run.Out).RootElement.GetProperty("tol").GetDouble();
            return "1e" + Math.Log10(tol).ToString("0", CultureInfo.InvariantCulture);   // 1e-6, as the texts write it
        }
        string f64 = Tol("float64"), f32 = Tol("float32");
        string help = CliRunner.Run("gradcheck", "--help").Out;
        Assert.Contains($"(default {f64} float64, {f32} float32)", help);      // the --tol option
        Assert.Contains($"Default tolerance: {f64} for float64, {f32} for float32.", help);
        string readme = Regex.Replace(File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "src", "Backprop.Cli", "README.md")), @"\s+", " ");
        Assert.Contains($"default {f64} for float64, {f32} for float32", readme);
    }

    [Fact]
    public void TheGradcheckLineTheReadmeShows_IsWhatTheDefaultCheckPrints()
    {
        string readme = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "src", "Backprop.Cli", "README.md"));
        var shown = Regex.Match(readme, @"`(W1 relative error: [^`]+)`");
        Assert.True(shown.Success, "the CLI README no longer shows a gradcheck line");
        var run = CliRunner.Run("gradcheck");
        Assert.Equal(0, run.ExitCode);
        Notebook.AssertPrintedLine(shown.Groups[1].Value, run.Out.Split('\n')[0]);
    }

    // The long names of the "Options:" section of a help text (--verbose, --threads …; -h and -? are --help's aliases).
    private static List<string> OptionsOf(string help)
    {
        var section = help[help.IndexOf("Options:", StringComparison.Ordinal)..];
        int end = section.IndexOf("\n\n", StringComparison.Ordinal);
        return section[..(end < 0 ? section.Length : end)].Split('\n').Skip(1)
            .Select(l => Regex.Match(l, @"^\s{2}(-[^\s<]+(?:, -[^\s<]+)*)"))
            .Where(m => m.Success)
            .SelectMany(m => m.Groups[1].Value.Split(", "))
            .Where(o => o.StartsWith("--", StringComparison.Ordinal))
            .ToList();
    }
}
