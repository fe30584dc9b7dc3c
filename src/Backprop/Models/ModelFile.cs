using System.Numerics;
using Backprop.Data;
using Backprop.Tensors;

namespace Backprop.Models;

/// <summary>
/// Saves and loads a model's parameters and buffers as a NumPy <c>.npz</c> with the notebooks' names
/// (<c>W1</c>, <c>b1</c>, <c>gamma1</c>, <c>beta1</c>, <c>running_mean1</c>, <c>running_var1</c> …), so
/// <c>np.load('model.npz')['W1']</c> works and a model trained here loads in NumPy and back.
/// </summary>
public static class ModelFile
{
    /// <summary>Writes every parameter and buffer to <paramref name="path"/> (atomically).</summary>
    /// <remarks>
    /// Thread safety: saves of the same path from several threads (or processes) at once each write their own
    /// temporary file and rename it over the target, so the file is always one model whole, the last renamed. A save
    /// while the model trains on another thread copies arrays being updated: save between steps (or from the
    /// training thread, as <see cref="Training.Solver{T}"/>'s events run there).
    /// </remarks>
    public static void Save<T>(IModel<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        Npz.Save(path, model.Params.Concat(model.Buffers));
    }

    /// <summary>
    /// Reads <paramref name="path"/> into the model's existing arrays. Every parameter and buffer must be present with
    /// the same shape, and the file may hold no other (a file of another architecture is refused, not half-read);
    /// entries of another dtype are converted. Nothing is copied unless everything fits.
    /// </summary>
    /// <exception cref="InvalidDataException">A name is missing or extra, a shape differs, a running variance is negative, the file is a training checkpoint (read by <see cref="Training.Checkpoint.LoadModel{T}"/>), or it is not a valid .npz.</exception>
    public static void Load<T>(IModel<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var arrays = Npz.Load(path);
        RefuseCheckpoint(arrays, path);
        var staged = Staged(arrays, model, path);
        RefuseNegativeVariances(arrays, path);
        foreach (var (target, value) in staged) target.CopyFrom(value);
    }

    /// <summary>
    /// A <see cref="FullyConnectedNet{T}"/> rebuilt from <paramref name="path"/> alone (as <c>torch.load</c> of a whole
    /// model): the layer sizes from the shapes of <c>W1</c> … <c>WL</c>, the normalization from what else the file holds
    /// (<c>gamma</c> with <c>running_mean</c>: batch norm; <c>gamma</c> alone: layer norm), then every array loaded as
    /// <see cref="Load{T}"/> does. What the file cannot tell takes its neutral value: no dropout (a test-time forward
    /// pass does not use it) and reg 0. The file holds arrays, not code: one written by another model with the same
    /// names (another activation, say) loads as this library's ReLU network.
    /// </summary>
    /// <exception cref="InvalidDataException">The file holds no <c>W1</c>, layers whose shapes do not chain, arrays no such network has, a negative running variance, or is a training checkpoint (read by <see cref="Training.Checkpoint.LoadModel{T}"/>).</exception>
    public static FullyConnectedNet<T> LoadNet<T>(string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var arrays = Npz.Load(path);
        RefuseCheckpoint(arrays, path);
        var dims = new List<int>();
        for (int l = 1; arrays.TryGetValue($"W{l}", out var w); l++)
        {
            if (w.Shape.Length != 2) throw new InvalidDataException($"{path}: 'W{l}' has shape {w.ShapeString}; a layer's weights are a matrix.");
            if (l == 1) dims.Add(w.Shape[0]);
            else if (w.Shape[0] != dims[^1])
                throw new InvalidDataException($"{path}: 'W{l}' has shape {w.ShapeString} but the layer before it gives {dims[^1]} features: the layers do not chain.");
            dims.Add(w.Shape[1]);
        }
        if (dims.Count == 0) throw new InvalidDataException($"{path}: no array named 'W1'; the file holds {string.Join(", ", arrays.Keys)}. It is not a model of this library's networks.");
        var normalization = !arrays.ContainsKey("gamma1") ? Normalization.None
            : arrays.ContainsKey("running_mean1") ? Normalization.BatchNorm : Normalization.LayerNorm;
        if (dims.Skip(1).Any(d => d == 0) || dims[0] == 0)
            throw new InvalidDataException($"{path}: a layer of size 0 ({string.Join(" → ", dims)}).");
        var net = new FullyConnectedNet<T>(dims[1..^1], inputDim: dims[0], numClasses: dims[^1], normalization: normalization);
        var staged = Staged(arrays, net, path);
        RefuseNegativeVariances(arrays, path);
        foreach (var (target, value) in staged) target.CopyFrom(value);
        return net;
    }

    /// <summary>
    /// A training checkpoint (<c>meta</c> and <c>model/W1</c> …) is not a model file: said so, with the call that reads
    /// its model, where "no array named 'W1'" listed its every entry and called it another model's.
    /// </summary>
    private static void RefuseCheckpoint(IReadOnlyDictionary<string, NpyArray> arrays, string path)
    {
        if (arrays.ContainsKey("meta") && arrays.ContainsKey("model/W1") && !arrays.ContainsKey("W1"))
            throw new InvalidDataException($"{path}: a training checkpoint (Checkpoint.Save), not a model file: load its model with Checkpoint.LoadModel(model, path), or Checkpoint.LoadModel(model, path, best: true) for the best-validation copy.");
    }

    /// <summary>
    /// A running variance is a running mean of squares: no run writes a negative one (a diverged run's is NaN or ∞, which
    /// eval and predict refuse as diverged). Loaded, it made the scores NaN and eval said "the run diverged" of a
    /// damaged file.
    /// </summary>
    private static void RefuseNegativeVariances(IReadOnlyDictionary<string, NpyArray> arrays, string path)
    {
        foreach (var (name, array) in arrays)
        {
            if (!name.StartsWith("running_var", StringComparison.Ordinal)) continue;
            foreach (var v in array.ToNDArray<double>().AsSpan())
                if (v < 0)
                    throw new InvalidDataException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{path}: '{name}' holds the negative variance {v}; no run writes one: the file is damaged."));
        }
    }

    /// <summary>
    /// The arrays named <paramref name="prefix"/> + each of the model's parameters and buffers, checked and converted but
    /// not yet copied: every one present with the model's shape, and none under the prefix that the model has not.
    /// </summary>
    internal static List<(NDArray<T> Target, NDArray<T> Value)> Staged<T>(IReadOnlyDictionary<string, NpyArray> arrays, IModel<T> model, string path, string prefix = "")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var staged = new List<(NDArray<T>, NDArray<T>)>();
        foreach (var set in new[] { model.Params, model.Buffers })
            foreach (var (name, target) in set)
            {
                if (!arrays.TryGetValue(prefix + name, out var stored))
                    throw new InvalidDataException($"{path}: no array named '{prefix}{name}'; the file holds {string.Join(", ", arrays.Keys)}. It was written for another model.");
                if (!stored.Shape.SequenceEqual(target.Shape))
                    throw new InvalidDataException($"{path}: '{prefix}{name}' has shape {stored.ShapeString} but the model's has {target.ShapeString}.");
                staged.Add((target, stored.ToNDArray<T>()));
            }
        var extra = arrays.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Where(k => !model.Params.ContainsKey(k[prefix.Length..]) && !model.Buffers.ContainsKey(k[prefix.Length..])).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException($"{path}: it holds {string.Join(", ", extra.Select(k => $"'{k}'"))}, which this model has not: it was written for another architecture.");
        return staged;
    }
}
