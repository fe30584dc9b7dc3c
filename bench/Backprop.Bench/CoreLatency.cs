using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Backprop.Bench;

/// <summary>
/// The round trip of one cache line between two CPUs: one thread on each (pinned on Linux), handing a counter back and
/// forth. It tells which phase a shared host is in: on the Zen 4 host it read ~105 ns while both virtual CPUs shared a
/// CCD and ~360 ns while they sat on different ones, and batch-100 products ran 185 against 144 GFLOP/s accordingly.
/// </summary>
public static class CoreLatency
{
    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint size, ref ulong mask);

    private static long _counter;

    /// <summary>The <c>latency</c> command: one JSON line per reading, <c>--count</c> readings <c>--every</c> seconds apart.</summary>
    public static int Run(string[] args)
    {
        var o = new BenchArgs("latency", args, ["--count", "--every"]);
        if (o.Help) { Console.WriteLine("usage: Backprop.Bench latency [--count N (1)] [--every SECONDS (0)]"); return 0; }
        int count = o.Int("--count", 1);
        double every = o.Double("--every", 0, inclusive: true);
        for (int i = 0; i < count; i++)
        {
            if (i > 0) Thread.Sleep(TimeSpan.FromSeconds(every));
            Console.WriteLine(FormattableString.Invariant($"{{\"time\":\"{DateTime.UtcNow:HH:mm:ss}\",\"cpus\":[0,1],\"round_trip_ns\":{RoundTripNs():F0}}}"));
        }
        return 0;
    }


    /// <summary>Nanoseconds per round trip between CPUs <paramref name="a"/> and <paramref name="b"/>, over <paramref name="trips"/> trips.</summary>
    public static double RoundTripNs(int a = 0, int b = 1, int trips = 200_000)
    {
        _counter = 0;
        var partner = new Thread(() =>
        {
            Pin(b);
            for (long i = 1; i <= trips; i++)
            {
                while (Volatile.Read(ref _counter) != 2 * i - 1) { }
                Volatile.Write(ref _counter, 2 * i);
            }
        }) { IsBackground = true };
        partner.Start();
        bool pinned = Pin(a);
        var clock = Stopwatch.StartNew();
        for (long i = 1; i <= trips; i++)
        {
            Volatile.Write(ref _counter, 2 * i - 1);
            while (Volatile.Read(ref _counter) != 2 * i) { }
        }
        double ns = clock.Elapsed.TotalNanoseconds / trips;
        partner.Join();
        if (pinned) Unpin();
        return ns;
    }

    /// <summary>Pins the calling thread to one CPU (Linux; elsewhere a no-op); true when pinned.</summary>
    private static bool Pin(int cpu)
    {
        if (!OperatingSystem.IsLinux() || cpu >= 64) return false;
        ulong mask = 1UL << cpu;
        return sched_setaffinity(0, sizeof(ulong), ref mask) == 0;
    }

    /// <summary>Lets the calling thread run on every CPU again (the measuring thread is the caller's own).</summary>
    private static void Unpin()
    {
        ulong all = ulong.MaxValue;
        sched_setaffinity(0, sizeof(ulong), ref all);
    }
}
