namespace Backprop.Tests.Sweep;

/// <summary>A reference value per element and the rounding error a correct float32/float64 computation may have there.</summary>
internal readonly record struct Expected(double[] Value, double[] Bound)
{
    public static Expected Of(int length) => new(new double[length], new double[length]);
}

/// <summary>
/// The layers as straightforward float64 loops over the values the library was given (every float and double is a
/// double exactly), each with an a-priori bound on the error of the library's float32 or float64 arithmetic
/// (<paramref name="u"/>, the unit roundoff): a sum of k terms is off by at most about k·u·Σ|term|, a normalised value
/// by its statistics' errors over σ. A lost, doubled or misplaced term, a wrong tail, or a wrong edge is far outside.
/// </summary>
internal static class Naive
{
    // ---- affine ---------------------------------------------------------------------------------------------------

    /// <summary>out = x·w + b; x (n, d), w (d, m), b (m).</summary>
    public static Expected AffineForward(double[] x, double[] w, double[] b, int n, int d, int m, double u)
    {
        var e = Expected.Of(n * m);
        for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
        {
            double s = b[j], a = Math.Abs(b[j]);
            for (int p = 0; p < d; p++)
            {
                double t = x[i * d + p] * w[p * m + j];
                s += t;
                a += Math.Abs(t);
            }
            e.Value[i * m + j] = s;
            e.Bound[i * m + j] = 2 * u * (d + 2) * a;
        }
        return e;
    }

    /// <summary>dx = dout·wᵀ (n, d), dw = xᵀ·dout (d, m), db = Σ_i dout (m).</summary>
    public static (Expected Dx, Expected Dw, Expected Db) AffineBackward(double[] dout, double[] x, double[] w, int n, int d, int m, double u)
    {
        var dx = Expected.Of(n * d);
        for (int i = 0; i < n; i++)
        for (int p = 0; p < d; p++)
        {
            double s = 0, a = 0;
            for (int j = 0; j < m; j++) { double t = dout[i * m + j] * w[p * m + j]; s += t; a += Math.Abs(t); }
            dx.Value[i * d + p] = s;
            dx.Bound[i * d + p] = 2 * u * (m + 2) * a;
        }
        var dw = Expected.Of(d * m);
        for (int p = 0; p < d; p++)
        for (int j = 0; j < m; j++)
        {
            double s = 0, a = 0;
            for (int i = 0; i < n; i++) { double t = x[i * d + p] * dout[i * m + j]; s += t; a += Math.Abs(t); }
            dw.Value[p * m + j] = s;
            dw.Bound[p * m + j] = 2 * u * (n + 2) * a;
        }
        return (dx, dw, ColumnSums(dout, n, m, u));
    }

    /// <summary>Σ_i a[i, j] over the rows of an (n, m) matrix.</summary>
    public static Expected ColumnSums(double[] a, int n, int m, double u)
    {
        var e = Expected.Of(m);
        for (int j = 0; j < m; j++)
        {
            double s = 0, abs = 0;
            for (int i = 0; i < n; i++) { s += a[i * m + j]; abs += Math.Abs(a[i * m + j]); }
            e.Value[j] = s;
            e.Bound[j] = u * (n + 2) * abs;
        }
        return e;
    }

    // ---- ReLU -----------------------------------------------------------------------------------------------------

    /// <summary>max(x, 0), exactly.</summary>
    public static Expected Relu(double[] x) => new(x.Select(v => double.IsNaN(v) ? v : Math.Max(v, 0)).ToArray(), new double[x.Length]);

    /// <summary>dout where x &gt; 0, else 0, exactly.</summary>
    public static Expected ReluBackward(double[] dout, double[] x) => new(dout.Select((g, i) => x[i] > 0 ? g : 0).ToArray(), new double[x.Length]);

    // ---- batch and layer norm -------------------------------------------------------------------------------------

    /// <summary>
    /// Normalisation of groups of <paramref name="count"/> values <paramref name="stride"/> apart starting at
    /// <c>start(g)</c>: the mean, the biased variance, 1/√(var + eps), x̂ and out = γ·x̂ + β, with bounds for a
    /// computation that sums the mean and then the centred squares in T (the two-pass variance).
    /// </summary>
    /// <remarks>
    /// A mean summed in T is off by δμ ≤ (count + 3)·u·mean|x|; the centred sum then holds count·δμ² more (the cross term
    /// vanishes) and its own rounding. x̂ = (x − μ̂)/σ̂ is off by δμ/σ plus its relative error: with |μ| ≫ σ the bound
    /// grows as |μ|/σ, as the float32 computation's error does.
    /// </remarks>
    public sealed class Normalized
    {
        public required double[] Mean, Var, Inv, MeanBound, VarBound, InvBound;
        public required Expected XHat, Out;
    }

