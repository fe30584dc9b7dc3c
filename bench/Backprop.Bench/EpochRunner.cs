using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Backprop.Kernels;
using Backprop.Models;
using Backprop.Training;

namespace Backprop.Bench;

/// <summary>
/// The <c>epoch</c> command: trains the network <c>backprop train</c> would build (<see cref="ModelFactory"/>,
/// <see cref="Solver{T}"/>, the configuration's options) and times whole epochs as the peers' speed mode does:
/// <c>iterations_per_epoch</c> calls of <see cref="Solver{T}.Step"/> (draw, gather, forward, backward, update), then the
/// learning-rate decay; no accuracy checks. Prints one JSON object with the same speed fields as the peers, plus the
/// resident memory after each epoch and the bytes allocated per iteration.
/// </summary>
/// <remarks>
/// Options: <c>--data cifar10-random|fashion-mnist</c>, <c>--num-train N</c>, <c>--hidden 500,500,500</c>,
/// <c>--normalization</c>, <c>--dropout KEEP</c>, <c>--reg R</c>, <c>--update-rule</c>, <c>--batch-size</c>, <c>--dtype</c>,
/// <c>--epochs</c> (timed, 3), <c>--warmup</c> (untimed, 1), <c>--threads N</c>, <c>--seed</c>, <c>--phases</c> (also
/// time each phase of the steps, per layer: <see cref="StepPhases"/>).
/// </remarks>
public static class EpochRunner
{
    private const string Usage = """
        usage: Backprop.Bench epoch [--data cifar10-random|fashion-mnist] [--num-train N] [--hidden 500,500,500]
                                    [--normalization none|batchnorm|layernorm] [--dropout KEEP] [--reg R] [--update-rule RULE]
                                    [--learning-rate LR] [--lr-decay F] [--batch-size N] [--dtype float32|float64]
                                    [--epochs N] [--warmup N] [--threads N] [--seed N] [--phases]
          --epochs   timed epochs (3), after --warmup untimed ones (1)
          --threads  kernel threads (default: $BACKPROP_THREADS, else one per CPU)
          --phases   also time every phase of every step, layer by layer
        """;

