namespace Backprop.Kernels;

/// <summary>
/// Per-thread, grow-only, 64-byte aligned packing buffers: steady-state calls allocate nothing, and two threads
/// multiplying at once never share one. Pinned arrays, freed with their thread or by <see cref="Scratch.Release"/>
/// (which says how large they grow).
/// </summary>
internal static unsafe class GemmScratch<T> where T : unmanaged
{
    /// <summary>Packed op(A) of the call this thread is making (shared read-only with the workers during it).</summary>
    [ThreadStatic] private static ScratchBuffer<T>? _a;
    /// <summary>Packed B strip of the piece this thread is running.</summary>
    [ThreadStatic] private static ScratchBuffer<T>? _b;
    [ThreadStatic] private static ScratchBuffer<T>? _ownA;
    [ThreadStatic] private static ScratchBuffer<T>? _partial0, _partial1;

    public static T* ForA(nint length) => Ensure(ref _a, length);
    /// <summary>The A micro-panels the piece this thread is running packs for itself (<see cref="GemmPlan.OwnA"/>).</summary>
    public static T* ForOwnA(nint length) => Ensure(ref _ownA, length);
    public static T* ForB(nint length) => Ensure(ref _b, length);
    /// <summary>The sums of K half <paramref name="half"/> of the call this thread is making (<see cref="GemmPlan.SplitK"/>).</summary>
    public static T* ForPartial(int half, nint length) => half == 0 ? Ensure(ref _partial0, length) : Ensure(ref _partial1, length);

    // Grow by 1/4 beyond the request so slowly growing sizes do not reallocate every call.
    private static T* Ensure(ref ScratchBuffer<T>? buffer, nint length) => (buffer ??= new()).Ensure(length, length + length / 4);
}
