using System.Numerics;

namespace Backprop.Tensors;

/// <summary>
/// Reusable output buffers for a repeated computation. Each <c>Rent</c> call takes the next slot; <see cref="Reset"/>
/// goes back to the first. When a training step asks for the same shapes in the same order every iteration (it does),
/// every iteration after the first allocates nothing.
/// </summary>
/// <remarks>
/// Arrays rented since the last <see cref="Reset"/> stay valid until the next <see cref="Reset"/>; after it they are
/// overwritten by the next iteration. Layer functions take an optional workspace: with <c>null</c> they allocate fresh
/// arrays, as NumPy code does. Every slot starts on a 64-byte line (see <see cref="NDArray{T}.Aligned"/>).
/// <para>Thread safety: a workspace belongs to one computation at a time, on one thread. Give each thread its own (the
/// scoring helpers of <see cref="Training.Solver{T}"/> make one per call when given none). It belongs to the thread
/// that last called <see cref="Reset"/> (a new one to the first thread that rents from it); a rent from any other
/// thread throws <see cref="InvalidOperationException"/>, so two threads that share one by mistake are refused as soon
/// as their calls interleave, instead of writing into each other's arrays. A workspace moves to another thread by
/// calling <see cref="Reset"/> there. (A call that has returned before the other thread's Reset is not caught: its
/// arrays are then overwritten, as on one thread.)</para>
/// </remarks>
public sealed class Workspace
{
    private readonly List<object?> _slots = [];
    private int _cursor;
    private int _owner;   // managed id of the thread renting since the last Reset; 0 before any

    /// <summary>Number of slots handed out since the last reset.</summary>
    public int Count => _cursor;

    /// <summary>Starts the next iteration: slots are handed out again from the first.</summary>
    public void Reset()
    {
        _owner = Environment.CurrentManagedThreadId;
        _cursor = 0;
    }

    /// <summary>An uninitialised 1-D array (contents are whatever the slot held).</summary>
    public NDArray<T> Rent<T>(int d0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Peek<T>();
        if (a is not null && a.Rank == 1 && a.Dim(0) == d0) return Keep(a);
        return Keep(Make<T>(a, [d0]));
    }

    /// <summary>An uninitialised 2-D array.</summary>
    public NDArray<T> Rent<T>(int d0, int d1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Peek<T>();
        if (a is not null && a.Rank == 2 && a.Dim(0) == d0 && a.Dim(1) == d1) return Keep(a);
        return Keep(Make<T>(a, [d0, d1]));
    }

    /// <summary>An uninitialised array with the shape of <paramref name="like"/>.</summary>
    public NDArray<T> RentLike<T>(NDArray<T> like) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(like);
        var a = Peek<T>();
        if (a is not null && a.SameShape(like)) return Keep(a);
        return Keep(Make<T>(a, like.ShapeArray()));
    }

    private NDArray<T>? Peek<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        int me = Environment.CurrentManagedThreadId;
        if (_owner != me)
        {
            if (_owner != 0 || Interlocked.CompareExchange(ref _owner, me, 0) != 0) throw NotOwner();
        }
        if (_cursor == _slots.Count) _slots.Add(null);
        return _slots[_cursor] as NDArray<T>;
    }

    private static InvalidOperationException NotOwner() => new(
        "Workspace: rented from a thread other than the one that last called Reset (two threads sharing one workspace would write into each other's arrays). Give each thread its own Workspace, or call Reset on the thread that uses it next.");

    private NDArray<T> Keep<T>(NDArray<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        _slots[_cursor++] = a;
        return a;
    }

    private static NDArray<T> Make<T>(NDArray<T>? previous, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = NDArray<T>.CheckedSize(shape);
        return previous is not null && previous.Capacity >= size
            ? NDArray<T>.OverBuffer(previous, shape)
            : NDArray<T>.Aligned(shape);
    }
}

/// <summary>Allocation that goes through a workspace when there is one.</summary>
internal static class Alloc
{
    public static NDArray<T> New<T>(Workspace? ws, int d0) where T : unmanaged, IFloatingPointIeee754<T>
        => ws is null ? new NDArray<T>(d0) : ws.Rent<T>(d0);

    public static NDArray<T> New<T>(Workspace? ws, int d0, int d1) where T : unmanaged, IFloatingPointIeee754<T>
        => ws is null ? new NDArray<T>(d0, d1) : ws.Rent<T>(d0, d1);

    public static NDArray<T> Like<T>(Workspace? ws, NDArray<T> like) where T : unmanaged, IFloatingPointIeee754<T>
        => ws is null ? new NDArray<T>(like.ShapeArray()) : ws.RentLike(like);
}
