using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>What the figures were measured on: CPU, cores, memory, runtimes, and the load average around the run.</summary>
public static class MachineInfo
{
    public static JsonObject Describe(SuiteContext ctx)
    {
        string cpu = Cpuinfo("model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        string flags = Cpuinfo("flags") ?? "";
        double memGiB = ProcStats.MemTotalBytes() / (1024.0 * 1024.0 * 1024.0);
        // Each peer's library on its own: one installed without the other still has its figures checked.
        string Version(string module) => ChildRun.Run(ctx.Python, ["-c", $"import {module}; print({module}.__version__)"], TimeSpan.FromMinutes(1)) is { Ok: true } r
            ? r.Stdout.Trim() : "unavailable";
        string numpy = Version("numpy"), torch = Version("torch");
        var git = ChildRun.Run("git", ["-C", ctx.Repo, "rev-parse", "--short", "HEAD"], TimeSpan.FromSeconds(30));
        return new JsonObject
        {
            ["cpu"] = cpu, ["logical_cpus"] = Environment.ProcessorCount, ["avx512f"] = flags.Contains("avx512f"),
            ["memory_gib"] = Math.Round(memGiB, 1), ["dotnet"] = RuntimeInformation.FrameworkDescription, ["os"] = RuntimeInformation.OSDescription,
            ["numpy_torch"] = numpy != "unavailable" && torch != "unavailable" ? $"{numpy} {torch}" : "unavailable",
            ["numpy"] = numpy, ["torch"] = torch, ["commit"] = git.Ok ? git.Stdout.Trim() : "unknown",
            ["cpu_family_model"] = $"{Cpuinfo("cpu family")}/{Cpuinfo("model")}",
            ["peak_gflops_float32"] = Math.Round(MachinePeak.Gflops(typeof(float), Environment.ProcessorCount), 1),
            ["peak_gflops_float64"] = Math.Round(MachinePeak.Gflops(typeof(double), Environment.ProcessorCount), 1),
            ["peak_timed_by_cpu_time"] = MachinePeak.TimedByCpuTime,
            ["read_bandwidth_gbps"] = Math.Round(MachineBandwidth.ReadGBps(), 1), ["nominal_bandwidth_gbps"] = BandwidthRunner.NominalGBps,
            ["core_round_trip_ns_start"] = CoreRoundTrip(), ["loadavg_start"] = LoadAvg(), ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            ["smoke"] = ctx.Smoke,
        };
    }

    /// <summary>
    /// Measures the FMA-loop peak and the read bandwidth once, in this process, and puts them in its environment, which
    /// every child process inherits: all figures of one run then share one denominator.
    /// </summary>
    public static void HandDownPeaks()
    {
        Environment.SetEnvironmentVariable(MachinePeak.EnvironmentVariable, MachinePeak.PerCpuFloat32().ToString("R", CultureInfo.InvariantCulture));
        Environment.SetEnvironmentVariable(MachineBandwidth.EnvironmentVariable, MachineBandwidth.ReadGBps().ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>A cache line's round trip between CPUs 0 and 1 (ns), or null on one CPU: which phase a shared host is in.</summary>
    public static double? CoreRoundTrip() => Environment.ProcessorCount >= 2 ? Math.Round(CoreLatency.RoundTripNs()) : null;

    public static string LoadAvg() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>The CPU's feature flags from /proc/cpuinfo ("" elsewhere).</summary>
    public static string CpuFlags() => Cpuinfo("flags") ?? "";

    private static string? Cpuinfo(string key) =>
        File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim() : null;
}
