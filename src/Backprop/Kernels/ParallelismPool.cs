using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Backprop.Kernels;

/// <summary>
/// The persistent workers behind <see cref="Parallelism.For{TState}"/>: one loop at a time owns them. Each participant
/// (the caller is participant 0, worker w is w + 1) owns a contiguous block of the pieces and claims them from its own
/// counter, then takes what is left in the others' blocks. So while the threads keep pace, the same thread runs the
/// same pieces every call, and the data a piece writes (an optimizer's state, a layer's columns) stays in that core's
/// caches instead of moving to the other core with every call.
/// </summary>
/// <remarks>
/// With one shared counter the order of claims followed the threads' timing, so an Adam pass's chunks changed hands
/// from step to step; while the host put the two vCPUs on different CCDs, each step's w, m and v then crossed between
/// their L3s. Fashion-MNIST epochs, 16 alternated pairs (step profile): medians 2.17 s against 2.94 s, faster in 10
/// pairs and slower in 4, the slowest run 2.83 s against 3.14 s (the separate Adam pass at most 731 against 879 ms per
/// epoch); equal (1.62–1.68 s) while the vCPUs shared a CCD. Same bits.
/// </remarks>
internal static class ParallelismPool
{
    /// <summary>How long an idle worker spins before sleeping: kernels come in bursts, and waking a sleeper costs ~10 µs.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 10_000; // 100 µs

    private static readonly object GrowLock = new();
    private static ParallelismWorker[] _workers = [];
    private static int _owned;                 // 1 while a loop owns the pool
    [ThreadStatic] private static bool _inside; // this thread is running pieces of a pooled loop

    /// <summary>True on a thread that is running pieces of a pooled loop (a loop started there runs inline).</summary>
    public static bool Inside => _inside;

    // The current loop, published before workers are assigned (volatile write) and read after (volatile read).
    private static ParallelismJob? _job;
    private static int _participants;
    private static BlockCounter[] _blocks = [];
    private static int _pending;
    private static Exception? _error;

    /// <summary>Runs the loop on the pool; false (nothing run) when the pool is owned or this thread is inside a piece.</summary>
    public static bool TryRun<TState>(int pieces, int threads, in TState state, ForBody<TState> body)
    {
        if (_inside || Interlocked.CompareExchange(ref _owned, 1, 0) != 0) return false;
        var job = ParallelismJob<TState>.Shared ??= new ParallelismJob<TState>();
        job.Set(in state, body);
        try
        {
            var workers = EnsureWorkers(threads - 1);
            var blocks = EnsureBlocks(threads);
            for (int t = 0; t < threads; t++)
            {
                blocks[t].Next = Parallelism.SplitStart(pieces, threads, t);
                blocks[t].End = Parallelism.SplitStart(pieces, threads, t + 1);
            }
            _job = job;
            _participants = threads;
            _error = null;
            Volatile.Write(ref _pending, threads - 1);
            for (int w = 0; w < threads - 1; w++) workers[w].Assign();

            _inside = true;
            RunPieces(job, 0);
            _inside = false;
            // No piece is left to claim: workers that have not started are not needed.
            for (int w = 0; w < threads - 1; w++)
                if (workers[w].TryRevoke()) Interlocked.Decrement(ref _pending);
            WaitForWorkers();

            var error = _error;
            _job = null;
            _error = null;
            if (error is not null) ExceptionDispatchInfo.Capture(error).Throw();
            return true;
        }
        finally
        {
            _inside = false;
            job.Clear();
            Volatile.Write(ref _owned, 0);
        }
    }

    /// <summary>
    /// Runs participant <paramref name="self"/>'s block, then what is left of the others' (each block's pieces in order);
    /// a throwing piece stops all claiming.
    /// </summary>
    private static void RunPieces(ParallelismJob job, int self)
    {
        var blocks = _blocks;
        int participants = _participants;
        for (int k = 0; k < participants; k++)
        {
            ref var block = ref blocks[(self + k) % participants];
            int end = block.End;
            while (true)
            {
                if (Volatile.Read(ref _error) is not null) return;
                int piece = Interlocked.Increment(ref block.Next) - 1;
                if (piece >= end) break;
                try
                {
                    job.Run(piece);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                    return;
                }
            }
        }
    }

    private static BlockCounter[] EnsureBlocks(int count)
    {
        if (_blocks.Length < count) _blocks = new BlockCounter[count];
        return _blocks;
    }

    private static void WaitForWorkers()
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
    }

    /// <summary>Worker loop: wait for an assignment, run pieces of the current loop, report done.</summary>
    internal static void WorkerMain(ParallelismWorker self)
    {
        _inside = true;
        while (true)
        {
            self.WaitForAssignment(SpinTicks);
            RunPieces(Volatile.Read(ref _job)!, self.Index + 1);
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <summary>
    /// Wakes every worker and returns once each has dropped its scratch buffers of <paramref name="generation"/>
    /// (<see cref="Scratch.Release"/>): a sleeping worker at once, one running another thread's loop when it ends.
    /// </summary>
    internal static void WaitForWorkersToSee(int generation)
    {
        var workers = Volatile.Read(ref _workers);
        foreach (var worker in workers) worker.Wake();
        var spin = new SpinWait();
        foreach (var worker in workers)
            while (worker.SeenGeneration - generation < 0) spin.SpinOnce();
    }

    private static ParallelismWorker[] EnsureWorkers(int count)
    {
        var workers = _workers;
        if (workers.Length >= count) return workers;
        lock (GrowLock)
        {
            workers = _workers;
            if (workers.Length >= count) return workers;
            var grown = new ParallelismWorker[count];
            Array.Copy(workers, grown, workers.Length);
            for (int i = workers.Length; i < count; i++) grown[i] = new ParallelismWorker(i);
            _workers = grown;
            return grown;
        }
    }

    /// <summary>One participant's block of pieces, alone on its cache lines (128 bytes: a line and its adjacent-line prefetch).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128)]
    private struct BlockCounter
    {
        [System.Runtime.InteropServices.FieldOffset(64)] public int Next;
        [System.Runtime.InteropServices.FieldOffset(68)] public int End;
    }
}
