namespace Backprop.Kernels;

/// <summary>
/// How many threads the kernels use. Work is always split into the same pieces whatever the thread count, so results
/// are bit-identical on 1 or many threads; only who computes each piece changes.
/// </summary>
public static class Parallelism
{
    private static int _maxThreads = DefaultThreads();

    /// <summary>Upper bound on threads per kernel call (default: <c>$BACKPROP_THREADS</c>, else the processor count).</summary>
    public static int MaxThreads
    {
        get => _maxThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxThreads = value;
        }
    }

    private static int DefaultThreads()
    {
        var env = Environment.GetEnvironmentVariable("BACKPROP_THREADS");
        return int.TryParse(env, out var t) && t >= 1 ? t : Environment.ProcessorCount;
    }

    /// <summary>Runs <paramref name="body"/> for each piece in [0, <paramref name="pieces"/>), in parallel when worth it.</summary>
    public static void For(int pieces, Action<int> body)
    {
        if (pieces <= 0) return;
        if (pieces == 1 || _maxThreads == 1)
        {
            for (int i = 0; i < pieces; i++) body(i);
            return;
        }
        Parallel.For(0, pieces, new ParallelOptions { MaxDegreeOfParallelism = _maxThreads }, body);
    }
}
