using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Backprop.Bench;

/// <summary>
/// The calling thread's CPU time (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>): it advances only while the
/// thread runs, so work timed by it reads the rate while running, however much of the CPU other processes took.
/// Elsewhere, or if the call fails, the wall clock (<see cref="IsCpuTime"/> false).
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3; // <time.h> on Linux, every architecture

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds, Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGettime(int clock, out Timespec time);

    /// <summary>Whether <see cref="Seconds"/> is the thread's CPU time (else it is the wall clock).</summary>
    public static bool IsCpuTime { get; } = OperatingSystem.IsLinux() && TryRead(out _);

    /// <summary>Seconds of CPU time this thread has used (the wall clock's seconds where <see cref="IsCpuTime"/> is false).</summary>
    public static double Seconds() => IsCpuTime && TryRead(out double s) ? s : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    private static bool TryRead(out double seconds)
    {
        seconds = 0;
        try
        {
            if (ClockGettime(ClockThreadCpuTimeId, out var t) != 0) return false;
            seconds = t.Seconds + t.Nanoseconds / 1e9;
            return true;
        }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }
}