    public static int Run(string[] args)
    {
        var o = new BenchArgs("epoch", args,
            ["--data", "--num-train", "--hidden", "--normalization", "--dropout", "--reg", "--update-rule", "--learning-rate", "--lr-decay",
             "--batch-size", "--dtype", "--epochs", "--warmup", "--threads", "--seed"], ["--phases"]);
        if (o.Help) { Console.WriteLine(Usage); return 0; }
        string data = o.Choice("--data", "cifar10-random", BenchData.Names);
        if (o.Get("--threads") is not null) Parallelism.MaxThreads = o.Int("--threads", 0, 1, Parallelism.MaxThreadCount);
        int? numTrain = o.Get("--num-train") is null ? null : o.Int("--num-train", 0);
        int epochs = o.Int("--epochs", 3), warmup = o.Int("--warmup", 1, min: 0);
        TrainConfig config;
        try
        {
            config = new TrainConfig
            {
                Dataset = data == "cifar10-random" ? "cifar10" : data,
                Hidden = o.Ints("--hidden") ?? [500, 500, 500],
                Normalization = o.Choice("--normalization", "batchnorm", ["none", "batchnorm", "layernorm"]),
                Dropout = o.Double("--dropout", 1.0, max: 1),
                Reg = o.Double("--reg", 0.0, inclusive: true),
                UpdateRule = o.Get("--update-rule") ?? "adam",
                LearningRate = o.Double("--learning-rate", 1e-3),
                LrDecay = o.Double("--lr-decay", 1.0),
                BatchSize = o.Int("--batch-size", 100),
                Dtype = o.Choice("--dtype", "float32", ["float32", "float64"]),
                Seed = (uint)o.Int("--seed", 0, min: 0),
            }.Validate();
        }
        // The configuration's own checks (update rule, batch size against batch norm ...), said as a usage error.
        catch (ArgumentException e) { throw new UsageException($"epoch: {e.Message.Split(" (Parameter")[0]}"); }
        bool phases = o.Flag("--phases");
        var result = config.IsFloat64 ? Time<double>(config, data, numTrain, warmup, epochs, phases) : Time<float>(config, data, numTrain, warmup, epochs, phases);
        Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static Dictionary<string, object?> Time<T>(TrainConfig config, string dataName, int? numTrain, int warmup, int epochs, bool phases)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loadClock = Stopwatch.StartNew();
        var data = BenchData.Load<T>(dataName, numTrain, config.Seed);
        double loadSeconds = loadClock.Elapsed.TotalSeconds;
        double rssAfterData = ProcStats.RssMiB();
        var rng = new Tensors.NumpyRandom(config.Seed);
        var model = ModelFactory.Create<T>(config, data.XTrain.RowLength, data.NumClasses, rng);
        var solver = new Solver<T>(model, data, (config with { Epochs = warmup + epochs }).ToSolverOptions(), rng);
        if (phases) solver.Phases = new StepPhases();

        var seconds = new List<double>();
        var cpu = new List<double>();
        var others = new List<double>();
        var rss = new List<double>();
        var process = Process.GetCurrentProcess();
        long allocated = 0;   // by the training steps of the timed epochs only (not by this loop's bookkeeping)
        int gcBefore = 0;
        var allocatedPerEpoch = new List<long>();   // every epoch's steps, warm-up included (the first holds the first iteration's buffers)
        var allocatedHerePerEpoch = new List<long>(); // the same on the training thread alone (the count above is every thread's)
        double loss = 0;
        long placementReadings = 0, placementFar = 0; // the kernels' own placement checks (CorePlacement) in the timed epochs
        var loop = new List<double>();   // FMA loop per CPU (MachinePeak.MeasureNow) before the first timed epoch and after each
        for (int epoch = 0; epoch < warmup + epochs; epoch++)
        {
            if (epoch == warmup)
            {
                gcBefore = GC.CollectionCount(0);
                solver.Phases?.Clear();
                loop.Add(MachinePeak.MeasureNow());
            }
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            double busy0 = ProcStats.MachineBusySeconds();
            long readings0 = CorePlacement.Readings, far0 = CorePlacement.FarReadings;
            long t0 = Stopwatch.GetTimestamp();
            long allocated0 = GC.GetTotalAllocatedBytes(precise: true), here0 = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < solver.IterationsPerEpoch; i++) loss = solver.Step();
            allocatedPerEpoch.Add(GC.GetTotalAllocatedBytes(precise: true) - allocated0);
            allocatedHerePerEpoch.Add(GC.GetAllocatedBytesForCurrentThread() - here0);
            if (epoch >= warmup) allocated += allocatedPerEpoch[^1];
            foreach (var (_, rule) in solver.UpdateRules) rule.LearningRate *= config.LrDecay;
            seconds.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpu0).TotalSeconds);
            others.Add(Math.Max(0, ProcStats.MachineBusySeconds() - busy0 - cpu[^1]));
            rss.Add(Math.Round(ProcStats.RssMiB(), 1));
            long readings = CorePlacement.Readings - readings0, far = CorePlacement.FarReadings - far0;
            if (epoch >= warmup) { placementReadings += readings; placementFar += far; loop.Add(MachinePeak.MeasureNow()); }
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"backprop: epoch {epoch + 1} ({(epoch < warmup ? "warm-up" : "timed")}) {seconds[^1]:F3} s, loss {loss:F4}, other processes {others[^1]:F1} CPU s, rss {rss[^1]:F0} MiB, cores far apart in {far} of {readings} placement checks"));
        }
        int timedIterations = epochs * solver.IterationsPerEpoch;
        var timed = seconds.Skip(warmup).ToList();
        var timedStat = Suite.Stat.Of(timed);
        double median = timedStat.Median;
        int[] dims = [data.XTrain.RowLength, .. config.Hidden, data.NumClasses];
        double flops = GemmFlopsPerIteration(dims, config.BatchSize) * solver.IterationsPerEpoch;
        int threads = Math.Min(Parallelism.MaxThreads, Environment.ProcessorCount);
        double startPeak = MachinePeak.Gflops(typeof(T), threads);
        // Each timed epoch against the loop read just before and after it (the clock it ran at), then the median.
        var peaks = loop.Select(perCpu => MachinePeak.Gflops(perCpu, typeof(T), threads)).ToList();
        var pctPerEpoch = timed.Select((s, e) => 100 * flops / s / 1e9 / ((peaks[e] + peaks[e + 1]) / 2)).ToList();
        long trainBytes = (long)data.XTrain.Size * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var phaseTable = solver.Phases is { } ph ? PhaseTable(ph, dims, config.BatchSize, epochs, timed.Sum()) : null;
        return new Dictionary<string, object?>
        {
            ["peer"] = "backprop",
            ["mode"] = "speed",
            ["config"] = new { data = dataName, hidden = config.Hidden, normalization = config.Normalization, dropout = config.Dropout,
                reg = config.Reg, update_rule = config.UpdateRule, batch_size = config.BatchSize, dtype = config.Dtype, threads, warmup, epochs },
            ["data"] = new { num_train = data.XTrain.Dim(0), image_shape = data.XTrain.Shape[1..].ToArray(), train_bytes = trainBytes, load_seconds = loadSeconds },
            ["rss_after_data_mib"] = Math.Round(rssAfterData, 1),
            ["speed"] = new Dictionary<string, object?>
            {
                ["iterations_per_epoch"] = solver.IterationsPerEpoch,
                ["warmup_epoch_seconds"] = seconds.Take(warmup).ToList(),
                ["epoch_seconds"] = timed,
                ["epoch_cpu_seconds"] = cpu.Skip(warmup).ToList(),
                ["median_epoch_seconds"] = median,
                ["min_epoch_seconds"] = timedStat.Min,
                ["images_per_second"] = solver.IterationsPerEpoch * config.BatchSize / median,
                ["gemm_flops_per_epoch"] = flops,
                ["first_layer_dx_computed"] = false,
                ["gemm_gflops_per_second"] = flops / median / 1e9,
                ["pct_peak"] = Suite.Stat.Of(pctPerEpoch).Median,
                ["pct_peak_per_epoch"] = pctPerEpoch,
                ["peak_gflops_readings"] = peaks.Select(p => Math.Round(p, 1)).ToList(),
                ["pct_peak_start"] = 100 * flops / median / 1e9 / startPeak,
                ["other_processes_cpu_seconds"] = others.Skip(warmup).ToList(),
                ["last_loss"] = loss,
            },
            ["memory"] = new Dictionary<string, object?>
            {
                ["rss_after_epoch_mib"] = rss,
                ["allocated_bytes_per_iteration"] = timedIterations == 0 ? 0 : (double)allocated / timedIterations,
                ["allocated_bytes_per_epoch"] = allocatedPerEpoch,
                ["allocated_bytes_per_epoch_training_thread"] = allocatedHerePerEpoch,
                ["gen0_collections_timed"] = GC.CollectionCount(0) - gcBefore,
            },
            ["phases"] = phaseTable,
            ["placement_checks"] = new Dictionary<string, object?> { ["readings"] = placementReadings, ["far"] = placementFar },
            ["peak_rss_mib"] = Math.Round(ProcStats.PeakRssMiB(), 1),
            ["params_sha256"] = ParamsHash(model.Params),
        };
    }

    /// <summary>
    /// Where the timed epochs went, phase by phase and layer by layer (layers 1-based, as W1): seconds per epoch, share
    /// of the steps' time, and for the affine phases the GEMM rate while they ran (their products' FLOPs over their
    /// time, <see cref="AffineFlops"/>). Also printed as a table on stderr.
    /// </summary>
    private static List<Dictionary<string, object?>> PhaseTable(StepPhases phases, int[] dims, int batch, int epochs, double timedSeconds)
    {
        var entries = phases.Entries().ToList();
        double total = entries.Sum(e => e.Seconds);
        var rows = new List<Dictionary<string, object?>>();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"backprop: where the {epochs} timed epoch(s) went ({total:F3} s in {phases.Steps} steps' phases, {timedSeconds:F3} s timed):"));
        foreach (var (phase, layer, seconds, _) in entries)
        {
            double flops = phase switch
            {
                StepPhase.AffineForward => AffineFlops(dims, batch, layer, backward: false),
                StepPhase.AffineBackward => AffineFlops(dims, batch, layer, backward: true),
                _ => 0,
            } * phases.Steps;
            string name = string.Concat(phase.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
            bool perLayer = phase is not (StepPhase.Gather or StepPhase.Loss or StepPhase.ModelLoss or StepPhase.Update);
            double? gflops = flops > 0 ? flops / seconds / 1e9 : null;
            rows.Add(new Dictionary<string, object?>
            {
                ["phase"] = name,
                ["layer"] = perLayer ? layer + 1 : null,
                ["seconds_per_epoch"] = seconds / epochs,
                ["share"] = seconds / total,
                ["gemm_gflops_per_second"] = gflops,
            });
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-17} {(perLayer ? (layer + 1).ToString(CultureInfo.InvariantCulture) : ""),2}  {1000 * seconds / epochs,8:F1} ms/epoch  {100 * seconds / total,5:F1}%{(gflops is { } g ? $"  {g,6:F1} GFLOP/s" : "")}"));
        }
        return rows;
    }

    /// <summary>SHA-256 of every parameter's bytes in order: equal hashes mean bit-identical training.</summary>
    private static string ParamsHash<T>(Models.ParameterSet<T> ps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (_, p) in ps) sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.AsSpan()));
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>GEMM FLOPs of one training iteration: every affine layer's forward and backward products.</summary>
    public static double GemmFlopsPerIteration(IReadOnlyList<int> dims, int batch)
    {
        double flops = 0;
        for (int l = 0; l + 1 < dims.Count; l++) flops += AffineFlops(dims, batch, l, backward: false) + AffineFlops(dims, batch, l, backward: true);
        return flops;
    }

    /// <summary>
    /// 2·M·N·K of affine layer <paramref name="layer"/>'s products: X·W forward; Xᵀ·dout and dout·Wᵀ backward, except
    /// the first layer's dx, which is not computed (its input needs none).
    /// </summary>
    private static double AffineFlops(IReadOnlyList<int> dims, int batch, int layer, bool backward) =>
        (backward ? (layer == 0 ? 1 : 2) : 1) * 2.0 * batch * dims[layer] * dims[layer + 1];

}
