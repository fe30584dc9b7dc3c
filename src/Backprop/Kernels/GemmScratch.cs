using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Kernels;

/// <summary>
/// Per-thread, grow-only, 64-byte aligned packing buffers: steady-state calls allocate nothing, and two threads
/// multiplying at once never share one. Pinned arrays, so the GC frees them with their thread.
/// </summary>
internal static unsafe class GemmScratch<T> where T : unmanaged
{
    private const int Alignment = 64;

    /// <summary>Packed op(A) of the call this thread is making (shared read-only with the workers during it).</summary>
    [ThreadStatic] private static T[]? _a;
    /// <summary>Packed B strip of the piece this thread is running.</summary>
    [ThreadStatic] private static T[]? _b;
    [ThreadStatic] private static T[]? _ownA;
    [ThreadStatic] private static T[]? _partial0, _partial1;

    public static T* ForA(nint length) => Ensure(ref _a, length);
    /// <summary>The A micro-panels the piece this thread is running packs for itself (<see cref="GemmPlan.OwnA"/>).</summary>
    public static T* ForOwnA(nint length) => Ensure(ref _ownA, length);
    public static T* ForB(nint length) => Ensure(ref _b, length);
    /// <summary>The sums of K half <paramref name="half"/> of the call this thread is making (<see cref="GemmPlan.SplitK"/>).</summary>
    public static T* ForPartial(int half, nint length) => half == 0 ? Ensure(ref _partial0, length) : Ensure(ref _partial1, length);

    private static T* Ensure(ref T[]? buffer, nint length)
    {
        nint pad = Alignment / sizeof(T);
        if (buffer is null || buffer.Length < length + pad)
        {
            // Grow by 1/4 beyond the request so slowly growing sizes do not reallocate every call.
            buffer = GC.AllocateUninitializedArray<T>(checked((int)(length + length / 4 + pad)), pinned: true);
        }
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (T*)((start + Alignment - 1) & ~(nint)(Alignment - 1));
    }
}
