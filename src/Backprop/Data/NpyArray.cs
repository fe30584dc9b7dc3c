using System.Numerics;
using System.Runtime.InteropServices;
using Backprop.Tensors;

namespace Backprop.Data;

/// <summary>The element types the .npy reader and writer accept (always little-endian on disk).</summary>
public enum NpyDType
{
    /// <summary><c>|u1</c>, NumPy <c>uint8</c>.</summary>
    UInt8,
    /// <summary><c>&lt;i4</c>, NumPy <c>int32</c>.</summary>
    Int32,
    /// <summary><c>&lt;i8</c>, NumPy <c>int64</c>.</summary>
    Int64,
    /// <summary><c>&lt;f4</c>, NumPy <c>float32</c>.</summary>
    Float32,
    /// <summary><c>&lt;f8</c>, NumPy <c>float64</c>.</summary>
    Float64,
}

/// <summary>
/// An array as stored in a .npy file (or a numpy array inside a pickle): its dtype, its shape (C order) and its
/// elements in a typed .NET array (<c>byte[]</c>, <c>int[]</c>, <c>long[]</c>, <c>float[]</c> or <c>double[]</c>).
/// </summary>
public sealed class NpyArray
{
    private readonly int[] _shape;

    /// <summary>
    /// Wraps <paramref name="data"/> (not copied) with a shape. The array's element type decides the dtype.
    /// </summary>
    /// <exception cref="ArgumentException">The element type is not one of the five supported, or the length does not match the shape.</exception>
    public NpyArray(Array data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        DType = data switch
        {
            byte[] => NpyDType.UInt8,
            int[] => NpyDType.Int32,
            long[] => NpyDType.Int64,
            float[] => NpyDType.Float32,
            double[] => NpyDType.Float64,
            _ => throw new ArgumentException($"Arrays of {data.GetType().Name} cannot be stored; use byte, int, long, float or double.", nameof(data)),
        };
        if (shape.Length > Npy.MaxRank)
            throw new ArgumentException($"A shape of {shape.Length} dimensions cannot be stored: .npy files hold at most {Npy.MaxRank} (NumPy 1.x reads at most 32).", nameof(shape));
        if (shape.Any(d => d < 0)) throw new ArgumentException($"Negative dimension in shape {NDArray<double>.ShapeToString(shape)}.", nameof(shape));
        long size = DataFile.ElementCount(shape)
            ?? throw new ArgumentException($"Shape {NDArray<double>.ShapeToString(shape)} is too large (the product of its non-zero dimensions exceeds {Array.MaxLength}).", nameof(shape));
        if (data.Length != size)
            throw new ArgumentException($"{data.Length} elements cannot have shape {NDArray<double>.ShapeToString(shape)} ({size} elements).", nameof(data));
        Data = data;
        _shape = (int[])shape.Clone();
    }

    /// <summary>The element type.</summary>
    public NpyDType DType { get; }

    /// <summary>The shape (C order); empty for a 0-d array.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>A copy of the shape.</summary>
    public int[] ShapeArray() => (int[])_shape.Clone();

    /// <summary>The elements, row-major: a <c>byte[]</c>, <c>int[]</c>, <c>long[]</c>, <c>float[]</c> or <c>double[]</c>.</summary>
    public Array Data { get; }

    /// <summary>Number of elements (the product of the shape; 1 for a 0-d array).</summary>
    public int Size => Data.Length;

    /// <summary>The shape as NumPy prints it, e.g. <c>(2, 3)</c>.</summary>
    public string ShapeString => NDArray<double>.ShapeToString(_shape);

    /// <summary>The NumPy type string: <c>|u1</c>, <c>&lt;i4</c>, <c>&lt;i8</c>, <c>&lt;f4</c> or <c>&lt;f8</c>.</summary>
    public string Descr => DescrOf(DType);

    /// <summary>Bytes per element.</summary>
    public int ItemSize => ItemSizeOf(DType);

