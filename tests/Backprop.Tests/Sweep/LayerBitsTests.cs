using System.Numerics;
using Backprop.Kernels;
using Backprop.Layers;
using Backprop.Optim;
using Backprop.Tensors;
using Backprop.Tests.Kernels;
using static Backprop.Tests.Sweep.SweepData;

namespace Backprop.Tests.Sweep;

/// <summary>
/// Every layer and update rule gives the same bits on 1, 2 and 3 threads (streaming its stores or not), with its inputs starting anywhere in a
/// cache line (as views into larger buffers do), and with a workspace whose reused buffers hold NaN from before (a
/// kernel that read an output before writing it would show). Shapes big enough to split: a training batch (two row
/// blocks, the forward product in K halves), one past the element-wise pieces' threshold (300 × 1000: the fused
/// batch norm falls back, the softmax rows go to the pool), few rows and many columns, and small ones.
/// </summary>
[Collection(KernelCollection.Name)]   // sets Parallelism.MaxThreads
public class LayerBitsTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 100, 500, 500 }, { 300, 1000, 10 }, { 256, 300, 33 }, { 7, 2500, 64 }, { 13, 33, 17 }, { 101, 784, 100 },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void Float_SameBitsOnAnyThreadCountPlacementAndWorkspace(int n, int d, int m) => Check<float>(n, d, m);

    [Theory, MemberData(nameof(Shapes))]
    public void Double_SameBitsOnAnyThreadCountPlacementAndWorkspace(int n, int d, int m) => Check<double>(n, d, m);

    private static void Check<T>(int n, int d, int m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var inputs = Inputs<T>.Draw(n, d, m);
        int saved = Parallelism.MaxThreads;
        var bad = new Mismatches();
        try
        {
            Parallelism.MaxThreads = 1;
            var baseline = Run(inputs, null);
            void Compare(string how, List<(string Name, double[] Values)> got)
            {
                for (int i = 0; i < baseline.Count; i++)
                    bad.SameBits($"<{typeof(T).Name}> ({n}, {d}, {m}) {baseline[i].Name} {how}", baseline[i].Values.AsSpan(), got[i].Values.AsSpan());
            }
            // Two threads with the cores taken as close (ordinary stores) and as far apart (a training batch's
            // activations streamed); three always stream.
            foreach (var (threads, far) in new (int, bool?)[] { (2, false), (2, true), (3, null) })
            {
                Parallelism.MaxThreads = threads;
                CorePlacement.Override = far;
                Compare($"on {threads} threads{(far is null ? "" : far.Value ? ", cores far apart" : ", cores close")}", Run(inputs, null));
                CorePlacement.Override = null;
            }
            foreach (int threads in new[] { 1, 2 })
            {
                Parallelism.MaxThreads = threads;
                Compare($"with a reused workspace holding NaN, {threads} thread(s)", Run(inputs, new DirtyWorkspace(Math.Max(n * d, d * m) + 64)));
                foreach (int offset in new[] { 1, 4 })
                    Compare($"with inputs {offset} values into a line, {threads} thread(s)", Run(inputs.At(offset), null));
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
            CorePlacement.Override = null;
        }
        bad.AssertNone();
    }

    /// <summary>A workspace whose every slot is refilled with NaN before each layer's forward pass.</summary>
    private sealed class DirtyWorkspace
    {
        private readonly List<NDArray<double>> _doubles = [];
        private readonly List<NDArray<float>> _floats = [];

        public DirtyWorkspace(int size) => Size = size;

        public int Size { get; }
        public Workspace Ws { get; } = new();

        public void Refill<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (_doubles.Count + _floats.Count == 0)
            {
                for (int i = 0; i < 24; i++)
                {
                    if (typeof(T) == typeof(float)) _floats.Add(Ws.Rent<float>(Size));
                    else _doubles.Add(Ws.Rent<double>(Size));
                }
            }
            foreach (var a in _floats) a.AsSpan().Fill(float.NaN);
            foreach (var a in _doubles) a.AsSpan().Fill(double.NaN);
            Ws.Reset();
        }
    }

    private sealed record Inputs<T>(NDArray<T> X, NDArray<T> W, NDArray<T> DW, NDArray<T> B, NDArray<T> DOut, NDArray<T> H, NDArray<T> DH,
        NDArray<T> Gamma, NDArray<T> Beta, NDArray<T> Mean, NDArray<T> Var, NDArray<T> Scores, int[] Y, NDArray<T> Long, NDArray<T> DLong)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Inputs<T> Draw(int n, int d, int m)
        {
            var rng = Rng(11, n, d, m);
            var h = Randn<T>(rng, 2, n, d);
            // Shifted features, so batch norm's statistics are not trivially 0 and 1.
            for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                h[i, j] += T.CreateTruncating(j % 5 - 1);
            var var = Randn<T>(rng, 1, d);
            foreach (ref var v in var.AsSpan()) v = T.Abs(v) + T.CreateTruncating(0.1);
            var y = new int[n];
            for (int i = 0; i < n; i++) y[i] = (int)rng.NextInterval((uint)d - 1);
            return new Inputs<T>(Randn<T>(rng, 1, SampleShape(n, d, 2)), Randn<T>(rng, 0.05, d, m), Randn<T>(rng, 0.5, d, m), Randn<T>(rng, 1, m), Randn<T>(rng, 1, n, m),
                h, Randn<T>(rng, 1, n, d), Randn<T>(rng, 1, d), Randn<T>(rng, 1, d), Randn<T>(rng, 1, d), var,
                Randn<T>(rng, 3, n, d), y, Randn<T>(rng, 1, 2 * (1 << 16) + 5), Randn<T>(rng, 1, 2 * (1 << 16) + 5));
        }

        /// <summary>The same values, every array starting <paramref name="offset"/> values into a cache line.</summary>
        public Inputs<T> At(int offset) => new(AtLineOffset(X, offset), AtLineOffset(W, offset), AtLineOffset(DW, offset), AtLineOffset(B, offset),
            AtLineOffset(DOut, offset), AtLineOffset(H, offset), AtLineOffset(DH, offset), AtLineOffset(Gamma, offset),
            AtLineOffset(Beta, offset), AtLineOffset(Mean, offset), AtLineOffset(Var, offset), AtLineOffset(Scores, offset), Y,
            AtLineOffset(Long, offset), AtLineOffset(DLong, offset));
    }

    /// <summary>Every output of every layer and rule, in a fixed order, as doubles (which keep every bit of T).</summary>
    private static List<(string Name, double[] Values)> Run<T>(Inputs<T> p, DirtyWorkspace? dirty) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = new List<(string, double[])>();
        void Add(string name, params NDArray<T>[] arrays)
        {
            for (int i = 0; i < arrays.Length; i++) o.Add(($"{name}[{i}]", arrays[i].ToDoubleArray()));
        }
        Workspace? Fresh()
        {
            dirty?.Refill<T>();
            return dirty?.Ws;
        }

        var ws = Fresh();
        var (a, ac) = Layer.AffineForward(p.X, p.W, p.B, ws);
        var (adx, adw, adb) = Layer.AffineBackward(p.DOut, ac, ws);
        Add("affine", a, adx, adw, adb);

        ws = Fresh();
        var (ar, arc) = Layer.AffineReluForward(p.X, p.W, p.B, ws);
        var (ardx, ardw, ardb) = Layer.AffineReluBackward(p.DOut, arc, ws);
        Add("affine-relu", ar, ardx, ardw, ardb);

        ws = Fresh();
        var (r, rc) = Layer.ReluForward(p.H, ws);
        Add("relu", r, Layer.ReluBackward(p.DH, rc, ws));

        ws = Fresh();
        var bn = new BatchNormParam<T> { RunningMean = p.Mean.Copy(), RunningVar = p.Var.Copy() };
        var (b, bc) = Layer.BatchNormForward(p.H, p.Gamma, p.Beta, bn, ws);
        Add("batchnorm", b, bc.XHat, bc.InvStd, bn.RunningMean, bn.RunningVar!);
        var (bdx, bdg, bdb) = Layer.BatchNormBackward(p.DH, bc, ws);
        var (bdx2, bdg2, bdb2) = Layer.BatchNormBackwardAlt(p.DH, bc, ws);
        Add("batchnorm backward", bdx, bdg, bdb, bdx2, bdg2, bdb2);

        ws = Fresh();
        var (bt, _) = Layer.BatchNormForward(p.H, p.Gamma, p.Beta, new BatchNormParam<T> { Mode = Mode.Test, RunningMean = p.Mean, RunningVar = p.Var }, ws);
        Add("batchnorm test", bt);

        ws = Fresh();
        var fusedParam = new BatchNormParam<T> { RunningMean = p.Mean.Copy(), RunningVar = p.Var.Copy() };
        var (f, fc) = Layer.BatchNormReluForward(p.H, p.Gamma, p.Beta, fusedParam, ws);
        Add("batchnorm-relu", f, fc.Norm.XHat, fc.Norm.InvStd, fusedParam.RunningMean, fusedParam.RunningVar!);
        var (fdx, fdg, fdb) = Layer.BatchNormReluBackward(p.DH, fc, ws);
        Add("batchnorm-relu backward", fdx, fdg, fdb);

        ws = Fresh();
        var (l, lc) = Layer.LayerNormForward(p.H, p.Gamma, p.Beta, null, ws);
        var (ldx, ldg, ldb) = Layer.LayerNormBackward(p.DH, lc, ws);
        Add("layernorm", l, lc.XHat, lc.InvStd, ldx, ldg, ldb);

        ws = Fresh();
        var (dr, dc) = Layer.DropoutForward(p.H, new DropoutParam(0.7, Mode.Train, rng: new NumpyRandom(5)), ws);
        Add("dropout", dr, dc.Mask!, Layer.DropoutBackward(p.DH, dc, ws));

        ws = Fresh();
        var (sl, sdx) = Layer.SoftmaxLoss(p.Scores, p.Y, ws);
        var (vl, vdx) = Layer.SvmLoss(p.Scores, p.Y, ws);
        o.Add(("losses", [sl, vl]));
        Add("loss gradients", sdx, vdx);

        foreach (var name in UpdateRules.Names)
        foreach (var (w, dw) in new[] { (p.W, p.DW), (p.Long, p.DLong) })
        {
            var rule = UpdateRules.Create<T>(name);
            var param = w.Copy();
            for (int step = 0; step < 2; step++) rule.Step(param, dw);
            Add($"{name} {param.ShapeString}", [param, .. rule.StateNames.Select(s => rule.State[s])]);
        }
        return o;
    }
}
