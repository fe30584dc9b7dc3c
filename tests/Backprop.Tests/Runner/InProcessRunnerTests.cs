using Backprop.Tests.Bench;
using Backprop.Tests.Data;

namespace Backprop.Tests.Runner;

/// <summary>
/// The in-process runner that the emulated ARM64 run uses (tests/Backprop.Tests.InProcess), run here on x64 from the
/// solution's build: it discovers this suite, selects by name, excludes with a leading <c>-</c>, and reports.
/// </summary>
/// <remarks>In the collection that runs alone, as the bench's build: no other build of the same projects beside it.</remarks>
[Collection(Kernels.KernelCollection.Name)]
public class InProcessRunnerTests
{
    [Fact]
    public void SelectsByName_RunsThem_AndCounts()
    {
        // Built into a folder of its own: dotnet test builds only test projects, and the test project's own output is
        // the assembly running now.
        using var tmp = new TempDir();
        var build = BenchProgram.RunProcess("dotnet", ["build", Path.Combine(TestData.RepositoryRoot, "tests", "Backprop.Tests.InProcess"),
            "-c", "Release", "-o", tmp.Path, "-nologo", "-v", "quiet"], null, TimeSpan.FromMinutes(5));
        Assert.True(build.ExitCode == 0, "building tests/Backprop.Tests.InProcess failed:\n" + build.Output);
        string runner = Path.Combine(tmp.Path, "Backprop.Tests.InProcess.dll");

        var all = Run(runner, "GradientCheckTests.");
        var fewer = Run(runner, "GradientCheckTests.", "-GradientCheckTests.Printed_AsTheNotebooksPrint");
        Assert.True(fewer.Passed >= 1 && fewer.Passed < all.Passed, $"{fewer.Passed} with one excluded, {all.Passed} without");
        Assert.Equal(all.Selected - 1, fewer.Selected);

        var none = BenchProgram.RunProcess("dotnet", [runner, "NoSuchTestClassAnywhere"], null, TimeSpan.FromMinutes(2));
        Assert.Equal(1, none.ExitCode);   // nothing passed: not a success
        Assert.Contains("0 of ", none.Stdout);
    }

    private static (int Selected, int Passed) Run(string runner, params string[] args)
    {
        var run = BenchProgram.RunProcess("dotnet", [runner, .. args], null, TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.Output);
        var selected = System.Text.RegularExpressions.Regex.Match(run.Stdout, @"^(\d+) of \d+ test cases selected", System.Text.RegularExpressions.RegexOptions.Multiline);
        var counts = System.Text.RegularExpressions.Regex.Match(run.Stdout, @"^Passed (\d+), failed 0, skipped 0 in \d+ s$", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(selected.Success && counts.Success, run.Output);
        return (int.Parse(selected.Groups[1].Value), int.Parse(counts.Groups[1].Value));
    }
}
