using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Bench;

/// <summary>
/// The denominator of "% of peak": the FLOP rate this machine's cores reach now, read off a register-resident FMA loop
/// run on every logical CPU at once. Measured rather than assumed because the hosts differ: the Zen 5 host the speed
/// issue was written on does two 512-bit FMAs per cycle per core (its loop read 99% of the nominal 448 GFLOP/s float32),
/// a Zen 4 host runs AVX-512 on 256-bit units and does half of that per clock.
/// </summary>
/// <remarks>
/// Each thread times its loop by its own CPU time (<see cref="ThreadCpuClock"/>), in short bursts, and keeps its best
/// burst: the reading is the rate while running. Timed by the wall clock, a loop sharing its CPU with other processes
/// read the share of the CPU it got (48–52 GFLOP/s per CPU on the Xeon against 111–185 unshared), and a one-thread
/// product timed beside it came out at 160–172% "of peak".
/// </remarks>
public static class MachinePeak
{
    /// <summary>Set by the suite for its child processes, so every figure of one run shares one denominator.</summary>
    public const string EnvironmentVariable = "BACKPROP_BENCH_PEAK_GFLOPS_PER_CPU";

    private static double? _perCpu;

    /// <summary>Peak GFLOP/s of <paramref name="threads"/> CPUs for float (double: half, one FMA covers half the lanes).</summary>
    public static double Gflops(Type element, int threads) => Gflops(PerCpuFloat32(), element, threads);

    /// <summary>As <see cref="Gflops(Type, int)"/>, from a given float32 rate per CPU.</summary>
    public static double Gflops(double perCpuFloat32, Type element, int threads) => perCpuFloat32 * threads * (element == typeof(double) ? 0.5 : 1);

    /// <summary>float32 GFLOP/s per logical CPU with all of them busy: from the environment when the suite set it, else measured once.</summary>
    public static double PerCpuFloat32()
    {
        _perCpu ??= FromEnvironment(EnvironmentVariable, "GFLOP/s") ?? Measure();
        return _perCpu.Value;
    }

    /// <summary>A positive figure handed down in <paramref name="variable"/>, or null when it is unset.</summary>
    internal static double? FromEnvironment(string variable, string unit)
    {
        if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } s) return null;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v > 0))
            throw new InvalidOperationException($"{variable}={s}: expected a positive number of {unit}.");
        return v;
    }

    /// <summary>Best of five 0.2-second runs of the FMA loop on every logical CPU at once; GFLOP/s per CPU.</summary>
    public static double Measure() => Measure(rounds: 5, seconds: 0.2);

    /// <summary>
    /// A fresh reading, never cached (best of three 0.1-second runs on every CPU; GFLOP/s per CPU): the denominator of
    /// a figure measured just before or after it. The loop's rate follows the clock the host gives the cores, which
    /// moves with its other guests' load: on the Xeon it read 350–471 GFLOP/s across one day, and 360–379 then, three
    /// minutes later, 434–458; 2048³ products alternated with it ran at 81–91% of the reading beside them.
    /// </summary>
    public static double MeasureNow() => Measure(rounds: 3, seconds: 0.1);

    /// <summary>Whether the loop is timed by each thread's CPU time (Linux) rather than by the wall clock.</summary>
    public static bool TimedByCpuTime => ThreadCpuClock.IsCpuTime;

    /// <summary>The length of one timed burst of the loop, seconds of the thread's CPU time.</summary>
    public const double BurstSeconds = 0.02;

    private static double Measure(int rounds, double seconds)
    {
        double best = 0;
        for (int round = 0; round < rounds; round++) best = Math.Max(best, OnEveryCpu(_ => FmaLoopGflops(seconds)).Average());
        return best;
    }

    /// <summary>Runs <paramref name="work"/>(cpu) on a thread of its own for every logical CPU, all at once; their results.</summary>
    internal static double[] OnEveryCpu(Func<int, double> work)
    {
        var results = new double[Environment.ProcessorCount];
        var threads = Enumerable.Range(0, results.Length).Select(i => new Thread(() => results[i] = work(i))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return results;
    }

    /// <summary>
    /// Twelve independent FMA chains (more than latency × ports on either Zen) in bursts of <see cref="BurstSeconds"/>
    /// of this thread's CPU time, for about <paramref name="seconds"/> of wall time (at least one burst); the best
    /// burst's GFLOP/s.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double FmaLoopGflops(double seconds)
    {
        const int Trips = 1 << 14, Chains = 12;
        int lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;
        var wall = Stopwatch.StartNew();
        float sink = 0;
        double best = 0;
        do
        {
            long fmas = 0;
            double start = ThreadCpuClock.Seconds(), used;
            do
            {
                sink += Vector512.IsHardwareAccelerated ? Chains512(Trips) : Chains256(Trips);
                fmas += (long)Trips * Chains;
                used = ThreadCpuClock.Seconds() - start;
            }
            while (used < BurstSeconds);
            best = Math.Max(best, fmas * lanes * 2 / used / 1e9);
        }
        while (wall.Elapsed.TotalSeconds < seconds);
        GC.KeepAlive(sink);
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains512(int trips)
    {
        Vector512<float> m = Vector512.Create(0.999999f), a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < trips; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    /// <summary>
    /// <see cref="Chains512"/> at 256 bits, for CPUs without AVX-512: written twice because .NET has no public interface
    /// over vector widths (ISimdVector is internal), as the GEMM's Block16 and Block8 are.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256(int trips)
    {
        Vector256<float> m = Vector256.Create(0.999999f), a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < trips; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
