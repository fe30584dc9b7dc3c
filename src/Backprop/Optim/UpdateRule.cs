using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Optim;

/// <summary>
/// An update rule for one parameter, with its own hyperparameters and state (the notebooks' per-parameter
/// <c>config</c> dictionary). <see cref="Step"/> updates the parameter in place.
/// </summary>
/// <typeparam name="T"><c>float</c> or <c>double</c>.</typeparam>
public abstract class UpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly OrderedDictionary<string, NDArray<T>> _state = new();

    /// <summary>Creates the rule with its learning rate.</summary>
    protected UpdateRule(double learningRate)
    {
        LearningRate = learningRate;
        // The rate given must be a step in T too (1e-50 is 0 in float32: a run that never moves). A decay may still take
        // it below T's range late in a run, as the Solver's documented schedule allows (lr_decay 0.9 over 1,500 epochs).
        if (Dtypes.Problem<T>(learningRate) is { } problem)
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, string.Create(CultureInfo.InvariantCulture, $"{Name}: the learning rate {learningRate:G3} {problem}."));
    }

    /// <summary>The notebooks' name of the rule (<c>sgd</c>, <c>adam</c> …).</summary>
    public abstract string Name { get; }

    /// <summary>Learning rate; the Solver multiplies it by <c>lr_decay</c> after every epoch.</summary>
    public double LearningRate
    {
        get;
        set
        {
            if (!(value > 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(LearningRate), value, $"{Name}: the learning rate must be a positive number.");
            field = value;
        }
    }

    /// <summary>The hyperparameters by the notebooks' names (<c>learning_rate</c>, <c>momentum</c> …).</summary>
    public abstract IReadOnlyDictionary<string, double> Hyperparameters { get; }

    /// <summary>Names of the state arrays this rule keeps (<c>velocity</c>, <c>cache</c>, <c>m</c>, <c>v</c>).</summary>
    public abstract IReadOnlyList<string> StateNames { get; }

    /// <summary>State arrays created so far, by name (empty before the first step unless set).</summary>
    public IReadOnlyDictionary<string, NDArray<T>> State => _state;

    /// <summary>
    /// Sets a state array, e.g. a velocity from a checkpoint or a notebook test. The array is kept, not copied, and the
    /// next <see cref="Step"/> updates it in place; its shape is checked there, against the parameter's.
    /// </summary>
    /// <exception cref="ArgumentNullException">name or value is null.</exception>
    /// <exception cref="ArgumentException">The rule keeps no state of that name (the message lists those it keeps).</exception>
    public void SetState(string name, NDArray<T> value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!StateNames.Contains(name))
            throw new ArgumentException($"{Name} keeps no state named '{name}'; it keeps: {string.Join(", ", StateNames)}.", nameof(name));
        _state[name] = value;
    }

    /// <summary>Forgets every state array (a checkpoint from before the first step holds none).</summary>
    internal void ClearState() => _state.Clear();

    /// <summary>Updates <paramref name="w"/> in place from its gradient <paramref name="dw"/> (same shape), and the rule's state with it.</summary>
    /// <exception cref="ArgumentNullException">w or dw is null.</exception>
    /// <exception cref="ArgumentException">dw has another shape than w.</exception>
    /// <exception cref="InvalidOperationException">A state array (given by <see cref="SetState"/>, or made for another parameter) has another shape than w.</exception>
    public void Step(NDArray<T> w, NDArray<T> dw)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(dw);
        if (!w.SameShape(dw)) throw new ArgumentException($"{Name}: the gradient has shape {dw.ShapeString} but the parameter has {w.ShapeString}.", nameof(dw));
        CheckStateShapes(w);
        Update(w.AsSpan(), dw.AsSpan(), w);
    }

    /// <summary>
    /// Refuses a step before any state array is made or changed when one that is there has another shape than the
    /// parameter (so a missing m is not left behind as zeros when v is the wrong one).
    /// </summary>
    private protected void CheckStateShapes(NDArray<T> like)
    {
        foreach (var (name, a) in _state)
            if (!a.SameShape(like))
                throw new InvalidOperationException($"{Name}: state '{name}' has shape {a.ShapeString} but the parameter has {like.ShapeString}.");
    }

    /// <summary>The rule itself, on spans; <paramref name="like"/> gives the shape for new state arrays.</summary>
    protected abstract void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like);

    /// <summary>
    /// Starts a step whose gradient arrives tile by tile while the GEMM computes it (the update fused into the
    /// product, see <see cref="IGemmTileSink{T}"/>): the rule's step count advances now, and the returned sink updates
    /// each tile's parameters of <paramref name="w"/> from <c>tile + reg·w</c> exactly as <see cref="Step"/> would from
    /// the whole gradient, bit for bit. Null when the rule has no tiled form: the caller then computes the gradient
    /// and calls <see cref="Step"/>. The sink is reused by the next call.
    /// </summary>
    /// <param name="w">The parameter, shape (D, M); it must not be read by anything else until the product ends.</param>
    /// <param name="reg">L2 strength added to the gradient, <c>reg·w</c> (0: none).</param>
    internal virtual IGemmTileSink<T>? BeginTiledStep(NDArray<T> w, T reg) => null;

    /// <summary>
    /// Smallest parameter (bytes) whose step is fused into its gradient's product. Below it w, its state and dw stay
    /// in the last-level cache and the separate pass is cheap, while the fused one puts the rule's arithmetic on the
    /// product's critical path. Measured on the CIFAR net with Adam: the first layer alone (6 MB) fused, epochs 2%
    /// faster; every layer fused, 4% slower. Settable for tests.
    /// </summary>
    internal static long MinTiledBytes { get; set; } = 4L << 20;

    private object? _tileSink;

    /// <summary>
    /// Whether <paramref name="w"/> is worth a fused step (a matrix of at least <see cref="MinTiledBytes"/>); checks
    /// the state's shapes first when it is.
    /// </summary>
    private protected bool WorthTiling(NDArray<T> w)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (w.Rank != 2) throw new ArgumentException($"{Name}: a tiled step needs a matrix, got shape {w.ShapeString}.", nameof(w));
        if ((long)w.Size * Unsafe.SizeOf<T>() < MinTiledBytes) return false;
        CheckStateShapes(w);
        return true;
    }

    /// <summary>This rule's sink (made once, reused), pointed at the step: <paramref name="row"/> over w and the named state arrays.</summary>
    private protected IGemmTileSink<T> TiledSink<TRow>(NDArray<T> w, T reg, in TRow row, string? state0 = null, string? state1 = null)
        where TRow : struct, IRuleRow<T>
    {
        var sink = _tileSink as TiledStepSink<T, TRow> ?? new TiledStepSink<T, TRow>();
        _tileSink = sink;
        sink.Reset(w, state0 is null ? null : SlotArray(state0, w), state1 is null ? null : SlotArray(state1, w), row, reg);
        return sink;
    }

    /// <summary>The separate pass: <paramref name="row"/> over the whole parameter, spread over the threads.</summary>
    private protected static unsafe void RunPass<TRow>(in TRow row, Span<T> w, ReadOnlySpan<T> dw, Span<T> state0, Span<T> state1, NDArray<T> like)
        where TRow : struct, IRuleRow<T>
    {
        fixed (T* pw = w, pd = dw, p0 = state0, p1 = state1)
            ParameterPass.Run(new RowPass<T, TRow>(row, pw, pd, p0, p1), w.Length, ParameterPass.TwoThreadCut(like));
    }

    /// <summary>The state array <paramref name="name"/>, created as zeros of the parameter's shape on first use.</summary>
    protected Span<T> Slot(string name, NDArray<T> like) => SlotArray(name, like).AsSpan();

    /// <summary>As <see cref="Slot"/>, the array itself.</summary>
    private protected NDArray<T> SlotArray(string name, NDArray<T> like)
    {
        if (!_state.TryGetValue(name, out var a))
        {
            a = new NDArray<T>(like.ShapeArray());
            _state[name] = a;
        }
        else if (!a.SameShape(like))
            throw new InvalidOperationException($"{Name}: state '{name}' has shape {a.ShapeString} but the parameter has {like.ShapeString}.");
        return a;
    }

    /// <summary>Checks a hyperparameter lies in [0, 1).</summary>
    protected static double Fraction(double value, string name, string rule) =>
        value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(name, value, $"{rule}: {name} must lie in [0, 1).");

    /// <summary>Checks a hyperparameter is a positive number, also in <typeparamref name="T"/> (an epsilon of 0 there divides 0 by 0).</summary>
    protected static double Positive(double value, string name, string rule) =>
        !(value > 0 && !double.IsInfinity(value)) ? throw new ArgumentOutOfRangeException(name, value, $"{rule}: {name} must be a positive number.")
        : Dtypes.Problem<T>(value) is { } problem ? throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{rule}: {name} {value:G3} {problem}."))
        : value;
}
