using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>One output element of a row pass, as a 512-bit vector at column j and as a scalar (the same operations).</summary>
internal interface IRowElement<T> where T : unmanaged
{
    Vector512<T> Vector(int j);
    T Scalar(int j);
}

/// <summary>
/// Writing outputs past the caches with non-temporal stores. An ordinary store first reads the line it will overwrite
/// (the write-allocate), so a pass that reads two arrays and writes one moves four arrays' bytes; a streaming store
/// skips that read. Outputs under <see cref="MinBytes"/> are written as before, so the next layer finds them in cache,
/// except the activations a multi-threaded pass writes for the other core (<see cref="Activations{T}"/>). Only where the
/// data go changes, never a value.
/// </summary>
/// <remarks>
/// ReLU backward uses it (4096 × 4096: ~88% → ~120% of the nominal 80 GB/s, paired), and batch norm's separate
/// per-element passes (on the Xeon ~20% faster at 4096 × 4096; on the Zen 5 they had measured slower,
/// <see cref="BatchNormKernels{T}.StreamLargeOutputs"/>). The softmax loss was tried with it and measured no faster, so
/// it keeps ordinary stores; the fused batch norm + ReLU and ReLU stream a training batch's activations.
/// </remarks>
internal static unsafe class Streaming
{
    /// <summary>
    /// Outputs of at least this many bytes are streamed: half the 32 MiB last-level cache of a Zen 5 core complex (shared
    /// with other tenants here), past which an output is unlikely to still be cached when it is read.
    /// </summary>
    public const long MinBytes = 16L << 20;

    /// <summary>True when an output of <paramref name="elements"/> Ts should be streamed (and can be: AVX-512).</summary>
    public static bool Worth<T>(long elements) where T : unmanaged =>
        Avx512F.IsSupported && Simd.Wide<T>() && elements * Unsafe.SizeOf<T>() >= MinBytes;

    /// <summary>
    /// True when a training batch's activations, written by rows on several threads, should be streamed whatever their
    /// size: the products that read them next take them by column (or K) halves, so every line was last read by the
    /// other core too, and an ordinary store must first take it back from that core's cache, ~350 ns a line while the
    /// host keeps the two virtual CPUs on different CCDs. A streaming store writes the whole line without asking. While
    /// the two share a CCD (<see cref="CorePlacement.FarApart"/>), ordinary stores win: the lines come back in ~90 ns, and
    /// the next pass finds them in cache instead of memory.
    /// </summary>
    /// <remarks>
    /// Measured on the fused batch norm + ReLU (x̂ and out forward, dx backward), Fashion-MNIST [500, 500, 500], batch
    /// 100, alternated: on two CCDs epochs 1.91–2.08 → 1.81–1.86 s, the forward pass per layer 55–67 → 12–15 ms per epoch
    /// and the backward 31–40 → 17–20. On one CCD, streaming always against ordinary stores (2 pairs): batch norm's
    /// backward 15–16 → 11 ms per layer per epoch (x̂ read back from memory), the 10-class forward 13–14 → 8, each hidden
    /// forward ~150 → 146, the first layer's weight gradient 237–240 → 226–229 (its dout); epochs 1.56–1.59 → 1.52–1.56 s.
    /// Hence the placement check.
    /// </remarks>
    public static bool Activations<T>() where T : unmanaged => ActivationsMayStream<T>() && CorePlacement.FarApart;

    /// <summary>
    /// True when a training batch's element-wise passes are split in one run per thread (<see cref="Elementwise"/>), the
    /// runs streamed when <see cref="Activations{T}"/> says so.
    /// </summary>
    public static bool ActivationsMayStream<T>() where T : unmanaged =>
        Avx512F.IsSupported && Simd.Wide<T>() && Parallelism.MaxThreads > 1;

    /// <summary>
    /// dst[j] = element j for j in [0, count): scalar up to dst's first 64-byte boundary (streaming stores need it),
    /// streamed vectors, then a scalar tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Row<T, TElement>(T* dst, int count, in TElement e) where T : unmanaged where TElement : struct, IRowElement<T>
    {
        int head = Head(dst, count);
        int j = 0;
        for (; j < head; j++) dst[j] = e.Scalar(j);
        for (; j <= count - Vector512<T>.Count; j += Vector512<T>.Count) Store(e.Vector(j), dst + j);
        for (; j < count; j++) dst[j] = e.Scalar(j);
    }

    /// <summary>Elements before <paramref name="dst"/> reaches a 64-byte boundary, at most <paramref name="count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Head<T>(T* dst, int count) where T : unmanaged =>
        (int)Math.Min(count, ((64 - ((nint)dst & 63)) & 63) / Unsafe.SizeOf<T>());

    /// <summary>
    /// Orders this thread's streamed stores before whatever it does next (they bypass the usual store order); call
    /// once a thread's share of a streamed pass is written.
    /// </summary>
    public static void Fence()
    {
        if (Sse.IsSupported) Sse.StoreFence();
    }

    /// <summary>Where <paramref name="p"/> lies within its 64-byte line (streamed arrays written in step must agree on it).</summary>
    public static int LineOffset(void* p) => (int)((nint)p & 63);

    /// <summary>Streams v to <paramref name="p"/>, which must be 64-byte aligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector512<T> v, T* p) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) Avx512F.StoreAlignedNonTemporal((float*)p, v.AsSingle());
        else if (typeof(T) == typeof(double)) Avx512F.StoreAlignedNonTemporal((double*)p, v.AsDouble());
        else throw new NotSupportedException();
    }
}
