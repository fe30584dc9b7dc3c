using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Backprop.Kernels;

/// <summary>
/// The persistent workers behind <see cref="Parallelism.For{TState}"/>: one loop at a time owns them; pieces are
/// claimed from a shared counter by the workers and the owning caller alike.
/// </summary>
internal static class ParallelismPool
{
    /// <summary>How long an idle worker spins before sleeping: kernels come in bursts, and waking a sleeper costs ~10 µs.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 10_000; // 100 µs

    private static readonly object GrowLock = new();
    private static ParallelismWorker[] _workers = [];
    private static int _owned;                 // 1 while a loop owns the pool
    [ThreadStatic] private static bool _inside; // this thread is running pieces of a pooled loop

    // The current loop, published before workers are assigned (volatile write) and read after (volatile read).
    private static ParallelismJob? _job;
    private static int _pieces;
    private static int _next;
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
            _job = job;
            _pieces = pieces;
            _next = 0;
            _error = null;
            Volatile.Write(ref _pending, threads - 1);
            for (int w = 0; w < threads - 1; w++) workers[w].Assign();

            _inside = true;
            RunPieces(job);
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

    /// <summary>Claims and runs pieces until none is left; a throwing piece stops the claiming.</summary>
    private static void RunPieces(ParallelismJob job)
    {
        int pieces = _pieces;
        while (true)
        {
            int piece = Interlocked.Increment(ref _next) - 1;
            if (piece >= pieces) return;
            try
            {
                job.Run(piece);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
                Interlocked.Exchange(ref _next, pieces);
                return;
            }
        }
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
            RunPieces(Volatile.Read(ref _job)!);
            Interlocked.Decrement(ref _pending);
        }
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
}
