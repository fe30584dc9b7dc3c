using Backprop.Data;

namespace Backprop.Tests.Data;

/// <summary>
/// The renames of atomic writes and downloads, tried again on Windows while another process holds the file open (a
/// reader of the old copy, an antivirus scanner). Windows' refusals are raised here by hand: Linux renames open files.
/// </summary>
public class RenamesTests
{
    private static readonly Exception SharingViolation = new IOException("The process cannot access the file because it is being used by another process.", unchecked((int)0x80070020));

    [Fact]
    public void ARenameRefusedForAHold_IsTriedAgainAfterAPause_UntilItGoesThrough()
    {
        var pauses = new List<int>();
        int calls = 0;
        Renames.Run(() =>
        {
            if (++calls == 1) throw new UnauthorizedAccessException("Access to the path is denied.");
            if (calls == 2) throw SharingViolation;
        }, retry: true, pauses.Add);
        Assert.Equal(3, calls);
        Assert.Equal(Renames.PausesMs[..2], pauses);
    }

    [Fact]
    public void AHoldThatLasts_EndsWithItsOwnError_AfterAboutASecondAndAHalf()
    {
        var pauses = new List<int>();
        int calls = 0;
        var e = Assert.Throws<UnauthorizedAccessException>(() => Renames.Run(() => { calls++; throw new UnauthorizedAccessException("held"); }, retry: true, pauses.Add));
        Assert.Equal("held", e.Message);
        Assert.Equal(Renames.PausesMs.Length + 1, calls);
        Assert.InRange(pauses.Sum(), 1000, 2000);
    }

    [Fact]
    public void OtherErrors_AndAnySystemButWindows_AreNotTriedAgain()
    {
        int calls = 0;
        var full = new IOException("There is not enough space on the disk.", unchecked((int)0x80070070));
        Assert.Same(full, Assert.Throws<IOException>(() => Renames.Run(() => { calls++; throw full; }, retry: true, _ => { })));
        Assert.Same(SharingViolation, Assert.Throws<IOException>(() => Renames.Run(() => { calls++; throw SharingViolation; }, retry: false, _ => { })));
        Assert.Equal(2, calls);
    }

    [Fact]
    public void MovesReplaceAFileAndMoveAFolder()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("new"), "new");
        File.WriteAllText(dir.File("target"), "old");
        Renames.MoveFile(dir.File("new"), dir.File("target"));
        Assert.Equal("new", File.ReadAllText(dir.File("target")));
        Directory.CreateDirectory(dir.File("a"));
        Renames.MoveFolder(dir.File("a"), dir.File("b"));
        Assert.Equal(["b", "target"], dir.Contents().Order());
    }
}
