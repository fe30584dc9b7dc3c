namespace Backprop.Kernels;

/// <summary>
/// Per-thread, grow-only buffer for the partial sums of blocked column reductions (<see cref="RowBlocks"/>): steady-state
/// calls allocate nothing; the workers write into the calling thread's buffer while it waits. A pinned array, freed
/// with its thread or by <see cref="Scratch.Release"/>, handed out from its first 64-byte line (so partials a whole
/// number of lines apart share none).
/// </summary>
internal static unsafe class ReductionScratch<T> where T : unmanaged
{
    [ThreadStatic] private static ScratchBuffer<T>? _partials;

    /// <summary>Values between two partials of <paramref name="count"/> values each: whole 64-byte lines, so two cores' partials share none.</summary>
    public static int LineStride(int count)
    {
        int perLine = 64 / sizeof(T);
        return (count + perLine - 1) / perLine * perLine;
    }

    public static T* Get(long length) => (_partials ??= new()).Ensure(checked((nint)length), checked((nint)length));
}
