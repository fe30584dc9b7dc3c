using System.Numerics;
using Backprop.Optim;
using Backprop.Tensors;
using static Backprop.Tests.Sweep.SweepData;

namespace Backprop.Tests.Sweep;

/// <summary>
/// Each update rule against its formula in float64, float32 and float64, on parameters of rank 1–4 whose sizes are not
/// multiples of a vector (and one past two of the kernels' 64 Ki-element pieces): three steps from a random state,
/// each step checked from the state the rule held before it.
/// </summary>
public class OptimSweepTests
{
    private static readonly int[][] Shapes =
    [
        [1], [2], [7], [15], [17], [31], [33], [63], [65], [127], [129], [1000],
        [3, 5], [7, 9, 11], [2, 3, 5, 7], [13, 1, 17], [2 * (1 << 16) + 1],
    ];

    [Fact] public void Float() => Sweep<float>();
    [Fact] public void Double() => Sweep<double>();

    private static void Sweep<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double u = Mismatches.U<T>();
        var bad = new Mismatches();
        foreach (var rule in UpdateRules.Names)
        foreach (var shape in Shapes)
        {
            var rng = Rng(9, rule.Length, shape.Length, shape[^1]);
            var config = new Dictionary<string, double> { ["learning_rate"] = 3e-2 };
            var r = UpdateRules.Create<T>(rule, config);
            var w = Randn<T>(rng, 1, shape);
            // A state of the right sign for each slot (squares are ≥ 0), and Adam well past its first step.
            foreach (var name in r.StateNames)
            {
                var s = Randn<T>(rng, name is "v" or "cache" ? 0.1 : 0.3, shape);
                if (name is "v" or "cache") foreach (ref var v in s.AsSpan()) v = T.Abs(v);
                r.SetState(name, s);
            }
            if (r is Adam<T> adam) adam.TimeStep = 4;
            for (int step = 0; step < 3; step++)
            {
                var dw = Randn<T>(rng, step == 2 ? 1e-3 : 1, shape);
                var before = r.StateNames.ToDictionary(n => n, n => D(r.State[n]));
                var w0 = D(w);
                var want = Expect(r, w0, D(dw), before, u);
                r.Step(w, dw);
                string c = $"{rule} <{typeof(T).Name}> {w.ShapeString} step {step + 1}";
                bad.Check($"{c} w", w.AsSpan(), want.W.Value, want.W.Bound);
                foreach (var (name, e) in want.State) bad.Check($"{c} {name}", r.State[name].AsSpan(), e.Value, e.Bound);
            }
        }
        bad.AssertNone();
    }

    /// <summary>The rule's step in float64 from w, dw and the state before it, with the bounds of T's arithmetic.</summary>
    private static (Expected W, Dictionary<string, Expected> State) Expect<T>(UpdateRule<T> r, double[] w, double[] dw, Dictionary<string, double[]> state, double u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = w.Length;
        double lr = r.LearningRate;
        var nw = Expected.Of(n);
        var slots = new Dictionary<string, Expected>();
        switch (r)
        {
            case Sgd<T>:
                for (int i = 0; i < n; i++)
                {
                    nw.Value[i] = w[i] - lr * dw[i];
                    nw.Bound[i] = 2 * u * (Math.Abs(w[i]) + 2 * Math.Abs(lr * dw[i]));
                }
                break;
            case SgdMomentum<T> or SgdNesterovMomentum<T>:
            {
                double mu = r is SgdMomentum<T> m ? m.Momentum : ((SgdNesterovMomentum<T>)r).Momentum;
                var v = slots["velocity"] = Expected.Of(n);
                for (int i = 0; i < n; i++)
                {
                    double old = state["velocity"][i], nv = mu * old - lr * dw[i];
                    double vb = 3 * u * (Math.Abs(mu * old) + 2 * Math.Abs(lr * dw[i]));
                    (v.Value[i], v.Bound[i]) = (nv, vb);
                    if (r is SgdMomentum<T>)
                    {
                        nw.Value[i] = w[i] + nv;
                        nw.Bound[i] = 2 * u * (Math.Abs(w[i]) + Math.Abs(nv)) + vb;
                    }
                    else
                    {
                        nw.Value[i] = w[i] + nv + mu * (nv - old);
                        nw.Bound[i] = 4 * u * (Math.Abs(w[i]) + 2 * Math.Abs(nv) + Math.Abs(mu * nv) + Math.Abs(mu * old)) + 3 * vb;
                    }
                }
                break;
            }
            case RmsProp<T> or AdaGrad<T>:
            {
                double decay = r is RmsProp<T> rms ? rms.DecayRate : 1, eps = r is RmsProp<T> rr ? rr.Epsilon : ((AdaGrad<T>)r).Epsilon;
                var c = slots["cache"] = Expected.Of(n);
                for (int i = 0; i < n; i++)
                {
                    double keep = decay * state["cache"][i], add = (r is RmsProp<T> ? 1 - decay : 1) * dw[i] * dw[i];
                    double nc = keep + add, cb = 4 * u * (Math.Abs(keep) + add);
                    (c.Value[i], c.Bound[i]) = (nc, cb);
                    double s = lr * dw[i] / (Math.Sqrt(nc) + eps);
                    nw.Value[i] = w[i] - s;
                    nw.Bound[i] = 2 * u * (Math.Abs(w[i]) + Math.Abs(s)) + Math.Abs(s) * (8 * u + (nc > 0 ? cb / nc : 0));
                }
                break;
            }
            case Adam<T> adam:
            {
                int t = adam.TimeStep + 1;
                double b1 = adam.Beta1, b2 = adam.Beta2, eps = adam.Epsilon;
                double c1 = 1 / (1 - Math.Pow(b1, t)), c2 = 1 / (1 - Math.Pow(b2, t));
                var m = slots["m"] = Expected.Of(n);
                var v = slots["v"] = Expected.Of(n);
                for (int i = 0; i < n; i++)
                {
                    double nm = b1 * state["m"][i] + (1 - b1) * dw[i], nv = b2 * state["v"][i] + (1 - b2) * dw[i] * dw[i];
                    double mb = 4 * u * (Math.Abs(b1 * state["m"][i]) + Math.Abs((1 - b1) * dw[i]));
                    double vb = 4 * u * (Math.Abs(b2 * state["v"][i]) + (1 - b2) * dw[i] * dw[i]);
                    (m.Value[i], m.Bound[i], v.Value[i], v.Bound[i]) = (nm, mb, nv, vb);
                    double den = Math.Sqrt(nv * c2) + eps, s = lr * nm * c1 / den;
                    nw.Value[i] = w[i] - s;
                    nw.Bound[i] = 2 * u * (Math.Abs(w[i]) + Math.Abs(s)) + lr * c1 * mb / den + Math.Abs(s) * (10 * u + (nv > 0 ? vb / nv : 0));
                }
                break;
            }
            default:
                throw new InvalidOperationException($"No reference for {r.Name}.");
        }
        return (nw, slots);
    }
}
