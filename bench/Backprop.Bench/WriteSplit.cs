using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Backprop.Kernels;
using Backprop.Layers;
using Backprop.Tensors;

namespace Backprop.Bench;

/// <summary>
/// The <c>split-writes</c> command: how two threads should split writing a batch-sized row-major array. Two aligned
/// (rows × cols) float arrays are written (x·0.5 and its ReLU, as a normalise-and-rectify pass) on one thread, on two by
/// column halves (optionally leaving <c>gap</c> columns unwritten between them), and on two by row halves; then the fused
/// batch norm + ReLU layer on 1 and 2 threads. Prints one JSON line of microseconds per call, with the CPUs' cache-line
/// round trip before and after (the host's phase, see <see cref="CoreLatency"/>).
/// </summary>
public static unsafe class WriteSplit
{
    /// <summary>Piece 0 writes columns [0, Cut0) of every row, piece 1 columns [Cut1, Cols); or, by rows, rows [0, Cut0) and [Cut1, Rows).</summary>
    private readonly struct Call(float* x, float* h, float* y, int rows, int cols, bool byRows, int cut0, int cut1)
    {
        public float* X { get; } = x;
        public float* H { get; } = h;
        public float* Y { get; } = y;
        public int Rows { get; } = rows;
        public int Cols { get; } = cols;
        public bool ByRows { get; } = byRows;
        public int Cut0 { get; } = cut0;
        public int Cut1 { get; } = cut1;
    }

    public static int Run(string[] args)
    {
        var o = new BenchArgs("split-writes", args, ["--rows", "--cols", "--gap", "--calls"]);
        if (o.Help) { Console.WriteLine("usage: Backprop.Bench split-writes [--rows R (100)] [--cols C (512)] [--gap G (64)] [--calls N (20000)]"); return 0; }
        int rows = o.Int("--rows", 100, min: 2), gap = o.Int("--gap", 64, min: 0), cols = o.Int("--cols", 512, min: 32 + gap), calls = o.Int("--calls", 20000);
        double before = CoreLatency.RoundTripNs();
        nuint bytes = (nuint)rows * (nuint)cols * sizeof(float);
        float* x = (float*)NativeMemory.AlignedAlloc(bytes, 64), h = (float*)NativeMemory.AlignedAlloc(bytes, 64), y = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        try
        {
            for (long i = 0; i < (long)rows * cols; i++) x[i] = i % 7 - 3;
            int half = cols / 2 / 16 * 16;
            var columns = new Call(x, h, y, rows, cols, byRows: false, half, half);
            var spaced = new Call(x, h, y, rows, cols, byRows: false, half - gap / 2, half + gap / 2);
            var byRows = new Call(x, h, y, rows, cols, byRows: true, rows / 2, rows / 2);
            int threads = Parallelism.MaxThreads;
            Parallelism.MaxThreads = 2;
            try
            {
                double serial = Time(calls, () => { Piece(0, in columns); Piece(1, in columns); });
                double colHalves = Time(calls, () => Parallelism.For(2, in columns, Body));
                double gapHalves = Time(calls, () => Parallelism.For(2, in spaced, Body));
                double rowHalves = Time(calls, () => Parallelism.For(2, in byRows, Body));
                var (bn1, bn2) = FusedBatchNorm(rows, cols, calls);
                double after = CoreLatency.RoundTripNs();
                Console.WriteLine(FormattableString.Invariant(
                    $"{{\"rows\":{rows},\"cols\":{cols},\"one_thread_us\":{serial:F2},\"column_halves_us\":{colHalves:F2},\"column_halves_gap_{gap}_us\":{gapHalves:F2},\"row_halves_us\":{rowHalves:F2},\"batchnorm_relu_forward_1_thread_us\":{bn1:F2},\"batchnorm_relu_forward_2_threads_us\":{bn2:F2},\"round_trip_ns\":[{before:F0},{after:F0}]}}"));
            }
            finally { Parallelism.MaxThreads = threads; }
        }
        finally
        {
            NativeMemory.AlignedFree(x);
            NativeMemory.AlignedFree(h);
            NativeMemory.AlignedFree(y);
        }
        return 0;
    }

    private static readonly ForBody<Call> Body = Piece;

    private static void Piece(int piece, in Call c)
    {
        int r0 = c.ByRows && piece == 1 ? c.Cut1 : 0, r1 = c.ByRows && piece == 0 ? c.Cut0 : c.Rows;
        int j0 = !c.ByRows && piece == 1 ? c.Cut1 : 0, j1 = !c.ByRows && piece == 0 ? c.Cut0 : c.Cols;
        for (int i = r0; i < r1; i++) WriteRow(c.X + (long)i * c.Cols, c.H + (long)i * c.Cols, c.Y + (long)i * c.Cols, j0, j1);
    }

    private static void WriteRow(float* x, float* h, float* y, int j0, int j1)
    {
        var half = Vector512.Create(0.5f);
        int j = j0;
        for (; j + 16 <= j1; j += 16)
        {
            var v = Vector512.Load(x + j) * half;
            v.Store(h + j);
            Vector512.Max(v, Vector512<float>.Zero).Store(y + j);
        }
        for (; j < j1; j++)
        {
            h[j] = x[j] * 0.5f;
            y[j] = MathF.Max(h[j], 0f);
        }
    }

    private static (double OneThread, double TwoThreads) FusedBatchNorm(int rows, int cols, int calls)
    {
        var x = new NumpyRandom(0).Randn<float>(rows, cols);
        var gamma = NDArray<float>.Ones(cols);
        var beta = new NDArray<float>(cols);
        var bn = new BatchNormParam<float>();
        var ws = new Workspace();
        double Timed(int t)
        {
            Parallelism.MaxThreads = t;
            return Time(calls, () => { ws.Reset(); Layer.BatchNormReluForward(x, gamma, beta, bn, ws); });
        }
        double one = Timed(1), two = Timed(2);
        return (one, two);
    }

    /// <summary>Microseconds per call: a warm-up of a tenth of the calls, then the median of 5 timed batches.</summary>
    private static double Time(int calls, Action call)
    {
        for (int i = 0; i < Math.Max(1, calls / 10); i++) call();
        var batches = new double[5];
        for (int b = 0; b < batches.Length; b++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls / 5 + 1; i++) call();
            batches[b] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / (calls / 5 + 1);
        }
        Array.Sort(batches);
        return batches[batches.Length / 2];
    }

}
