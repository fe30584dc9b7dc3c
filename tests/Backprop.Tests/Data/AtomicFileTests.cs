using System.Text;
using Backprop.Data;

namespace Backprop.Tests.Data;

public class AtomicFileTests
{
    [Fact]
    public void WritesAndReplaces()
    {
        using var dir = new TempDir();
        var path = dir.File("history.json");
        AtomicFile.WriteAllText(path, "first");
        Assert.Equal("first", File.ReadAllText(path));
        AtomicFile.WriteAllBytes(path, "second"u8);
        Assert.Equal("second", File.ReadAllText(path));
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes("third")));
        Assert.Equal("third", File.ReadAllText(path));
        Assert.Equal(["history.json"], dir.Contents());
    }

    [Fact]
    public void AWriterThatThrowsLeavesTheOldFileIntactAndNoTemporaryFile()
    {
        using var dir = new TempDir();
        var path = dir.File("checkpoint.npz");
        AtomicFile.WriteAllText(path, "good old content");
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100_000]);
            throw new InvalidOperationException("disk on fire");
        }));
        Assert.Equal("disk on fire", e.Message);
        Assert.Equal("good old content", File.ReadAllText(path));
        Assert.Equal(["checkpoint.npz"], dir.Contents());

        // The same when there was no old file: nothing appears.
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(dir.File("new.bin"), _ => throw new InvalidOperationException()));
        Assert.Equal(["checkpoint.npz"], dir.Contents());
    }

    [Fact]
    public void ANameAsLongAsTheFileSystemTakesCanBeWritten()
    {
        using var dir = new TempDir();
        var name = new string('m', 251) + ".npz";   // 255 bytes: the temporary name shortens it, not the file system
        AtomicFile.WriteAllText(dir.File(name), "x");
        Assert.Equal([name], dir.Contents());
        var unicode = string.Concat(Enumerable.Repeat("\U0001F600", 60)) + ".npz";   // 244 bytes, 4 a character
        AtomicFile.WriteAllText(dir.File(unicode), "y");
        Assert.Equal("y", File.ReadAllText(dir.File(unicode)));
        Assert.Equal(2, dir.Contents().Length);
    }

    [Fact]
    public void AFailureToWriteIsAnIOExceptionNamingTheTarget_NotTheTemporaryFile()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("model.npz"));   // the target is a folder: the rename fails
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(dir.File("model.npz"), "x"));
        Assert.StartsWith($"Cannot write '{dir.File("model.npz")}':", e.Message);
        Assert.Equal(["model.npz"], dir.Contents());   // no temporary file left
    }

    [Fact]
    public void AFullDisk_IsSaidAsSuch_NamingTheTarget_AndTheOldFileIsKept()
    {
        using var dir = new TempDir();
        var path = dir.File("checkpoint.npz");
        AtomicFile.WriteAllText(path, "epoch 3");
        // What a write on a full disk throws on Linux (ENOSPC), naming the hidden temporary file.
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new IOException("No space left on device : '/x/.checkpoint.npz.0123.tmp'", 28);
        }));
        Assert.StartsWith($"Cannot write '{path}': the disk is full", e.Message);
        Assert.Contains("unchanged", e.Message);
        Assert.Equal("epoch 3", File.ReadAllText(path));
        Assert.Equal(["checkpoint.npz"], dir.Contents());
        // A file that was not there is not said to be kept.
        var fresh = Assert.Throws<IOException>(() => AtomicFile.Write(dir.File("history.json"), _ => throw new IOException("No space left on device", 28)));
        Assert.Contains("the disk is full (No space left on device). Nothing was written under that name. Free some space", fresh.Message);
        Assert.DoesNotContain("unchanged", fresh.Message);
        Assert.Equal(["checkpoint.npz"], dir.Contents());
        // Another IOException of the writer's own passes unchanged, as the contract says.
        Assert.Equal("its own", Assert.Throws<IOException>(() => AtomicFile.Write(path, _ => throw new IOException("its own"))).Message);
    }

    [SkippableFact]
    public void AFullDisk_OnARealFileSystem_IsSaidAsSuch_ForASmallBufferedWrite()
    {
        // A small file is written from the stream's buffer at the flush; when that fails, disposing the stream fails
        // again with the system's message (naming the temporary file), which must not be what the user sees.
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "mounting a small tmpfs needs root on Linux");
        using var dir = new TempDir();
        var mnt = dir.File("small");
        Directory.CreateDirectory(mnt);
        using (var mount = System.Diagnostics.Process.Start("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]))
        {
            mount.WaitForExit();
            Skip.If(mount.ExitCode != 0, "cannot mount a tmpfs here");
        }
        try
        {
            try
            {
                using var fill = File.Create(Path.Combine(mnt, "fill"));
                while (true) { fill.Write(new byte[4096]); fill.Flush(); }
            }
            catch (IOException)
            {
                // full
            }
            var path = Path.Combine(mnt, "summary.json");
            var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(path, "{\"status\": \"completed\"}"));
            Assert.StartsWith($"Cannot write '{path}': the disk is full", e.Message);
            Assert.Equal(["fill"], Directory.GetFiles(mnt).Select(Path.GetFileName));
            // A writer's own error, with bytes still buffered, stays its own (closing the stream fails again, quietly).
            var own = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
            {
                s.Write(new byte[100]);
                throw new InvalidOperationException("the writer's own");
            }));
            Assert.Equal("the writer's own", own.Message);
            Assert.Equal(["fill"], Directory.GetFiles(mnt).Select(Path.GetFileName));
        }
        finally
        {
            using var umount = System.Diagnostics.Process.Start("umount", [mnt]);
            umount.WaitForExit();
        }
    }

    [Fact]
    public void TemporaryNamesAreRecognised()
    {
        Assert.True(AtomicFile.IsTempFile(AtomicFile.TempPathFor("/x/checkpoint.npz")));
        Assert.False(AtomicFile.IsTempFile("/x/checkpoint.npz"));
        Assert.False(AtomicFile.IsTempFile("/x/.hidden.tmp"));
    }

    [Fact]
    public void AMissingFolderIsDirectoryNotFound()
    {
        using var dir = new TempDir();
        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllText(dir.File("no/such/file.txt"), "x"));
    }

    [Fact]
    public void AFileWhereTheFolderShouldBe_IsSaidToBeAFile_WhenWritingAndReading()
    {
        // Both said "the folder '…/model.npz' does not exist", of a path that does exist, as a file.
        using var dir = new TempDir();
        var file = dir.Write("model.npz", [1]);
        var write = Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllText(Path.Combine(file, "x.json"), "x"));
        Assert.Contains($"'{file}' is a file, not a folder.", write.Message);
        var read = Assert.Throws<DirectoryNotFoundException>(() => Npy.Load(Path.Combine(file, "x.npy")));
        Assert.Contains($"'{file}' is a file, not a folder.", read.Message);
    }

    [Fact]
    public async Task ReadersNeverSeeAPartialFile()
    {
        using var dir = new TempDir();
        var path = dir.File("plot.bin");
        var a = new byte[1 << 20];
        var b = new byte[1 << 20];
        Array.Fill(a, (byte)'a');
        Array.Fill(b, (byte)'b');
        AtomicFile.WriteAllBytes(path, a);
        using var stop = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        int reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var seen = File.ReadAllBytes(path);
                Assert.Equal(1 << 20, seen.Length);
                Assert.True(seen.All(x => x == seen[0]), "a reader saw a mix of old and new content");
                Interlocked.Increment(ref reads);
                started.Set();
            }
        });
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        for (int i = 0; (i < 40 || Volatile.Read(ref reads) < 10) && !reader.IsCompleted; i++) AtomicFile.WriteAllBytes(path, i % 2 == 0 ? b : a);
        stop.Cancel();
        await reader;
        Assert.True(reads >= 10);
    }
}
