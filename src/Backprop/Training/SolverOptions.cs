namespace Backprop.Training;

/// <summary>
/// The Solver's options, named after the notebooks' keyword arguments (<c>update_rule</c>, <c>optim_config</c>,
/// <c>lr_decay</c>, <c>batch_size</c>, <c>num_epochs</c>, <c>num_train_samples</c>, <c>num_val_samples</c>,
/// <c>print_every</c>, <c>verbose</c>, <c>checkpoint_name</c>) with the same defaults.
/// </summary>
public sealed record SolverOptions
{
    /// <summary>sgd, sgd_momentum, sgd_nesterov_momentum, rmsprop, adam or adagrad; default sgd.</summary>
    public string UpdateRule { get; init; } = "sgd";

    /// <summary>Hyperparameters of the update rule (<c>learning_rate</c> …); each parameter gets its own copy.</summary>
    public IReadOnlyDictionary<string, double> OptimConfig { get; init; } = new Dictionary<string, double>();

    /// <summary>Every learning rate is multiplied by this after each epoch; default 1.</summary>
    public double LrDecay { get; init; } = 1.0;

    /// <summary>
    /// Update large weight matrices while their gradients are computed, when the model can (a
    /// <see cref="Models.FullyConnectedNet{T}"/>, any of the six rules, matrices of 4 MiB and more, such as the CIFAR
    /// net's first layer): the gradient is applied tile by tile as the backward product produces it, so it never goes to memory.
    /// The same parameters, bit for bit, as the separate update; default true. Not in the notebooks (an addition of
    /// this library).
    /// </summary>
    public bool FusedUpdates { get; init; } = true;

    /// <summary>Minibatch size; default 100.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Number of epochs; default 10.</summary>
    public int NumEpochs { get; init; } = 10;

    /// <summary>Training images subsampled (with replacement) for each training-accuracy check; default 1000; null = all.</summary>
    public int? NumTrainSamples { get; init; } = 1000;

    /// <summary>Validation images subsampled for each validation-accuracy check; default null = all.</summary>
    public int? NumValSamples { get; init; }

    /// <summary>Print the loss every this many iterations when <see cref="Verbose"/>; default 10.</summary>
    public int PrintEvery { get; init; } = 10;

    /// <summary>Print progress lines in the notebooks' format; default true.</summary>
    public bool Verbose { get; init; } = true;

    /// <summary>
    /// When set, a checkpoint <c>{name}_epoch_{e}.npz</c> is written at every accuracy check, as CS231n's Solver does:
    /// after the first iteration (<c>_epoch_0</c>) and after every epoch.
    /// </summary>
    public string? CheckpointName { get; init; }

    /// <summary>Where progress lines go; standard output when null.</summary>
    public TextWriter? Output { get; init; }

    /// <summary>Checks every option; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    /// <exception cref="ArgumentNullException">UpdateRule or OptimConfig is null.</exception>
    /// <exception cref="ArgumentException">An unknown rule or config key, a value out of range (<see cref="ArgumentOutOfRangeException"/>, naming the option), or a checkpoint name in a folder that does not exist.</exception>
    public void Validate()
    {
        // An init to null (from a deserialised or hand-built record) is refused by the property's name, not read later.
        ArgumentNullException.ThrowIfNull(UpdateRule);
        ArgumentNullException.ThrowIfNull(OptimConfig);
        Optim.UpdateRules.Validate(UpdateRule, OptimConfig);
        if (OptimConfig.TryGetValue("learning_rate", out var lr) && !(lr > 0 && double.IsFinite(lr)))
            throw new ArgumentOutOfRangeException(nameof(OptimConfig), lr, "learning_rate must be a positive number.");
        if (!(LrDecay > 0) || double.IsInfinity(LrDecay)) throw new ArgumentOutOfRangeException(nameof(LrDecay), LrDecay, "lr_decay must be a positive number.");
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch_size must be positive.");
        if (NumEpochs < 0) throw new ArgumentOutOfRangeException(nameof(NumEpochs), NumEpochs, "num_epochs must be ≥ 0.");
        if (NumTrainSamples is <= 0) throw new ArgumentOutOfRangeException(nameof(NumTrainSamples), NumTrainSamples, "num_train_samples must be positive.");
        if (NumValSamples is <= 0) throw new ArgumentOutOfRangeException(nameof(NumValSamples), NumValSamples, "num_val_samples must be positive.");
        if (PrintEvery <= 0) throw new ArgumentOutOfRangeException(nameof(PrintEvery), PrintEvery, "print_every must be positive.");
        // The first checkpoint is written after the first iteration: a folder that is not there is named now, not then.
        if (CheckpointName is { } name)
        {
            if (string.IsNullOrWhiteSpace(name) || name.EndsWith('/') || name.EndsWith(Path.DirectorySeparatorChar))
                throw new ArgumentException($"checkpoint_name '{name}' names no file: the checkpoints are written as <name>_epoch_<e>.npz.", nameof(CheckpointName));
            string folder = Path.GetDirectoryName(Path.GetFullPath(name))!;
            if (!Directory.Exists(folder))
                throw new ArgumentException($"checkpoint_name '{name}': the folder {folder} does not exist (the checkpoints {Path.GetFileName(name)}_epoch_<e>.npz are written there).", nameof(CheckpointName));
        }
    }
}
