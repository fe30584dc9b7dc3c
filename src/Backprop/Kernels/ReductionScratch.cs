using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Kernels;

/// <summary>
/// Per-thread, grow-only buffer for the partial sums of blocked column reductions (<see cref="RowBlocks"/>): steady-state
/// calls allocate nothing; the workers write into the calling thread's buffer while it waits. A pinned array, freed with its thread.
/// </summary>
internal static unsafe class ReductionScratch<T> where T : unmanaged
{
    [ThreadStatic] private static T[]? _partials;

    public static T* Get(long length)
    {
        if (_partials is null || _partials.Length < length)
            _partials = GC.AllocateUninitializedArray<T>(checked((int)length), pinned: true);
        return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_partials));
    }
}
