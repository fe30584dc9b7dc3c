using System.Globalization;
using System.Text.RegularExpressions;

namespace Backprop.Tests.Docs;

/// <summary>
/// README.md's Speed section carries the headline table the speed issue asks for (a row per target), and its
/// latest-run column is the run bench/RESULTS.md holds: same commit, same figures.
/// </summary>
public class ReadmeSpeedTests
{
    private static string Speed()
    {
        string readme = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "README.md"));
        int start = readme.IndexOf("\n## Speed\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no Speed section");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return readme[start..(end < 0 ? readme.Length : end)];
    }

    private static string Results() => File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "bench", "RESULTS.md"));

    /// <summary>The README table's row whose first cell starts with <paramref name="label"/>.</summary>
    private static string Row(string speed, string label)
    {
        var row = speed.Split('\n').FirstOrDefault(l => l.StartsWith("| " + label, StringComparison.Ordinal));
        Assert.True(row is not null, $"README.md's Speed table has no row '{label}…'");
        return row!;
    }

    /// <summary>The first figure in bold in <paramref name="cell"/> (the latest run's, as the table writes it).</summary>
    private static double Bold(string cell)
    {
        var m = Regex.Match(cell, @"\*\*([0-9.]+)");
        Assert.True(m.Success, $"no figure in bold in '{cell}'");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The first figure of bench/RESULTS.md's row that starts with <paramref name="prefix"/>, in column <paramref name="column"/>.</summary>
    private static double ResultsFigure(string results, string prefix, int column)
    {
        var row = results.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(row is not null, $"bench/RESULTS.md has no row '{prefix}…'");
        string cell = row!.Split('|')[column].Trim();
        return double.Parse(Regex.Match(cell, @"^[0-9.]+").Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void TheSpeedSection_HasARowForEveryTarget()
    {
        string speed = Speed();
        string[] rows =
        [
            "GEMM 1024³ float32", "GEMM 2048³ float32", "GEMM 1024³ float64", "GEMM 2048³ float64",
            "GEMM at training shapes", "epoch, [500]×3 + BN, Adam, batch 100, CIFAR-shaped", "epoch, same net, Fashion-MNIST",
            "peak RSS training CIFAR-shaped", "bytes allocated per training iteration", "ReLU forward / backward",
            "batch-norm forward / backward", "softmax loss", "same run on 1, 2, 3 threads",
        ];
        int columns = speed.Split('\n').First(l => l.StartsWith("| case |", StringComparison.Ordinal)).Split('|').Length;
        // Each row is there, and whole: a cell for every column of the header.
        foreach (var label in rows) Assert.Equal(columns, Row(speed, label).Split('|').Length);
    }

    [Fact]
    public void TheTablesLatestColumn_IsTheRunInBenchResults()
    {
        string speed = Speed(), results = Results();
        string commit = Regex.Match(results, @"commit ([0-9a-f]{7,40})").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(commit), "bench/RESULTS.md names no commit");
        var header = speed.Split('\n').First(l => l.StartsWith("| case |", StringComparison.Ordinal));
        Assert.Contains($"at {commit}", header.Split('|')[2]);

        // Ours, as RESULTS.md's tables give them: the median over rounds.
        Assert.Equal(ResultsFigure(results, "| square-2048 | A.B | float32 |", 4), Bold(Row(speed, "GEMM 2048³ float32").Split('|')[2]), 0.5);
        Assert.Equal(ResultsFigure(results, "| square-1024 | A.B | float32 |", 4), Bold(Row(speed, "GEMM 1024³ float32").Split('|')[2]), 0.5);
        Assert.Equal(ResultsFigure(results, "| fashion-mnist |", 2), Bold(Row(speed, "epoch, same net, Fashion-MNIST").Split('|')[2]), 0.005);
        Assert.Equal(ResultsFigure(results, "| cifar10-random |", 2), Bold(Row(speed, "epoch, [500]×3 + BN, Adam, batch 100, CIFAR-shaped").Split('|')[2]), 0.005);
    }
}
