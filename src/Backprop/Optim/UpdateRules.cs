using System.Numerics;

namespace Backprop.Optim;

/// <summary>Creates update rules by the notebooks' names and config dictionaries.</summary>
public static class UpdateRules
{
    /// <summary>The rule names: sgd, sgd_momentum, sgd_nesterov_momentum, rmsprop, adam, adagrad.</summary>
    public static IReadOnlyList<string> Names { get; } = ["sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam", "adagrad"];

    /// <summary>The config keys each rule accepts.</summary>
    public static IReadOnlyList<string> KeysOf(string rule) => Normalise(rule) switch
    {
        "sgd" => ["learning_rate"],
        "sgd_momentum" or "sgd_nesterov_momentum" => ["learning_rate", "momentum"],
        "rmsprop" => ["learning_rate", "decay_rate", "epsilon"],
        "adam" => ["learning_rate", "beta1", "beta2", "epsilon"],
        "adagrad" => ["learning_rate", "epsilon"],
        _ => throw UnknownRule(rule),
    };

    /// <summary>The rule's name as <see cref="Names"/> spells it (names are matched ignoring case and surrounding spaces).</summary>
    /// <exception cref="ArgumentException">An unknown rule.</exception>
    public static string Canonical(string rule)
    {
        var name = Normalise(rule);
        return Names.Contains(name) ? name : throw UnknownRule(rule);
    }

    /// <summary>Checks a rule name and config keys without creating anything.</summary>
    /// <exception cref="ArgumentException">An unknown rule or config key.</exception>
    public static void Validate(string rule, IReadOnlyDictionary<string, double>? config)
    {
        var keys = KeysOf(rule);
        if (config is null) return;
        foreach (var k in config.Keys)
            if (!keys.Contains(k))
                throw new ArgumentException($"Unknown option '{k}' for update rule '{rule}'; it accepts: {string.Join(", ", keys)}.", nameof(config));
    }

    /// <summary>
    /// A new rule (for one parameter) from its name and config; missing keys take the notebooks' defaults
    /// (learning_rate 1e-2, or 1e-3 for adam; momentum 0.9; decay_rate 0.99; beta1 0.9; beta2 0.999; epsilon 1e-8).
    /// </summary>
    public static UpdateRule<T> Create<T>(string rule, IReadOnlyDictionary<string, double>? config = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(rule, config);
        double Get(string key, double dflt) => config is not null && config.TryGetValue(key, out var v) ? v : dflt;
        return Normalise(rule) switch
        {
            "sgd" => new Sgd<T>(Get("learning_rate", 1e-2)),
            "sgd_momentum" => new SgdMomentum<T>(Get("learning_rate", 1e-2), Get("momentum", 0.9)),
            "sgd_nesterov_momentum" => new SgdNesterovMomentum<T>(Get("learning_rate", 1e-2), Get("momentum", 0.9)),
            "rmsprop" => new RmsProp<T>(Get("learning_rate", 1e-2), Get("decay_rate", 0.99), Get("epsilon", 1e-8)),
            "adam" => new Adam<T>(Get("learning_rate", 1e-3), Get("beta1", 0.9), Get("beta2", 0.999), Get("epsilon", 1e-8)),
            "adagrad" => new AdaGrad<T>(Get("learning_rate", 1e-2), Get("epsilon", 1e-8)),
            _ => throw UnknownRule(rule),
        };
    }

    private static string Normalise(string rule) => (rule ?? throw new ArgumentNullException(nameof(rule))).Trim().ToLowerInvariant();

    private static ArgumentException UnknownRule(string rule) =>
        new($"Unknown update rule '{rule}': use one of {string.Join(", ", Names)}.", nameof(rule));
}
