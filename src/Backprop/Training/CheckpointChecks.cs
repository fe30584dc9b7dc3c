using System.Globalization;
using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>
/// What a checkpoint's state must be for the run it continues to have been in it. A checkpoint is written at an accuracy
/// check or after an iteration, so: no NaN in the weights, running statistics or update-rule state (a NaN loss or
/// non-finite running statistics stop the run first), no negative variance or second moment (running means of squares),
/// every Adam step counted, and one accuracy record per check. A file that says otherwise has been damaged or edited;
/// restored, it would go on as a run that "diverged", or as another run. (The learning rate is not held to lr_decay's
/// schedule: a library run may set its own.)
/// </summary>
internal static class CheckpointChecks
{
    /// <summary>Throws (through <paramref name="bad"/>) unless <paramref name="value"/> could be the array <paramref name="name"/> of a run's state.</summary>
    public static void CheckArray<T>(string name, NDArray<T> value, Func<string, Exception> bad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string last = name[(name.LastIndexOf('/') + 1)..];
        // Adam's "v" and RMSprop's and AdaGrad's "cache" are state names only under optim/: a model's own weight may be
        // called "v" (attention's values) and hold any sign.
        bool squares = name.StartsWith("optim/", StringComparison.Ordinal)
            ? last is "v" or "cache"
            : last.StartsWith("running_var", StringComparison.Ordinal);
        var span = value.AsSpan();
        for (int i = 0; i < span.Length; i++)
        {
            if (T.IsNaN(span[i])) throw bad($"{name} holds NaN, which no run writes in a checkpoint (a NaN loss or running statistic stops it first): the file is damaged");
            if (squares && T.IsNegative(span[i]) && !T.IsZero(span[i]))
                throw bad(string.Create(CultureInfo.InvariantCulture, $"{name} holds the negative value {double.CreateTruncating(span[i])}, but it is a running mean of squares: the file is damaged"));
        }
    }

    /// <summary>The accuracy checks a run has made after <paramref name="iteration"/> iterations (after the first, at each epoch end, after the last).</summary>
    public static int ChecksAfter(int iteration, int numIterations, int perEpoch)
    {
        if (iteration <= 0) return 0;
        int checks = iteration / perEpoch + (perEpoch != 1 ? 1 : 0);
        if (iteration == numIterations && numIterations % perEpoch != 0 && numIterations > 1) checks++;
        return checks;
    }

    /// <summary>Throws unless the histories are those of a run after <paramref name="iteration"/> iterations.</summary>
    public static void CheckHistories(double[] loss, double[] trainAcc, double[] valAcc, double[] learningRates, int iteration, int numIterations, int perEpoch, Func<string, Exception> bad)
    {
        if (loss.Any(l => !double.IsFinite(l))) throw bad("history/loss holds a NaN or infinite loss, which stops a run before any checkpoint");
        int checks = ChecksAfter(iteration, numIterations, perEpoch);
        foreach (var (name, values) in new[] { ("train_acc", trainAcc), ("val_acc", valAcc), ("learning_rate", learningRates) })
            if (values.Length != checks)
                throw bad($"history/{name} holds {values.Length} records, but {iteration} iterations make {checks} accuracy checks");
        foreach (var acc in trainAcc.Concat(valAcc))
            if (!(acc is >= 0 and <= 1)) throw bad(string.Create(CultureInfo.InvariantCulture, $"an accuracy of {acc} is recorded; accuracies lie in [0, 1]"));
        if (learningRates.Any(r => !(r > 0) || double.IsInfinity(r))) throw bad("history/learning_rate holds a value that is not a positive number");
    }
}
