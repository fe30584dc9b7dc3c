using System.Globalization;
using System.Numerics;
using Backprop.Kernels;
using Backprop.Layers;
using Backprop.Tensors;
using static Backprop.Layers.Layer;

namespace Backprop.Models;

/// <summary>
/// A fully-connected network of any depth:
/// <c>{affine − [batch/layer norm] − relu − [dropout]} × (L − 1) − affine − softmax</c>,
/// with L2 regularisation <c>0.5 · reg · Σ W²</c> on the weights only.
/// </summary>
/// <remarks>
/// Parameters are <c>W1 … WL</c>, <c>b1 … bL</c> and, with normalization, <c>gamma1 … gamma(L−1)</c> (ones) and
/// <c>beta1 … beta(L−1)</c> (zeros). Weights are drawn as <c>weight_scale · randn(in, out)</c> layer by layer from the
/// generator given (so a notebook's <c>np.random.seed</c> followed by the constructor is reproduced exactly); biases are
/// zeros. Batch-norm running statistics are <see cref="Buffers"/> <c>running_mean1</c>, <c>running_var1</c> ….
/// Both sets are read at every pass, so an array replaced in either is the one used.
/// <para>Thread safety: test-mode scoring (<see cref="Loss(NDArray{T}, Workspace?)"/>, and the
/// <see cref="Training.Solver{T}"/> helpers <c>Accuracy</c>, <c>Predict</c> and <c>Scores</c> built on it) may run on
/// any number of threads at once, each with its own workspace or none: it reads the parameters and buffers and writes
/// nothing in the model, so each call gives the bits it gives alone (an inference server can share one loaded model).
/// Training is not: a training pass (<see cref="Loss(NDArray{T}, int[], Workspace?)"/>) keeps its caches in the
/// model for its backward pass, so a second training pass of the same model while one runs throws
/// <see cref="InvalidOperationException"/>; train one model per thread (copy <see cref="Params"/> and
/// <see cref="Buffers"/> into another). Scoring while the same model trains, or while
/// <see cref="ModelFile.Load{T}"/> or a replaced array changes it, reads weights mid-update: the training is not
/// disturbed, but the scores are of no consistent model. Setting <see cref="Reg"/> is for between calls.</para>
/// </remarks>
/// <typeparam name="T">The dtype: <c>float</c> or <c>double</c>.</typeparam>
public class FullyConnectedNet<T> : IModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[] _dims;
    private readonly BatchNormParam<T>[] _bnParams;
    private readonly LayerNormParam _lnParam = new();
    private readonly DropoutParam? _dropout;
    private readonly AffineCache<T>[] _affine;
    private readonly BatchNormReluCache<T>[] _bnRelu;
    private readonly LayerNormCache<T>[] _ln;
    private readonly ReluCache<T>[] _relu;
    private readonly DropoutCache<T>[] _drop;
    private readonly ParameterSet<T> _grads = new();
    private readonly string[] _w, _b, _gamma, _beta, _runningMean, _runningVar;
    private int _training;   // 1 while a training pass (Loss(X, y)) runs

    /// <summary>Builds the network and initialises its parameters.</summary>
    /// <param name="hiddenDims">Size of each hidden layer; may be empty (a softmax classifier).</param>
    /// <param name="inputDim">Features per sample D (3·32·32 for CIFAR-10).</param>
    /// <param name="numClasses">Number of classes C.</param>
    /// <param name="dropoutKeep">Dropout keep probability in (0, 1]; 1 means no dropout.</param>
    /// <param name="normalization">None, batch norm or layer norm after each hidden affine layer.</param>
    /// <param name="reg">L2 strength, ≥ 0.</param>
    /// <param name="weightScale">Standard deviation of the initial weights, &gt; 0.</param>
    /// <param name="rng">Generator for the weights (and dropout masks); a seed-0 generator when null.</param>
    /// <param name="seed">
    /// When set, the dropout generator (<paramref name="rng"/>) is re-seeded with it at every forward pass, for gradient
    /// checks, as the notebooks' <c>np.random.seed</c> re-seeds NumPy's one generator. A Solver given the same generator
    /// would then draw the same minibatch every step: give it its own. It does not seed the weights (without dropout
    /// it changes nothing): for reproducible weights, as <c>torch.manual_seed</c>, pass <c>rng: new NumpyRandom(s)</c>.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, dropoutKeep is outside (0, 1], reg is negative or not finite, weightScale is not a positive number (or not one <typeparamref name="T"/> can hold), or normalization is not a defined value.</exception>
    public FullyConnectedNet(IReadOnlyList<int> hiddenDims, int inputDim = 3 * 32 * 32, int numClasses = 10,
        double dropoutKeep = 1.0, Normalization normalization = Normalization.None, double reg = 0.0,
        double weightScale = 1e-2, NumpyRandom? rng = null, uint? seed = null)
    {
        ArgumentNullException.ThrowIfNull(hiddenDims);
        if (inputDim <= 0) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "The input dimension must be positive.");
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be positive.");
        for (int i = 0; i < hiddenDims.Count; i++)
            if (hiddenDims[i] <= 0) throw new ArgumentOutOfRangeException(nameof(hiddenDims), hiddenDims[i], $"Hidden layer {i + 1} must have a positive size.");
        if (!(dropoutKeep > 0 && dropoutKeep <= 1)) throw new ArgumentOutOfRangeException(nameof(dropoutKeep), dropoutKeep, "The dropout keep probability must lie in (0, 1]: 1 keeps every unit (no dropout); PyTorch's Dropout(p) drops with p, which is a keep probability of 1 − p.");
        // Kept units are scaled by 1/keep in T: a keep of 1e-300 was 0 in float32 and trained nothing, without a word.
        if (dropoutKeep < 1 && (Dtypes.Problem<T>(dropoutKeep) ?? Dtypes.Problem<T>(1 / dropoutKeep)) is { } keepProblem)
            throw new ArgumentOutOfRangeException(nameof(dropoutKeep), dropoutKeep, string.Create(CultureInfo.InvariantCulture,
                $"The dropout keep probability {dropoutKeep:G3} is too small for float32: it or its inverse (the scale of a kept unit) {keepProblem}."));
        if (!(weightScale > 0) || double.IsInfinity(weightScale)) throw new ArgumentOutOfRangeException(nameof(weightScale), weightScale, "The weight scale must be a positive number.");
        if (Dtypes.Problem<T>(weightScale) is { } problem)
            throw new ArgumentOutOfRangeException(nameof(weightScale), weightScale, string.Create(CultureInfo.InvariantCulture, $"The weight scale {weightScale:G3} {problem}."));
        if (!Enum.IsDefined(normalization)) throw new ArgumentOutOfRangeException(nameof(normalization), normalization, "Unknown normalization.");
        Reg = CheckReg(reg, nameof(reg));

        rng ??= new NumpyRandom(0u);
        NumLayers = hiddenDims.Count + 1;
        Normalization = normalization;
        DropoutKeep = dropoutKeep;
        WeightScale = weightScale;
        _dims = [inputDim, .. hiddenDims, numClasses];
        (_w, _b, _gamma, _beta) = (new string[NumLayers], new string[NumLayers], new string[NumLayers], new string[NumLayers]);
        (_runningMean, _runningVar) = (new string[NumLayers], new string[NumLayers]);
        _bnParams = new BatchNormParam<T>[NumLayers - 1];
        for (int l = 0; l < NumLayers; l++)
        {
            _w[l] = $"W{l + 1}";
            _b[l] = $"b{l + 1}";
            var w = rng.Randn(_dims[l], _dims[l + 1]);
            var wt = new NDArray<T>(_dims[l], _dims[l + 1]);
            for (int i = 0; i < w.Size; i++) wt.Flat(i) = T.CreateTruncating(weightScale * w.Flat(i));
            Params[_w[l]] = wt;
            Params[_b[l]] = new NDArray<T>(_dims[l + 1]);
            if (l < NumLayers - 1 && normalization != Normalization.None)
            {
                _gamma[l] = $"gamma{l + 1}";
                _beta[l] = $"beta{l + 1}";
                Params[_gamma[l]] = NDArray<T>.Ones(_dims[l + 1]);
                Params[_beta[l]] = new NDArray<T>(_dims[l + 1]);
            }
        }
        // Parameters in the notebooks' order: W1, b1, …, then gamma/beta after their layer's W and b.
        if (normalization == Normalization.BatchNorm)
        {
            for (int l = 0; l < NumLayers - 1; l++)
            {
                _bnParams[l] = new BatchNormParam<T>();
                (_runningMean[l], _runningVar[l]) = ($"running_mean{l + 1}", $"running_var{l + 1}");
                Buffers[_runningMean[l]] = new NDArray<T>(_dims[l + 1]);
                Buffers[_runningVar[l]] = new NDArray<T>(_dims[l + 1]);
            }
        }
        if (dropoutKeep < 1) _dropout = new DropoutParam(dropoutKeep, Mode.Train, seed, rng);
        foreach (var (k, v) in Params) _grads[k] = v;   // fixes the order of the reused gradient set
        _affine = new AffineCache<T>[NumLayers];
        _bnRelu = new BatchNormReluCache<T>[NumLayers];
        _ln = new LayerNormCache<T>[NumLayers];
        _relu = new ReluCache<T>[NumLayers];
        _drop = new DropoutCache<T>[NumLayers];
    }

    /// <inheritdoc/>
    public ParameterSet<T> Params { get; } = new();

    /// <inheritdoc/>
    public ParameterSet<T> Buffers { get; } = new();

    /// <summary>L2 regularisation strength (may be changed between calls, as the notebooks do).</summary>
    public double Reg
    {
        get;
        set => field = CheckReg(value, nameof(Reg));
    }

    /// <summary>A regularisation strength, refused naming <paramref name="name"/> (the constructor's <c>reg</c> or the property).</summary>
    private static double CheckReg(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(name, value, "The regularisation strength must be a finite number ≥ 0.");
        if (Dtypes.Problem<T>(value, zeroAllowed: true) is { } problem)
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"The regularisation strength {value:G3} {problem}."));
        return value;
    }

    /// <summary>Number of affine layers L (hidden layers + 1).</summary>
    public int NumLayers { get; }

    /// <summary>Sizes of the hidden layers.</summary>
    public IReadOnlyList<int> HiddenDims => _dims[1..^1];

    /// <inheritdoc/>
    public int InputDim => _dims[0];

    /// <inheritdoc/>
    public int NumClasses => _dims[^1];

    /// <summary>The normalization after each hidden affine layer.</summary>
    public Normalization Normalization { get; }

    /// <summary>Where training steps record the time of each layer's phases (null: not recorded).</summary>
    internal StepPhases? Phases { get; set; }

    /// <summary>Dropout keep probability (1 = no dropout).</summary>
    public double DropoutKeep { get; }

    /// <summary>Standard deviation the weights were drawn with.</summary>
    public double WeightScale { get; }

    /// <summary>The dropout settings (null without dropout); its generator is part of a checkpoint.</summary>
    public DropoutParam? Dropout => _dropout;

    /// <inheritdoc/>
    /// <remarks>
    /// Thread-safe on a model no thread is changing: a test-mode pass only reads <see cref="Params"/> and
    /// <see cref="Buffers"/> and writes nothing in the model (no mode, no cache), so any number of threads may score
    /// with one model at once, each with its own <paramref name="ws"/> (or none), and each gets the bits it would get
    /// alone. Not while the same model trains or is loaded into: those write the arrays this reads.
    /// </remarks>
    public NDArray<T> Loss(NDArray<T> x, Workspace? ws = null) => Infer(x, ws);

    /// <inheritdoc/>
    public (double Loss, ParameterSet<T> Grads) Loss(NDArray<T> x, int[] y, Workspace? ws = null) => Loss(x, y, ws, null, null);

    /// <summary>
    /// As <see cref="Loss(NDArray{T}, int[], Workspace?)"/>, with the update of each weight matrix fused into the
    /// product that computes its gradient when <paramref name="beginUpdate"/> gives a sink for it (see
    /// <see cref="UpdateInBackward{T}"/>): those weights are updated on return, their names are added to
    /// <paramref name="updated"/>, and their entries in Grads hold scratch. Nothing is updated when the loss (data
    /// and regularisation) is not finite.
    /// </summary>
    internal (double Loss, ParameterSet<T> Grads) Loss(NDArray<T> x, int[] y, Workspace? ws, UpdateInBackward<T>? beginUpdate, ISet<string>? updated)
    {
        // x's shape, then the labels, before anything moves: the training forward pass moves batch norm's running
        // statistics and dropout's generator.
        CheckInput(x);
        CheckLabels(y, x.Dim(0), NumClasses, "FullyConnectedNet");
        // A training pass keeps its caches (and the layers' mode) in the model: a second one at once would mix them.
        if (Interlocked.CompareExchange(ref _training, 1, 0) != 0)
            throw new InvalidOperationException("FullyConnectedNet: Loss(X, y) was called while another training pass of the same model was running (on another thread): a training pass keeps its caches in the model. Train one model per thread, or wait for the other pass to return.");
        try
        {
            return TrainingPass(x, y, ws, beginUpdate, updated);
        }
        finally
        {
            Volatile.Write(ref _training, 0);
        }
    }

    private (double Loss, ParameterSet<T> Grads) TrainingPass(NDArray<T> x, int[] y, Workspace? ws, UpdateInBackward<T>? beginUpdate, ISet<string>? updated)
    {
        var scores = TrainForward(x, ws);
        var (loss, dscores) = SoftmaxLoss(scores, y, ws);
        var grads = ws is null ? new ParameterSet<T>() : _grads;
        T reg = T.CreateTruncating(Reg);
        // With reg = 0 the term is 0 (non-finite weights make the scores, hence the loss, non-finite anyway):
        // skipping it saves a pass over every weight per iteration. Added last layer first, before any update.
        if (Reg != 0)
            for (int l = NumLayers - 1; l >= 0; l--)
                loss += 0.5 * Reg * SumOfSquares.Of<T>(Params[_w[l]].AsSpan());
        if (!double.IsFinite(loss)) beginUpdate = null;
        Phases?.Mark(StepPhase.Loss);

        var dh = dscores;
        for (int l = NumLayers - 1; l >= 0; l--)
        {
            var da = dh;
            if (l < NumLayers - 1)
            {
                if (_dropout is not null)
                {
                    da = DropoutBackward(da, _drop[l], ws);
                    Phases?.Mark(StepPhase.DropoutBackward, l);
                }
                if (Normalization == Normalization.BatchNorm)
                {
                    // Batch norm and ReLU in one pass (the same bits as the two layers).
                    var (dn, dg, db) = BatchNormReluBackward(da, _bnRelu[l], ws);
                    (da, grads[_gamma[l]], grads[_beta[l]]) = (dn, dg, db);
                    Phases?.Mark(StepPhase.NormBackward, l);
                }
                else
                {
                    da = ReluBackward(da, _relu[l], ws);
                    Phases?.Mark(StepPhase.ReluBackward, l);
                    if (Normalization == Normalization.LayerNorm)
                    {
                        var (dn, dg, db) = LayerNormBackward(da, _ln[l], ws);
                        (da, grads[_gamma[l]], grads[_beta[l]]) = (dn, dg, db);
                        Phases?.Mark(StepPhase.NormBackward, l);
                    }
                }
            }
            var w = Params[_w[l]];
            // dx is computed from w before the sink, if any, updates w.
            var sink = beginUpdate?.Invoke(_w[l], w, reg);
            var (dx, dw, dbias) = AffineBackward(da, _affine[l], ws, computeDx: l > 0, sink);
            if (sink is not null) updated?.Add(_w[l]);
            else if (Reg != 0) Elementwise.AddScaled<T>(w.AsSpan(), reg, dw.AsSpan());
            grads[_w[l]] = dw;
            grads[_b[l]] = dbias;
            dh = dx;
            Phases?.Mark(StepPhase.AffineBackward, l);
        }
        if (ws is null) return (loss, Ordered(grads));
        return (loss, grads);
    }

    /// <summary>
    /// The test-mode forward pass: the same bits as the layers in <see cref="Mode.Test"/> (<see cref="Layer.BatchNormForward"/>
    /// on the running statistics, dropout the identity), but it sets no layer's mode and keeps no cache, so concurrent
    /// calls share nothing they write (each its own workspace).
    /// </summary>
    private NDArray<T> Infer(NDArray<T> x, Workspace? ws)
    {
        CheckInput(x);
        // As the course's dropout_forward, a fixed seed re-seeds the generator in test mode too (the same state
        // whichever thread does it); the mask itself is not drawn at test time.
        if (_dropout?.Seed is uint seed) _dropout.Rng.Seed(seed);
        var h = x;
        for (int l = 0; l < NumLayers - 1; l++)
        {
            var (a, _) = AffineForward(h, Params[_w[l]], Params[_b[l]], ws);
            if (Normalization == Normalization.BatchNorm)
                a = BatchNormInference(a, Params[_gamma[l]], Params[_beta[l]], Buffers[_runningMean[l]], Buffers[_runningVar[l]], _bnParams[l].Eps, ws);
            else if (Normalization == Normalization.LayerNorm)
                (a, _) = LayerNormForward(a, Params[_gamma[l]], Params[_beta[l]], _lnParam, ws);
            (h, _) = ReluForward(a, ws);
        }
        return AffineForward(h, Params[_w[^1]], Params[_b[^1]], ws).Out;
    }

    private void CheckInput(NDArray<T> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 2 || x.RowLength != InputDim)
            throw new ArgumentException($"FullyConnectedNet: expected inputs of shape (N, {InputDim}) or (N, d1, ..., dk) with {InputDim} features, got {x.ShapeString}.", nameof(x));
        CheckEntries();
    }

    /// <summary>
    /// The training forward pass: sets the layers' mode to Train and keeps every layer's cache for <see cref="TrainingPass"/>'s
    /// backward pass (test-mode scoring is <see cref="Infer"/>, which keeps none).
    /// </summary>
    private NDArray<T> TrainForward(NDArray<T> x, Workspace? ws)
    {
        CheckInput(x);
        for (int l = 0; l < _bnParams.Length; l++)
            if (_bnParams[l] is { } p)
            {
                p.Mode = Mode.Train;
                // Read from Buffers at every pass, as the weights are from Params, so an entry replaced there is used.
                p.RunningMean = Buffers[_runningMean[l]];
                p.RunningVar = Buffers[_runningVar[l]];
            }
        if (_dropout is not null) _dropout.Mode = Mode.Train;

        var h = x;
        for (int l = 0; l < NumLayers - 1; l++)
        {
            var (a, fc) = AffineForward(h, Params[_w[l]], Params[_b[l]], ws);
            _affine[l] = fc;
            Phases?.Mark(StepPhase.AffineForward, l);
            if (Normalization == Normalization.BatchNorm)
            {
                // Batch norm and ReLU in one pass (the same bits as the two layers).
                (h, _bnRelu[l]) = BatchNormReluForward(a, Params[_gamma[l]], Params[_beta[l]], _bnParams[l], ws);
                Phases?.Mark(StepPhase.NormForward, l);
            }
            else
            {
                if (Normalization == Normalization.LayerNorm)
                {
                    (a, _ln[l]) = LayerNormForward(a, Params[_gamma[l]], Params[_beta[l]], _lnParam, ws);
                    Phases?.Mark(StepPhase.NormForward, l);
                }
                (h, _relu[l]) = ReluForward(a, ws);
                Phases?.Mark(StepPhase.ReluForward, l);
            }
            if (_dropout is not null)
            {
                (h, _drop[l]) = DropoutForward(h, _dropout, ws);
                Phases?.Mark(StepPhase.DropoutForward, l);
            }
        }
        var (scores, last) = AffineForward(h, Params[_w[^1]], Params[_b[^1]], ws);
        _affine[NumLayers - 1] = last;
        Phases?.Mark(StepPhase.AffineForward, NumLayers - 1);
        return scores;
    }

    /// <summary>
    /// Every parameter and buffer the passes read is present (entries can be replaced, or removed, by hand): a missing
    /// one is named, where the dictionary's own error said only "The given key 'b1' was not present".
    /// </summary>
    private void CheckEntries()
    {
        for (int l = 0; l < NumLayers; l++)
        {
            Need(Params, _w[l], "Params");
            Need(Params, _b[l], "Params");
            if (_gamma[l] is { } g) { Need(Params, g, "Params"); Need(Params, _beta[l], "Params"); }
            if (_runningMean[l] is { } rm) { Need(Buffers, rm, "Buffers"); Need(Buffers, _runningVar[l], "Buffers"); }
        }

        static void Need(ParameterSet<T> set, string name, string setName)
        {
            if (!set.TryGetValue(name, out var a) || a is null)
                throw new InvalidOperationException($"FullyConnectedNet: {setName} has no '{name}'; a network keeps every entry it was built with (replace an array, do not remove it).");
        }
    }

    /// <summary>
    /// The ReLU inputs (N, H) of each hidden layer in the last training-mode pass (<c>γ·x̂ + β</c> under batch norm,
    /// whose fused layer keeps only x̂): for gradient checks, whose centred differences are invalid across a kink.
    /// </summary>
    internal IEnumerable<NDArray<T>> LastReluInputs()
    {
        for (int l = 0; l < NumLayers - 1; l++)
        {
            if (Normalization != Normalization.BatchNorm)
            {
                yield return _relu[l].X;
                continue;
            }
            var norm = _bnRelu[l].Norm;
            yield return norm.XHat * norm.Gamma + Params[_beta[l]];
        }
    }

    // Gradients in the order of Params (the backward pass fills them last layer first).
    private ParameterSet<T> Ordered(ParameterSet<T> grads)
    {
        var r = new ParameterSet<T>();
        foreach (var (k, _) in Params) r[k] = grads[k];
        return r;
    }
}
