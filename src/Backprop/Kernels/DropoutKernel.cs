using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Backprop.Tensors;

namespace Backprop.Kernels;

/// <summary>
/// Inverted dropout's forward pass: mask[i] = rand() &lt; p ? 1/p : 0 with the draws NumPy's <c>np.random.rand</c>
/// makes, in order, and out[i] = x[i]·mask[i], in one pass over the generator's state blocks
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
        T keep = T.One / T.CreateTruncating(p);
        fixed (T* px = x, pm = mask, po = output)
        {
            var sink = new Sink(px, pm, po, limit, keep);
            rng.ForEachPair(x.Length, ref sink);
        }
    }

    private struct Sink(T* x, T* m, T* o, ulong limit, T keep) : NumpyRandom.IPairSink
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
                        (Vector256.Load((float*)xs + i) * mv).Store((float*)os + i);
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
            o[index] = x[index] * m[index];
        }
    }
}