    /// <summary>Batch norm (groups are columns of an (n, d) matrix) or layer norm (rows).</summary>
    public static Normalized Normalize(double[] x, double[] gamma, double[] beta, int n, int d, double eps, double u, bool perRow)
    {
        int groups = perRow ? n : d, count = perRow ? d : n;
        int Index(int g, int k) => perRow ? g * d + k : k * d + g;
        var r = new Normalized
        {
            Mean = new double[groups], Var = new double[groups], Inv = new double[groups],
            MeanBound = new double[groups], VarBound = new double[groups], InvBound = new double[groups],
            XHat = Expected.Of(n * d), Out = Expected.Of(n * d),
        };
        for (int g = 0; g < groups; g++)
        {
            double sum = 0, abs = 0;
            for (int k = 0; k < count; k++) { sum += x[Index(g, k)]; abs += Math.Abs(x[Index(g, k)]); }
            double mean = sum / count, meanBound = u * (count + 3) * abs / count;
            double sq = 0;
            for (int k = 0; k < count; k++) { double c = x[Index(g, k)] - mean; sq += c * c; }
            double var = sq / count;
            double varBound = meanBound * meanBound + u * (count + 6) * (var + meanBound * meanBound);
            double inv = 1 / Math.Sqrt(var + eps), invRel = 0.5 * varBound / (var + eps) + 4 * u;
            (r.Mean[g], r.Var[g], r.Inv[g]) = (mean, var, inv);
            (r.MeanBound[g], r.VarBound[g], r.InvBound[g]) = (meanBound, varBound, invRel * inv);
            for (int k = 0; k < count; k++)
            {
                int i = Index(g, k), f = perRow ? k : g;
                double h = (x[i] - mean) * inv;
                double hBound = 2 * (meanBound * inv + Math.Abs(h) * (2 * u + invRel));
                r.XHat.Value[i] = h;
                r.XHat.Bound[i] = hBound;
                r.Out.Value[i] = gamma[f] * h + beta[f];
                r.Out.Bound[i] = Math.Abs(gamma[f]) * hBound + 2 * u * (Math.Abs(gamma[f] * h) + Math.Abs(beta[f]));
            }
        }
        return r;
    }

    /// <summary>running = m·running + (1 − m)·batch, with the batch statistic's own bound carried through.</summary>
    public static Expected Running(double[] running, double[] batch, double[] batchBound, double momentum, double u)
    {
        var e = Expected.Of(running.Length);
        for (int j = 0; j < running.Length; j++)
        {
            double a = momentum * running[j], b = (1 - momentum) * batch[j];
            e.Value[j] = a + b;
            e.Bound[j] = 4 * u * (Math.Abs(a) + Math.Abs(b)) + (1 - momentum) * batchBound[j];
        }
        return e;
    }

    /// <summary>Batch norm at test time: out = (x − μ)·γ/√(var + eps) + β with the running statistics.</summary>
    public static Expected BatchNormTest(double[] x, double[] gamma, double[] beta, double[] mean, double[] var, int n, int d, double eps, double u)
    {
        var e = Expected.Of(n * d);
        for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
        {
            double s = gamma[j] / Math.Sqrt(var[j] + eps), c = x[i * d + j] - mean[j];
            e.Value[i * d + j] = c * s + beta[j];
            e.Bound[i * d + j] = 8 * u * (Math.Abs(c * s) + Math.Abs(beta[j]));
        }
        return e;
    }

