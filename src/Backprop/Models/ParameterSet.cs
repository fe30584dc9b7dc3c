using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Models;

/// <summary>
/// Named arrays in a fixed order — a model's <c>params</c> (<c>W1</c>, <c>b1</c>, <c>gamma1</c> …) or their gradients.
/// </summary>
/// <typeparam name="T"><c>float</c> or <c>double</c>.</typeparam>
public sealed class ParameterSet<T> : OrderedDictionary<string, NDArray<T>> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A deep copy: same names, copied arrays.</summary>
    public ParameterSet<T> Copy()
    {
        var c = new ParameterSet<T>();
        foreach (var (k, v) in this) c[k] = v.Copy();
        return c;
    }

    /// <summary>Copies every array of <paramref name="source"/> into the array of the same name here (shapes must match).</summary>
    public void CopyValuesFrom(ParameterSet<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (var (k, v) in source)
        {
            if (!TryGetValue(k, out var mine)) throw new ArgumentException($"No parameter named '{k}' to copy into.", nameof(source));
            if (!mine.SameShape(v)) throw new ArgumentException($"Parameter '{k}' has shape {mine.ShapeString}; the source has {v.ShapeString}.", nameof(source));
            mine.CopyFrom(v);
        }
    }

    /// <summary>Total number of scalar values.</summary>
    public long TotalSize
    {
        get
        {
            long n = 0;
            foreach (var (_, v) in this) n += v.Size;
            return n;
        }
    }
}
