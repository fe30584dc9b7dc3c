using System.Globalization;
using System.Numerics;
using Backprop.Data;
using Backprop.Layers;
using Backprop.Models;
using Backprop.Optim;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>One finished training iteration, as reported to <see cref="Solver{T}.IterationCompleted"/>.</summary>
/// <param name="Iteration">1-based iteration number.</param>
/// <param name="NumIterations">Total iterations of the run.</param>
/// <param name="Epoch">Epochs completed so far.</param>
/// <param name="Loss">The minibatch loss.</param>
/// <param name="LearningRate">The learning rate used for the step.</param>
public readonly record struct IterationInfo(int Iteration, int NumIterations, int Epoch, double Loss, double LearningRate);

/// <summary>One accuracy check (start, each epoch end, end), as reported to <see cref="Solver{T}.AccuracyChecked"/>.</summary>
public readonly record struct EpochInfo(int Epoch, int NumEpochs, int Iteration, double TrainAcc, double ValAcc, double LearningRate, bool IsBest);

/// <summary>
/// Trains a model with minibatch gradient descent, with the semantics of the CS231n <c>Solver</c>: minibatches drawn
/// with replacement, per-parameter update-rule state, learning-rate decay after every epoch, accuracy checks at the
/// first iteration, every epoch end and the last iteration, and the best parameters (by validation accuracy) restored
/// into the model at the end.
/// </summary>
/// <remarks>
/// Thread safety: a solver and its model belong to one thread at a time (<see cref="Train"/>, <see cref="Step"/> and
/// <see cref="CheckAccuracy"/> reuse the solver's workspaces and the model's caches; a second thread is refused by them
/// where the calls overlap). Trainings on several threads, each with its own model, solver and
/// <see cref="NumpyRandom"/>, each give the bits they give alone: the kernels' pool serves one loop at a time and the
/// other threads' loops run on their own thread, with the same results. The static <see cref="Accuracy"/>,
/// <see cref="Predict"/> and <see cref="Scores"/> may run on many threads at once.
/// </remarks>
/// <typeparam name="T"><c>float</c> or <c>double</c>.</typeparam>
public sealed class Solver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Workspace _trainWs = new();
    private readonly Workspace _evalWs = new();
    private readonly ParameterSet<T> _preStepBuffers = new();
    private readonly NDArray<T> _xTrain, _xVal;
    private readonly NDArray<T> _xBatch;
    private readonly int[] _yBatch, _batchIdx;
    private readonly FullyConnectedNet<T>? _fusingModel;
    private readonly UpdateInBackward<T>? _beginUpdate;
    private readonly HashSet<string> _updatedInBackward = [];
    private NDArray<T>? _xSample;
    private int[]? _ySample, _sampleIdx;

    private const int MaxPreallocatedLosses = 1 << 20;

    /// <summary>Prepares training; nothing runs until <see cref="Train"/>.</summary>
    /// <param name="model">The model; its parameters are updated in place.</param>
    /// <param name="data">Training and validation splits (the test split is not used).</param>
    /// <param name="options">Solver options; <c>new SolverOptions()</c> gives the notebooks' defaults.</param>
    /// <param name="rng">Generator for minibatches and accuracy subsamples (the notebooks' global <c>np.random</c>); seed 0 when null.</param>
    public Solver(IModel<T> model, Dataset<T> data, SolverOptions? options = null, NumpyRandom? rng = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        Options = options ?? new SolverOptions();
        Options.Validate();
        data.Validate();
        if (data.XTrain.RowLength != model.InputDim)
            throw new ArgumentException($"Solver: the model expects {model.InputDim} features per sample but X_train has {data.XTrain.RowLength} (shape {data.XTrain.ShapeString}).", nameof(data));
        // The labels against the model's classes, not Dataset.NumClasses (10 unless given): the course's data dict has
        // no class count, and a 4-class net on labels 0–3 was refused until NumClasses: 4 was passed.
        CheckLabelsFit(data.YTrain, "y_train", model.NumClasses);
        CheckLabelsFit(data.YVal, "y_val", model.NumClasses);
        if (model is FullyConnectedNet<T> { Normalization: Normalization.BatchNorm } && Options.BatchSize < 2)
            throw new ArgumentOutOfRangeException(nameof(options), Options.BatchSize, "Solver: batch normalization needs at least 2 samples per batch.");
        if (!data.XTrain.AllFinite()) throw new ArgumentException("Solver: X_train contains NaN or infinite values.", nameof(data));
        if (!data.XVal.AllFinite()) throw new ArgumentException("Solver: X_val contains NaN or infinite values.", nameof(data));

        Model = model;
        Data = data;
        Rng = rng ?? new NumpyRandom(0u);
        _xTrain = data.XTrain.Flatten2D();
        _xVal = data.XVal.Flatten2D();
        IterationsPerEpoch = Math.Max(_xTrain.Dim(0) / Options.BatchSize, 1);
        long iterations = (long)Options.NumEpochs * IterationsPerEpoch;
        if (iterations > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(options), Options.NumEpochs,
                $"Solver: {Options.NumEpochs} epochs of {IterationsPerEpoch} iterations are {iterations} iterations, more than {int.MaxValue}.");
        NumIterations = (int)iterations;
        // Room for the whole run's losses up front (no growth inside training), up to a million (8 MB).
        LossHistory = new List<double>(Math.Min(NumIterations, MaxPreallocatedLosses));
        foreach (var (name, _) in model.Params) UpdateRules[name] = Optim.UpdateRules.Create<T>(Options.UpdateRule, Options.OptimConfig);
        // The decay is applied after every epoch; a rate that would reach 0 or infinity is refused now, not mid-run.
        foreach (var (_, rule) in UpdateRules)
        {
            double last = rule.LearningRate * Math.Pow(Options.LrDecay, Options.NumEpochs);
            if (!(last > 0) || double.IsInfinity(last))
                throw new ArgumentOutOfRangeException(nameof(options), Options.LrDecay, string.Create(CultureInfo.InvariantCulture,
                    $"Solver: lr_decay {Options.LrDecay:g6} over {Options.NumEpochs} epochs takes the learning rate {rule.LearningRate:g6} to {last:g6}; use a decay nearer 1."));
            break;
        }
        // Only this library's own networks: a subclass that re-implements IModel.Loss must be trained on its own loss.
        if (Options.FusedUpdates && model is FullyConnectedNet<T> fcn && (model.GetType() == typeof(FullyConnectedNet<T>) || model is TwoLayerNet<T>))
        {
            _fusingModel = fcn;
            _beginUpdate = (name, w, reg) => UpdateRules.TryGetValue(name, out var rule) ? rule.BeginTiledStep(w, reg) : null;
        }
        _xBatch = new NDArray<T>(Options.BatchSize, model.InputDim);
        _yBatch = new int[Options.BatchSize];
        _batchIdx = new int[Options.BatchSize];
    }

    private static void CheckLabelsFit(int[] labels, string name, int numClasses)
    {
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= numClasses)
                throw new ArgumentException($"Solver: {name}[{i}] = {labels[i]}, but the model scores {numClasses} classes (labels 0 to {numClasses - 1}).", "data");
    }

    /// <summary>
    /// Where <see cref="Step"/> records the time of its phases (and a <see cref="FullyConnectedNet{T}"/>'s, per layer);
    /// null (the default) records nothing.
    /// </summary>
    internal StepPhases? Phases
    {
        get;
        set
        {
            field = value;
            if (Model is FullyConnectedNet<T> fcn) fcn.Phases = value;
        }
    }

    /// <summary>The model being trained.</summary>
    public IModel<T> Model { get; }

    /// <summary>The data.</summary>
    public Dataset<T> Data { get; }

    /// <summary>The options.</summary>
    public SolverOptions Options { get; }

    /// <summary>The generator for minibatches and subsamples (part of a checkpoint).</summary>
    public NumpyRandom Rng { get; }

    /// <summary>One update rule per parameter, by parameter name (the notebooks' <c>optim_configs</c>).</summary>
    public OrderedDictionary<string, UpdateRule<T>> UpdateRules { get; } = new();

    /// <summary><c>max(num_train / batch_size, 1)</c>.</summary>
    public int IterationsPerEpoch { get; }

    /// <summary><c>num_epochs · iterations_per_epoch</c>.</summary>
    public int NumIterations { get; }

    /// <summary>Iterations completed so far.</summary>
    public int Iteration { get; internal set; }

    /// <summary>Epochs completed so far.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Loss of every iteration.</summary>
    public List<double> LossHistory { get; }

    /// <summary>Training accuracy at every check.</summary>
    public List<double> TrainAccHistory { get; } = [];

    /// <summary>Validation accuracy at every check.</summary>
    public List<double> ValAccHistory { get; } = [];

    /// <summary>Learning rate in force at every check (after that epoch's decay).</summary>
    public List<double> LearningRateHistory { get; } = [];

    /// <summary>Best validation accuracy so far.</summary>
    public double BestValAcc { get; internal set; }

    /// <summary>Parameters at the best validation accuracy (empty until a check improves on 0).</summary>
    public ParameterSet<T> BestParams { get; internal set; } = new();

    /// <summary>Buffers (batch-norm running statistics) at the best validation accuracy.</summary>
    public ParameterSet<T> BestBuffers { get; internal set; } = new();

    /// <summary>True when all iterations have run.</summary>
    public bool IsFinished => Iteration >= NumIterations;

    /// <summary>Raised after every iteration.</summary>
    public event Action<IterationInfo>? IterationCompleted;

    /// <summary>Raised after every accuracy check.</summary>
    public event Action<EpochInfo>? AccuracyChecked;

    /// <summary>
    /// The learning rate currently in force (of the first parameter's rule). Setting it sets every parameter's rule, as
    /// PyTorch's <c>for g in optimizer.param_groups: g['lr'] = lr</c>: between steps, or in <see cref="AccuracyChecked"/>
    /// for a schedule of one's own (the epochs' <see cref="SolverOptions.LrDecay"/> goes on multiplying it; a
    /// checkpoint keeps it). Each rule's own <see cref="UpdateRule{T}.LearningRate"/> can differ.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a positive finite number (no rule is changed).</exception>
    public double LearningRate
    {
        get => UpdateRules.Count == 0 ? 0 : UpdateRules.GetAt(0).Value.LearningRate;
        set
        {
            if (!(value > 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "Solver: the learning rate must be a positive number.");
            foreach (var (_, rule) in UpdateRules) rule.LearningRate = value;
        }
    }

    private TextWriter Out => Options.Output ?? Console.Out;

    /// <summary>
    /// Runs the remaining iterations. Stops early, after the current iteration, when <paramref name="cancel"/> fires;
    /// the solver can then be checkpointed and resumed with an identical result. At the end the best parameters are
    /// restored into the model.
    /// </summary>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite; the model holds the best parameters.</exception>
    public void Train(CancellationToken cancel = default)
    {
        while (Iteration < NumIterations)
        {
            if (cancel.IsCancellationRequested) return;
            int t = Iteration;
            double loss = Step();
            if (Options.Verbose && t % Options.PrintEvery == 0)
                Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(Iteration {t + 1} / {NumIterations}) loss: {loss:F6}"));
            IterationCompleted?.Invoke(new IterationInfo(t + 1, NumIterations, Epoch, loss, LearningRate));

            bool epochEnd = (t + 1) % IterationsPerEpoch == 0;
            if (epochEnd)
            {
                Epoch++;
                foreach (var (_, rule) in UpdateRules) rule.LearningRate *= Options.LrDecay;
            }
            if (t == 0 || t == NumIterations - 1 || epochEnd) CheckAccuracies();
        }
        if (Options.Verbose && NumIterations > 0)
            Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"finished optimization. best validation accuracy: {BestValAcc:F6}"));
        RestoreBest();
    }

    /// <summary>One update: draw a minibatch, compute loss and gradients, update every parameter. Returns the loss.</summary>
    /// <exception cref="TrainingDivergedException">The loss is not finite (no update is applied).</exception>
    /// <exception cref="InvalidOperationException">
    /// The model returned no gradient for a parameter, or one of another shape (the message names the parameter); no
    /// update is applied and the iteration is not counted.
    /// </exception>
    public double Step()
    {
        (_stepEpoch, _stepLearningRate) = (Epoch, LearningRate);
        Phases?.Start();
        int n = _xTrain.Dim(0), d = _xTrain.Dim(1);
        Rng.FillChoice(n, _batchIdx);
        MinibatchGather<T>.Run(_xTrain.AsSpan(), d, _batchIdx, _xBatch.AsSpan());
        for (int i = 0; i < _batchIdx.Length; i++) _yBatch[i] = Data.YTrain[_batchIdx[i]];
        Phases?.Mark(StepPhase.Gather);
        _trainWs.Reset();
        _updatedInBackward.Clear();
        // Batch norm updates its running statistics in the forward pass, before the loss is known to be finite.
        if (Model.Buffers.Count > 0) Snapshot(Model.Buffers, _preStepBuffers);
        var (loss, grads) = _fusingModel is null
            ? Model.Loss(_xBatch, _yBatch, _trainWs)
            : _fusingModel.Loss(_xBatch, _yBatch, _trainWs, _beginUpdate, _updatedInBackward);
        if (Phases is not null && Model is not FullyConnectedNet<T>) Phases.Mark(StepPhase.ModelLoss);
        // Every gradient checked before any parameter moves: a model's bad gradient is refused naming the parameter,
        // and the step is not left half applied (nor counted, nor the running statistics moved).
        if (double.IsFinite(loss) && CheckGradients(grads) is { } bad)
        {
            Phases?.Stop();
            if (_preStepBuffers.Count > 0) Model.Buffers.CopyValuesFrom(_preStepBuffers);
            throw bad;
        }
        Iteration++;
        LossHistory.Add(loss);
        if (!double.IsFinite(loss))
        {
            Phases?.Stop();
            double lr = LearningRate;
            if (_preStepBuffers.Count > 0) Model.Buffers.CopyValuesFrom(_preStepBuffers);
            RestoreBest();
            throw new TrainingDivergedException(Iteration, Epoch, lr, loss, BestValAcc, hasNormalization: HasNormalization);
        }
        foreach (var (name, w) in Model.Params)
        {
            if (_updatedInBackward.Contains(name)) continue;
            UpdateRules[name].Step(w, grads[name]);
        }
        Phases?.Mark(StepPhase.Update);
        Phases?.Stop();
        return loss;
    }

    /// <summary>
    /// The refusal of a step whose gradients cannot be applied (a parameter without an update rule or a gradient, or a
    /// gradient of another shape than its parameter), or null when every one can.
    /// </summary>
    private InvalidOperationException? CheckGradients(ParameterSet<T> grads)
    {
        foreach (var (name, w) in Model.Params)
        {
            if (_updatedInBackward.Contains(name)) continue;
            if (!UpdateRules.ContainsKey(name))
                return new InvalidOperationException($"Parameter '{name}' appeared after the Solver was created; create the Solver after the model is complete.");
            if (grads is null || !grads.TryGetValue(name, out var dw) || dw is null)
                return new InvalidOperationException($"{Model.GetType().Name}.Loss(X, y) returned no gradient for parameter '{name}'; it must return one for every entry of Params, by the same name.");
            if (!dw.SameShape(w))
                return new InvalidOperationException($"{Model.GetType().Name}.Loss(X, y) returned a gradient of shape {dw.ShapeString} for parameter '{name}', whose shape is {w.ShapeString}; each gradient must have its parameter's shape.");
        }
        return null;
    }

    // The epoch and learning rate of the last step: a divergence found at an epoch's end is that step's, made before
    // the epoch count and the decay moved (a trial of 5 iterations per epoch blowing up at the 5th was said to be in
    // epoch 1 with the decayed rate, one at the 4th in epoch 0 with the rate it used).
    private int _stepEpoch;
    private double _stepLearningRate;

    private void CheckAccuracies()
    {
        var (trainAcc, trainFinite) = Checked(Data.XTrain, Data.YTrain, Options.NumTrainSamples, 100);
        var (valAcc, valFinite) = Checked(Data.XVal, Data.YVal, Options.NumValSamples, 100);
        if (!(trainFinite && valFinite))
        {
            // The last update overflowed the weights while its loss was still finite: an argmax of NaN is class 0,
            // so the "accuracy" would be class 0's share of the data, and could be kept as the best.
            RestoreBest();
            throw new TrainingDivergedException(Iteration, _stepEpoch, _stepLearningRate, double.NaN, BestValAcc, scores: true, hasNormalization: HasNormalization);
        }
        // Scores stay finite when a running variance overflows (x / √∞ is 0), but the model could not be evaluated.
        foreach (var (bufferName, buffer) in Model.Buffers)
        {
            if (buffer.AllFinite()) continue;
            RestoreBest();
            throw new TrainingDivergedException(Iteration, _stepEpoch, _stepLearningRate, double.NaN, BestValAcc, runningStats: bufferName, hasNormalization: HasNormalization);
        }
        TrainAccHistory.Add(trainAcc);
        ValAccHistory.Add(valAcc);
        LearningRateHistory.Add(LearningRate);
        bool best = valAcc > BestValAcc;
        if (best)
        {
            BestValAcc = valAcc;
            Snapshot(Model.Params, BestParams);
            Snapshot(Model.Buffers, BestBuffers);
        }
        if (Options.Verbose)
            Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(Epoch {Epoch} / {Options.NumEpochs}) train acc: {trainAcc:F6}; val_acc: {valAcc:F6}"));
        AccuracyChecked?.Invoke(new EpochInfo(Epoch, Options.NumEpochs, Iteration, trainAcc, valAcc, LearningRate, best));
        if (Options.CheckpointName is { } name) Checkpoint.Save(this, $"{name}_epoch_{Epoch}.npz");
    }

    private static void Snapshot(ParameterSet<T> from, ParameterSet<T> into)
    {
        foreach (var (k, v) in from)
        {
            if (into.TryGetValue(k, out var c) && c.SameShape(v)) c.CopyFrom(v);
            else into[k] = v.Copy();
        }
    }

    private bool HasNormalization => Model is FullyConnectedNet<T> { Normalization: not Normalization.None };

    private void RestoreBest()
    {
        if (BestParams.Count > 0) Model.Params.CopyValuesFrom(BestParams);
        if (BestBuffers.Count > 0) Model.Buffers.CopyValuesFrom(BestBuffers);
    }

    /// <summary>
    /// Accuracy of the model on (X, y): when N exceeds <paramref name="numSamples"/>, a subsample of that many rows is
    /// drawn with replacement from <see cref="Rng"/>; scores are computed in batches.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// X and y differ in length or are empty, a label is outside [0, C), or a sample's scores are not finite (the message says
    /// whether its row of X or the model is to blame): an argmax of NaN would count as class 0.
    /// </exception>
    public double CheckAccuracy(NDArray<T> x, int[] y, int? numSamples = null, int batchSize = 100)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Rank >= 1 && x.Dim(0) == y.Length) Layer.CheckLabels(y, y.Length, Model.NumClasses, "CheckAccuracy");
        return Checked(x, y, numSamples, batchSize, refuseNonFinite: "CheckAccuracy").Accuracy;
    }

    // CheckAccuracy, and whether every score it computed was finite (or, with refuseNonFinite, an exception naming the first sample that was not).
    private (double Accuracy, bool Finite) Checked(NDArray<T> x, int[] y, int? numSamples, int batchSize, string? refuseNonFinite = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Rank < 1 || x.Dim(0) != y.Length) throw new ArgumentException($"CheckAccuracy: X has shape {x.ShapeString} but y has {y.Length} labels.", nameof(y));
        if (y.Length == 0) throw new ArgumentException($"CheckAccuracy: X has no samples (shape {x.ShapeString}); an accuracy of none is undefined.", nameof(x));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (numSamples is < 1) throw new ArgumentOutOfRangeException(nameof(numSamples), numSamples, "CheckAccuracy: numSamples must be positive (or null for all).");
        var xs = x.Flatten2D();
        int n = xs.Dim(0), d = xs.Dim(1);
        int[] labels = y;
        int[]? drawn = null;   // the row of X of each scored sample, when a subsample is scored
        if (numSamples is int m && n > m)
        {
            if (_xSample is null || _xSample.Dim(0) != m || _xSample.Dim(1) != d)
            {
                _xSample = new NDArray<T>(m, d);
                _ySample = new int[m];
                _sampleIdx = new int[m];
            }
            Rng.FillChoice(n, _sampleIdx);
            for (int i = 0; i < m; i++)
            {
                xs.Row(_sampleIdx![i]).CopyTo(_xSample.Row(i));
                _ySample![i] = y[_sampleIdx[i]];
            }
            xs = _xSample;
            labels = _ySample!;
            drawn = _sampleIdx;
        }
        return Scored(Model, xs, labels, batchSize, _evalWs, refuseNonFinite, x, drawn);
    }

    /// <summary>Fraction of rows of X (N, d1, …, dk) whose argmax score equals the label, scoring in batches.</summary>
    /// <exception cref="ArgumentException">
    /// X and y differ in length or are empty, a label is outside [0, C), or a sample's scores are not finite (the message says
    /// whether its row of X or the model is to blame): an argmax of NaN would count as class 0.
    /// </exception>
    /// <remarks>Thread-safe when <paramref name="model"/>'s <c>Loss(X)</c> is (a <see cref="FullyConnectedNet{T}"/>'s
    /// is) and each thread passes its own <paramref name="ws"/> or none.</remarks>
    public static double Accuracy(IModel<T> model, NDArray<T> x, int[] y, int batchSize = 100, Workspace? ws = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Rank < 1 || x.Dim(0) != y.Length) throw new ArgumentException($"Accuracy: X has shape {x.ShapeString} but y has {y.Length} labels.", nameof(y));
        if (y.Length == 0) throw new ArgumentException($"Accuracy: X has no samples (shape {x.ShapeString}); an accuracy of none is undefined.", nameof(x));
        Layer.CheckLabels(y, y.Length, model.NumClasses, "Accuracy");
        return Scored(model, x, y, batchSize, ws, refuseNonFinite: "Accuracy").Accuracy;
    }

    // The accuracy, and whether every score was finite (an argmax of NaN is class 0, which would count as a guess);
    // with refuseNonFinite, the first sample whose scores are not is refused instead.
    // A refusal names the caller's X (callersX) and its row (drawn[sample] when a subsample of it is scored).
    private static (double Accuracy, bool Finite) Scored(IModel<T> model, NDArray<T> x, int[] y, int batchSize, Workspace? ws, string? refuseNonFinite = null,
        NDArray<T>? callersX = null, int[]? drawn = null)
    {
        int correct = 0;
        bool finite = true;
        ScoreInBatches(model, x, batchSize, ws, (start, scores) =>
        {
            if (!scores.AllFinite())
            {
                if (refuseNonFinite is not null) throw NonFiniteScores(refuseNonFinite, x, start, scores, callersX, drawn);
                finite = false;
            }
            for (int i = 0; i < scores.Dim(0); i++) if (NDArray<T>.ArgMax(scores.Row(i)) == y[start + i]) correct++;
        });
        return (x.Dim(0) == 0 ? 0 : (double)correct / x.Dim(0), finite);
    }

    /// <summary>Predicted class of every row of X (N, d1, …, dk), scoring in batches of <paramref name="batchSize"/>.</summary>
    /// <exception cref="ArgumentException">
    /// A sample's scores are not finite (the message says whether its row of X or the model is to blame): NumPy's
    /// argmax of NaN is class 0, a prediction nothing supports.
    /// </exception>
    public static int[] Predict(IModel<T> model, NDArray<T> x, int batchSize = 100, Workspace? ws = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var preds = new int[x.Rank == 0 ? 0 : x.Dim(0)];
        ScoreInBatches(model, x, batchSize, ws, (start, scores) =>
        {
            if (!scores.AllFinite()) throw NonFiniteScores("Predict", x, start, scores);
            for (int i = 0; i < scores.Dim(0); i++) preds[start + i] = NDArray<T>.ArgMax(scores.Row(i));
        });
        return preds;
    }

    /// <summary>
    /// The refusal of a batch whose scores are not all finite: the first such sample, and whether its row of
    /// <paramref name="x"/> holds NaN or ±∞ (bad input) or is finite (then the model's parameters or buffers are not).
    /// </summary>
    internal static ArgumentException NonFiniteScores(string who, NDArray<T> x, int start, NDArray<T> scores, NDArray<T>? callersX = null, int[]? drawn = null)
    {
        int i = 0;
        while (i < scores.Dim(0) - 1 && NDArray<T>.AllFinite(scores.Row(i))) i++;
        bool inputFinite = NDArray<T>.AllFinite(x.Flatten2D().Row(start + i));
        int row = drawn is null ? start + i : drawn[start + i];
        var shape = (callersX ?? x).ShapeString;
        return new ArgumentException(inputFinite
            ? $"{who}: the scores of sample {row} are not finite although its row of X is: the model's parameters or buffers hold NaN or infinite values (a diverged model?)."
            : $"{who}: sample {row} of X (shape {shape}) holds NaN or infinite values, so its scores are not finite and it has no class.", nameof(x));
    }

    /// <summary>The class scores (N, C) of every row of X (N, d1, …, dk), computed in batches of <paramref name="batchSize"/>.</summary>
    public static NDArray<T> Scores(IModel<T> model, NDArray<T> x, int batchSize = 100, Workspace? ws = null)
    {
        NDArray<T>? all = null;
        ScoreInBatches(model, x, batchSize, ws, (start, scores) =>
        {
            all ??= new NDArray<T>(x.Dim(0), scores.Dim(1));
            scores.AsSpan().CopyTo(all.AsSpan().Slice(start * scores.Dim(1)));
        });
        return all ?? new NDArray<T>(0, model.NumClasses);
    }

    /// <summary>Hands each batch's scores, with its first row's index, to <paramref name="take"/> (the scores live in <paramref name="ws"/> until the next batch).</summary>
    private static void ScoreInBatches(IModel<T> model, NDArray<T> x, int batchSize, Workspace? ws, Action<int, NDArray<T>> take)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (x.Rank < 2) throw new ArgumentException($"X must have shape (N, d1, …, dk), got {x.ShapeString}.", nameof(x));
        var xs = x.Flatten2D();
        int n = xs.Dim(0), d = xs.Dim(1);
        ws ??= new Workspace();
        for (int start = 0; start < n; start += batchSize)
        {
            int rows = Math.Min(batchSize, n - start);
            ws.Reset();
            var batch = ws.Rent<T>(rows, d);
            xs.AsSpan().Slice(start * d, rows * d).CopyTo(batch.AsSpan());
            var scores = model.Loss(batch, ws);
            // A model's scores are its own code's: trusted, a transposed or short array would be scored as classes.
            if (scores.Rank != 2 || scores.Dim(0) != rows || scores.Dim(1) != model.NumClasses)
                throw new InvalidOperationException($"{model.GetType().Name}.Loss(X) returned scores of shape {scores.ShapeString} for {rows} samples; expected ({rows}, {model.NumClasses}): N rows of NumClasses scores.");
            take(start, scores);
        }
    }
}
