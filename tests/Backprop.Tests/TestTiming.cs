namespace Backprop.Tests;

/// <summary>
/// How much slower than a native run this one is: <c>$BACKPROP_TEST_TIME_SCALE</c> (default 1). The emulated ARM64 run
/// (Backprop.Tests.InProcess/run-arm64.sh) sets 30, so tests that act at wall-clock moments (a kill into a running
/// training) land where they would natively.
/// </summary>
public static class TestTiming
{
    /// <summary>The variable read.</summary>
    public const string ScaleVariable = "BACKPROP_TEST_TIME_SCALE";

    /// <summary>The factor, at least 1.</summary>
    public static double Scale { get; } =
        double.TryParse(Environment.GetEnvironmentVariable(ScaleVariable), System.Globalization.CultureInfo.InvariantCulture, out var s) && s >= 1 ? s : 1;

    /// <summary><paramref name="milliseconds"/> of a native run, scaled.</summary>
    public static TimeSpan Native(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds * Scale);
}
