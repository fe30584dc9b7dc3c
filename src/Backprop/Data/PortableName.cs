namespace Backprop.Data;

/// <summary>
/// The names an archive entry may use so that it extracts to the same files on Linux, Windows and macOS. Windows
/// refuses some characters and device names (<c>CON</c>, <c>aux.txt</c>) and drops a trailing dot or space, so
/// <c>a.</c> would silently become <c>a</c>; Windows' and macOS's usual file systems ignore case, so <c>A</c> and
/// <c>a</c> would be one file. Such names are refused everywhere, not just where they break. (macOS also takes the two
/// Unicode spellings of <c>é</c> for one name; that is not checked: the library runs in globalization-invariant mode,
/// where .NET does not normalise strings.)
/// </summary>
internal static class PortableName
{
    /// <summary>Why <paramref name="component"/> (one part of a path, not <c>.</c> or <c>..</c>) is not portable, or null.</summary>
    public static string? Problem(string component)
    {
        foreach (char c in component)
        {
            if (c < ' ') return "contains a control character";
            if (c is '<' or '>' or '"' or '|' or '?' or '*') return $"contains '{c}', which Windows does not allow in file names";
        }
        if (component.EndsWith('.') || component.EndsWith(' ')) return "ends in a dot or a space, which Windows drops";
        var stem = component.Split('.')[0].TrimEnd(' ');
        if (IsDeviceName(stem)) return $"is the Windows device name '{stem}'";
        return null;
    }

    private static bool IsDeviceName(string stem) =>
        stem.ToUpperInvariant() is "CON" or "PRN" or "AUX" or "NUL" or "CONIN$" or "CONOUT$"
        || (stem.Length == 4 && (stem[..3].ToUpperInvariant() is "COM" or "LPT") && (char.IsAsciiDigit(stem[3]) || stem[3] is '¹' or '²' or '³'));

    /// <summary>
    /// The form under which file systems that ignore case see <paramref name="path"/>: two paths with the same key and
    /// different spellings are one file there and two on Linux.
    /// </summary>
    public static string CaseKey(string path) => path.ToUpperInvariant();
}
