using System.IO.Pipes;
using System.Runtime.InteropServices;
using Backprop.Data;
using Backprop.Tests.Cli;

namespace Backprop.Tests.Data;

/// <summary>
/// A FIFO (named pipe) where a file is read: opening one for reading waits until a writer comes, so before
/// <see cref="RegularFile"/> a data batch, an .npy, a picture, a model or a --config that was a FIFO hung the command forever.
/// </summary>
public partial class RegularFileTests
{
    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int mkfifo(string path, uint mode);

    /// <summary>Makes a FIFO named <paramref name="name"/> in <paramref name="tmp"/> (skips where there are none).</summary>
    internal static string Fifo(TempDir tmp, string name)
    {
        Skip.If(OperatingSystem.IsWindows(), "Windows has no FIFOs in the file system");
        var path = tmp.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Assert.Equal(0, mkfifo(path, 0x180 /* 0600 */));
        return path;
    }

    /// <summary>Runs <paramref name="read"/> and fails (rather than hanging the suite) when it takes more than 20 s.</summary>
    internal static T Within<T>(Func<T> read)
    {
        var task = Task.Run(read);
        Assert.True(task.Wait(TimeSpan.FromSeconds(20)), "the read waited on the FIFO");
        return task.Result;
    }

    [SkippableFact]
    public void Readers_RefuseAFifo_AtOnce_NamingIt()
    {
        using var tmp = new TempDir();
        var npy = Fifo(tmp, "x.npy");
        var e = Within(() => Record.Exception(() => Npy.Load(npy)));
        Assert.IsType<InvalidDataException>(e);
        Assert.StartsWith(npy + ": not a file but a FIFO", e.Message);

        var npz = Fifo(tmp, "model.npz");
        Assert.IsType<InvalidDataException>(Within(() => Record.Exception(() => Npz.Load(npz))));

        var png = Fifo(tmp, "photo.png");
        var p = Within(() => Record.Exception(() => ImageFiles.Load([png], [3, 32, 32])));
        Assert.IsType<InvalidDataException>(p);
        Assert.Contains(png, p.Message);
    }

    [SkippableFact]
    public void Cifar10_AFifoBatch_IsAnErrorNamingIt_NotAHang()
    {
        using var tmp = new TempDir();
        var dir = tmp.File("cifar-10-batches-py");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(TestData.Cifar10PythonDir))
            if (Path.GetFileName(f) != "data_batch_2") File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var fifo = Fifo(tmp, Path.Combine("cifar-10-batches-py", "data_batch_2"));
        var e = Within(() => Record.Exception(() => Cifar10.Load(dir, Cifar10Format.Python)));
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains(fifo, e.Message);
    }

    [SkippableFact]
    public void Require_PassesFilesAndMissingPaths_AndAnAnonymousPipeOnlyWhenAllowed()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "/proc/self/fd is Linux's");
        using var tmp = new TempDir();
        RegularFile.Require(tmp.Write("a.json", "{}"u8.ToArray()));
        RegularFile.Require(tmp.File("missing.json"));   // the read that follows says it is missing
        RegularFile.Require(tmp.Path);                  // a folder: the callers say so themselves

        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        var path = $"/proc/self/fd/{client.SafePipeHandle.DangerousGetHandle()}";
        Assert.Throws<InvalidDataException>(() => RegularFile.Require(path));
        RegularFile.Require(path, allowAnonymousPipe: true);   // the shell's <(command): it has a writer
    }

    [SkippableFact]
    public void Cli_PredictInputAndConfig_ThatAreFifos_FailAtOnceWithTheirExitCodes()
    {
        using var tmp = new TempDir();
        var run = tmp.File("run");
        var trained = CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--hidden", "8", "--num-train", "100", "--num-val", "50",
            "--num-test", "50", "--epochs", "1", "--out", run);
        Assert.True(trained.ExitCode == 0, trained.ToString());

        var input = Fifo(tmp, "images.npy");
        var p = Within(() => CliRunner.Run("predict", "--model", run, "--input", input, "--out", tmp.File("p.npy")));
        Assert.Equal(1, p.ExitCode);
        Assert.Contains($"backprop: {input}: not a file but a FIFO", p.Error);
        Assert.DoesNotContain("   at ", p.Error);
        Assert.False(File.Exists(tmp.File("p.npy")));

        var config = Fifo(tmp, "config.json");
        var t = Within(() => CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--config", config, "--out", tmp.File("run2")));
        Assert.Equal(2, t.ExitCode);
        Assert.Contains($"--config {config}: not a file but a FIFO", t.Error);
        Assert.False(Directory.Exists(tmp.File("run2")));

        var model = tmp.File("fifo-run");
        Directory.CreateDirectory(model);
        foreach (var f in Directory.GetFiles(run)) if (Path.GetFileName(f) != "model.npz") File.Copy(f, Path.Combine(model, Path.GetFileName(f)));
        Fifo(tmp, Path.Combine("fifo-run", "model.npz"));
        var ev = Within(() => CliRunner.Run("eval", "--model", model));
        Assert.Equal(1, ev.ExitCode);
        Assert.Contains("model.npz: not a file but a FIFO", ev.Error);
    }
}
