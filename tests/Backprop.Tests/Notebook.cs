namespace Backprop.Tests;

/// <summary>Checks against the values the seed notebooks print.</summary>
public static class Notebook
{
    /// <summary>
    /// A relative error the notebook prints, reproduced to 1%: the same NumPy draws and the same formulas give the same
    /// error wherever its last digits are not decided by the order of a sum (those errors are only bounded).
    /// </summary>
    public static void AssertError(double notebook, double ours, string what = "relative error") =>
        Assert.True(Math.Abs(ours / notebook - 1) < 0.01, $"{what} {ours:E4}; the notebook prints {notebook:E4}");
}
