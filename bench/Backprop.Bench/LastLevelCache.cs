using System.Globalization;

namespace Backprop.Bench;

/// <summary>The CPU's last-level cache: its size in bytes, its level, and where the figure came from.</summary>
/// <param name="Bytes">Size in bytes (the whole cache, as sysfs gives it for CPU 0).</param>
/// <param name="Level">Cache level (3 for an L3), or 0 when not read.</param>
/// <param name="Source">"sysfs" (read from <see cref="LastLevelCache.SysfsFolder"/>), "given" (the command line) or "fallback".</param>
public sealed record LastLevelCache(long Bytes, int Level, string Source)
{
    /// <summary>Where Linux describes CPU 0's caches, one <c>index*</c> folder each with <c>level</c>, <c>type</c> and <c>size</c>.</summary>
    public const string SysfsFolder = "/sys/devices/system/cpu/cpu0/cache";

    /// <summary>What is assumed when sysfs cannot tell: 128 MiB, above any L3 these hosts have had but the Xeon's 300 MiB.</summary>
    public const long FallbackBytes = 128L << 20;

    /// <summary>The highest-level data or unified cache under <paramref name="folder"/>, else <see cref="FallbackBytes"/>.</summary>
    public static LastLevelCache Read(string folder = SysfsFolder)
    {
        LastLevelCache? best = null;
        string[] indexes;
        try
        {
            indexes = Directory.Exists(folder) ? Directory.GetDirectories(folder, "index*") : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            indexes = [];
        }
        Array.Sort(indexes, StringComparer.Ordinal);
        // Each index on its own: one unreadable file must not hide the indexes after it (the L3 among them).
        foreach (var index in indexes)
        {
            try
            {
                string Field(string name) => File.ReadAllText(Path.Combine(index, name)).Trim();
                if (Field("type") == "Instruction") continue;
                if (!int.TryParse(Field("level"), NumberStyles.None, CultureInfo.InvariantCulture, out int level)) continue;
                if (ParseSize(Field("size")) is not { } bytes) continue;
                if (best is null || level > best.Level) best = new LastLevelCache(bytes, level, "sysfs");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return best ?? new LastLevelCache(FallbackBytes, 0, "fallback");
    }

    /// <summary>sysfs's size ("307200K", "32M", "1024"): bytes, or null when it is not one.</summary>
    public static long? ParseSize(string text)
    {
        text = text.Trim();
        long unit = text.EndsWith('K') ? 1L << 10 : text.EndsWith('M') ? 1L << 20 : text.EndsWith('G') ? 1L << 30 : 1;
        string digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long v) && v > 0 ? v * unit : null;
    }

    /// <summary>"300 MiB L3 (sysfs)".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Bytes / (double)(1 << 20):0.#} MiB {(Level > 0 ? $"L{Level}" : "last-level cache")} ({Source})");
}
