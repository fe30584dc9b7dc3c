using System.Diagnostics;

namespace Backprop.Kernels;

/// <summary>One background thread of the pool, woken by <see cref="Assign"/>: it spins briefly, then sleeps.</summary>
internal sealed class ParallelismWorker
{
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);
    private int _assigned;

    public ParallelismWorker(int index)
    {
        var thread = new Thread(() => ParallelismPool.WorkerMain(this), maxStackSize: 4 << 20)
        {
            IsBackground = true,
            Name = $"Backprop worker {index + 1}",
        };
        thread.Start();
    }

    /// <summary>Hands this worker the current loop (published before this call).</summary>
    public void Assign()
    {
        Volatile.Write(ref _assigned, 1);
        _wake.Set();
    }

    /// <summary>Returns once assigned: spins for <paramref name="spinTicks"/>, then blocks until woken.</summary>
    public void WaitForAssignment(long spinTicks)
    {
        long deadline = Stopwatch.GetTimestamp() + spinTicks;
        while (Volatile.Read(ref _assigned) == 0)
        {
            if (Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(8);
            }
            else
            {
                // Assign sets the flag before the event, so a wake is never lost: either we see the flag, or the
                // event is (or will be) set. A stale set from an earlier assignment only costs one more loop.
                _wake.Wait();
                _wake.Reset();
            }
        }
        Volatile.Write(ref _assigned, 0);
    }
}