    /// <summary>The elements converted to <typeparamref name="T"/>, with this shape (a new array; a 0-d array becomes shape ()).</summary>
    public NDArray<T> ToNDArray<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new T[Size];
        switch (Data)
        {
            case T[] same: same.CopyTo(result, 0); break;
            case byte[] b: for (int i = 0; i < b.Length; i++) result[i] = T.CreateTruncating(b[i]); break;
            case int[] n: for (int i = 0; i < n.Length; i++) result[i] = T.CreateTruncating(n[i]); break;
            case long[] l: for (int i = 0; i < l.Length; i++) result[i] = T.CreateTruncating(l[i]); break;
            case float[] f: for (int i = 0; i < f.Length; i++) result[i] = T.CreateTruncating(f[i]); break;
            case double[] d: for (int i = 0; i < d.Length; i++) result[i] = T.CreateTruncating(d[i]); break;
        }
        return NDArray<T>.FromArray(result, _shape);
    }

    /// <summary>The elements as 64-bit integers (integer dtypes only; a new array).</summary>
    /// <exception cref="InvalidOperationException">The dtype is a floating-point type.</exception>
    public long[] ToInt64Array() => Data switch
    {
        long[] l => (long[])l.Clone(),
        int[] n => Array.ConvertAll(n, v => (long)v),
        byte[] b => Array.ConvertAll(b, v => (long)v),
        _ => throw new InvalidOperationException($"A {Descr} array holds floating-point values, not integers."),
    };

    /// <summary>The elements as 32-bit integers (integer dtypes only; int64 values must fit; a new array).</summary>
    /// <exception cref="InvalidOperationException">The dtype is floating-point, or an int64 value does not fit in an int.</exception>
    public int[] ToInt32Array() => Data switch
    {
        int[] n => (int[])n.Clone(),
        byte[] b => Array.ConvertAll(b, v => (int)v),
        long[] l => Array.ConvertAll(l, v => v is >= int.MinValue and <= int.MaxValue
            ? (int)v : throw new InvalidOperationException($"The value {v} does not fit in a 32-bit integer.")),
        _ => throw new InvalidOperationException($"A {Descr} array holds floating-point values, not integers."),
    };

    /// <summary>The elements' bytes in little-endian order, as written to a .npy file.</summary>
    internal ReadOnlySpan<byte> RawBytes => Data switch
    {
        byte[] b => b,
        int[] n => MemoryMarshal.AsBytes(n.AsSpan()),
        long[] l => MemoryMarshal.AsBytes(l.AsSpan()),
        float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
        double[] d => MemoryMarshal.AsBytes(d.AsSpan()),
        _ => throw new InvalidOperationException("Unreachable: the constructor admits only the five element types."),
    };

    /// <summary>An array of <paramref name="dtype"/> and <paramref name="shape"/> whose elements are decoded from little-endian bytes.</summary>
    internal static NpyArray FromLittleEndianBytes(NpyDType dtype, int[] shape, ReadOnlySpan<byte> bytes)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Backprop.Data reads .npy files on little-endian machines only.");
        Array data = dtype switch
        {
            NpyDType.UInt8 => bytes.ToArray(),
            NpyDType.Int32 => MemoryMarshal.Cast<byte, int>(bytes).ToArray(),
            NpyDType.Int64 => MemoryMarshal.Cast<byte, long>(bytes).ToArray(),
            NpyDType.Float32 => MemoryMarshal.Cast<byte, float>(bytes).ToArray(),
            NpyDType.Float64 => MemoryMarshal.Cast<byte, double>(bytes).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
        };
        return new NpyArray(data, shape);
    }

    /// <summary>Wraps an <see cref="NDArray{T}"/>'s elements (copied) as a float32 or float64 array of the same shape.</summary>
    public static NpyArray FromNDArray<T>(NDArray<T> array) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(array);
        return new NpyArray(array.AsSpan().ToArray(), array.ShapeArray());
    }

    internal static string DescrOf(NpyDType dtype) => dtype switch
    {
        NpyDType.UInt8 => "|u1",
        NpyDType.Int32 => "<i4",
        NpyDType.Int64 => "<i8",
        NpyDType.Float32 => "<f4",
        NpyDType.Float64 => "<f8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    internal static int ItemSizeOf(NpyDType dtype) => dtype switch
    {
        NpyDType.UInt8 => 1,
        NpyDType.Int32 => 4,
        NpyDType.Int64 => 8,
        NpyDType.Float32 => 4,
        NpyDType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <inheritdoc/>
    public override string ToString() => $"NpyArray {Descr} {ShapeString}";
}
