using System.Globalization;
using System.Numerics;

namespace Backprop.Tensors;

/// <summary>
/// Whether a hyperparameter given as a <c>double</c> keeps its meaning in the element type it is used in: a learning
/// rate of 1e-50 is 0 in float32 (no step is ever taken), an epsilon of 1e-50 is 0 (Adam, RMSProp and AdaGrad divide
/// 0 by 0 where a gradient is exactly zero), a weight scale of 1e39 is infinite.
/// </summary>
internal static class Dtypes
{
    /// <summary>
    /// Null when <paramref name="value"/> (finite, non-negative) is as positive and finite in the dtype as it is in
    /// double; otherwise why not, as the end of a sentence. With <paramref name="zeroAllowed"/> (a value for which 0
    /// is valid, as reg) only infinity is a problem.
    /// </summary>
    public static string? Problem(double value, bool float64, bool zeroAllowed = false)
    {
        if (float64) return null;
        float f = (float)value;
        if (f == 0 && !zeroAllowed) return string.Create(CultureInfo.InvariantCulture, $"is 0 in float32 (its smallest positive value is {float.Epsilon:G3})");
        if (float.IsInfinity(f)) return string.Create(CultureInfo.InvariantCulture, $"is infinite in float32 (its largest value is {float.MaxValue:G3})");
        return null;
    }

    /// <summary><see cref="Problem(double, bool, bool)"/> for the element type <typeparamref name="T"/>.</summary>
    public static string? Problem<T>(double value, bool zeroAllowed = false) where T : IFloatingPointIeee754<T> =>
        Problem(value, typeof(T) == typeof(double), zeroAllowed);
}
