using System.Globalization;

namespace Backprop.Bench;

/// <summary>Linux process and machine figures from /proc: resident memory, its peak, and CPU time used by everyone.</summary>
public static class ProcStats
{
    /// <summary>Resident set size of this process now, in MiB (VmRSS).</summary>
    public static double RssMiB() => StatusKiB("VmRSS:") / 1024.0;

    /// <summary>Peak resident set size of this process so far, in MiB (VmHWM).</summary>
    public static double PeakRssMiB() => StatusKiB("VmHWM:") / 1024.0;

    /// <summary>
    /// CPU seconds all processes have used since boot (/proc/stat, all but idle and iowait). The difference over an
    /// interval minus this process's own CPU time is what other processes took: the contention figure the peers report.
    /// </summary>
    public static double MachineBusySeconds()
    {
        if (!File.Exists("/proc/stat")) return 0;
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long total = 0;
        for (int i = 1; i <= 8 && i < fields.Length; i++)
            if (i is not (4 or 5)) total += long.Parse(fields[i], CultureInfo.InvariantCulture);
        return total / 100.0; // USER_HZ is 100 on Linux
    }

    /// <summary>The machine's memory in bytes (/proc/meminfo MemTotal), or 0 where it cannot be read.</summary>
    public static long MemTotalBytes()
    {
        var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        return line is null ? 0 : 1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static long StatusKiB(string key)
    {
        if (!File.Exists("/proc/self/status")) return 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return 0;
    }
}
