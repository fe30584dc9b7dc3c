using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Backprop.Kernels;

/// <summary>
/// Whether the pool's two threads run on cores that share a last-level cache, measured the way the bench's
/// <c>latency</c> command measures it: one cache line handed back and forth between the calling thread and the pool's
/// worker. A shared host can move two virtual CPUs between one CCD of an EPYC (a round trip of ~80–120 ns) and two
/// (~330–400 ns) within seconds, so the answer is re-measured every <see cref="RefreshMs"/> ms, at the first call after
/// that, outside any pooled loop (32 round trips: ~3 µs near, ~12 µs far, plus one dispatch).
/// </summary>
/// <remarks>
/// Only where data go depends on it (<see cref="Streaming.Activations{T}"/>: streaming stores or ordinary ones), never a
/// value, so results stay bit-identical whatever the host does.
/// </remarks>
internal static class CorePlacement
{
    /// <summary>How long a measurement stands.</summary>
    public const int RefreshMs = 250;

    /// <summary>
    /// Round trips above this are "far": in the gap between the Zen 4 host's two placements (~85–120 and ~330–395 ns).
    /// The Xeon of 2026-12-06 (one mesh, one L3) reads anywhere in 115–350 ns, 141–280 during a Fashion-MNIST epoch,
    /// so at the old 200 ns about half its checks read far and the stores flipped at random. There streaming does not
    /// pay: forced on, batch norm's passes were slower in every run (15–23 against 13–17 ms per layer and direction per
    /// Fashion-MNIST epoch, 5 runs each way), the rest of the step level within the host's noise. Against 200, runs in
    /// balanced order: Fashion-MNIST epochs 1.395 against 1.399 s (6 each), the main job's [1000, 1000] net 3.08
    /// against 3.10 s (12 each), both level. At 300 the Xeon's checks read near, so its stores no longer flip.
    /// </summary>
    public const double FarNs = 300;

    private const int Trips = 16, Batches = 2;
    private const int SpinLimit = 1 << 22; // ~20 ms: a partner this late was descheduled
    private static readonly long RefreshTicks = Stopwatch.Frequency * RefreshMs / 1000;
    private static readonly long PartnerWaitTicks = Stopwatch.Frequency / 1000; // a sleeping worker wakes in ~10 µs

    private static long _nextProbe;
    private static bool _far = true; // until measured: streaming is the safe choice
    private static readonly Line[] Lines = new Line[2]; // the counter; the partner's arrival (1), or the lead giving up (−1)

    /// <summary>Forces the answer (tests); null measures.</summary>
    internal static bool? Override { get; set; }

    /// <summary>Measurements taken by <see cref="FarApart"/> so far, and how many of them read far (the bench reports them per epoch).</summary>
    internal static long Readings { get; private set; }

    /// <inheritdoc cref="Readings"/>
    internal static long FarReadings { get; private set; }

    /// <summary>The latest round trip measured, in ns (NaN before the first, or when the worker did not come).</summary>
    public static double LastRoundTripNs { get; private set; } = double.NaN;

    /// <summary>
    /// True when the caller and the pool's first worker sit on cores far apart (and on more than two threads, where
    /// some pairs are). Measures again when the last measurement is older than <see cref="RefreshMs"/>.
    /// </summary>
    public static bool FarApart
    {
        get
        {
            if (Override is { } forced) return forced;
            if (Parallelism.MaxThreads != 2) return Parallelism.MaxThreads > 2;
            long now = Stopwatch.GetTimestamp(), next = Volatile.Read(ref _nextProbe);
            if (now >= next && !ParallelismPool.Inside && Interlocked.CompareExchange(ref _nextProbe, now + RefreshTicks, next) == next)
            {
                double ns = RoundTripNs();
                if (!double.IsNaN(ns))
                {
                    _far = ns > FarNs;
                    Readings++;
                    if (_far) FarReadings++;
                }
            }
            return _far;
        }
    }

    /// <summary>One measurement on the pool: ns per round trip (the faster of two batches), or NaN when the worker did not join.</summary>
    internal static double RoundTripNs()
    {
        _bestTicks = long.MaxValue;
        Volatile.Write(ref Lines[0].Value, 0);
        Volatile.Write(ref Lines[1].Value, 0);
        Parallelism.For(2, 0, static (int piece, in int _) =>
        {
            if (piece == 0) Lead();
            else Follow();
        });
        double ns = _bestTicks == long.MaxValue ? double.NaN : _bestTicks * 1e9 / Stopwatch.Frequency / Trips;
        LastRoundTripNs = ns;
        return ns;
    }

    private static long _bestTicks;

    /// <summary>Piece 0 (the caller): waits for the partner, then times the round trips; gives up if it does not come.</summary>
    private static void Lead()
    {
        long deadline = Stopwatch.GetTimestamp() + PartnerWaitTicks;
        while (Volatile.Read(ref Lines[1].Value) == 0)
        {
            if (Stopwatch.GetTimestamp() > deadline && Interlocked.CompareExchange(ref Lines[1].Value, -1, 0) == 0) return;
            Thread.SpinWait(1);
        }
        if (Volatile.Read(ref Lines[1].Value) < 0) return;
        long best = long.MaxValue, n = 0;
        for (int batch = 0; batch < Batches; batch++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < Trips; i++, n += 2)
            {
                Volatile.Write(ref Lines[0].Value, n + 1);
                for (int spins = 0; Volatile.Read(ref Lines[0].Value) != n + 2; spins++)
                {
                    if (spins < SpinLimit) continue;
                    Volatile.Write(ref Lines[0].Value, -1); // the partner stalled (descheduled): no measurement
                    return;
                }
            }
            best = Math.Min(best, Stopwatch.GetTimestamp() - t0);
        }
        _bestTicks = best;
    }

    /// <summary>Piece 1 (the worker, or the caller after the lead gave up): answers each odd count with the next even one.</summary>
    private static void Follow()
    {
        if (Interlocked.CompareExchange(ref Lines[1].Value, 1, 0) != 0) return; // the lead gave up
        for (long n = 0; n < 2 * Batches * Trips; n += 2)
        {
            long seen;
            while ((seen = Volatile.Read(ref Lines[0].Value)) != n + 1)
                if (seen < 0) return; // the lead gave up
            // A compare-exchange, not a store: a lead that gave up meanwhile (−1) must not be overwritten.
            if (Interlocked.CompareExchange(ref Lines[0].Value, n + 2, n + 1) != n + 1) return;
        }
    }

    /// <summary>A value alone on its cache lines (128 bytes: a line and its adjacent-line prefetch).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Line
    {
        [FieldOffset(64)] public long Value;
    }
}
