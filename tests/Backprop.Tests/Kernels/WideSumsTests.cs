using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Tests.Kernels;

/// <summary>
/// WideSums' fixed order gives TensorPrimitives' AVX-512 bits, at every length and line offset: the order it took over
/// from System.Numerics.Tensors 11.0.0. A later package that sums otherwise fails this and changes none of our results.
/// </summary>
public unsafe class WideSumsTests
{
    [SkippableFact]
    public void InOrder_GivesTensorPrimitivesBits_Float() => Compare<float>();

    [SkippableFact]
    public void InOrder_GivesTensorPrimitivesBits_Double() => Compare<double>();

    private static void Compare<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        Skip.IfNot(Vector512.IsHardwareAccelerated, "the reference is TensorPrimitives on 512-bit vectors");
        // Values of mixed sign and magnitude, so that any change of order shows in the last bits.
        var data = new NumpyRandom(11).Randn<double>(700 + 16);
        var buffer = GC.AllocateArray<T>(700 + 32, pinned: true);
        fixed (T* b = buffer)
        {
            T* line = (T*)(((nint)b + 63) & ~(nint)63);
            int mismatches = 0;
            string first = "";
            for (int offset = 0; offset < 64 / sizeof(T); offset++)
            {
                T* x = line + offset;
                for (int i = 0; i < 700; i++) x[i] = T.CreateTruncating(data.Flat(i) * Math.Pow(4, i % 7 - 3));
                T* y = x + 8;   // overlapping: a different value per lane
                for (int n = 0; n <= 600; n += n < 70 ? 1 : n < 300 ? 7 : 37)
                {
                    var xs = new ReadOnlySpan<T>(x, n);
                    var ys = new ReadOnlySpan<T>(y, n);
                    Check(TensorPrimitives.Sum(xs), WideSums.InOrder(WideSums.Term.Value, x, null, n), $"Σx n {n} offset {offset}");
                    Check(TensorPrimitives.SumOfSquares(xs), WideSums.InOrder(WideSums.Term.Square, x, null, n), $"Σx² n {n} offset {offset}");
                    Check(TensorPrimitives.Dot(xs, ys), WideSums.InOrder(WideSums.Term.Product, x, y, n), $"Σxy n {n} offset {offset}");
                }
            }
            Assert.True(mismatches == 0, $"{mismatches} sums differ from TensorPrimitives', first {first}");

            void Check(T expected, T got, string what)
            {
                if (expected.Equals(got) || (T.IsNaN(expected) && T.IsNaN(got))) return;
                if (mismatches++ == 0) first = $"{what}: {expected:R} against {got:R}";
            }
        }
    }
}
