using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using Backprop.Kernels;
using Backprop.Layers;
using Backprop.Tensors;
using Backprop.Training;

namespace Backprop.Models.Monolithic;

/// <summary>Which course's monolithic two-layer net: they differ in weight layout and regularisation.</summary>
public enum Convention
{
    /// <summary>CS231n <c>neural_net.py</c>: W1 (D, H), W2 (H, C); loss term <c>reg · ΣW²</c>, gradient <c>2 · reg · W</c>.</summary>
    Cs231n,

    /// <summary>UCLA ECE 239AS <c>neural_net.py</c>: W1 (H, D), W2 (C, H); loss term <c>0.5 · reg · ΣW²</c>, gradient <c>reg · W</c>.</summary>
    Ucla,
}

/// <summary>Histories returned by <see cref="TwoLayerNet{T}.Train"/>.</summary>
/// <param name="LossHistory">Loss of every iteration.</param>
/// <param name="TrainAccHistory">Accuracy on the current minibatch, once per epoch.</param>
/// <param name="ValAccHistory">Validation accuracy, once per epoch.</param>
public sealed record TrainStats(IReadOnlyList<double> LossHistory, IReadOnlyList<double> TrainAccHistory, IReadOnlyList<double> ValAccHistory);

/// <summary>
/// The monolithic two-layer net of the first assignment: <c>input − fully connected − ReLU − fully connected − softmax</c>,
/// with its own loss, gradient, SGD training loop and prediction in one class.
/// </summary>
/// <typeparam name="T"><c>float</c> or <c>double</c>.</typeparam>
public sealed class TwoLayerNet<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly bool _ucla;

    /// <summary>Builds the net: weights <c>std · randn</c> (W1 then W2) from <paramref name="rng"/>, biases zero.</summary>
    /// <param name="inputSize">D.</param>
    /// <param name="hiddenSize">H.</param>
    /// <param name="outputSize">C.</param>
    /// <param name="std">Standard deviation of the initial weights.</param>
    /// <param name="convention">Weight layout and regularisation convention.</param>
    /// <param name="rng">Generator for the weights; <see cref="Train"/> continues drawing minibatches from it, as the
    /// notebooks' global generator does. A seed-0 generator when null (the notebooks seed 0 before building the net).</param>
    public TwoLayerNet(int inputSize, int hiddenSize, int outputSize, double std = 1e-4, Convention convention = Convention.Cs231n, NumpyRandom? rng = null)
    {
        if (inputSize <= 0 || hiddenSize <= 0 || outputSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(inputSize), $"Sizes must be positive: input {inputSize}, hidden {hiddenSize}, output {outputSize}.");
        if (!(std > 0) || double.IsInfinity(std)) throw new ArgumentOutOfRangeException(nameof(std), std, "The weight standard deviation must be positive.");
        if (Dtypes.Problem<T>(std) is { } stdProblem)
            throw new ArgumentOutOfRangeException(nameof(std), std, string.Create(CultureInfo.InvariantCulture, $"TwoLayerNet: the weight standard deviation {std:G3} {stdProblem}."));
        Rng = rng ?? new NumpyRandom(0u);
        Convention = convention;
        _ucla = convention == Convention.Ucla;
        Params["W1"] = Scaled(_ucla ? Rng.Randn(hiddenSize, inputSize) : Rng.Randn(inputSize, hiddenSize), std);
        Params["b1"] = new NDArray<T>(hiddenSize);
        Params["W2"] = Scaled(_ucla ? Rng.Randn(outputSize, hiddenSize) : Rng.Randn(hiddenSize, outputSize), std);
        Params["b2"] = new NDArray<T>(outputSize);
    }

    /// <summary>W1, b1, W2, b2.</summary>
    public ParameterSet<T> Params { get; } = new();

    /// <summary>The generator minibatches are drawn from.</summary>
    public NumpyRandom Rng { get; }

    /// <summary>Weight layout and regularisation convention.</summary>
    public Convention Convention { get; }

    private static NDArray<T> Scaled(NDArray<double> w, double std)
    {
        var r = new NDArray<T>(w.ShapeArray());
        for (int i = 0; i < w.Size; i++) r.Flat(i) = T.CreateTruncating(std * w.Flat(i));
        return r;
    }

    /// <summary>Class scores (N, C) for X (N, D).</summary>
    public NDArray<T> Loss(NDArray<T> x) => Scores(x).Scores;

    /// <summary>Loss (softmax data loss plus regularisation) and gradients of W1, b1, W2, b2 for X (N, D), labels y.</summary>
    public (double Loss, ParameterSet<T> Grads) Loss(NDArray<T> x, int[] y, double reg = 0.0)
    {
        if (!(reg >= 0) || double.IsInfinity(reg)) throw new ArgumentOutOfRangeException(nameof(reg), reg, "reg must be a finite number ≥ 0.");
        var (scores, z1, h) = Scores(x);
        var (loss, ds) = Layer.SoftmaxLoss(scores, y);
        NDArray<T> w1 = Params["W1"], w2 = Params["W2"];
        int n = x.Dim(0), d = x.RowLength, hid = h.Dim(1), c = scores.Dim(1);
        double regFactor = _ucla ? 0.5 : 1.0;
        loss += regFactor * reg * (w1.SumOfSquares() + w2.SumOfSquares());

        var dW2 = new NDArray<T>(w2.ShapeArray());
        if (_ucla) Gemm.Multiply<T>(ds.AsSpan(), h.AsSpan(), dW2.AsSpan(), c, hid, n, transA: true);
        else Gemm.Multiply<T>(h.AsSpan(), ds.AsSpan(), dW2.AsSpan(), hid, c, n, transA: true);
        var db2 = new NDArray<T>(c);
        Elementwise.SumRows<T>(ds.AsSpan(), db2.AsSpan(), n, c);

        var dh = new NDArray<T>(n, hid);
        Gemm.Multiply<T>(ds.AsSpan(), w2.AsSpan(), dh.AsSpan(), n, hid, c, transB: !_ucla);
        Elementwise.ReluBackward<T>(z1.AsSpan(), dh.AsSpan(), dh.AsSpan());

        var dW1 = new NDArray<T>(w1.ShapeArray());
        var xs = x.Flatten2D();
        if (_ucla) Gemm.Multiply<T>(dh.AsSpan(), xs.AsSpan(), dW1.AsSpan(), hid, d, n, transA: true);
        else Gemm.Multiply<T>(xs.AsSpan(), dh.AsSpan(), dW1.AsSpan(), d, hid, n, transA: true);
        var db1 = new NDArray<T>(hid);
        Elementwise.SumRows<T>(dh.AsSpan(), db1.AsSpan(), n, hid);

        T g = T.CreateTruncating(2 * regFactor * reg);
        TensorPrimitives.MultiplyAdd(w1.AsSpan(), g, dW1.AsSpan(), dW1.AsSpan());
        TensorPrimitives.MultiplyAdd(w2.AsSpan(), g, dW2.AsSpan(), dW2.AsSpan());
        var grads = new ParameterSet<T> { ["W1"] = dW1, ["b1"] = db1, ["W2"] = dW2, ["b2"] = db2 };
        return (loss, grads);
    }

    private (NDArray<T> Scores, NDArray<T> Z1, NDArray<T> H) Scores(NDArray<T> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (w1, b1, w2, b2) = CheckedParams();
        int d = _ucla ? w1.Dim(1) : w1.Dim(0), hid = b1.Size, c = b2.Size;
        if (x.Rank < 2 || x.RowLength != d)
            throw new ArgumentException($"TwoLayerNet: X must have {d} features per sample, got shape {x.ShapeString}.", nameof(x));
        int n = x.Dim(0);
        var z1 = new NDArray<T>(n, hid);
        Elementwise.BroadcastRows<T>(b1.AsSpan(), z1.AsSpan(), n);
        Gemm.Multiply<T>(x.AsSpan(), w1.AsSpan(), z1.AsSpan(), n, hid, d, transB: _ucla, accumulate: true);
        var h = new NDArray<T>(n, hid);
        Elementwise.Relu<T>(z1.AsSpan(), h.AsSpan());
        var scores = new NDArray<T>(n, c);
        Elementwise.BroadcastRows<T>(b2.AsSpan(), scores.AsSpan(), n);
        Gemm.Multiply<T>(h.AsSpan(), w2.AsSpan(), scores.AsSpan(), n, c, hid, transB: _ucla, accumulate: true);
        return (scores, z1, h);
    }

    /// <summary>W1, b1, W2, b2 from <see cref="Params"/>, checked against each other (they can be replaced by hand).</summary>
    private (NDArray<T> W1, NDArray<T> B1, NDArray<T> W2, NDArray<T> B2) CheckedParams()
    {
        NDArray<T> Get(string name) => Params.TryGetValue(name, out var p) && p is not null
            ? p : throw new InvalidOperationException($"TwoLayerNet: Params has no '{name}'; it needs W1, b1, W2 and b2.");
        NDArray<T> w1 = Get("W1"), b1 = Get("b1"), w2 = Get("W2"), b2 = Get("b2");
        if (w1.Rank != 2 || w2.Rank != 2 || b1.Rank != 1 || b2.Rank != 1)
            throw new InvalidOperationException($"TwoLayerNet: W1 {w1.ShapeString} and W2 {w2.ShapeString} must be matrices, b1 {b1.ShapeString} and b2 {b2.ShapeString} vectors.");
        int hid = b1.Size, c = b2.Size;
        bool fits = _ucla
            ? w1.Dim(0) == hid && w2.Dim(0) == c && w2.Dim(1) == hid
            : w1.Dim(1) == hid && w2.Dim(0) == hid && w2.Dim(1) == c;
        if (!fits)
        {
            string layout = _ucla ? "W1 (H, D), b1 (H,), W2 (C, H), b2 (C,)" : "W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)";
            throw new InvalidOperationException($"TwoLayerNet: the parameters do not fit together ({layout}): W1 {w1.ShapeString}, b1 {b1.ShapeString}, W2 {w2.ShapeString}, b2 {b2.ShapeString}.");
        }
        return (w1, b1, w2, b2);
    }

    /// <summary>
    /// Minibatch SGD, as the notebooks' <c>train</c>: batches drawn with replacement (<c>np.random.choice</c>) from
    /// <see cref="Rng"/>; once per epoch (<c>max(N // batch, 1)</c> iterations, whole: the seeds ran Python 2) the accuracies are
    /// recorded and the learning rate multiplied by <paramref name="learningRateDecay"/>.
    /// </summary>
    /// <param name="x">Training inputs (N, D) (or (N, d1, …, dk) with D features).</param>
    /// <param name="y">Training labels, N values in [0, C).</param>
    /// <param name="xVal">Validation inputs (M, D).</param>
    /// <param name="yVal">Validation labels, M values in [0, C).</param>
    /// <param name="learningRate">The SGD step size at the start.</param>
    /// <param name="learningRateDecay">Factor applied to the learning rate once per epoch.</param>
    /// <param name="reg">L2 strength (the term of <see cref="Convention"/>).</param>
    /// <param name="numIters">Iterations (minibatches) to run.</param>
    /// <param name="batchSize">Samples per minibatch, drawn with replacement.</param>
    /// <param name="verbose">Print the loss every 100 iterations to <paramref name="log"/>.</param>
    /// <param name="log">Where the progress lines go; standard output when null.</param>
    /// <exception cref="ArgumentException">The inputs and labels differ in count, a label lies outside [0, C), an input is not finite,
    /// or a learning rate or reg is out of range (a float32 net also refuses a rate that is 0 there, and a reg that is infinite there).</exception>
    /// <exception cref="TrainingDivergedException">A loss is NaN or infinite; the parameters are those that gave it.</exception>
    public TrainStats Train(NDArray<T> x, int[] y, NDArray<T> xVal, int[] yVal, double learningRate = 1e-3, double learningRateDecay = 0.95,
        double reg = 5e-6, int numIters = 100, int batchSize = 200, bool verbose = false, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(xVal);
        ArgumentNullException.ThrowIfNull(yVal);
        if (x.Rank < 1) throw new ArgumentException($"TwoLayerNet.Train: X must have shape (N, D), got {x.ShapeString}.", nameof(x));
        if (x.Dim(0) != y.Length) throw new ArgumentException($"X has {x.Dim(0)} samples but y has {y.Length} labels.", nameof(y));
        if (x.Dim(0) == 0) throw new ArgumentException("TwoLayerNet.Train: X has no samples.", nameof(x));
        if (xVal.Rank < 1 || xVal.Dim(0) != yVal.Length) throw new ArgumentException($"X_val has shape {xVal.ShapeString} but y_val has {yVal.Length} labels.", nameof(yVal));
        // The validation accuracy of no samples is 0 / 0: a history of NaN.
        if (xVal.Dim(0) == 0) throw new ArgumentException("TwoLayerNet.Train: X_val has no samples, so there is no validation accuracy to record.", nameof(xVal));
        if (!(learningRate > 0) || double.IsInfinity(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a positive number.");
        if (!(learningRateDecay > 0) || double.IsInfinity(learningRateDecay))
            throw new ArgumentOutOfRangeException(nameof(learningRateDecay), learningRateDecay, "The learning rate decay must be a positive number.");
        if (numIters < 0) throw new ArgumentOutOfRangeException(nameof(numIters), numIters, "numIters must be ≥ 0.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (!(reg >= 0) || double.IsInfinity(reg)) throw new ArgumentOutOfRangeException(nameof(reg), reg, "reg must be a finite number ≥ 0.");
        // A rate that is 0 in float32 would never move the weights; a reg that is infinite there makes every loss infinite.
        if (Dtypes.Problem<T>(learningRate) is { } lrProblem)
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, string.Create(CultureInfo.InvariantCulture, $"TwoLayerNet.Train: the learning rate {learningRate:G3} {lrProblem}."));
        if (Dtypes.Problem<T>(reg, zeroAllowed: true) is { } regProblem)
            throw new ArgumentOutOfRangeException(nameof(reg), reg, string.Create(CultureInfo.InvariantCulture, $"TwoLayerNet.Train: reg {reg:G3} {regProblem}."));
        // Every label up front, as the Solver's Dataset does: a minibatch's check would name the label's place in the
        // batch, not in y, and only once drawn; the validation labels were never checked (a bad one just missed).
        int numClasses = CheckedParams().B2.Size;
        CheckLabels(y, numClasses, "y", nameof(y));
        CheckLabels(yVal, numClasses, "y_val", nameof(yVal));
        if (!x.AllFinite()) throw new ArgumentException("TwoLayerNet.Train: X contains NaN or infinite values.", nameof(x));
        if (!xVal.AllFinite()) throw new ArgumentException("TwoLayerNet.Train: X_val contains NaN or infinite values.", nameof(xVal));
        log ??= Console.Out;
        int numTrain = x.Dim(0), d = x.RowLength;
        // num_train / batch_size of the seeds' Python 2 (integer division, as the Solver's //): 4100 images in batches of
        // 200 check at iterations 0, 20, 40, where Python 3's true division checks at 0 and 41.
        int iterationsPerEpoch = Math.Max(numTrain / batchSize, 1);
        var lossHistory = new List<double>(numIters);
        var trainAcc = new List<double>();
        var valAcc = new List<double>();
        var xs = x.Flatten2D();
        var xb = new NDArray<T>(batchSize, d);
        var yb = new int[batchSize];
        var idx = new int[batchSize];
        for (int it = 0; it < numIters; it++)
        {
            Rng.FillChoice(numTrain, idx);
            for (int i = 0; i < batchSize; i++)
            {
                xs.Row(idx[i]).CopyTo(xb.Row(i));
                yb[i] = y[idx[i]];
            }
            var (loss, grads) = Loss(xb, yb, reg);
            lossHistory.Add(loss);
            // As the Solver: stop at a NaN or infinite loss (no update applied) rather than train on NaN to the end.
            if (!double.IsFinite(loss)) throw new TrainingDivergedException(it + 1, (int)(it / iterationsPerEpoch), learningRate, loss, 0);
            T lr = T.CreateTruncating(learningRate);
            foreach (var (name, p) in Params) TensorPrimitives.MultiplyAdd(grads[name].AsSpan(), -lr, p.AsSpan(), p.AsSpan());
            if (verbose && it % 100 == 0) log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"iteration {it} / {numIters}: loss {loss:F6}"));
            if (it % iterationsPerEpoch == 0)
            {
                // The scores' argmax, as the notebook's predict: a step that made the weights infinite shows as an
                // accuracy here and as a NaN loss (the stop) at the next iteration.
                trainAcc.Add(Accuracy(Loss(xb).ArgMaxRows(), yb));
                valAcc.Add(Accuracy(Loss(xVal).ArgMaxRows(), yVal));
                learningRate *= learningRateDecay;
            }
        }
        return new TrainStats(lossHistory, trainAcc, valAcc);
    }

    private static void CheckLabels(int[] labels, int numClasses, string name, string param)
    {
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)numClasses)
                throw new ArgumentOutOfRangeException(param, labels[i], $"TwoLayerNet.Train: {name}[{i}] = {labels[i]} is outside [0, {numClasses}): the net has {numClasses} outputs.");
    }

    /// <summary>Predicted class of each row of X: the argmax of the scores.</summary>
    /// <exception cref="ArgumentException">
    /// A sample's scores are not finite (its row of X holds NaN or ±∞, or the weights do), as <see cref="Training.Solver{T}.Predict"/>
    /// refuses: NumPy's argmax of NaN is class 0, a prediction nothing supports.
    /// </exception>
    public int[] Predict(NDArray<T> x)
    {
        var scores = Loss(x);
        if (!scores.AllFinite()) throw Training.Solver<T>.NonFiniteScores("TwoLayerNet.Predict", x, 0, scores);
        return scores.ArgMaxRows();
    }

    private static double Accuracy(int[] pred, int[] y)
    {
        if (pred.Length != y.Length) throw new ArgumentException($"{pred.Length} predictions but {y.Length} labels.");
        int ok = 0;
        for (int i = 0; i < y.Length; i++) if (pred[i] == y[i]) ok++;
        return (double)ok / y.Length;
    }
}
