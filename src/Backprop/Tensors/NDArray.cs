using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Backprop.Tensors;

/// <summary>
/// A contiguous, row-major n-dimensional array of <c>float</c> or <c>double</c>: the NumPy <c>ndarray</c> of this library.
/// </summary>
/// <remarks>
/// The elements are <see cref="AsSpan"/>: <see cref="Size"/> values in a buffer that may be longer (so that a workspace
/// can reuse it for a smaller batch) and may start past its index 0: arrays of <see cref="AlignedBytes"/> and more start
/// on a 64-byte boundary, one cache line and one 512-bit vector, because the streaming kernels run up to 1.6× faster on
/// aligned rows than on rows that straddle lines (measured on the softmax loss). <see cref="Reshape"/> returns a view
/// that shares the buffer.
/// Named <c>NDArray</c> so that it does not clash with <c>System.Numerics.Tensors.Tensor&lt;T&gt;</c>.
/// </remarks>
/// <typeparam name="T"><c>float</c> or <c>double</c>.</typeparam>
public sealed partial class NDArray<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[] _shape;

    /// <summary>A zero-filled array of the given shape.</summary>
    public NDArray(params int[] shape) : this(null, 0, shape) { }

    private NDArray(T[]? data, int offset, int[] shape, bool aligned = false)
    {
        // Checked here rather than in a static constructor, whose exception would make the type unusable for the process.
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"NDArray supports float and double, not {typeof(T).Name}.");
        ArgumentNullException.ThrowIfNull(shape);
        _shape = (int[])shape.Clone();
        Size = CheckedSize(_shape);
        if (data is null) (data, offset) = Allocate(Size, aligned);
        if (data.Length - offset < Size)
            throw new ArgumentException($"A buffer of {data.Length - offset} elements cannot hold shape {ShapeToString(_shape)} ({Size} elements).", nameof(data));
        Buffer = data;
        Offset = offset;
    }

    /// <summary>Arrays of this many bytes and more are allocated 64-byte aligned.</summary>
    public const int AlignedBytes = 16 * 1024;

    /// <summary>
    /// A zero-filled array whose first element starts a 64-byte line, whatever its size: for buffers reused every step
    /// whose parts different threads write (<see cref="Workspace"/>), so a part boundary on a line boundary is one too.
    /// </summary>
    internal static NDArray<T> Aligned(int[] shape) => new(null, 0, shape, aligned: true);

    /// <summary>
    /// A zeroed buffer for <paramref name="size"/> elements and the index where they start. Large ones (or any, when
    /// <paramref name="aligned"/>) are pinned (they never move, so the alignment found here holds) with one cache line
    /// of slack to start on a 64-byte boundary.
    /// </summary>
    private static unsafe (T[] Buffer, int Offset) Allocate(int size, bool aligned)
    {
        if (size == 0) return ([], 0);
        int slack = 64 / sizeof(T);
        if (((long)size * sizeof(T) < AlignedBytes && !aligned) || size > Array.MaxLength - slack) return (new T[size], 0);
        var buffer = GC.AllocateArray<T>(size + slack, pinned: true);
        long address = (long)Unsafe.AsPointer(ref buffer[0]);
        return (buffer, (int)(((64 - (address & 63)) & 63) / sizeof(T)));
    }

    /// <summary>The backing buffer; the elements are <c>Buffer[Offset .. Offset + Size)</c>, row-major.</summary>
    internal T[] Buffer { get; }

    /// <summary>Index in <see cref="Buffer"/> of the first element.</summary>
    internal int Offset { get; }

    /// <summary>Number of elements (product of the shape).</summary>
    public int Size { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The shape, as a read-only view.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Length of dimension <paramref name="axis"/> (negative counts from the end).</summary>
    public int Dim(int axis)
    {
        int a = axis < 0 ? axis + _shape.Length : axis;
        if ((uint)a >= (uint)_shape.Length)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Axis {axis} is outside an array of shape {ShapeString} (rank {Rank}).");
        return _shape[a];
    }

    /// <summary>A copy of the shape.</summary>
    public int[] ShapeArray() => (int[])_shape.Clone();

    /// <summary>The elements as a span of exactly <see cref="Size"/> elements.</summary>
    public Span<T> AsSpan() => Buffer.AsSpan(Offset, Size);

    /// <summary>Number of elements per sample: the product of all dimensions after the first.</summary>
    public int RowLength => Rank == 0 ? 1 : (_shape[0] == 0 ? CheckedSize(_shape.AsSpan(1)) : Size / _shape[0]);

    /// <summary>The shape as NumPy prints it, e.g. <c>(10, 3, 32, 32)</c>.</summary>
    public string ShapeString => ShapeToString(_shape);

    // ---- construction ---------------------------------------------------------------------------------------------

    /// <summary>Wraps <paramref name="data"/> (not copied) as an array of the given shape.</summary>
    public static NDArray<T> FromArray(T[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        var size = CheckedSize(shape);
        if (data.Length != size)
            throw new ArgumentException($"{data.Length} values cannot be shaped as {ShapeToString(shape)} ({size} elements).", nameof(data));
        return new NDArray<T>(data, 0, shape);
    }

    /// <summary>A new array of the shape over the buffer of <paramref name="previous"/>, which must be large enough (used by workspaces).</summary>
    internal static NDArray<T> OverBuffer(NDArray<T> previous, int[] shape) => new(previous.Buffer, previous.Offset, shape);

    /// <summary>Elements the buffer of this array can hold from its first element on.</summary>
    internal int Capacity => Buffer.Length - Offset;

    /// <summary>A 1-D array of the given values (copied).</summary>
    public static NDArray<T> Vector(params T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var a = new NDArray<T>(values.Length);
        values.CopyTo(a.AsSpan());
        return a;
    }

    /// <summary>An array from nested rows, e.g. <c>FromRows([[1, 2], [3, 4]])</c>.</summary>
    public static NDArray<T> FromRows(T[][] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int missing = Array.IndexOf(rows, null);
        if (missing >= 0) throw new ArgumentException($"Row {missing} is null.", nameof(rows));
        int cols = rows.Length == 0 ? 0 : rows[0].Length;
        var a = new NDArray<T>(rows.Length, cols);
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i].Length != cols)
                throw new ArgumentException($"Row {i} has {rows[i].Length} values; row 0 has {cols}.", nameof(rows));
            rows[i].CopyTo(a.Row(i));
        }
        return a;
    }

    /// <summary>Zeros of the given shape.</summary>
    public static NDArray<T> Zeros(params int[] shape) => new(shape);

    /// <summary>An array of the given shape filled with <paramref name="value"/>.</summary>
    public static NDArray<T> Full(T value, params int[] shape)
    {
        var a = new NDArray<T>(shape);
        a.AsSpan().Fill(value);
        return a;
    }

    /// <summary>Ones of the given shape.</summary>
    public static NDArray<T> Ones(params int[] shape) => Full(T.One, shape);

    /// <summary>
    /// <c>np.linspace(start, stop, num)</c>: <c>start + i·step</c> with <c>step = (stop − start)/(num − 1)</c> computed in
    /// double precision, the last value exactly <paramref name="stop"/>.
    /// </summary>
    public static NDArray<T> Linspace(double start, double stop, int num)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(num);
        var a = new NDArray<T>(num);
        if (num == 0) return a;
        double step = num > 1 ? (stop - start) / (num - 1) : 0.0;
        var v = a.AsSpan();
        for (int i = 0; i < num; i++) v[i] = T.CreateTruncating(i * step + start);
        if (num > 1) v[num - 1] = T.CreateTruncating(stop);
        return a;
    }

    /// <summary>A deep copy (own buffer, same shape).</summary>
    public NDArray<T> Copy()
    {
        var c = new NDArray<T>(_shape);
        AsSpan().CopyTo(c.AsSpan());
        return c;
    }

    /// <summary>
    /// Rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) along the first axis, copied:
    /// NumPy's <c>x[start:start + count].copy()</c>, shape (count, d1, …, dk).
    /// </summary>
    /// <exception cref="InvalidOperationException">The array is 0-d (it has no rows).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rows asked for are not all within the array (the parameter named is the one at fault).</exception>
    public NDArray<T> SliceRows(int start, int count)
    {
        if (Rank < 1) throw new InvalidOperationException($"SliceRows needs an array with rows, not {ShapeString}.");
        if (start < 0 || count < 0 || (long)start + count > _shape[0])
            throw new ArgumentOutOfRangeException(start < 0 || start > _shape[0] ? nameof(start) : nameof(count), $"Rows {start} to {(long)start + count} are outside the {_shape[0]} rows of {ShapeString}.");
        var shape = (int[])_shape.Clone();
        shape[0] = count;
        var r = new NDArray<T>(shape);
        AsSpan().Slice(start * RowLength, count * RowLength).CopyTo(r.AsSpan());
        return r;
    }

    /// <summary>Copies the values of <paramref name="source"/>, which must have the same number of elements.</summary>
    public void CopyFrom(NDArray<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Size != Size)
            throw new ArgumentException($"Cannot copy {source.ShapeString} into {ShapeString}.", nameof(source));
        source.AsSpan().CopyTo(AsSpan());
    }

    /// <summary>The values converted to another element type (a new array).</summary>
    public NDArray<TOut> Cast<TOut>() where TOut : unmanaged, IFloatingPointIeee754<TOut>
    {
        var r = new NDArray<TOut>(_shape);
        var src = AsSpan();
        var dst = r.AsSpan();
        for (int i = 0; i < src.Length; i++) dst[i] = TOut.CreateTruncating(src[i]);
        return r;
    }

    // ---- shape ----------------------------------------------------------------------------------------------------

    /// <summary>
    /// A view with a new shape over the same buffer; one dimension may be −1 (inferred). Other negative sizes are
    /// refused: NumPy 1.24 reads any negative size as −1, which its documentation does not promise.
    /// </summary>
    /// <exception cref="ArgumentException">The sizes do not hold the same elements, or more than one is −1; the message names both shapes.</exception>
    public NDArray<T> Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var s = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Cannot reshape {ShapeString} to {ShapeToString(s)}: only one dimension can be -1.", nameof(shape));
                infer = i;
            }
            else if (s[i] < 0) throw new ArgumentException($"Cannot reshape {ShapeString} to {ShapeToString(s)}: negative dimension {s[i]} (only -1, inferred, may be negative).", nameof(shape));
            else if ((known *= s[i]) > Array.MaxLength)
                throw new ArgumentException($"Cannot reshape {ShapeString} ({Size} elements) to {ShapeToString(s)}: more elements than an array can hold.", nameof(shape));
        }
        if (infer >= 0)
        {
            if (known == 0 || Size % known != 0)
                throw new ArgumentException($"Cannot reshape {ShapeString} ({Size} elements) to {ShapeToString(s)}.", nameof(shape));
            s[infer] = (int)(Size / known);
        }
        if (CheckedSize(s) != Size)
            throw new ArgumentException($"Cannot reshape {ShapeString} ({Size} elements) to {ShapeToString(s)}.", nameof(shape));
        return new NDArray<T>(Buffer, Offset, s);
    }

    /// <summary>
    /// The per-sample flattening the affine layer uses: (N, d1, …, dk) → (N, d1·…·dk). A view over the same elements, as
    /// <see cref="Reshape"/> gives (this array itself when it is already 2-D): writing to it writes to this array.
    /// </summary>
    public NDArray<T> Flatten2D() => Rank == 2 ? this : Reshape(Rank == 0 ? 1 : _shape[0], RowLength);

    /// <summary>True when both arrays have the same shape.</summary>
    public bool SameShape(NDArray<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return _shape.AsSpan().SequenceEqual(other._shape);
    }

    /// <summary>True when the shape equals <paramref name="shape"/>.</summary>
    public bool HasShape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return _shape.AsSpan().SequenceEqual(shape);
    }

    // ---- element access -------------------------------------------------------------------------------------------

    /// <summary>Element of a 1-D array.</summary>
    public ref T this[int i] => ref Buffer[Offset + Index1(i)];

    /// <summary>Element of a 2-D array.</summary>
    public ref T this[int i, int j] => ref Buffer[Offset + Index2(i, j)];

    /// <summary>Element at a flat (row-major) index, as NumPy's <c>a.flat[i]</c>, whatever the rank.</summary>
    public ref T Flat(int i)
    {
        if ((uint)i >= (uint)Size) throw new IndexOutOfRangeException($"Flat index {i} out of range for shape {ShapeString} ({Size} elements).");
        return ref Buffer[Offset + i];
    }

    /// <summary>Element at a full index (one entry per dimension).</summary>
    public ref T At(params int[] index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.Length != Rank)
            throw new IndexOutOfRangeException($"Index of rank {index.Length} for an array of shape {ShapeString}.");
        int flat = 0;
        for (int d = 0; d < Rank; d++)
        {
            if ((uint)index[d] >= (uint)_shape[d])
                throw new IndexOutOfRangeException($"Index {index[d]} out of range for axis {d} of shape {ShapeString}.");
            flat = flat * _shape[d] + index[d];
        }
        return ref Buffer[Offset + flat];
    }

    /// <summary>Row <paramref name="i"/> of the array seen as (N, RowLength).</summary>
    public Span<T> Row(int i)
    {
        if ((uint)i >= (uint)Dim(0)) throw new IndexOutOfRangeException($"Row {i} out of range for shape {ShapeString}.");
        int r = RowLength;
        return Buffer.AsSpan(Offset + i * r, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Index1(int i)
    {
        if (Rank != 1) throw new InvalidOperationException($"A single index needs a 1-D array, not {ShapeString}.");
        if ((uint)i >= (uint)_shape[0]) throw new IndexOutOfRangeException($"Index {i} out of range for shape {ShapeString}.");
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Index2(int i, int j)
    {
        if (Rank != 2) throw new InvalidOperationException($"Two indices need a 2-D array, not {ShapeString}.");
        if ((uint)i >= (uint)_shape[0] || (uint)j >= (uint)_shape[1])
            throw new IndexOutOfRangeException($"Index ({i}, {j}) out of range for shape {ShapeString}.");
        return i * _shape[1] + j;
    }

    // ---- small statistics (not hot paths) -------------------------------------------------------------------------

    /// <summary>Sum of all elements, accumulated in double.</summary>
    public double Sum()
    {
        double s = 0;
        foreach (var v in AsSpan()) s += double.CreateTruncating(v);
        return s;
    }

    /// <summary>Mean of all elements.</summary>
    public double Mean() => Size == 0 ? double.NaN : Sum() / Size;

    /// <summary>Population standard deviation of all elements (NumPy's default <c>ddof=0</c>).</summary>
    public double Std()
    {
        double m = Mean(), s = 0;
        foreach (var v in AsSpan()) { double d = double.CreateTruncating(v) - m; s += d * d; }
        return Math.Sqrt(s / Size);
    }

    /// <summary>Sum of squares of all elements, accumulated in double.</summary>
    public double SumOfSquares()
    {
        double s = 0;
        foreach (var v in AsSpan()) { double d = double.CreateTruncating(v); s += d * d; }
        return s;
    }

    /// <summary>Index of the largest value of each row (first one on ties, the first NaN if any, as <c>np.argmax(axis=1)</c>).</summary>
    /// <exception cref="InvalidOperationException">The rows are empty (a shape such as (N, 0)) and so have no largest value (NumPy refuses them too).</exception>
    public int[] ArgMaxRows()
    {
        if (Rank > 0 && _shape[0] > 0 && RowLength == 0)
            throw new InvalidOperationException($"ArgMaxRows: the rows of an array of shape {ShapeString} hold no values, so they have no largest one.");
        var a = Flatten2D();
        var r = new int[a.Dim(0)];
        for (int i = 0; i < r.Length; i++) r[i] = ArgMax(a.Row(i));
        return r;
    }

    /// <summary>
    /// Index of the largest value, the first among equals, or of the first NaN if there is one (NumPy's argmax; a row
    /// of scores' predicted class).
    /// </summary>
    /// <exception cref="ArgumentException">No values.</exception>
    public static int ArgMax(ReadOnlySpan<T> values)
    {
        if (values.IsEmpty) throw new ArgumentException("ArgMax of no values.", nameof(values));
        int best = 0;
        for (int j = 0; j < values.Length; j++)
        {
            if (T.IsNaN(values[j])) return j;
            if (values[j] > values[best]) best = j;
        }
        return best;
    }

    /// <summary>True when every element is finite.</summary>
    public bool AllFinite() => AllFinite(AsSpan());

    /// <summary>True when every value is finite (a row of scores, say).</summary>
    public static bool AllFinite(ReadOnlySpan<T> values)
    {
        foreach (var v in values) if (!T.IsFinite(v)) return false;
        return true;
    }

    /// <summary>The elements as a new double array (for printing and tests).</summary>
    public double[] ToDoubleArray()
    {
        var r = new double[Size];
        var s = AsSpan();
        for (int i = 0; i < r.Length; i++) r[i] = double.CreateTruncating(s[i]);
        return r;
    }

    /// <summary>
    /// The array as NumPy's <c>str()</c> prints it, i.e. what <c>print(a)</c> shows in a notebook, at NumPy 1.24's
    /// default print options: nested brackets (<c>[[1. 2.]\n [3. 4.]]</c>), lines wrapped at 75 characters, a blank
    /// line between the blocks of rank 3 and more, <c>...</c> for all but the first and last 3 along each axis past 1000
    /// elements; floats in a common width, with up to 8 digits after the point (the shortest that read back as the
    /// same float32 or float64 value), or in scientific notation where NumPy switches to it (largest ≥ 1e8, smallest
    /// nonzero &lt; 1e-4, or their ratio &gt; 1000). A 0-d array prints as its scalar, an empty one as <c>[]</c>.
    /// Culture-invariant. <see cref="Repr"/> gives NumPy's <c>repr()</c>, with the dtype and an empty array's shape.
    /// </summary>
    public override string ToString() => ArrayPrinter.Str(this);

    /// <summary>
    /// The array as NumPy's <c>repr()</c> prints it (what a notebook cell shows for a bare <c>a</c>):
    /// <c>array([[1., 2.],\n       [3., 4.]])</c>, with <c>dtype=float32</c> for float32 (float64 is implied, as in
    /// NumPy) and the shape of an empty array (<c>array([], shape=(0, 3), dtype=float64)</c>). The numbers are those
    /// of <see cref="ToString"/>.
    /// </summary>
    public string Repr() => ArrayPrinter.Repr(this);

    // ---- helpers --------------------------------------------------------------------------------------------------

    internal static int CheckedSize(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"Negative dimension in shape {ShapeToString(shape)}.", nameof(shape));
            size *= d;
            if (size > Array.MaxLength) throw new ArgumentException($"Shape {ShapeToString(shape)} has more elements than an array can hold.", nameof(shape));
        }
        return (int)size;
    }

    /// <summary>Formats a shape the way NumPy prints it: <c>(3,)</c>, <c>(2, 3)</c>.</summary>
    public static string ShapeToString(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 1) return $"({shape[0]},)";
        var sb = new StringBuilder("(");
        for (int i = 0; i < shape.Length; i++) sb.Append(i == 0 ? "" : ", ").Append(shape[i]);
        return sb.Append(')').ToString();
    }
}
