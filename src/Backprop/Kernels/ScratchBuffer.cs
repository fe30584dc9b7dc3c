using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Kernels;

/// <summary>
/// One thread's grow-only, pinned scratch array, handed out from its first 64-byte line. Reallocated when too small,
/// and at the first use after <see cref="Scratch.Release"/>; counted in <see cref="Scratch.RetainedBytes"/>.
/// </summary>
internal sealed unsafe class ScratchBuffer<T> : IScratchBuffer where T : unmanaged
{
    private const int Alignment = 64;

    private T[]? _array;
    private int _generation;

    /// <summary>A new buffer of the calling thread (which alone may use it).</summary>
    public ScratchBuffer() => Scratch.Register(this);

    /// <summary>
    /// At least <paramref name="length"/> Ts from a 64-byte boundary; when the buffer must grow, it takes
    /// <paramref name="grownLength"/> (≥ length), so slowly growing sizes need not reallocate every call. The pointer is
    /// valid until this buffer's next <c>Ensure</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T* Ensure(nint length, nint grownLength)
    {
        nint pad = Alignment / sizeof(T);
        var array = _array;
        if (array is null || array.Length < length + pad || _generation != Scratch.Generation) array = Grow(grownLength + pad);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return (T*)((start + Alignment - 1) & ~(nint)(Alignment - 1));
    }

    private T[] Grow(nint length)
    {
        _generation = Scratch.Generation;
        var array = GC.AllocateUninitializedArray<T>(checked((int)length), pinned: true);
        Scratch.Count(((long)array.Length - (_array?.Length ?? 0)) * sizeof(T));
        _array = array;
        return array;
    }

    public long Bytes => (long)(_array?.Length ?? 0) * sizeof(T);

    public void Drop()
    {
        Scratch.Count(-(long)(_array?.Length ?? 0) * sizeof(T));
        _array = null;
    }

    // The thread ended: its buffers go with it.
    ~ScratchBuffer() => Scratch.Count(-(long)(_array?.Length ?? 0) * sizeof(T));
}
