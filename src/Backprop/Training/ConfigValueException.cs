namespace Backprop.Training;

/// <summary>
/// A <see cref="TrainConfig"/> value out of range, by its <c>config.json</c> key: "epochs: must be positive, got 0.".
/// The command line says the same of the option that set it (<c>--epochs</c>), a run folder of its file.
/// </summary>
/// <param name="key">The configuration key (also the <see cref="ArgumentException.ParamName"/>).</param>
/// <param name="problem">What is wrong with the value, as a sentence.</param>
public sealed class ConfigValueException(string key, string problem) : ArgumentException(problem, key)
{
    /// <summary>The configuration key, e.g. <c>learning_rate</c>.</summary>
    public string Key { get; } = key;

    /// <summary>What is wrong with the value, e.g. "must be positive, got 0.".</summary>
    public string Problem { get; } = problem;

    /// <summary>"key: problem".</summary>
    public override string Message => $"{Key}: {Problem}";
}
