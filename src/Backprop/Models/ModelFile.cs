using System.Numerics;
using Backprop.Data;

namespace Backprop.Models;

/// <summary>
/// Saves and loads a model's parameters and buffers as a NumPy <c>.npz</c> with the notebooks' names
/// (<c>W1</c>, <c>b1</c>, <c>gamma1</c>, <c>beta1</c>, <c>running_mean1</c>, <c>running_var1</c> …), so
/// <c>np.load('model.npz')['W1']</c> works and a model trained here loads in NumPy and back.
/// </summary>
public static class ModelFile
{
    /// <summary>Writes every parameter and buffer to <paramref name="path"/> (atomically).</summary>
    public static void Save<T>(IModel<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        Npz.Save(path, model.Params.Concat(model.Buffers));
    }

    /// <summary>
    /// Reads <paramref name="path"/> into the model's existing arrays. Every parameter and buffer must be present with
    /// the same shape; entries of another dtype are converted.
    /// </summary>
    /// <exception cref="InvalidDataException">A name is missing, a shape differs, or the file is not a valid .npz.</exception>
    public static void Load<T>(IModel<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var arrays = Npz.Load(path);
        foreach (var set in new[] { model.Params, model.Buffers })
            foreach (var (name, target) in set)
            {
                if (!arrays.TryGetValue(name, out var stored))
                    throw new InvalidDataException($"{path}: no array named '{name}'; the file holds {string.Join(", ", arrays.Keys)}.");
                if (!stored.Shape.SequenceEqual(target.Shape))
                    throw new InvalidDataException($"{path}: '{name}' has shape {stored.ShapeString} but the model's has {target.ShapeString}.");
                target.CopyFrom(stored.ToNDArray<T>());
            }
    }
}
