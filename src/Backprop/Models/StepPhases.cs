using System.Diagnostics;

namespace Backprop.Models;

/// <summary>A phase of one training step, as <see cref="StepPhases"/> records it.</summary>
internal enum StepPhase
{
    /// <summary>Drawing the minibatch and copying its rows.</summary>
    Gather,
    /// <summary>x·W + b of one layer.</summary>
    AffineForward,
    /// <summary>Batch or layer normalization of one layer (with batch norm, its ReLU too: they run fused).</summary>
    NormForward,
    ReluForward,
    DropoutForward,
    /// <summary>Softmax loss and its gradient, plus the regularisation term.</summary>
    Loss,
    /// <summary>The whole forward and backward pass of a model that does not mark its own phases (an <see cref="IModel{T}"/> other than <see cref="FullyConnectedNet{T}"/>).</summary>
    ModelLoss,
    DropoutBackward,
    ReluBackward,
    /// <summary>Backward of <see cref="NormForward"/> (with batch norm, the ReLU's gradient too).</summary>
    NormBackward,
    /// <summary>dx, dW and db of one layer; includes the weights' update when it is fused into the dW product.</summary>
    AffineBackward,
    /// <summary>The update rules' separate passes over the parameters not updated inside the backward pass.</summary>
    Update,
}

/// <summary>
/// Wall time of each phase of the training steps, per layer, summed over steps: a profile that needs no profiler.
/// Each mark closes the phase that ran since the previous mark, so within a step the phases tile the time from
/// <see cref="Start"/> to <see cref="Stop"/> and add up to it. Marks outside a step are ignored.
/// </summary>
/// <remarks>Set on a <see cref="Training.Solver{T}"/> by the bench's <c>epoch --phases</c>; costs two clock reads per
/// phase when set, nothing when not.</remarks>
internal sealed class StepPhases
{
    private static readonly int PhaseCount = Enum.GetValues<StepPhase>().Length;
    private long[,] _ticks = new long[PhaseCount, 4];
    private int[,] _marks = new int[PhaseCount, 4];
    private long _last;
    private bool _active;

    /// <summary>Steps recorded (calls of <see cref="Start"/>).</summary>
    public int Steps { get; private set; }

    /// <summary>Begins a step: the next mark measures from now.</summary>
    public void Start()
    {
        Steps++;
        _active = true;
        _last = Stopwatch.GetTimestamp();
    }

    /// <summary>Ends a step: marks until the next <see cref="Start"/> are ignored.</summary>
    public void Stop() => _active = false;

    /// <summary>Charges the time since the previous mark (or <see cref="Start"/>) to <paramref name="phase"/> of <paramref name="layer"/> (0-based).</summary>
    public void Mark(StepPhase phase, int layer = 0)
    {
        if (!_active) return;
        long now = Stopwatch.GetTimestamp();
        if (layer >= _ticks.GetLength(1)) Grow(layer + 1);
        _ticks[(int)phase, layer] += now - _last;
        _marks[(int)phase, layer]++;
        _last = now;
    }

    /// <summary>Every (phase, layer) marked at least once, in phase then layer order, with its seconds and number of marks.</summary>
    public IEnumerable<(StepPhase Phase, int Layer, double Seconds, int Marks)> Entries()
    {
        for (int p = 0; p < PhaseCount; p++)
        for (int l = 0; l < _ticks.GetLength(1); l++)
            if (_marks[p, l] > 0) yield return ((StepPhase)p, l, _ticks[p, l] / (double)Stopwatch.Frequency, _marks[p, l]);
    }

    /// <summary>Forgets everything recorded (after warm-up steps, say).</summary>
    public void Clear()
    {
        Array.Clear(_ticks);
        Array.Clear(_marks);
        Steps = 0;
        _active = false;
    }

    private void Grow(int layers)
    {
        var ticks = new long[PhaseCount, layers];
        var marks = new int[PhaseCount, layers];
        for (int p = 0; p < PhaseCount; p++)
        for (int l = 0; l < _ticks.GetLength(1); l++)
            (ticks[p, l], marks[p, l]) = (_ticks[p, l], _marks[p, l]);
        (_ticks, _marks) = (ticks, marks);
    }
}
