using Backprop.Tests.Data.Fuzzing;

namespace Backprop.Tests.Data;

/// <summary>
/// A short run of the fuzz harness (fuzz/Backprop.Fuzz runs the same engine for 100,000s of inputs): every reader (the
/// data readers, and the run files of <see cref="RunFileTargets"/>), fed mutated valid files, must return a result or
/// throw InvalidDataException (a run file's naming the file) — within the time limit and the allocation bound.
/// </summary>
public class FuzzSmokeTests
{
    public static TheoryData<string> Formats() => [.. FuzzTargets.All().Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Formats))]
    public void MutatedFilesAreReadOrRefusedCleanly(string format)
    {
        using var dir = new TempDir();
        var target = FuzzTargets.ByName(format);
        var report = new FuzzRunner(dir.Path, TimeSpan.FromSeconds(5)).Run(target, count: 700, seed: 12345);

        Assert.True(report.Findings.Count == 0, string.Join("\n\n", report.Findings.Take(3).Select(f =>
            $"{f.Kind} after {f.Mutation}: {f.Detail}\ninput (base64): {Convert.ToBase64String(f.Input)}")));
        Assert.Equal(700, report.Inputs);
        Assert.True(report.Accepted >= target.Seeds.Count, "the seeds themselves must be accepted");
        Assert.True(report.Rejected > 100, $"only {report.Rejected} inputs were refused: the mutations are not reaching the checks");
    }

    [Fact]
    public void TheMutatorIsDeterministicForASeed()
    {
        var seed = FuzzTargets.NpyFormat().Seeds[0];
        var a = new Mutator(new Random(7));
        var b = new Mutator(new Random(7));
        for (int i = 0; i < 50; i++)
            Assert.Equal(a.Mutate(seed, [(8, 2)], [seed]), b.Mutate(seed, [(8, 2)], [seed]));
    }
}
