namespace Backprop.Kernels;

/// <summary>
/// The kernels' scratch memory. Each thread that runs a product or a column reduction keeps its own grow-only,
/// pinned buffers (the GEMM's packed operands and split halves, the reductions' partial sums), so a training step
/// allocates nothing once warm. They are sized by the largest call the thread has made, and kept while the thread
/// lives; the pool's workers (<see cref="Parallelism"/>) live as long as the process. So after a large model and then
/// only small ones, the buffers still hold what the large one needed: a thread's share is about its largest product's
/// A operand (batch × inputs) plus, for a forward product of at most 256 rows, two copies of its output (measured: 65
/// MB after one float64 epoch of a [3000, 3000] net at batch 1000, 46 MB for float32; under 20 MB for the models of
/// a few hundred units the notebooks train). <see cref="Release"/> lets them go.
/// </summary>
/// <remarks>
/// Thread safety: <see cref="Release"/> may be called from any thread but a loop body's, at any time, also while other
/// threads train: no buffer is dropped while a kernel uses it (each thread drops its own between loops), so their
/// results keep their bits. <see cref="RetainedBytes"/> may be read from any thread.
/// </remarks>
public static class Scratch
{
    private static int _generation;
    private static long _bytes;
    [ThreadStatic] private static List<IScratchBuffer>? t_buffers;
    [ThreadStatic] private static int t_seen;

    /// <summary>
    /// Bytes the scratch buffers of the process's threads hold now (those of threads that ended count until the
    /// garbage collector has freed them).
    /// </summary>
    public static long RetainedBytes => Interlocked.Read(ref _bytes);

    /// <summary>
    /// Lets go of every thread's scratch buffers, to be freed by the next garbage collection (<c>GC.Collect()</c> to
    /// free them at once): call it after a large model when only smaller ones follow. The calling thread's and the
    /// idle pool workers' go before it returns (a worker running another thread's loop lets go when the loop ends, and
    /// this waits for it); any other thread's go at its next product or reduction, or when it ends (a
    /// <see cref="Training.HyperparameterSearch"/> trial's thread keeps none after its trial). Kernels then allocate what they need
    /// again, once, and the results are bit-identical. Safe while other threads train.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from inside a <see cref="Parallelism.For{TState}"/> body.</exception>
    public static void Release()
    {
        if (ParallelismPool.Inside)
            throw new InvalidOperationException("Scratch.Release was called from inside a Parallelism.For body, whose kernels may be using the buffers; call it between loops.");
        int generation = Interlocked.Increment(ref _generation);
        DropIfStale();
        ParallelismPool.WaitForWorkersToSee(generation);
    }

    /// <summary>The current generation: a buffer stamped with an older one is dropped at its next use.</summary>
    internal static int Generation => Volatile.Read(ref _generation);

    /// <summary>
    /// Drops all of this thread's buffers if <see cref="Release"/> was called since it last looked, and returns the
    /// generation seen. Call only where none of this thread's scratch pointers is in use (between loops).
    /// </summary>
    internal static int DropIfStale()
    {
        int generation = Generation;
        if (t_seen == generation) return generation;
        if (t_buffers is { } mine)
            foreach (var buffer in mine) buffer.Drop();
        t_seen = generation;
        return generation;
    }

    /// <summary>
    /// Drops all of the calling thread's buffers, whatever their generation: for a thread whose kernels are done for
    /// now (a search's trial, whose thread may sit idle in the thread pool). Only where none is in use.
    /// </summary>
    internal static void DropThisThread()
    {
        if (t_buffers is { } mine)
            foreach (var buffer in mine) buffer.Drop();
    }

    /// <summary>Bytes the calling thread's scratch buffers hold now.</summary>
    internal static long ThreadBytes => t_buffers?.Sum(b => b.Bytes) ?? 0;

    internal static void Register(IScratchBuffer buffer) => (t_buffers ??= []).Add(buffer);

    internal static void Count(long bytes) => Interlocked.Add(ref _bytes, bytes);
}

/// <summary>A thread's scratch buffer, as <see cref="Scratch.DropIfStale"/> sees it.</summary>
internal interface IScratchBuffer
{
    long Bytes { get; }
    void Drop();
}