    /// <summary>
    /// The normalisation's backward pass from its cache, for groups as in <see cref="Normalize"/>: with dx̂ = dout·γ,
    /// dx = (1/σ)/count · (count·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)); dγ = Σ_rows dout·x̂ and dβ = Σ_rows dout per column.
    /// </summary>
    public static (Expected Dx, Expected Dgamma, Expected Dbeta) NormalizeBackward(double[] dout, double[] xhat, double[] inv, double[] gamma, int n, int d, double u, bool perRow)
    {
        int groups = perRow ? n : d, count = perRow ? d : n;
        int Index(int g, int k) => perRow ? g * d + k : k * d + g;
        var dx = Expected.Of(n * d);
        for (int g = 0; g < groups; g++)
        {
            double sum = 0, sumAbs = 0, dot = 0, dotAbs = 0, centre = 0;
            for (int k = 0; k < count; k++)
            {
                int i = Index(g, k);
                double dh = dout[i] * gamma[perRow ? k : g];
                sum += dh; sumAbs += Math.Abs(dh);
                dot += dh * xhat[i]; dotAbs += Math.Abs(dh * xhat[i]);
                centre += xhat[i];
            }
            // The closed form and the staged one (through x − μ = x̂·σ and dμ) agree where Σx̂ = 0; the forward pass's
            // rounding leaves Σx̂/count ≠ 0, and the two forms then part by (1/σ)/count·mean(x̂)·Σ(dx̂·x̂).
            double offCentre = Math.Abs(centre) / count * dotAbs;
            double scale = inv[g] / count;
            for (int k = 0; k < count; k++)
            {
                int i = Index(g, k);
                double dh = dout[i] * gamma[perRow ? k : g];
                dx.Value[i] = scale * (count * dh - sum - xhat[i] * dot);
                dx.Bound[i] = Math.Abs(scale) * (4 * u * (count + 8) * (count * Math.Abs(dh) + sumAbs + (Math.Abs(xhat[i]) + 1) * dotAbs) + 2 * offCentre);
            }
        }
        var products = new double[n * d];
        for (int i = 0; i < products.Length; i++) products[i] = dout[i] * xhat[i];
        var dgamma = ColumnSums(products, n, d, u);
        for (int j = 0; j < d; j++) dgamma.Bound[j] *= 2;
        return (dx, dgamma, ColumnSums(dout, n, d, u));
    }

    // ---- losses ---------------------------------------------------------------------------------------------------

    /// <summary>Softmax cross-entropy averaged over the rows, and dx = (softmax − onehot)/n.</summary>
    public static (double Loss, double LossBound, Expected Dx) Softmax(double[] x, int[] y, int n, int c, double u, double tiny)
    {
        var dx = Expected.Of(n * c);
        double loss = 0, lossBound = 0;
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < c; j++) max = Math.Max(max, x[i * c + j]);
            double sum = 0;
            for (int j = 0; j < c; j++) sum += Math.Exp(x[i * c + j] - max);
            double rowLoss = Math.Log(sum) - (x[i * c + y[i]] - max);
            loss += rowLoss;
            lossBound += 4 * u * (c + 12 + Math.Abs(x[i * c + y[i]] - max) + Math.Abs(rowLoss));
            for (int j = 0; j < c; j++)
            {
                double p = Math.Exp(x[i * c + j] - max) / sum;
                dx.Value[i * c + j] = (p - (j == y[i] ? 1 : 0)) / n;
                dx.Bound[i * c + j] = (4 * u * (c + 12 + Math.Abs(x[i * c + j] - max)) * p + (j == y[i] ? 4 * u : 0) + tiny) / n;
            }
        }
        return (loss / n, lossBound / n, dx);
    }

    /// <summary>
    /// Multiclass SVM loss averaged over the rows, and its gradient. A row with a margin within rounding of 0 (where
    /// T's arithmetic may count it either way) gets an unbounded gradient bound: its count is not decided by the values.
    /// </summary>
    public static (double Loss, double LossBound, Expected Dx) Svm(double[] x, int[] y, int n, int c, double u)
    {
        var dx = Expected.Of(n * c);
        double loss = 0, lossBound = 0;
        for (int i = 0; i < n; i++)
        {
            double correct = x[i * c + y[i]];
            int positive = 0;
            bool ambiguous = false;
            for (int j = 0; j < c; j++)
            {
                if (j == y[i]) continue;
                double margin = x[i * c + j] - correct + 1, mb = 2 * u * (Math.Abs(x[i * c + j]) + Math.Abs(correct) + 1);
                if (Math.Abs(margin) <= mb) ambiguous = true;
                if (margin > 0)
                {
                    loss += margin;
                    positive++;
                    dx.Value[i * c + j] = 1.0 / n;
                }
                lossBound += mb + u * n * c * Math.Max(margin, 0);
            }
            dx.Value[i * c + y[i]] = -positive / (double)n;
            // T computes count·(1/n): two roundings, within 2u of count/n.
            for (int j = 0; j < c; j++) dx.Bound[i * c + j] = ambiguous ? double.PositiveInfinity : 3 * u * Math.Abs(dx.Value[i * c + j]);
        }
        return (loss / n, lossBound / n, dx);
    }
}
