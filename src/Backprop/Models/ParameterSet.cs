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
    /// <exception cref="InvalidOperationException">An entry holds null (the message names it).</exception>
    public ParameterSet<T> Copy()
    {
        var c = new ParameterSet<T>();
        foreach (var (k, v) in this) c[k] = Entry(k, v).Copy();
        return c;
    }

    /// <summary>
    /// Copies every array of <paramref name="source"/> into the array of the same name here (shapes must match); entries
    /// here that the source lacks are left as they are. Everything is checked first: on a refusal nothing is copied.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentException">The source has a name this set lacks, an array of another shape, or a null entry (the message names it).</exception>
    public void CopyValuesFrom(ParameterSet<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        // Checked before the first copy: a refusal halfway left the first arrays copied and the rest not, a model
        // that was neither the old one nor the source.
        foreach (var (k, v) in source)
        {
            if (v is null) throw new ArgumentException($"The source's '{k}' is null.", nameof(source));
            if (!TryGetValue(k, out var mine)) throw new ArgumentException($"No parameter named '{k}' to copy into.", nameof(source));
            if (mine is null) throw new ArgumentException($"Parameter '{k}' here is null; nothing to copy into.", nameof(source));
            if (!mine.SameShape(v)) throw new ArgumentException($"Parameter '{k}' has shape {mine.ShapeString}; the source has {v.ShapeString}.", nameof(source));
        }
        foreach (var (k, v) in source) this[k].CopyFrom(v);
    }

    /// <summary>The array of entry <paramref name="key"/>, refused by name when it is null (set so by hand).</summary>
    private static NDArray<T> Entry(string key, NDArray<T>? value) =>
        value ?? throw new InvalidOperationException($"Parameter '{key}' holds null; set it to an array or remove it.");

    /// <summary>Total number of scalar values.</summary>
    /// <exception cref="InvalidOperationException">An entry holds null (the message names it).</exception>
    public long TotalSize
    {
        get
        {
            long n = 0;
            foreach (var (k, v) in this) n += Entry(k, v).Size;
            return n;
        }
    }
}
