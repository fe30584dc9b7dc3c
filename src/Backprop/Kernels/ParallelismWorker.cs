using System.Diagnostics;

namespace Backprop.Kernels;

/// <summary>One background thread of the pool, woken by <see cref="Assign"/>: it spins briefly, then sleeps.</summary>
internal sealed class ParallelismWorker
{
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);
    private int _assigned;

    public ParallelismWorker(int index)
    {
        Index = index;
        var thread = new Thread(() => ParallelismPool.WorkerMain(this), maxStackSize: 4 << 20)
        {
            IsBackground = true,
            Name = $"Backprop worker {index + 1}",
        };
        thread.Start();
    }

    /// <summary>0 for the first worker (the loop's participant 1).</summary>
    public int Index { get; }

    private int _seenGeneration;

    /// <summary>The <see cref="Scratch"/> generation whose release this worker has done.</summary>
    public int SeenGeneration => Volatile.Read(ref _seenGeneration);

    /// <summary>Wakes the worker without an assignment: it drops its scratch buffers if they are stale, then sleeps again.</summary>
    public void Wake() => _wake.Set();

    /// <summary>Hands this worker the current loop (published before this call).</summary>
    public void Assign()
    {
        Volatile.Write(ref _assigned, 1);
        _wake.Set();
    }

    /// <summary>
    /// Takes back an assignment the worker has not picked up yet (it may be asleep, or waiting for a core on a busy
    /// machine), so the caller need not wait for it. True when revoked: the worker will not run this loop.
    /// </summary>
    public bool TryRevoke() => Interlocked.CompareExchange(ref _assigned, 0, 1) == 1;

    private void DropStaleScratch() => Volatile.Write(ref _seenGeneration, Scratch.DropIfStale());

    /// <summary>Returns once assigned (and the assignment claimed): spins for <paramref name="spinTicks"/>, then blocks.</summary>
    public void WaitForAssignment(long spinTicks)
    {
        // Between loops none of this thread's scratch is in use: where a released buffer may go.
        DropStaleScratch();
        long deadline = Stopwatch.GetTimestamp() + spinTicks;
        while (true)
        {
            // Claim with a CAS: the caller may be revoking the same assignment; exactly one of us wins.
            if (Volatile.Read(ref _assigned) == 1 && Interlocked.CompareExchange(ref _assigned, 0, 1) == 1) return;
            if (Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(8);
            }
            else
            {
                // Assign sets the flag before the event, so a wake is never lost: either we see the flag, or the
                // event is (or will be) set. A stale set from an earlier assignment only costs one more loop.
                DropStaleScratch();
                _wake.Wait();
                _wake.Reset();
            }
        }
    }
}
