using System.Globalization;
using Backprop.Data;
using Backprop.Tests.Data;
using Backprop.Training;
using SkiaSharp;

namespace Backprop.Tests.Cli;

/// <summary>
/// A training process is killed outright (SIGKILL) at random moments, again and again; after every kill each file under
/// its real name is complete and the latest checkpoint loads; resuming each time, the run finally completes with exactly
/// the parameters of an uninterrupted run. Rounds: <c>$BACKPROP_KILL_ROUNDS</c> (default 6; the README reports a long campaign).
/// </summary>
public class KillCampaignTests
{
    private static readonly string[] Options =
        ["train", "--num-train", "400", "--num-val", "100", "--num-test", "100", "--batch-size", "20", "--hidden", "64,32",
         "--normalization", "batchnorm", "--dropout", "0.8", "--seed", "11", "--epochs", "60"];

    [Fact]
    public void RandomKills_NeverLeaveABrokenFile_AndResumingMatchesAnUninterruptedRun()
    {
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("BACKPROP_KILL_ROUNDS"), out var r) ? r : 6;
        using var tmp = new TempDir();
        var run = tmp.File("killed");
        var random = new Random(2026);
        int kills = 0, resumes = 0;
        for (int round = 0; round < rounds; round++)
        {
            bool resume = File.Exists(Path.Combine(run, RunFiles.Checkpoint));
            if (resume) resumes++;
            string[] args = resume
                ? ["train", "--resume", run, "--data-dir", CliRunner.Cifar10DataDir]
                : [.. Options, "--data-dir", CliRunner.Cifar10DataDir, "--out", run];
            if (!resume && Directory.Exists(run)) Directory.Delete(run, recursive: true);   // killed before its first checkpoint
            using var process = CliRunner.Start(args);
            Thread.Sleep(TestTiming.Native(random.Next(300, 2500)));
            if (process.HasExited) break;                                                   // finished before the kill
            process.Kill(entireProcessTree: true);                                          // SIGKILL: no handler runs
            process.WaitForExit();
            kills++;
            AssertEveryFileIsWhole(run);
        }

        bool finishResumes = File.Exists(Path.Combine(run, RunFiles.Checkpoint));
        if (finishResumes) resumes++;
        var finish = CliRunner.Run(finishResumes
            ? ["train", "--resume", run, "--data-dir", CliRunner.Cifar10DataDir]
            : [.. Options, "--data-dir", CliRunner.Cifar10DataDir, "--out", tmp.File("fresh")]);
        Assert.True(finish.ExitCode == 0, finish.ToString());
        if (!File.Exists(Path.Combine(run, RunFiles.Model)) || File.Exists(Path.Combine(run, RunFiles.Checkpoint))) run = tmp.File("fresh");

        var whole = CliRunner.Run([.. Options, "--data-dir", CliRunner.Cifar10DataDir, "--out", tmp.File("whole")]);
        Assert.True(whole.ExitCode == 0, whole.ToString());
        var expected = Npz.Load(tmp.File("whole/model.npz"));
        var actual = Npz.Load(Path.Combine(run, "model.npz"));
        foreach (var (k, v) in expected) Assert.Equal((float[])v.Data, (float[])actual[k].Data);
        Assert.True(kills >= Math.Min(rounds, 2), $"only {kills} kills landed before the run finished");
        // Else every kill landed before the first checkpoint and no resume was tested at all.
        Assert.True(resumes >= 1, $"no kill left a checkpoint to resume from ({kills} kills)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kill campaign: {kills} SIGKILLs, {resumes} resumes, every file whole after each, final parameters identical"));
    }

    /// <summary>Every file under its real name parses completely; the checkpoint restores.</summary>
    private static void AssertEveryFileIsWhole(string run)
    {
        if (!Directory.Exists(run)) return;
        foreach (var path in Directory.GetFiles(run))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal)) continue;   // an unfinished write, never under the real name
            if (FolderLock.IsLockFile(name)) continue;   // the killed process's lock file: its hold died with it, and a resume takes it
            switch (Path.GetExtension(name))
            {
                case ".npz": Assert.NotEmpty(Npz.Load(path)); break;
                case ".json": using (System.Text.Json.JsonDocument.Parse(File.ReadAllText(path))) { } break;
                case ".png": using (var bmp = SKBitmap.Decode(path)) Assert.True(bmp is not null, $"{name} is not a whole PNG"); break;
                default: Assert.Fail($"unexpected file {name}"); break;
            }
        }
        var checkpoint = Path.Combine(run, RunFiles.Checkpoint);
        if (File.Exists(checkpoint)) Assert.NotNull(Checkpoint.ReadConfig(checkpoint));
    }
}
