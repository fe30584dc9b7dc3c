using System.Diagnostics;
using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

[Collection(KernelCollection.Name)]
public class CorePlacementTests
{
    [Fact]
    public void RoundTrip_BetweenTheCallerAndTheWorker_IsMeasured()
    {
        WithThreads(2, () =>
        {
            // The worker may be asleep or the other CPU busy (a try gives up after 1 ms: NaN; 1 in 6 runs of five quick
            // tries read only NaN beside another job), so tries spread over up to 5 s until one reads, and none hangs.
            var readings = new List<double>();
            for (int i = 0; i < 500 && !readings.Any(ns => ns > 0 && ns < 1e6); i++)
            {
                if (i > 0) Thread.Sleep(10);
                readings.Add(CorePlacement.RoundTripNs());
            }
            Assert.Contains(readings, ns => ns > 0 && ns < 1e6);
            Assert.All(readings, ns => Assert.True(double.IsNaN(ns) || ns > 0, $"round trip {ns} ns"));
            Assert.Equal(readings[^1], CorePlacement.LastRoundTripNs);
        });
    }

    [Fact]
    public void Probe_InsideAPooledLoop_GivesUpInsteadOfWaiting()
    {
        WithThreads(2, () =>
        {
            // A loop started inside a piece runs inline: the lead waits ~1 ms for a partner that cannot come, gives up,
            // and the follower piece (on the same thread) sees that and returns.
            // (One piece probes: the probe's lines are shared, and the pool never runs two probes at once.)
            var results = new double[2];
            var clock = Stopwatch.StartNew();
            Parallelism.For(2, results, static (int piece, in double[] r) => r[piece] = piece == 0 ? CorePlacement.RoundTripNs() : 0);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
            Assert.True(double.IsNaN(results[0]), $"a nested probe read {results[0]} ns");
        });
    }

    [Fact]
    public void FarApart_FollowsTheThreadCount_AndTheOverride()
    {
        WithThreads(1, () => Assert.False(CorePlacement.FarApart)); // one thread: nothing to hand over
        WithThreads(3, () => Assert.True(CorePlacement.FarApart));  // more than two: some pairs are far; stream
        try
        {
            CorePlacement.Override = false;
            WithThreads(3, () => Assert.False(Streaming.Activations<float>()));
            CorePlacement.Override = true;
            WithThreads(2, () => Assert.Equal(Streaming.ActivationsMayStream<float>(), Streaming.Activations<float>()));
            WithThreads(1, () => Assert.False(Streaming.Activations<float>()));
        }
        finally
        {
            CorePlacement.Override = null;
        }
        // Two threads: whatever the host does, a measured answer (and a second read within the refresh period reuses it).
        WithThreads(2, () =>
        {
            bool first = CorePlacement.FarApart;
            long readings = CorePlacement.Readings;
            Assert.Equal(first, CorePlacement.FarApart);
            Assert.Equal(readings, CorePlacement.Readings);   // the second read measured nothing
        });
        // Once the period is over, the next read measures again and counts the reading (unless the worker did not come).
        long readings = CorePlacement.Readings, far = CorePlacement.FarReadings;
        Thread.Sleep(CorePlacement.RefreshMs + 50);
        WithThreads(2, () =>
        {
            bool answer = CorePlacement.FarApart;
            if (double.IsNaN(CorePlacement.LastRoundTripNs)) return;
            Assert.Equal(readings + 1, CorePlacement.Readings);
            Assert.Equal(far + (answer ? 1 : 0), CorePlacement.FarReadings);
            Assert.Equal(CorePlacement.LastRoundTripNs > CorePlacement.FarNs, answer);
        });
    }

    private static void WithThreads(int threads, Action body)
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = threads;
        try { body(); }
        finally { Parallelism.MaxThreads = saved; }
    }
}
