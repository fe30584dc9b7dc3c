using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Backprop.Tensors;

namespace Backprop.Kernels;

/// <summary>
/// Inverted dropout's forward pass: mask[i] = rand() &lt; p ? 1/p : 0 with the draws NumPy's <c>np.random.rand</c>
/// makes, in order, and out[i] = x[i]·mask[i] (for float, x[i]·(1/p) in double rounded once, as the course's float64
/// mask and its cast back to float32 give), in one pass over the generator's state blocks
/// (<see cref="NumpyRandom.ForEachPair"/>).
/// </summary>
/// <remarks>
/// Compared as integers: <see cref="NumpyRandom.NextDouble"/> is X·2⁻⁵³ exactly for the 53-bit X = (a ≫ 5)·2²⁶ + (b ≫ 6)
/// of its two words a, b, so it is below p exactly when X &lt; ⌈p·2⁵³⌉, and no double is formed. One thread: the
/// twist (<see cref="NumpyRandom"/>) is sequential, and splitting the rest over two cores lost more to moving the words
/// between them than it gained (a 100 × 1000 float mask 101 µs on one thread, 148 on two). Against drawing doubles
/// into a buffer, comparing, then multiplying: 108–125 → 96–101 µs; the main job's net ([1000, 1000], keep 0.7),
/// Fashion-MNIST, 85–90 → 67–72 ms per dropout layer per epoch, the same bits.
/// </remarks>
internal static unsafe class DropoutKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>mask and out from x, the draws taken from <paramref name="rng"/>; <paramref name="p"/> in (0, 1].</summary>
    public static void Forward(NumpyRandom rng, double p, ReadOnlySpan<T> x, Span<T> mask, Span<T> output)
    {
        ulong limit = (ulong)Math.Ceiling(p * 9007199254740992.0);
        double inverse = 1.0 / p;
        T keep = T.CreateTruncating(inverse);
        fixed (T* px = x, pm = mask, po = output)
        {
            var sink = new Sink(px, pm, po, limit, keep, inverse);
            rng.ForEachPair(x.Length, ref sink);
        }
    }

    /// <summary>
    /// dx = dout·mask for a float mask of <see cref="Forward"/> with keep probability 1/<paramref name="inverse"/>: the
    /// product taken in double with the mask's exact 1/p and rounded once to float, as the course's float32 dout times
    /// its float64 mask, rounded to float32 (0·dout where dropped, so NaN and −0 pass as there).
    /// </summary>
    public static void BackwardFloat(ReadOnlySpan<float> dout, ReadOnlySpan<float> mask, Span<float> dx, double inverse)
    {
        int i = 0, n = dout.Length;
        if (Simd.Wide<float>())
        {
            var inv = Vector512.Create(inverse);
            fixed (float* pd = dout, pm = mask, px = dx)
                for (; i + 8 <= n; i += 8)
                {
                    var md = Vector512.WidenLower(Vector256.Load(pm + i).ToVector512Unsafe());
                    var m = Vector512.ConditionalSelect(Vector512.Equals(md, Vector512<double>.Zero), Vector512<double>.Zero, inv);
                    Vector512.Narrow(Vector512.WidenLower(Vector256.Load(pd + i).ToVector512Unsafe()) * m, Vector512<double>.Zero).GetLower().Store(px + i);
                }
        }
        for (; i < n; i++) dx[i] = (float)(dout[i] * (mask[i] != 0 ? inverse : 0.0));
    }

    private struct Sink(T* x, T* m, T* o, ulong limit, T keep, double inverse) : NumpyRandom.IPairSink
    {
        public void Take(uint* words, int start, int count)
        {
            T* xs = x + start, ms = m + start, os = o + start;
            int i = 0;
            if (Simd.Wide<T>())
            {
                // 8 values per step: 16 words tempered as 32-bit lanes, then each pair read as one 64-bit lane (a low, b high).
                var lim = Vector512.Create(limit);
                var low = Vector512.Create(0xFFFFFFFFUL);
                for (; i + 8 <= count; i += 8)
                {
                    var pair = NumpyRandom.Temper(Vector512.Load(words + 2 * i)).AsUInt64();
                    var below = Vector512.LessThan((((pair & low) >> 5) << 26) | (pair >> 38), lim);
                    if (typeof(T) == typeof(float))
                    {
                        var mv = (Vector512.Narrow(below, below).GetLower() & Vector256.Create(Unsafe.BitCast<T, uint>(keep))).AsSingle();
                        mv.Store((float*)ms + i);
                        // x·(1/p) in double, rounded once to float: the course's float64 mask times a float32 x, cast back.
                        var md = (below & Vector512.Create(BitConverter.DoubleToUInt64Bits(inverse))).AsDouble();
                        var xd = Vector512.WidenLower(Vector256.Load((float*)xs + i).ToVector512Unsafe());
                        Vector512.Narrow(xd * md, Vector512<double>.Zero).GetLower().Store((float*)os + i);
                    }
                    else
                    {
                        var mv = (below & Vector512.Create(Unsafe.BitCast<T, ulong>(keep))).AsDouble();
                        mv.Store((double*)ms + i);
                        (Vector512.Load((double*)xs + i) * mv).Store((double*)os + i);
                    }
                }
            }
            for (; i < count; i++) One(NumpyRandom.Temper(words[2 * i]), NumpyRandom.Temper(words[2 * i + 1]), start + i);
        }

        public void One(uint a, uint b, int index)
        {
            ulong draw = ((ulong)(a >> 5) << 26) | (b >> 6);
            m[index] = draw < limit ? keep : T.Zero;
            if (typeof(T) == typeof(float))
                ((float*)o)[index] = (float)(((float*)x)[index] * (draw < limit ? inverse : 0.0));
            else
                o[index] = x[index] * m[index];
        }
    }
}
