using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Kernels;

/// <summary>
/// Per-thread, grow-only buffer for the partial sums of blocked column reductions (<see cref="RowBlocks"/>): steady-state
/// calls allocate nothing; the workers write into the calling thread's buffer while it waits. A pinned array, freed
/// with its thread, handed out from its first 64-byte line (so partials a whole number of lines apart share none).
/// </summary>
internal static unsafe class ReductionScratch<T> where T : unmanaged
{
    [ThreadStatic] private static T[]? _partials;

    /// <summary>Values between two partials of <paramref name="count"/> values each: whole 64-byte lines, so two cores' partials share none.</summary>
    public static int LineStride(int count)
    {
        int perLine = 64 / sizeof(T);
        return (count + perLine - 1) / perLine * perLine;
    }

    public static T* Get(long length)
    {
        long slack = 64 / sizeof(T);
        if (_partials is null || _partials.Length < length + slack)
            _partials = GC.AllocateUninitializedArray<T>(checked((int)(length + slack)), pinned: true);
        byte* p = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_partials));
        return (T*)(p + ((64 - ((nint)p & 63)) & 63));
    }
}
