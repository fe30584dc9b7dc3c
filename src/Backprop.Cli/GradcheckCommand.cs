using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Backprop.Models;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary><c>backprop gradcheck</c>: the notebooks' numeric gradient check of a model built from the training options.</summary>
internal static class GradcheckCommand
{
    public const string Example =
        "Examples:\n" +
        "  backprop gradcheck --hidden 20,30 --reg 3.14\n" +
        "  backprop gradcheck --normalization batchnorm --dropout 0.5\n" +
        "Each line prints the notebooks' rel_error (the largest element-wise relative error) and a norm-wise error\n" +
        "‖num − analytic‖ / max(1e-3, ‖num‖ + ‖analytic‖); pass or fail is judged on the norm-wise one, because the\n" +
        "element-wise maximum is set by the rounding of one centred difference against a small gradient (seed 003's W2\n" +
        "reads 2.21e-05 for a correct gradient, ours 2.26e-04 from the same weights). A bias right before batch norm has a\n" +
        "true gradient of 0, which its differences' rounding cannot show: it is judged by its largest |analytic| over the\n" +
        "model's largest gradient element instead.\n" +
        "The architecture comes from the options (or --config's file: model, hidden, normalization, dropout, reg, weight\n" +
        "scale); the check's own settings stay float64, 10 samples and seed 231 unless given as options.\n" +
        "The random batch has 10 samples (--batch-size): with the notebooks' 2 samples, batch normalization's errors\n" +
        "legitimately reach ~1e-4. Numerical gradients are always taken in float64 with h = 1e-6 (--step); a float32 model\n" +
        "is checked against a float64 copy of its weights. Default tolerance: 1e-6 for float64, 1e-4 for float32.";

