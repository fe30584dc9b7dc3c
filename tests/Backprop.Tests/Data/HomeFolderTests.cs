using Backprop.Data;

namespace Backprop.Tests.Data;

/// <summary><see cref="HomeFolder.Expand(string?, string, bool)"/>: a leading ~ as Python's os.path.expanduser reads it.</summary>
public class HomeFolderTests
{
    [Theory]
    [InlineData("~", "/home/u")]
    [InlineData("~/", "/home/u/")]
    [InlineData("~/a", "/home/u/a")]
    [InlineData("~/a/b.npz", "/home/u/a/b.npz")]
    [InlineData("~user/a", "~user/a")]        // another user's home: left as written, not looked up
    [InlineData("~user", "~user")]
    [InlineData("~~/a", "~~/a")]
    [InlineData("a/~", "a/~")]
    [InlineData("a/~/b", "a/~/b")]
    [InlineData("./~", "./~")]
    [InlineData("/abs/~/x", "/abs/~/x")]
    [InlineData("runs/x", "runs/x")]
    [InlineData("", "")]
    [InlineData(@"~\a", @"~\a")]              // a file name on Linux, not a separator
    public void OnLinux_OnlyALeadingTildeAloneOrBeforeASlash_IsTheHomeFolder(string path, string expected) =>
        Assert.Equal(expected, HomeFolder.Expand(path, "/home/u", windows: false));

    [Fact]
    public void TheHomeFolder_LosesItsTrailingSlash_ButARootStaysWhole()
    {
        Assert.Equal("/home/u/a", HomeFolder.Expand("~/a", "/home/u/", windows: false));
        Assert.Equal("/home/u", HomeFolder.Expand("~", "/home/u/", windows: false));
        Assert.Equal("/a", HomeFolder.Expand("~/a", "/", windows: false));
        Assert.Equal("/", HomeFolder.Expand("~", "/", windows: false));
    }

    [Fact]
    public void OnWindows_ABackslashAfterTheTilde_CountsToo()
    {
        Assert.Equal(@"C:\Users\u\runs", HomeFolder.Expand(@"~\runs", @"C:\Users\u", windows: true));
        Assert.Equal(@"C:\Users\u/runs", HomeFolder.Expand("~/runs", @"C:\Users\u\", windows: true));
        Assert.Equal(@"C:\Users\u", HomeFolder.Expand("~", @"C:\Users\u", windows: true));
        Assert.Equal(@"C:\", HomeFolder.Expand("~", @"C:\", windows: true));
        Assert.Equal(@"~user\a", HomeFolder.Expand(@"~user\a", @"C:\Users\u", windows: true));
        Assert.Equal(@"D:\~\a", HomeFolder.Expand(@"D:\~\a", @"C:\Users\u", windows: true));
    }

    [Fact]
    public void NullStaysNull_AndATildeWithNoHomeFolder_IsRefusedNamingThePath()
    {
        Assert.Null(HomeFolder.Expand(null, "/home/u", windows: false));
        Assert.Equal("runs/x", HomeFolder.Expand("runs/x", "", windows: false));   // nothing to expand: no home needed
        var e = Assert.Throws<ArgumentException>(() => HomeFolder.Expand("~/runs", "", windows: false));
        Assert.Contains("'~/runs' starts with ~, but there is no home folder", e.Message);
    }

    [SkippableFact]
    public void TheCurrentUsersHome_IsHOME()
    {
        var home = Environment.GetEnvironmentVariable("HOME");
        Skip.If(string.IsNullOrEmpty(home) || OperatingSystem.IsWindows(), "needs $HOME");
        Assert.Equal(home, HomeFolder.Current);
        Assert.Equal(home.TrimEnd('/') + "/runs/x", HomeFolder.Expand("~/runs/x"));
    }

    [Fact]
    public void NoHomeFolder_MayBeGivenAsNull_AndOnlyATildeNeedsOne()
    {
        Assert.Equal("runs/x", HomeFolder.Expand("runs/x", null, windows: false));
        Assert.Contains("no home folder", Assert.Throws<ArgumentException>(() => HomeFolder.Expand("~/runs", null, windows: false)).Message);
        Assert.Contains("no home folder", Assert.Throws<ArgumentException>(() => DataLocations.DefaultFolder(null, windows: false, localAppData: null)).Message);
        Assert.Equal(Path.GetFullPath("/data/backprop"), DataLocations.Resolve(null, null, null, null, cacheHome: "/data").Root);
    }
}
