using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Models;

/// <summary>
/// A classifier the <see cref="Training.Solver{T}"/> can train: named parameters, scores at test time, and loss with
/// gradients at training time (the notebooks' <c>model.params</c> and <c>model.loss</c>).
/// </summary>
/// <remarks>
/// The Solver hands both passes rows: X of shape (N, D), each sample flattened (the fully-connected nets'
/// <c>x.reshape(N, -1)</c>), where CS231n's Solver passes the samples' own shape. A model that draws random numbers
/// (its own dropout) should draw from a generator the <see cref="Training.Checkpoint"/> saves: the Solver's
/// (<see cref="Training.Solver{T}.Rng"/>) or a <see cref="FullyConnectedNet{T}"/>'s dropout generator; any other is
/// not in a checkpoint, and a resumed run then differs from an uninterrupted one.
/// <para>Thread safety is each model's own: the library's models score (<c>Loss(X)</c>) on many threads at once and
/// train on one (see <see cref="FullyConnectedNet{T}"/>); the Solver's static scoring helpers are as thread-safe as
/// the model's <c>Loss(X)</c>.</para>
/// </remarks>
/// <typeparam name="T"><c>float</c> or <c>double</c>.</typeparam>
public interface IModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Learnable parameters by name. Replacing an entry (as the notebooks do) changes the model.</summary>
    ParameterSet<T> Params { get; }

    /// <summary>Non-learnable state saved with the model (batch-norm running statistics: <c>running_mean1</c> …).</summary>
    ParameterSet<T> Buffers { get; }

    /// <summary>Features per sample the model expects (D = d1·…·dk).</summary>
    int InputDim { get; }

    /// <summary>Number of classes C.</summary>
    int NumClasses { get; }

    /// <summary>Test-time forward pass: class scores of shape (N, C) for X of shape (N, d1, …, dk).</summary>
    /// <param name="x">Inputs.</param>
    /// <param name="ws">Optional workspace; with one, the scores live until its next reset.</param>
    NDArray<T> Loss(NDArray<T> x, Workspace? ws = null);

    /// <summary>Training-time forward and backward pass.</summary>
    /// <param name="x">Inputs (N, d1, …, dk).</param>
    /// <param name="y">Labels, N values in [0, C).</param>
    /// <param name="ws">Optional workspace; with one, the gradients live until its next reset. Without, they are fresh arrays.</param>
    /// <returns>The loss (data loss plus regularisation) and a gradient for every parameter, by the same names.</returns>
    (double Loss, ParameterSet<T> Grads) Loss(NDArray<T> x, int[] y, Workspace? ws = null);
}
