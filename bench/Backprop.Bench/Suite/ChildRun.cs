using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Backprop.Bench.Suite;

/// <summary>What one child process did: exit code, output, wall seconds, its CPU seconds and the other processes' CPU seconds meanwhile.</summary>
public sealed record ChildResult(int ExitCode, string Stdout, string Stderr, double WallSeconds, double CpuSeconds, double OthersCpuSeconds)
{
    public bool Ok => ExitCode == 0;
}

/// <summary>Runs one benchmark command as a child process and accounts for its CPU time and the machine's other load.</summary>
public static class ChildRun
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>; a command that cannot start gives exit code 127.</summary>
    public static ChildResult Run(string file, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        double cpu0 = ChildrenCpuSeconds(), busy0 = ProcStats.MachineBusySeconds();
        var clock = Stopwatch.StartNew();
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { return new ChildResult(127, "", e.Message, 0, 0, 0); }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                return new ChildResult(124, stdout.Result, stderr.Result + "\n(timed out)", clock.Elapsed.TotalSeconds, 0, 0);
            }
            p.WaitForExit();
            double wall = clock.Elapsed.TotalSeconds;
            double cpu = ChildrenCpuSeconds() - cpu0;
            double others = Math.Max(0, ProcStats.MachineBusySeconds() - busy0 - cpu);
            return new ChildResult(p.ExitCode, stdout.Result, stderr.Result, wall, cpu, others);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out RUsage usage);

    /// <summary>User + system CPU seconds of all waited-for children so far (getrusage RUSAGE_CHILDREN); 0 off Linux.</summary>
    private static double ChildrenCpuSeconds()
    {
        if (!OperatingSystem.IsLinux() || getrusage(-1, out var u) != 0) return 0;
        return u.UserSec + u.SysSec + (u.UserUsec + u.SysUsec) / 1e6;
    }
}
