using System.Globalization;
using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Checks;

/// <summary>
/// Numerical gradients by centred differences, to check analytic backward passes (the notebooks' <c>gradient_check.py</c>).
/// </summary>
public static class GradientCheck
{
    /// <summary>
    /// Numerical gradient of a scalar function at <paramref name="x"/>: <c>(f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h</c> for
    /// every element i. For float32 x the divisor is the step actually taken, the difference of the rounded
    /// x + h and x − h (CS231n's code divides by 2h, which is off by that rounding: 1.00136 for f(x) = x at 1). <paramref name="x"/> is perturbed in place and restored, so <paramref name="f"/> may ignore its
    /// argument and read a model's parameters instead (as the notebooks' <c>lambda _: model.loss(X, y)[0]</c>).
    /// </summary>
    /// <remarks>
    /// Check in float64. In float32, f's rounding (about 10⁻⁷ of its value) divided by 2h swamps the differences: at
    /// the default h a correct float32 <c>FullyConnectedNet</c>'s relative errors read up to 1, and a correct
    /// element-wise layer's (leaky ReLU, through <see cref="EvalNumericalGradientArray{T}"/>) a few 10⁻³. Build the
    /// model with <c>double</c>, or check on <c>x.Cast&lt;double&gt;()</c>.
    /// </remarks>
    /// <param name="f">The scalar function, e.g. a loss.</param>
    /// <param name="x">The point; perturbed in place, restored on return.</param>
    /// <param name="h">The step of the centred differences.</param>
    /// <param name="verbose">
    /// Where to print each element's index and gradient; none by default (CS231n's <c>verbose=True</c> prints them:
    /// pass <see cref="Console.Out"/> for that).
    /// </param>
    /// <returns>An array of the shape of x.</returns>
    /// <exception cref="ArgumentNullException">f or x is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">h is not a positive finite number.</exception>
    /// <exception cref="ArgumentException">An element of x is not finite, or h is too small to change it in <typeparamref name="T"/>.</exception>
    public static NDArray<T> EvalNumericalGradient<T>(Func<NDArray<T>, double> f, NDArray<T> x, double h = 1e-5, TextWriter? verbose = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        CheckStep(h);
        var grad = new NDArray<T>(x.ShapeArray());
        // gradient_check.py's fx = f(x): unused, but a function with side effects (batch norm's running statistics,
        // an unseeded dropout's generator) is called as often as there, and ends in the same state.
        f(x);
        for (int i = 0; i < x.Size; i++)
        {
            double fxph = 0, fxmh = 0;
            double step = Nudge(x, i, h, () => fxph = f(x), () => fxmh = f(x), "EvalNumericalGradient");
            grad.Flat(i) = T.CreateTruncating((fxph - fxmh) / step);
            verbose?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{MultiIndex(x, i)} {double.CreateTruncating(grad.Flat(i)):R}"));
        }
        return grad;
    }