    public static Command Create(CliConsole console)
    {
        var options = new TrainOptions();
        options.Seed.Description = "Seed of the random data, the weights and the dropout mask (default 231, the notebooks')";
        options.BatchSize.Description = "Random samples the loss is checked on (default 10)";
        var inputDim = new Option<int>("--input-dim") { Description = "Features per random sample", DefaultValueFactory = _ => 15, HelpName = "D" };
        var classes = new Option<int>("--classes") { Description = "Classes", DefaultValueFactory = _ => 10, HelpName = "C" };
        var tol = new Option<double?>("--tol") { Description = "Largest relative error accepted (default 1e-6 float64, 1e-4 float32)", HelpName = "E" };
        var step = new Option<double?>("--step") { Description = "Step h of the centred differences, taken in float64 (default 1e-6)", HelpName = "H" };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object" };
        var command = new Command("gradcheck", "Check every parameter's analytic gradient against centred differences, on small random data, for a model built from the same options as train (defaults: --hidden 20,30 --weight-scale 5e-2 --normalization none --dtype float64 --batch-size 10).");
        options.AddTo(command, withData: false, withTraining: false);
        command.Options.Add(inputDim);
        command.Options.Add(classes);
        command.Options.Add(tol);
        command.Options.Add(step);
        command.Options.Add(json);
        command.SetAction(result =>
        {
            console.StopsCleanly = true;   // watches console.Cancel to its end: a first Ctrl-C stops it cleanly
            // The notebooks' check: [20, 30], weight scale 5e-2, no normalization or dropout, float64, unless given (as
            // an option, or a key of the --config file); applied before the values are checked, so that a batch of 1
            // is not refused for the CIFAR-10 defaults' batch norm.
            var config = options.Build(result, "cifar10", commandDefaults: config =>
            {
                if (!options.Chosen(result, options.Hidden)) config = config with { Hidden = config.Model == "twolayer" ? [20] : [20, 30] };
                if (!options.Chosen(result, options.WeightScale)) config = config with { WeightScale = 5e-2 };
                if (!options.Chosen(result, options.Normalization)) config = config with { Normalization = "none" };
                if (!options.Chosen(result, options.Dropout)) config = config with { Dropout = 1.0 };
                return result.GetResult(options.Dtype) is null ? config with { Dtype = "float64" } : config;
            });
            int batch = result.GetResult(options.BatchSize) is null ? 10 : config.BatchSize;
            int d = result.GetValue(inputDim), c = result.GetValue(classes);
            if (d < 1) throw new UsageException($"--input-dim: must be positive, got {d}.");
            if (c < 2) throw new UsageException($"--classes: must be at least 2, got {c}.");
            double limit = result.GetValue(tol) ?? (config.IsFloat64 ? 1e-6 : 1e-4);
            if (!(limit > 0)) throw new UsageException($"--tol: must be positive, got {limit.ToString(CultureInfo.InvariantCulture)}.");
            if (result.GetValue(step) is double h && !(h > 0 && double.IsFinite(h)))
                throw new UsageException($"--step: must be a positive number, got {h.ToString(CultureInfo.InvariantCulture)}.");

            bool asJson = result.GetValue(json);
            // Each line as its parameter is done: a large model takes minutes, and Ctrl-C stops it between two losses.
            uint seed = result.GetResult(options.Seed) is null ? 231u : config.Seed;
            // A large model prints its first line only once its first weight matrix is done: say what is coming (a
            // [1000, 1000] net on 1000 features printed nothing for minutes).
            long parameters = ModelFactory.ParameterCount(config.Validate(), d, c);
            if (!asJson && parameters > LargeCheck)
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Checking {parameters:N0} parameters: {2 * parameters:N0} loss evaluations; each line comes as its parameter is done (Ctrl-C stops the check)."));
            var checks = ModelGradientCheck.Run(config.Validate(), batch, d, c, seed, result.GetValue(step),
                checkedOne: asJson ? null : k => console.Out.WriteLine(Line(k)),
                cancel: console.Cancel);
            bool ok = checks.All(k => k.Passes(limit));
            if (asJson)
            {
                JsonObject errors = new(), norms = new(), zeros = new();
                // JSON has no NaN or ∞: such an error is null (as in the run folder's JSON), and fails the check.
                static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
                foreach (var k in checks)
                {
                    errors[k.Name] = Number(k.RelativeError);
                    norms[k.Name] = Number(k.NormError);
                    if (k.ZeroResidual is double r) zeros[k.Name] = Number(r);
                }
                console.Out.WriteLine(new JsonObject { ["dtype"] = config.Dtype, ["tol"] = limit, ["passed"] = ok, ["relative_errors"] = errors, ["norm_errors"] = norms, ["zero_residuals"] = zeros }.ToJsonString());
            }
            else
            {
                // The worst failure: a NaN first, then the largest error it is judged by.
                var worst = checks.Where(k => !k.Passes(limit)).MaxBy(k => (k.ZeroResidual ?? k.NormError) is var e && double.IsNaN(e) ? double.PositiveInfinity : e);
                var zeroNames = checks.Where(k => k.ZeroResidual is not null).Select(k => k.Name).ToList();
                string zeros = zeroNames.Count > 0 ? $"; {string.Join(", ", zeroNames)}, whose true gradient is 0, by |analytic| ≤ tol × the largest instead" : "";
                console.Out.WriteLine(worst is null
                    ? string.Create(CultureInfo.InvariantCulture, $"passed: every norm-wise error ≤ {limit:g3}{zeros}")
                    : worst.ZeroResidual is double r
                        ? string.Create(CultureInfo.InvariantCulture, $"FAILED: {worst.Name}'s gradient should be zero, yet its largest |analytic| is {r:0.00e+00} of the model's largest > {limit:g3} (batch normalization right after it subtracts the batch mean the bias shifts, so the loss does not depend on it: the backward pass leaks into it)")
                        : string.Create(CultureInfo.InvariantCulture, $"FAILED: {worst.Name} norm-wise error {worst.NormError:0.00e+00} > {limit:g3}") + FailureNote(config, batch, d, c, seed, result.GetValue(step)));
            }
            return ok ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>Parameters past which the check says up front how many it will evaluate.</summary>
    internal const long LargeCheck = 20_000;

    // One parameter's line: the notebooks' rel_error, the norm-wise error, and for a true-zero gradient the residual it
    // is judged by.
    private static string Line(ParameterCheck k) => string.Create(CultureInfo.InvariantCulture,
        $"{k.Name} relative error: {k.RelativeError:0.00e+00}  (norm-wise {k.NormError:0.00e+00})")
        + (k.ZeroResidual is double r ? string.Create(CultureInfo.InvariantCulture, $"  true gradient 0: largest |analytic| {r:0.00e+00} of the largest") : "");

    // A failure the centred differences explain better than the gradient gets a note saying how: ReLU inputs within a
    // step of 0 (small weights, or a deep net whose activations shrink layer by layer), where the differences cross the
    // kink and drown in rounding on a nearly flat loss (torch.autograd.gradcheck fails there too), measured on the
    // check's own batch and weights.
    private static string FailureNote(TrainConfig config, int batch, int d, int c, uint seed, double? h)
    {
        // Batch and layer norm rescale the ReLU inputs to about 1 whatever the weights, so weights so small that a step
        // h is a sizeable part of them make the differences coarse (measured: 0.1% passes, 1% fails), and an input near
        // 0 is then chance, not the cause: the step is named first.
        bool normalized = NormalizationNames.Parse(config.Normalization) != Normalization.None;
        double relativeStep = (h ?? 1e-6) / config.WeightScale;
        string coarse = string.Create(CultureInfo.InvariantCulture,
            $" (with weight scale {config.WeightScale:g3}, a step of h is {100 * relativeStep:g2}% of a typical weight: too coarse for centred differences; check with the default weight scale 5e-2 before suspecting the gradient)");
        if (normalized && relativeStep >= 5e-3) return coarse;
        var (near, total) = ModelGradientCheck.ReluInputsNearKink(config, batch, d, c, seed, h);
        if (near > 0)
            return string.Create(CultureInfo.InvariantCulture,
                $" ({near} of {total} ReLU inputs lie within 10·h of 0, where centred differences cross the kink and drown in rounding: the weights are small for this depth; check with larger weights (--weight-scale; the notebooks' 5e-2 suits [20, 30]) before suspecting the gradient)");
        return relativeStep >= 5e-3 ? coarse : "";
    }
}
