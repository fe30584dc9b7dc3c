using Backprop.Tests.Data;

namespace Backprop.Tests.Cli;

/// <summary>
/// <c>--out</c> paths that no folder can be made at: a symbolic link that loops or leads nowhere (once called "a file"),
/// a name longer than a file system takes and a path longer than the system takes (once an IOException, exit 1, after
/// the data was loaded and training had begun). All are bad usage, said before anything is read or written.
/// </summary>
public class CliOutputPathTests
{
    private static CliResult Train(string outDir) => CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--hidden", "8",
        "--num-train", "100", "--num-val", "50", "--num-test", "50", "--epochs", "1", "--out", outDir);

    [SkippableFact]
    public void ASymbolicLinkLoopOrDanglingLink_IsNamedAsSuch_ExitTwo()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need privileges there");
        using var tmp = new TempDir();
        File.CreateSymbolicLink(tmp.File("loop1"), "loop2");
        File.CreateSymbolicLink(tmp.File("loop2"), "loop1");
        File.CreateSymbolicLink(tmp.File("dangling"), tmp.File("missing"));
        foreach (var (outDir, link, target) in new[] { ("loop1", "loop1", "loop2"), ("loop1/run", "loop1", "loop2"), ("dangling/run", "dangling", tmp.File("missing")) })
        {
            var r = Train(tmp.File(outDir));
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Equal($"backprop: --out: '{tmp.File(link)}' is a symbolic link to '{target}', which leads to no folder (the target does not exist, or the links go round in a loop).",
                Assert.Single(r.ErrorLines));
            Assert.DoesNotContain("Training", r.Out);
        }
        Assert.False(Directory.Exists(tmp.File("missing")));
    }

    [SkippableFact]
    public void ANameOrPathTooLong_IsBadUsage_BeforeTraining()
    {
        Skip.If(OperatingSystem.IsWindows(), "Windows counts UTF-16 characters, not bytes");
        using var tmp = new TempDir();
        var r = Train(Path.Combine(tmp.Path, new string('é', 128), "run"));   // 256 bytes
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("is 256 bytes long; file systems take at most 255 bytes per name.", r.Error);
        Assert.Empty(r.Out);

        var deep = Path.Combine([tmp.Path, .. Enumerable.Repeat(new string('b', 200), 21)]);
        var d = Train(deep);
        Assert.True(d.ExitCode == 2, d.ToString());
        Assert.Contains("the system takes paths of at most 4,095 bytes", d.Error);
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));

        var ok = Train(Path.Combine(tmp.Path, new string('a', 255)));   // the longest name there is still works
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }
}
