using Backprop.Cli;

namespace Backprop.Tests.Cli;

/// <summary>
/// <c>--out</c> against the input being read, where file names ignore case (Windows' NTFS, macOS's APFS):
/// <c>--out Images.npy</c> would replace <c>images.npy</c> there, so it is refused as the input.
/// </summary>
public class OutputFileTests
{
    [Fact]
    public void ANameDifferingOnlyInCase_IsTheInput_WhereNamesIgnoreCase_AndAnotherFileElsewhere()
    {
        string input = Path.GetFullPath("images.npy"), output = Path.GetFullPath("Images.npy");
        Assert.True(OutputFile.SameName(output, input, ignoreCase: true));
        Assert.False(OutputFile.SameName(output, input, ignoreCase: false));
        Assert.False(OutputFile.SameName(Path.GetFullPath("images2.npy"), input, ignoreCase: true));
        // This process's own assumption: Linux's file systems tell case apart; Windows' and macOS's usual ones do not.
        Assert.Equal(OperatingSystem.IsWindows() || OperatingSystem.IsMacOS(), OutputFile.CaseInsensitiveFileSystem);
    }
}
