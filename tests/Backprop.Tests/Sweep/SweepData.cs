using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using Backprop.Tensors;

namespace Backprop.Tests.Sweep;

/// <summary>The sweep's shapes, chosen against the kernels' edges, and its inputs.</summary>
internal static class SweepData
{
    /// <summary>
    /// Batch sizes: one and two rows, around the 5/6-row and 12-row GEMM tiles, the 8-row minimum of a row block,
    /// and a batch of 100 against 101 (20 five-row panels, then one row more).
    /// </summary>
    public static readonly int[] Ns = [1, 2, 3, 5, 6, 7, 11, 12, 13, 100, 101];

    /// <summary>
    /// Taller batches for the row passes: 129 rows (two row blocks of 64 and 65), 257 and 300 (three blocks: the fused
    /// batch norm + ReLU falls back to the separate layers).
    /// </summary>
    public static readonly int[] TallNs = [129, 257, 300];

    /// <summary>
    /// Features: around the 16-float and 8-double vectors, 32/64-wide GEMM panels, 128, and the real layers (500, 784).
    /// </summary>
    public static readonly int[] Ds = [1, 2, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 500, 784];

    /// <summary>Outputs of an affine layer: narrow (computed transposed or on the AVX2 tile), around a 64-wide panel.</summary>
    public static readonly int[] Ms = [1, 2, 10, 11, 17, 31, 33, 64, 65, 100];

    /// <summary>Classes of a loss: the notebooks' 10, and one side or the other of every vector edge.</summary>
    public static readonly int[] Classes = [1, 2, 10, 11, 15, 16, 17, 31, 33, 64, 65, 500];

    /// <summary>A generator seeded from the case, so each case draws its own values whatever ran before it.</summary>
    public static NumpyRandom Rng(params int[] key)
    {
        uint h = 2166136261;
        foreach (int k in key) h = (h ^ (uint)k) * 16777619;
        return new NumpyRandom(h);
    }

    /// <summary>An array of standard normals times <paramref name="scale"/>.</summary>
    public static NDArray<T> Randn<T>(NumpyRandom rng, double scale, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = new NDArray<T>(shape);
        var s = a.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = T.CreateTruncating(scale * rng.NextGaussian());
        return a;
    }

    /// <summary>
    /// (N, D) as an input of rank 2, 3 or 4 (<paramref name="variant"/> 0, 1, 2): D split into factors where it has
    /// them, else padded with ones; the affine layer flattens each sample back to D.
    /// </summary>
    public static int[] SampleShape(int n, int d, int variant)
    {
        switch (variant % 3)
        {
            case 0: return [n, d];
            case 1:
                for (int f = (int)Math.Sqrt(d); f > 1; f--) if (d % f == 0) return [n, f, d / f];
                return [n, 1, d];
            default:
                for (int f = 2; f * f <= d; f++)
                    if (d % f == 0)
                        for (int g = 2; g * g <= d / f; g++)
                            if (d / f % g == 0) return [n, f, g, d / f / g];
                return [n, d, 1, 1];
        }
    }

    /// <summary>
    /// A copy of <paramref name="a"/> whose first element lies <paramref name="elements"/> values past a 64-byte
    /// boundary, at that offset in a longer buffer: an array no allocation gives (large arrays start on a line, small
    /// ones where the runtime puts them), as a view into a bigger buffer has.
    /// </summary>
    public static unsafe NDArray<T> AtLineOffset<T>(NDArray<T> a, int elements) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int perLine = 64 / sizeof(T);
        var buffer = GC.AllocateArray<T>(a.Size + 2 * perLine, pinned: true);
        long address = (long)Unsafe.AsPointer(ref buffer[0]);
        int start = (int)(((64 - (address & 63)) & 63) / sizeof(T)) + elements % perLine;
        var ctor = typeof(NDArray<T>).GetConstructors(BindingFlags.NonPublic | BindingFlags.Instance).Single(c => c.GetParameters().Length == 4);
        var view = (NDArray<T>)ctor.Invoke([buffer, start, a.ShapeArray(), false]);
        a.AsSpan().CopyTo(view.AsSpan());
        Assert.Equal(elements % perLine * sizeof(T), (int)((long)Unsafe.AsPointer(ref view.AsSpan()[0]) & 63));
        return view;
    }

    /// <summary>The values as doubles (exactly: every float and double is one).</summary>
    public static double[] D<T>(NDArray<T> a) where T : unmanaged, IFloatingPointIeee754<T> => a.ToDoubleArray();
}
