using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

[Collection(KernelCollection.Name)]
public class ParallelismTests
{
    private readonly struct Target(int[] hits)
    {
        public int[] Hits { get; } = hits;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(1000, 2)]
    [InlineData(1000, 3)]
    public void EveryPieceRunsExactlyOnce(int pieces, int threads)
    {
        WithThreads(threads, () =>
        {
            var hits = new int[pieces];
            Parallelism.For(pieces, new Target(hits), static (int i, in Target t) => Interlocked.Increment(ref t.Hits[i]));
            Assert.All(hits, h => Assert.Equal(1, h));

            var viaAction = new int[pieces];
            Parallelism.For(pieces, i => Interlocked.Increment(ref viaAction[i]));
            Assert.All(viaAction, h => Assert.Equal(1, h));
        });
    }

    [Fact]
    public void ZeroOrNegativePieces_RunNothing()
    {
        Parallelism.For(0, _ => throw new InvalidOperationException("must not run"));
        Parallelism.For(-3, _ => throw new InvalidOperationException("must not run"));
    }

    [SkippableFact]
    public void UsesMoreThanOneThread_WhenAllowed()
    {
        Skip.If(Environment.ProcessorCount < 2, "needs 2 CPUs");
        WithThreads(2, () =>
        {
            // Each piece waits a little so the worker gets some; a few tries in case the machine starves it.
            int distinct = 0;
            for (int attempt = 0; attempt < 5 && distinct < 2; attempt++)
            {
                var ids = new int[64];
                Parallelism.For(64, i => { ids[i] = Environment.CurrentManagedThreadId; Thread.Sleep(1); });
                distinct = ids.Distinct().Count();
            }
            Assert.True(distinct >= 2, "all pieces ran on one thread");
        });
    }

    [SkippableFact]
    public void EachThreadRunsItsOwnBlock_WhileTheyKeepPace()
    {
        Skip.If(Environment.ProcessorCount < 2, "needs 2 CPUs");
        WithThreads(2, () =>
        {
            // The caller owns pieces 0–3, the worker 4–7; each piece takes the same time, so neither runs out early.
            // (A worker the OS delays has its pieces taken by the caller: a few tries.)
            int caller = Environment.CurrentManagedThreadId;
            bool split = false;
            for (int attempt = 0; attempt < 5 && !split; attempt++)
            {
                var ids = new int[8];
                Parallelism.For(8, i => { ids[i] = Environment.CurrentManagedThreadId; Thread.Sleep(2); });
                split = ids[..4].All(id => id == caller) && ids[4..].Distinct().Count() == 1 && ids[4] != caller;
            }
            Assert.True(split, "the pieces were not split in two blocks, one per thread");
        });
    }

    [Fact]
    public void OneThread_RunsInlineInOrder()
    {
        WithThreads(1, () =>
        {
            var order = new List<int>();
            int caller = Environment.CurrentManagedThreadId;
            Parallelism.For(10, i => { Assert.Equal(caller, Environment.CurrentManagedThreadId); order.Add(i); });
            Assert.Equal(Enumerable.Range(0, 10), order);
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ExceptionFromABody_ReachesTheCaller(int threads)
    {
        WithThreads(threads, () =>
        {
            var e = Assert.Throws<InvalidOperationException>(() =>
                Parallelism.For(100, i => { if (i == 37) throw new InvalidOperationException("piece 37"); }));
            Assert.Equal("piece 37", e.Message);
            Assert.Contains(nameof(ExceptionFromABody_ReachesTheCaller), e.StackTrace);

            // The pool is usable again afterwards.
            int sum = 0;
            Parallelism.For(100, i => Interlocked.Add(ref sum, i));
            Assert.Equal(4950, sum);
        });
    }

    [Fact]
    public void NestedFor_RunsInlineWithoutDeadlock()
    {
        WithThreads(2, () =>
        {
            var hits = new int[8 * 50];
            Parallelism.For(8, outer => Parallelism.For(50, inner => Interlocked.Increment(ref hits[outer * 50 + inner])));
            Assert.All(hits, h => Assert.Equal(1, h));
        });
    }

    [Fact]
    public void ConcurrentCallers_AllComplete()
    {
        WithThreads(2, () =>
        {
            const int callers = 4, calls = 200, pieces = 37;
            var totals = new long[callers];
            var threads = Enumerable.Range(0, callers).Select(t => new Thread(() =>
            {
                for (int call = 0; call < calls; call++)
                {
                    long sum = 0;
                    Parallelism.For(pieces, i => Interlocked.Add(ref sum, i + 1));
                    totals[t] += sum;
                }
            })).ToList();
            threads.ForEach(th => th.Start());
            threads.ForEach(th => th.Join());
            Assert.All(totals, total => Assert.Equal((long)calls * pieces * (pieces + 1) / 2, total));
        });
    }

    [Fact]
    public void StaticLambdaWithStructState_AllocatesNothing()
    {
        WithThreads(2, () =>
        {
            var hits = new int[16];
            var target = new Target(hits);
            // One lambda: the compiler caches its delegate on first use, which must happen in the warm-up.
            static void Run(in Target t) => Parallelism.For(16, t, static (int p, in Target s) => Interlocked.Increment(ref s.Hits[p]));
            for (int i = 0; i < 200; i++) Run(target);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++) Run(target);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
            Assert.All(hits, h => Assert.Equal(1200, h));
        });
    }

    [Fact]
    public void MaxThreads_RejectsCountsOutsideOneToMaxThreadCount()
    {
        int before = Parallelism.MaxThreads;
        Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxThreads = 0);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxThreads = Parallelism.MaxThreadCount + 1);
        Assert.Contains($"from 1 to {Parallelism.MaxThreadCount}, got {Parallelism.MaxThreadCount + 1}", e.Message);
        Assert.Equal(before, Parallelism.MaxThreads);
        Assert.True(Parallelism.IsThreadCount(1) && Parallelism.IsThreadCount(Parallelism.MaxThreadCount));
    }

    [Fact]
    public void LimitCallingThread_LimitsThatThreadOnly_AndRestores()
    {
        WithThreads(4, () =>
        {
            using (Parallelism.LimitCallingThread(2))
            {
                Assert.Equal(2, Parallelism.MaxThreads);
                int other = 0;
                var thread = new Thread(() => other = Parallelism.MaxThreads);
                thread.Start();
                thread.Join();
                Assert.Equal(4, other);   // other threads keep the process's
                using (Parallelism.LimitCallingThread(1)) Assert.Equal(1, Parallelism.MaxThreads);
                Assert.Equal(2, Parallelism.MaxThreads);                         // the outer limit again
                using (Parallelism.LimitCallingThread(8)) Assert.Equal(4, Parallelism.MaxThreads);   // never above the process's
            }
            Assert.Equal(4, Parallelism.MaxThreads);
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.LimitCallingThread(0));
    }

    private static void WithThreads(int threads, Action body)
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = threads;
        try { body(); }
        finally { Parallelism.MaxThreads = saved; }
    }
}
