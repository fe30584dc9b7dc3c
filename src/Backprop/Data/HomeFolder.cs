using System.Diagnostics.CodeAnalysis;

namespace Backprop.Data;

/// <summary>
/// A leading <c>~</c> in a path the user gave, read as the home folder the way Python's <c>os.path.expanduser</c> and
/// git read it. A shell expands <c>~</c> only at the start of a word (or after <c>=</c> in an assignment), so
/// <c>--out=~/runs</c>, a quoted <c>"~/runs"</c> or <c>BACKPROP_DATA="~/data"</c> arrive with the <c>~</c> in place;
/// taken literally it would make a folder named <c>~</c> in the current one, which a later <c>rm -rf ~</c> meant for
/// it would not remove.
/// </summary>
public static class HomeFolder
{
    /// <summary>The current user's home folder (<c>$HOME</c>; on Windows the profile folder), or "" when there is none.</summary>
    public static string Current =>
        // DoNotVerify: a home folder that does not exist (Debian's nobody has /nonexistent) is still the path meant.
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);

    /// <summary><see cref="Expand(string?, string, bool)"/> with the current user's home folder and this system's separators.</summary>
    [return: NotNullIfNotNull(nameof(path))]
    public static string? Expand(string? path) => Expand(path, Current, OperatingSystem.IsWindows());

    /// <summary>
    /// <paramref name="path"/> with a leading <c>~</c> or <c>~/</c> (also <c>~\</c> on Windows) replaced by
    /// <paramref name="home"/>; any other path (<c>~user/a</c>, <c>a/~</c>, absolute, relative, empty) unchanged.
    /// </summary>
    /// <param name="path">A path as the user wrote it.</param>
    /// <param name="home">The home folder; null or blank when there is none (a path starting with <c>~</c> is then refused).</param>
    /// <param name="windows">Whether <c>\</c> also separates folders (Windows), so that <c>~\a</c> is expanded too.</param>
    /// <exception cref="ArgumentException">The path starts with <c>~</c> but there is no home folder to put there.</exception>
    [return: NotNullIfNotNull(nameof(path))]
    public static string? Expand(string? path, string? home, bool windows)
    {
        if (path is null || !StartsWithTilde(path, windows)) return path;
        if (string.IsNullOrWhiteSpace(home))
            throw new ArgumentException($"'{path}' starts with ~, but there is no home folder to put in its place ($HOME is not set); give the full path.", nameof(path));
        // As expanduser: the home folder without its trailing separator, then the rest ("~/a" → home + "/a"); "~" alone
        // is the home folder, a root ("/", "C:\") kept whole.
        var bare = home.TrimEnd(windows ? ['/', '\\'] : ['/']);
        if (path.Length > 1) return bare + path[1..];
        return bare.Length == 0 || (windows && bare.EndsWith(':')) ? home : bare;
    }

    private static bool StartsWithTilde(string path, bool windows) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || (windows && path.StartsWith(@"~\", StringComparison.Ordinal));
}
