using System.Diagnostics;
using Backprop.Data;
using Backprop.Models;
using Backprop.Tensors;
using Backprop.Training;

namespace Backprop.Tests.Models;

/// <summary>The per-phase step profile: what it records, that its phases tile the steps, and that it changes nothing.</summary>
public class StepPhasesTests
{
    private static (FullyConnectedNet<double> Model, Solver<double> Solver) Build(Normalization norm, double keep)
    {
        var rng = new NumpyRandom(3);
        var x = rng.Randn(60, 12);
        var y = rng.Randint(3, 60);
        var data = new Dataset<double>(x, y, rng.Randn(20, 12), rng.Randint(3, 20), NumClasses: 3);
        var model = new FullyConnectedNet<double>([20, 30], inputDim: 12, numClasses: 3, dropoutKeep: keep, normalization: norm, rng: rng);
        var options = new SolverOptions
        {
            UpdateRule = "adam",
            OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-2 },
            NumEpochs = 2,
            BatchSize = 10,
            Verbose = false,
        };
        return (model, new Solver<double>(model, data, options, rng));
    }

    [Theory]
    [InlineData(Normalization.LayerNorm)]
    [InlineData(Normalization.BatchNorm)]
    public void EveryPhaseOfEveryLayer_IsMarkedOncePerStep_AndThePhasesTileTheSteps(Normalization norm)
    {
        var (_, solver) = Build(norm, keep: 0.8);
        var phases = new StepPhases();
        solver.Phases = phases;
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < 5; i++) solver.Step();
        double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;

        var expected = new List<(StepPhase, int)> { (StepPhase.Gather, 0) };
        for (int l = 0; l < 2; l++)
            expected.AddRange([(StepPhase.AffineForward, l), (StepPhase.NormForward, l), (StepPhase.ReluForward, l), (StepPhase.DropoutForward, l),
                (StepPhase.DropoutBackward, l), (StepPhase.ReluBackward, l), (StepPhase.NormBackward, l), (StepPhase.AffineBackward, l)]);
        expected.AddRange([(StepPhase.AffineForward, 2), (StepPhase.AffineBackward, 2), (StepPhase.Loss, 0), (StepPhase.Update, 0)]);
        // Batch norm and its ReLU run as one fused layer, marked as the normalization.
        if (norm == Normalization.BatchNorm) expected.RemoveAll(e => e.Item1 is StepPhase.ReluForward or StepPhase.ReluBackward);
        var entries = phases.Entries().ToList();
        Assert.Equal(5, phases.Steps);
        Assert.Equal(expected.OrderBy(e => e.Item1).ThenBy(e => e.Item2), entries.Select(e => (e.Phase, e.Layer)));
        Assert.All(entries, e => Assert.Equal(5, e.Marks));
        Assert.All(entries, e => Assert.True(e.Seconds > 0, $"{e.Phase} {e.Layer}: no time recorded over 5 steps"));
        // The phases are consecutive intervals inside the steps: together no longer than the steps took.
        Assert.InRange(entries.Sum(e => e.Seconds), 0, wall);
    }

    [Fact]
    public void ADeepNet_GetsEveryLayerRecorded()
    {
        var rng = new NumpyRandom(4);
        var data = new Dataset<double>(rng.Randn(30, 6), rng.Randint(3, 30), rng.Randn(10, 6), rng.Randint(3, 10), NumClasses: 3);
        var model = new FullyConnectedNet<double>([8, 8, 8, 8, 8, 8, 8], inputDim: 6, numClasses: 3, normalization: Normalization.BatchNorm, rng: rng);
        var solver = new Solver<double>(model, data, new SolverOptions { BatchSize = 10, Verbose = false }, rng) { Phases = new StepPhases() };
        solver.Step();
        solver.Step();
        var forward = solver.Phases.Entries().Where(e => e.Phase == StepPhase.AffineForward).ToList();
        Assert.Equal(Enumerable.Range(0, 8), forward.Select(e => e.Layer));
        Assert.All(forward, e => Assert.Equal(2, e.Marks));
        Assert.Equal(Enumerable.Range(0, 7), solver.Phases.Entries().Where(e => e.Phase == StepPhase.NormBackward).Select(e => e.Layer));
    }

    [Fact]
    public void WithoutNormalizationOrDropout_TheirPhasesAreNotRecorded()
    {
        var (_, solver) = Build(Normalization.None, keep: 1.0);
        solver.Phases = new StepPhases();
        solver.Step();
        var kinds = solver.Phases.Entries().Select(e => e.Phase).ToHashSet();
        Assert.DoesNotContain(StepPhase.NormForward, kinds);
        Assert.DoesNotContain(StepPhase.DropoutForward, kinds);
        Assert.DoesNotContain(StepPhase.NormBackward, kinds);
        Assert.Contains(StepPhase.ReluBackward, kinds);
    }

    [Fact]
    public void ForwardPassesOutsideAStep_AreNotCharged_AndClearForgets()
    {
        var (model, solver) = Build(Normalization.LayerNorm, keep: 1.0);
        var phases = new StepPhases();
        solver.Phases = phases;
        solver.Step();
        var before = phases.Entries().ToList();
        model.Loss(new NumpyRandom(9).Randn(4, 12));   // scoring, as an accuracy check does
        Assert.Equal(before, phases.Entries().ToList());
        phases.Clear();
        Assert.Empty(phases.Entries());
        Assert.Equal(0, phases.Steps);
    }

    /// <summary>A model the Solver knows only through <see cref="IModel{T}"/>: it marks no phases of its own.</summary>
    private sealed class Opaque(IModel<double> inner) : IModel<double>
    {
        public ParameterSet<double> Params => inner.Params;
        public ParameterSet<double> Buffers => inner.Buffers;
        public int InputDim => inner.InputDim;
        public int NumClasses => inner.NumClasses;
        public NDArray<double> Loss(NDArray<double> x, Workspace? ws = null) => inner.Loss(x, ws);
        public (double Loss, ParameterSet<double> Grads) Loss(NDArray<double> x, int[] y, Workspace? ws = null) => inner.Loss(x, y, ws);
    }

    [Fact]
    public void AnOpaqueModel_IsChargedAsOnePhase()
    {
        var rng = new NumpyRandom(5);
        var data = new Dataset<double>(rng.Randn(40, 12), rng.Randint(3, 40), rng.Randn(10, 12), rng.Randint(3, 10), NumClasses: 3);
        var model = new Opaque(new FullyConnectedNet<double>([16], inputDim: 12, numClasses: 3, rng: rng));
        var solver = new Solver<double>(model, data, new SolverOptions { BatchSize = 10, Verbose = false }, rng) { Phases = new StepPhases() };
        solver.Step();
        solver.Step();
        Assert.Equal([(StepPhase.Gather, 2), (StepPhase.ModelLoss, 2), (StepPhase.Update, 2)],
            solver.Phases.Entries().Select(e => (e.Phase, e.Marks)));
    }

    [Fact]
    public void Profiling_ChangesNoBitOfTraining()
    {
        Dictionary<string, double[]> Train(bool profile)
        {
            var (model, solver) = Build(Normalization.BatchNorm, keep: 0.8);
            if (profile) solver.Phases = new StepPhases();
            solver.Train();
            return model.Params.ToDictionary(p => p.Key, p => p.Value.AsSpan().ToArray());
        }
        var plain = Train(profile: false);
        var profiled = Train(profile: true);
        Assert.Equal(plain.Keys, profiled.Keys);
        foreach (var (name, values) in plain) Assert.Equal(values, profiled[name]);
    }
}