    /// <summary>
    /// Numerical gradient of an array function contracted with an upstream gradient:
    /// <c>Σ (f(x + h·eᵢ) − f(x − h·eᵢ)) · df / 2h</c> for every element i of x (for float32 x, divided by the step
    /// actually taken, as in <see cref="EvalNumericalGradient{T}"/>). x is perturbed in place and restored.
    /// </summary>
    /// <remarks>In float32 the errors of a correct gradient read a few 10⁻³ or more: check in float64 (see <see cref="EvalNumericalGradient{T}"/>).</remarks>
    /// <param name="f">The function; its output must have the shape of <paramref name="df"/>.</param>
    /// <param name="x">The point, any shape.</param>
    /// <param name="df">Upstream gradient, the shape of f's output.</param>
    /// <param name="h">Step.</param>
    /// <returns>An array of the shape of x.</returns>
    /// <exception cref="ArgumentNullException">f, x or df is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">h is not a positive finite number.</exception>
    /// <exception cref="ArgumentException">f returns another shape than df's, an element of x is not finite, or h is too small to change it.</exception>
    public static NDArray<T> EvalNumericalGradientArray<T>(Func<NDArray<T>, NDArray<T>> f, NDArray<T> x, NDArray<T> df, double h = 1e-5)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(df);
        CheckStep(h);
        var grad = new NDArray<T>(x.ShapeArray());
        for (int i = 0; i < x.Size; i++)
        {
            NDArray<T> pos = null!, neg = null!;
            double step = Nudge(x, i, h, () => pos = f(x).Copy(), () => neg = f(x).Copy(), "EvalNumericalGradientArray");   // f may return x itself, or a view of it
            if (!pos.SameShape(df) || !neg.SameShape(df))
                throw new ArgumentException($"EvalNumericalGradientArray: f returns {(pos.SameShape(df) ? neg : pos).ShapeString} but df has shape {df.ShapeString}.", nameof(df));
            double s = 0;
            for (int j = 0; j < df.Size; j++)
                s += (double.CreateTruncating(pos.Flat(j)) - double.CreateTruncating(neg.Flat(j))) * double.CreateTruncating(df.Flat(j));
            grad.Flat(i) = T.CreateTruncating(s / step);
        }
        return grad;
    }

    /// <summary>
    /// Checks <paramref name="numChecks"/> randomly chosen elements of an analytic gradient against centred differences
    /// (the notebooks' <c>grad_check_sparse</c>; for float32 x divided by the step actually taken, as in
    /// <see cref="EvalNumericalGradient{T}"/>). Writes a line per check to <paramref name="log"/> when given.
    /// </summary>
    /// <returns>For each check: the flat index, the numerical and analytic values and their relative error.</returns>
    /// <exception cref="ArgumentNullException">f, x or analyticGrad is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">numChecks is negative, or h is not a positive finite number.</exception>
    /// <exception cref="ArgumentException">analyticGrad has another shape than x, x is empty, a checked element is not finite, or h is too small to change it.</exception>
    public static IReadOnlyList<SparseCheck> GradCheckSparse<T>(Func<NDArray<T>, double> f, NDArray<T> x, NDArray<T> analyticGrad,
        int numChecks = 10, double h = 1e-5, NumpyRandom? rng = null, TextWriter? log = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(analyticGrad);
        CheckStep(h);
        if (!analyticGrad.SameShape(x))
            throw new ArgumentException($"GradCheckSparse: the analytic gradient has shape {analyticGrad.ShapeString} but x has {x.ShapeString}.", nameof(analyticGrad));
        if (x.Size == 0) throw new ArgumentException("GradCheckSparse: x is empty.", nameof(x));
        ArgumentOutOfRangeException.ThrowIfNegative(numChecks);
        rng ??= new NumpyRandom(0u);
        var results = new List<SparseCheck>(numChecks);
        for (int c = 0; c < numChecks; c++)
        {
            int i = (int)rng.NextInt(0, x.Size);
            double fxph = 0, fxmh = 0;
            double step = Nudge(x, i, h, () => fxph = f(x), () => fxmh = f(x), "GradCheckSparse");
            double num = (fxph - fxmh) / step, ana = double.CreateTruncating(analyticGrad.Flat(i));
            double rel = Math.Abs(num - ana) / Math.Max(1e-8, Math.Abs(num) + Math.Abs(ana));
            results.Add(new SparseCheck(i, num, ana, rel));
            // grad_check_sparse's '%f' and '%e'.
            log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"numerical: {num:F6} analytic: {ana:F6}, relative error: {rel:0.000000e+00}"));
        }
        return results;
    }

    /// <summary>
    /// The notebooks' <c>rel_error</c>: <c>max |x − y| / max(1e-8, |x| + |y|)</c> over all elements.
    /// </summary>
    /// <exception cref="ArgumentNullException">x or y is null.</exception>
    /// <exception cref="ArgumentException">x and y have different shapes.</exception>
    public static double RelError<T>(NDArray<T> x, NDArray<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (!x.SameShape(y)) throw new ArgumentException($"RelError: shapes {x.ShapeString} and {y.ShapeString} differ.", nameof(y));
        double worst = 0;
        for (int i = 0; i < x.Size; i++)
        {
            double a = double.CreateTruncating(x.Flat(i)), b = double.CreateTruncating(y.Flat(i));
            double e = Math.Abs(a - b) / Math.Max(1e-8, Math.Abs(a) + Math.Abs(b));
            if (double.IsNaN(e)) return double.NaN;
            worst = Math.Max(worst, e);
        }
        return worst;
    }

    /// <summary><see cref="RelError{T}(NDArray{T}, NDArray{T})"/> for two scalars.</summary>
    public static double RelError(double x, double y) => Math.Abs(x - y) / Math.Max(1e-8, Math.Abs(x) + Math.Abs(y));

    /// <summary>The index of flat element <paramref name="flat"/> as <c>print(ix)</c> shows NumPy's: <c>(0, 1)</c>, <c>(3,)</c>.</summary>
    private static string MultiIndex<T>(NDArray<T> x, int flat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var index = new int[x.Rank];
        for (int axis = x.Rank - 1; axis >= 0; axis--)
        {
            index[axis] = flat % x.Dim(axis);
            flat /= x.Dim(axis);
        }
        return NDArray<T>.ShapeToString(index);
    }

    /// <summary>
    /// Runs <paramref name="atPlus"/> with x[i] + h and <paramref name="atMinus"/> with x[i] − h, then restores x[i]
    /// (also when either throws), and returns the step between them: 2h in float64, the notebooks' formula; in a
    /// narrower type the step x[i] + h and x[i] − h really are apart once rounded, since h can be a large part of the
    /// type's spacing there (float32's spacing at 1000 is 6·10⁻⁵, more than the default h).
    /// </summary>
    private static double Nudge<T>(NDArray<T> x, int i, double h, Action atPlus, Action atMinus, string who) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T old = x.Flat(i), up = old + T.CreateTruncating(h), down = old - T.CreateTruncating(h);
        if (!T.IsFinite(old))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{who}: x[{i}] is {double.CreateTruncating(old)}; a gradient needs a finite point."), nameof(x));
        if (up == down)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{who}: a step of h = {h:g3} does not change x[{i}] = {double.CreateTruncating(old):g6} in {typeof(T).Name}; use a larger h{(typeof(T) == typeof(double) ? "" : " (or float64)")}."), nameof(h));
        try
        {
            x.Flat(i) = up;
            atPlus();
            x.Flat(i) = down;
            atMinus();
        }
        finally
        {
            x.Flat(i) = old;
        }
        return typeof(T) == typeof(double) ? 2 * h : double.CreateTruncating(up) - double.CreateTruncating(down);
    }

    private static void CheckStep(double h)
    {
        if (!(h > 0) || double.IsInfinity(h)) throw new ArgumentOutOfRangeException(nameof(h), h, "The finite-difference step must be a positive number.");
    }
}

/// <summary>One element checked by <see cref="GradientCheck.GradCheckSparse{T}"/>.</summary>
public readonly record struct SparseCheck(int Index, double Numerical, double Analytic, double RelError);
