namespace Backprop.Kernels;

/// <summary>Body of one piece of a <see cref="Parallelism.For{TState}"/> loop; <paramref name="state"/> is shared, read-only.</summary>
public delegate void ForBody<TState>(int piece, in TState state);

/// <summary>
/// How many threads the kernels use, and the loop that spreads pieces of work over them. Kernels split work into pieces
/// whose results do not depend on who computes them, so output is bit-identical on 1 or many threads.
/// </summary>
/// <remarks>
/// <para>Pieces run on a persistent pool of <c>MaxThreads - 1</c> background workers plus the calling thread, which
/// works too. A dispatch allocates nothing in steady state. The pool keeps as many workers as the most threads a loop
/// has used (lowering <see cref="MaxThreads"/> leaves the others asleep), each with its scratch buffers
/// (<see cref="Scratch"/>, which says how large they grow and how to release them).</para>
/// <para>Only one loop owns the pool at a time. A loop started while another owns it (a concurrent caller on another
/// thread), or from inside a running piece (nested loop), runs all its pieces inline on its own thread, in order. So
/// nesting never deadlocks and concurrent callers stay correct; they just share the cores.</para>
/// <para>Each thread owns a contiguous block of the pieces (the caller the first) and takes others' only when its own
/// are done, so a loop run every step gives the same pieces to the same thread, and the data they write stays in that
/// core's caches.</para>
/// <para>If a piece throws, pieces not yet started are skipped and the first exception is rethrown on the caller, with
/// its original stack trace, once every started piece has finished.</para>
/// <para>Thread safety: <see cref="For{TState}"/> may be called from any number of threads at once (trainings side by
/// side each give the bits they give alone), and <see cref="MaxThreads"/> may be set at any time, from any thread: a
/// loop reads it once when it starts, and any count gives the same bits, so a training running meanwhile keeps its
/// results (only its speed changes).</para>
/// </remarks>
public static class Parallelism
{
    private static int _maxThreads = DefaultThreads();

    [ThreadStatic] private static int t_threadLimit;   // 0: none (LimitCallingThread)

    /// <summary>
    /// Upper bound on threads per loop (default: <c>$BACKPROP_THREADS</c>, else the processor count): from 1 to
    /// <see cref="MaxThreadCount"/>. Set for the whole process; read, it is the smaller of that and the calling thread's
    /// own limit, if it has one (<see cref="LimitCallingThread"/>).
    /// </summary>
    public static int MaxThreads
    {
        get
        {
            int all = Volatile.Read(ref _maxThreads), mine = t_threadLimit;
            return mine > 0 && mine < all ? mine : all;
        }
        set
        {
            if (!IsThreadCount(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, $"MaxThreads: a thread count must be from 1 to {MaxThreadCount}, got {value}.");
            Volatile.Write(ref _maxThreads, value);
        }
    }

    /// <summary>
    /// Limits the kernels called from this thread to <paramref name="threads"/> until the result is disposed, leaving
    /// the process-wide <see cref="MaxThreads"/> alone: a search's trials each run single-threaded kernels side by side
    /// while other threads keep theirs (the bits are the same on any count).
    /// </summary>
    public static ThreadLimit LimitCallingThread(int threads)
    {
        if (!IsThreadCount(threads))
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"LimitCallingThread: a thread count must be from 1 to {MaxThreadCount}, got {threads}.");
        var limit = new ThreadLimit(t_threadLimit);
        t_threadLimit = threads;
        return limit;
    }

    /// <summary>Restores the calling thread's previous limit when disposed (on the thread that took it).</summary>
    public readonly struct ThreadLimit : IDisposable
    {
        private readonly int _previous;

        internal ThreadLimit(int previous) => _previous = previous;

        /// <summary>Restores the limit in force before <see cref="LimitCallingThread"/>.</summary>
        public void Dispose() => t_threadLimit = _previous;
    }

    /// <summary>The environment variable that sets the default of <see cref="MaxThreads"/>.</summary>
    public const string ThreadsVariable = "BACKPROP_THREADS";

    /// <summary>Most threads a thread count (<see cref="ThreadsVariable"/>, the command line's <c>--threads</c>) may ask for.</summary>
    public const int MaxThreadCount = 1024;

    /// <summary>True for a thread count the kernels take: from 1 to <see cref="MaxThreadCount"/>.</summary>
    public static bool IsThreadCount(int threads) => threads is >= 1 and <= MaxThreadCount;

    /// <summary>Reads a thread count: digits only, and <see cref="IsThreadCount"/>.</summary>
    public static bool TryParseThreads(string? text, out int threads) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out threads)
        && IsThreadCount(threads);

    // A malformed variable is ignored here (a static initialiser cannot report it well); the command line refuses it.
    private static int DefaultThreads() =>
        TryParseThreads(Environment.GetEnvironmentVariable(ThreadsVariable), out var t) ? t : Environment.ProcessorCount;

    /// <summary>Start of part <paramref name="index"/> when <paramref name="total"/> items are split in <paramref name="parts"/> near-equal runs.</summary>
    internal static int SplitStart(int total, int parts, int index) => (int)((long)total * index / parts);

    /// <summary>
    /// Runs <paramref name="body"/> once for each piece in [0, <paramref name="pieces"/>) on up to
    /// <see cref="MaxThreads"/> threads, and returns when all are done. Order between pieces is unspecified.
    /// </summary>
    /// <remarks>A capturing lambda allocates a closure per call; hot paths should use
    /// <see cref="For{TState}(int, in TState, ForBody{TState})"/> with a <c>static</c> lambda.</remarks>
    public static void For(int pieces, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        For(pieces, body, static (int piece, in Action<int> action) => action(piece));
    }

    /// <summary>
    /// Runs <paramref name="body"/>(piece, state) once for each piece in [0, <paramref name="pieces"/>) on up to
    /// <see cref="MaxThreads"/> threads, and returns when all are done. Allocation-free when <paramref name="body"/> is
    /// a <c>static</c> lambda (cached by the compiler) and <typeparamref name="TState"/> is a struct carrying what the
    /// pieces need (spans cannot be carried: pin them and pass pointers as <see cref="nint"/>).
    /// </summary>
    /// <param name="pieces">Number of pieces; nothing runs when it is 0 or less.</param>
    /// <param name="state">Shared input for every piece, copied once per call.</param>
    /// <param name="body">Work for one piece.</param>
    public static void For<TState>(int pieces, in TState state, ForBody<TState> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (pieces <= 0) return;
        int threads = Math.Min(MaxThreads, pieces);
        if (threads > 1 && ParallelismPool.TryRun(pieces, threads, in state, body)) return;
        for (int i = 0; i < pieces; i++) body(i, in state);
    }
}
