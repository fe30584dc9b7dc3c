using System.Numerics;
using Backprop.Layers;
using Backprop.Tensors;
using static Backprop.Tests.Sweep.SweepData;

namespace Backprop.Tests.Sweep;

/// <summary>
/// Every layer against a float64 loop (<see cref="Naive"/>), float32 and float64, at every batch size of
/// <see cref="SweepData.Ns"/> (and <see cref="SweepData.TallNs"/> for the row passes) and width of
/// <see cref="SweepData.Ds"/>: vector bodies and tails, GEMM tile edges, one to three row blocks, inputs of rank 2–4 (1–4 where a layer takes any shape), |μ|/σ up to 10⁴ for the normalisations, scores of
/// 10⁴ for the losses. Backward passes are checked as functions of dout and the cache the forward pass returned.
/// </summary>
public class LayerSweepTests
{
    [Fact] public void Affine_Float() => Affine<float>();
    [Fact] public void Affine_Double() => Affine<double>();
    [Fact] public void AffineRelu_Float() => AffineRelu<float>();
    [Fact] public void AffineRelu_Double() => AffineRelu<double>();
    [Fact] public void Relu_Float() => Relu<float>();
    [Fact] public void Relu_Double() => Relu<double>();
    [Fact] public void BatchNormTrain_Float() => BatchNormTrain<float>();
    [Fact] public void BatchNormTrain_Double() => BatchNormTrain<double>();
    [Fact] public void BatchNormTest_Float() => BatchNormTest<float>();
    [Fact] public void BatchNormTest_Double() => BatchNormTest<double>();
    [Fact] public void LayerNorm_Float() => LayerNorm<float>();
    [Fact] public void LayerNorm_Double() => LayerNorm<double>();
    [Fact] public void Dropout_Float() => Dropout<float>();
    [Fact] public void Dropout_Double() => Dropout<double>();
    [Fact] public void Losses_Float() => Losses<float>();
    [Fact] public void Losses_Double() => Losses<double>();

    private static string Case<T>(string layer, params (string Name, object Value)[] parts) =>
        $"{layer} <{typeof(T).Name}> " + string.Join(" ", parts.Select(p => $"{p.Name}={p.Value}"));

    private static void Affine<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double u = Mismatches.U<T>();
        var bad = new Mismatches();
        int variant = 0;
        foreach (int n in Ns)
        foreach (int d in Ds)
        foreach (int m in Ms)
        {
            var rng = Rng(1, n, d, m);
            var shape = SampleShape(n, d, variant++);
            var x = Randn<T>(rng, 1, shape);
            var w = Randn<T>(rng, 1, d, m);
            var b = Randn<T>(rng, 1, m);
            var dout = Randn<T>(rng, 1, n, m);
            string c = Case<T>("Affine", ("x", x.ShapeString), ("M", m));
            var (outp, cache) = Layer.AffineForward(x, w, b);
            var want = Naive.AffineForward(D(x), D(w), D(b), n, d, m, u);
            bad.Check($"{c} out", outp.AsSpan(), want.Value, want.Bound);
            var (dx, dw, db) = Layer.AffineBackward(dout, cache);
            if (!dx.SameShape(x)) bad.Add($"{c}: dx has shape {dx.ShapeString}");
            var (wdx, wdw, wdb) = Naive.AffineBackward(D(dout), D(x), D(w), n, d, m, u);
            bad.Check($"{c} dx", dx.AsSpan(), wdx.Value, wdx.Bound);
            bad.Check($"{c} dw", dw.AsSpan(), wdw.Value, wdw.Bound);
            bad.Check($"{c} db", db.AsSpan(), wdb.Value, wdb.Bound);
        }
        bad.AssertNone();
    }

    private static void AffineRelu<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double u = Mismatches.U<T>();
        var bad = new Mismatches();
        int variant = 0;
        foreach (int n in Ns)
        foreach (int d in Ds)
        foreach (int m in new[] { 1, 10, 17, 65 })
        {
            var rng = Rng(2, n, d, m);
            var shape = SampleShape(n, d, variant++);
            var x = Randn<T>(rng, 1, shape);
            var w = Randn<T>(rng, 1, d, m);
            var b = Randn<T>(rng, 1, m);
            var dout = Randn<T>(rng, 1, n, m);
            string c = Case<T>("AffineRelu", ("x", x.ShapeString), ("M", m));
            var (outp, cache) = Layer.AffineReluForward(x, w, b);
            // ReLU is 1-Lipschitz: the affine output's bound holds after it, whichever side of 0 a value lands.
            var a = Naive.AffineForward(D(x), D(w), D(b), n, d, m, u);
            bad.Check($"{c} out", outp.AsSpan(), Naive.Relu(a.Value).Value, a.Bound);
            var (dx, dw, db) = Layer.AffineReluBackward(dout, cache);
            var da = Naive.ReluBackward(D(dout), D(cache.Relu.X)).Value;
            var (wdx, wdw, wdb) = Naive.AffineBackward(da, D(x), D(w), n, d, m, u);
            bad.Check($"{c} dx", dx.AsSpan(), wdx.Value, wdx.Bound);
            bad.Check($"{c} dw", dw.AsSpan(), wdw.Value, wdw.Bound);
            bad.Check($"{c} db", db.AsSpan(), wdb.Value, wdb.Bound);
        }
        bad.AssertNone();
    }

    private static void Relu<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bad = new Mismatches();
        int variant = 0;
        foreach (int n in Ns.Concat(TallNs))
        foreach (int d in Ds)
        {
            var rng = Rng(3, n, d);
            int v = variant++;
            int[] shape = v % 4 == 3 ? [n * d] : SampleShape(n, d, v);
            var x = Randn<T>(rng, 1, shape);
            var dout = Randn<T>(rng, 1, shape);
            // Signed zeros, a NaN and infinities where there is room.
            var xs = x.AsSpan();
            xs[0] = -T.Zero;
            if (xs.Length > 1) xs[^1] = T.NaN;
            if (xs.Length > 3) (xs[1], xs[2]) = (T.PositiveInfinity, T.NegativeInfinity);
            string c = Case<T>("Relu", ("x", x.ShapeString));
            var (outp, cache) = Layer.ReluForward(x);
            if (!outp.SameShape(x)) bad.Add($"{c}: out has shape {outp.ShapeString}");
            var want = Naive.Relu(D(x));
            bad.Check($"{c} out", outp.AsSpan(), want.Value, want.Bound);
            if (T.IsNegative(outp.AsSpan()[0])) bad.Add($"{c}: relu(−0) is −0 (np.maximum gives +0)");
            var dx = Layer.ReluBackward(dout, cache);
            var wdx = Naive.ReluBackward(D(dout), D(x));
            bad.Check($"{c} dx", dx.AsSpan(), wdx.Value, wdx.Bound);
        }
        bad.AssertNone();
    }

    /// <summary>
    /// Inputs (n, d) whose columns (or rows, <paramref name="perRow"/>) have scales from e⁻³ to e³ and means of 0,
    /// 2.5σ, −10³σ and 10⁴σ in turn.
    /// </summary>
    private static NDArray<T> Shifted<T>(NumpyRandom rng, int n, int d, bool perRow) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] ratios = [0, 2.5, -1e3, 1e4];
        int groups = perRow ? n : d;
        var sigma = new double[groups];
        var mu = new double[groups];
        for (int g = 0; g < groups; g++)
        {
            sigma[g] = Math.Exp(rng.Uniform(-3, 3));
            mu[g] = ratios[g % ratios.Length] * sigma[g];
        }
        var x = new NDArray<T>(n, d);
        for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
        {
            int g = perRow ? i : j;
            x[i, j] = T.CreateTruncating(mu[g] + sigma[g] * rng.NextGaussian());
        }
        return x;
    }

    private static void BatchNormTrain<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double u = Mismatches.U<T>();
        var bad = new Mismatches();
        foreach (int n in Ns.Concat(TallNs).Where(n => n >= 2))
        foreach (int d in Ds)
        {
            var rng = Rng(4, n, d);
            var x = Shifted<T>(rng, n, d, perRow: false);
            var gamma = Randn<T>(rng, 1, d);
            var beta = Randn<T>(rng, 1, d);
            var dout = Randn<T>(rng, 1, n, d);
            var mean0 = Randn<T>(rng, 1, d);
            var var0 = new NDArray<T>(d);
            for (int j = 0; j < d; j++) var0[j] = T.CreateTruncating(rng.Uniform(0.1, 2));
            const double eps = 1e-5, momentum = 0.9;
            string c = Case<T>("BatchNorm", ("N", n), ("D", d));
            var want = Naive.Normalize(D(x), D(gamma), D(beta), n, d, eps, u, perRow: false);
            var wantMean = Naive.Running(D(mean0), want.Mean, want.MeanBound, momentum, u);
            var wantVar = Naive.Running(D(var0), want.Var, want.VarBound, momentum, u);
            var da = Randn<T>(rng, 1, n, d);

            var bn = new BatchNormParam<T> { RunningMean = mean0.Copy(), RunningVar = var0.Copy() };
            var (outp, cache) = Layer.BatchNormForward(x, gamma, beta, bn);
            bad.Check($"{c} out", outp.AsSpan(), want.Out.Value, want.Out.Bound);
            bad.Check($"{c} x̂", cache.XHat.AsSpan(), want.XHat.Value, want.XHat.Bound);
            bad.Check($"{c} 1/σ", cache.InvStd.AsSpan(), want.Inv, want.InvBound);
            bad.Check($"{c} running mean", bn.RunningMean.AsSpan(), wantMean.Value, wantMean.Bound);
            bad.Check($"{c} running var", bn.RunningVar!.AsSpan(), wantVar.Value, wantVar.Bound);
            foreach (var (name, backward) in new (string, Func<NDArray<T>, BatchNormCache<T>, (NDArray<T>, NDArray<T>, NDArray<T>)>)[]
                     { ("backward", (g, k) => Layer.BatchNormBackward(g, k)), ("backward alt", (g, k) => Layer.BatchNormBackwardAlt(g, k)) })
            {
                var (dx, dgamma, dbeta) = backward(dout, cache);
                var (wdx, wdg, wdb) = Naive.NormalizeBackward(D(dout), D(cache.XHat), D(cache.InvStd), D(gamma), n, d, u, perRow: false);
                bad.Check($"{c} {name} dx", dx.AsSpan(), wdx.Value, wdx.Bound);
                bad.Check($"{c} {name} dγ", dgamma.AsSpan(), wdg.Value, wdg.Bound);
                bad.Check($"{c} {name} dβ", dbeta.AsSpan(), wdb.Value, wdb.Bound);
            }

            // The fused layer: relu(bn(x)), with the same statistics.
            var fusedParam = new BatchNormParam<T> { RunningMean = mean0.Copy(), RunningVar = var0.Copy() };
            var (h, fused) = Layer.BatchNormReluForward(x, gamma, beta, fusedParam);
            bad.Check($"{c} fused out", h.AsSpan(), Naive.Relu(want.Out.Value).Value, want.Out.Bound);
            bad.Check($"{c} fused x̂", fused.Norm.XHat.AsSpan(), want.XHat.Value, want.XHat.Bound);
            bad.Check($"{c} fused 1/σ", fused.Norm.InvStd.AsSpan(), want.Inv, want.InvBound);
            bad.Check($"{c} fused running mean", fusedParam.RunningMean.AsSpan(), wantMean.Value, wantMean.Bound);
            bad.Check($"{c} fused running var", fusedParam.RunningVar!.AsSpan(), wantVar.Value, wantVar.Bound);
            var (fdx, fdg, fdb) = Layer.BatchNormReluBackward(da, fused);
            var masked = Naive.ReluBackward(D(da), D(fused.Out)).Value;
            var (wfdx, wfdg, wfdb) = Naive.NormalizeBackward(masked, D(fused.Norm.XHat), D(fused.Norm.InvStd), D(gamma), n, d, u, perRow: false);
            bad.Check($"{c} fused dx", fdx.AsSpan(), wfdx.Value, wfdx.Bound);
            bad.Check($"{c} fused dγ", fdg.AsSpan(), wfdg.Value, wfdg.Bound);
            bad.Check($"{c} fused dβ", fdb.AsSpan(), wfdb.Value, wfdb.Bound);
        }
        bad.AssertNone();
    }

    private static void BatchNormTest<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double u = Mismatches.U<T>();
        var bad = new Mismatches();
        foreach (int n in Ns.Concat(TallNs))
        foreach (int d in Ds)
        {
            var rng = Rng(5, n, d);
            // Running statistics of a shifted distribution and inputs drawn from it.
            var x = Shifted<T>(rng, n + 8, d, perRow: false);
            var mean = new NDArray<T>(d);
            var var = new NDArray<T>(d);
            for (int j = 0; j < d; j++)
            {
                double s = 0, sq = 0;
                for (int i = n; i < n + 8; i++) s += double.CreateTruncating(x[i, j]);
                for (int i = n; i < n + 8; i++) sq += Math.Pow(double.CreateTruncating(x[i, j]) - s / 8, 2);
                mean[j] = T.CreateTruncating(s / 8);
                var[j] = T.CreateTruncating(sq / 8);
            }
            x = x.SliceRows(0, n);
            var gamma = Randn<T>(rng, 1, d);
            var beta = Randn<T>(rng, 1, d);
            string c = Case<T>("BatchNorm test", ("N", n), ("D", d));
            var bn = new BatchNormParam<T> { Mode = Mode.Test, RunningMean = mean.Copy(), RunningVar = var.Copy() };
            var (outp, _) = Layer.BatchNormForward(x, gamma, beta, bn);
            var want = Naive.BatchNormTest(D(x), D(gamma), D(beta), D(mean), D(var), n, d, 1e-5, u);
            bad.Check($"{c} out", outp.AsSpan(), want.Value, want.Bound);
            bad.SameBits($"{c} running mean (unchanged)", mean.AsSpan(), bn.RunningMean.AsSpan());
            bad.SameBits($"{c} running var (unchanged)", var.AsSpan(), bn.RunningVar!.AsSpan());
        }
        bad.AssertNone();
    }

    private static void LayerNorm<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double u = Mismatches.U<T>();
        var bad = new Mismatches();
        foreach (int n in Ns.Concat(TallNs))
        foreach (int d in Ds)
        {
            var rng = Rng(6, n, d);
            var x = Shifted<T>(rng, n, d, perRow: true);
            var gamma = Randn<T>(rng, 1, d);
            var beta = Randn<T>(rng, 1, d);
            var dout = Randn<T>(rng, 1, n, d);
            string c = Case<T>("LayerNorm", ("N", n), ("D", d));
            var (outp, cache) = Layer.LayerNormForward(x, gamma, beta);
            var want = Naive.Normalize(D(x), D(gamma), D(beta), n, d, 1e-5, u, perRow: true);
            bad.Check($"{c} out", outp.AsSpan(), want.Out.Value, want.Out.Bound);
            bad.Check($"{c} x̂", cache.XHat.AsSpan(), want.XHat.Value, want.XHat.Bound);
            bad.Check($"{c} 1/σ", cache.InvStd.AsSpan(), want.Inv, want.InvBound);
            var (dx, dgamma, dbeta) = Layer.LayerNormBackward(dout, cache);
            var (wdx, wdg, wdb) = Naive.NormalizeBackward(D(dout), D(cache.XHat), D(cache.InvStd), D(gamma), n, d, u, perRow: true);
            bad.Check($"{c} dx", dx.AsSpan(), wdx.Value, wdx.Bound);
            bad.Check($"{c} dγ", dgamma.AsSpan(), wdg.Value, wdg.Bound);
            bad.Check($"{c} dβ", dbeta.AsSpan(), wdb.Value, wdb.Bound);
        }
        bad.AssertNone();
    }

    private static void Dropout<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double u = Mismatches.U<T>();
        var bad = new Mismatches();
        double[] keeps = [0.25, 1.0 / 3, 0.5, 0.7, 1.0];
        int variant = 0;
        foreach (int n in Ns.Concat(TallNs))
        foreach (int d in Ds)
        {
            int v = variant++;
            double p = keeps[v % keeps.Length];
            var rng = Rng(7, n, d);
            int[] shape = v % 4 == 3 ? [n * d] : SampleShape(n, d, v);
            var x = Randn<T>(rng, 1, shape);
            var dout = Randn<T>(rng, 1, shape);
            // Every other case starts the masks one 32-bit word into a pair, so some pair straddles a regeneration.
            var masks = Rng(70, n, d);
            for (int k = 0; k < v % 2; k++) masks.NextUInt32();
            var draws = new NumpyRandom(0);
            draws.SetState(masks.GetState());
            string c = Case<T>("Dropout", ("x", x.ShapeString), ("p", p));

            var param = new DropoutParam(p, Mode.Train, rng: masks);
            var (outp, cache) = Layer.DropoutForward(x, param);
            var xs = D(x);
            var want = Expected.Of(xs.Length);
            var mask = Expected.Of(xs.Length);
            for (int i = 0; i < xs.Length; i++)
            {
                bool keep = draws.NextDouble() < p;
                mask.Value[i] = keep ? 1 / p : 0;
                mask.Bound[i] = 3 * u * mask.Value[i];
                want.Value[i] = xs[i] * mask.Value[i];
                want.Bound[i] = 3 * u * Math.Abs(want.Value[i]);
            }
            bad.Check($"{c} out", outp.AsSpan(), want.Value, want.Bound);
            bad.Check($"{c} mask", cache.Mask!.AsSpan(), mask.Value, mask.Bound);
            if (masks.NextUInt32() != draws.NextUInt32()) bad.Add($"{c}: the generator advanced by other than one draw per value");
            var dx = Layer.DropoutBackward(dout, cache);
            var ds = D(dout);
            bad.Check($"{c} dx", dx.AsSpan(), ds.Select((g, i) => g * mask.Value[i]).ToArray(), ds.Select((g, i) => 3 * u * Math.Abs(g * mask.Value[i])).ToArray());

            var test = new DropoutParam(p, Mode.Test, rng: masks);
            var (tout, tcache) = Layer.DropoutForward(x, test);
            bad.SameBits($"{c} test out", x.AsSpan(), tout.AsSpan());
            bad.SameBits($"{c} test dx", dout.AsSpan(), Layer.DropoutBackward(dout, tcache).AsSpan());
        }
        bad.AssertNone();
    }

    private static void Losses<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double u = Mismatches.U<T>();
        double tiny = typeof(T) == typeof(float) ? 1e-37 : 1e-300;
        var bad = new Mismatches();
        foreach (int n in Ns)
        foreach (int classes in Classes)
        foreach (double scale in new[] { 1.0, 1e4 })
        {
            var rng = Rng(8, n, classes, (int)scale);
            var x = Randn<T>(rng, scale, n, classes);
            var y = new int[n];
            for (int i = 0; i < n; i++) y[i] = (int)rng.NextInterval((uint)classes - 1);
            var xs = D(x);
            string c = Case<T>("loss", ("N", n), ("C", classes), ("scale", scale));

            var (loss, dx) = Layer.SoftmaxLoss(x, y);
            var (wl, wlb, wdx) = Naive.Softmax(xs, y, n, classes, u, tiny);
            bad.Check($"{c} softmax loss", loss, wl, wlb);
            bad.Check($"{c} softmax dx", dx.AsSpan(), wdx.Value, wdx.Bound);

            var (sl, sdx) = Layer.SvmLoss(x, y);
            var (ws, wsb, wsdx) = Naive.Svm(xs, y, n, classes, u);
            bad.Check($"{c} svm loss", sl, ws, wsb);
            bad.Check($"{c} svm dx", sdx.AsSpan(), wsdx.Value, wsdx.Bound);
        }
        bad.AssertNone();
    }
}
