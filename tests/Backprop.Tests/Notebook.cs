using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text.RegularExpressions;

namespace Backprop.Tests;

/// <summary>Checks against the values the seed notebooks (and our own docs) print.</summary>
public static class Notebook
{
    /// <summary>
    /// Whether this machine sums as the ones the printed digits were pinned on: one with fused multiply-adds (x64 FMA,
    /// every ARM64), whatever its vector width, since the paths without AVX-512 compute as it does (README,
    /// "Other processors"; checked here with DOTNET_PreferredVectorBitWidth=128). Rounding noise, such as a gradient
    /// check's 1e-10 errors or a norm's last digits, follows the order and the fusing of the sums behind it. Without
    /// FMA (x64 before 2013; run here with DOTNET_EnableAVX2=0) products are rounded before they are added, such
    /// figures come out up to ~3× apart, and the tests hold them to the level the notebooks state instead.
    /// </summary>
    public static bool SumsAsPinned => System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;

    /// <summary>How far a rounding-noise figure may exceed the printed one where the sums run in another order: its order of magnitude.</summary>
    public const double OtherOrderFactor = 10;

    /// <summary>
    /// A relative error the notebook prints, reproduced to 1%: the same NumPy draws and the same formulas give the same
    /// error wherever its last digits are not decided by the order of a sum (those errors are only bounded). Where the
    /// machine sums in another order (<see cref="SumsAsPinned"/>), at the notebook's level: below 10× the printed error.
    /// </summary>
    public static void AssertError(double notebook, double ours, string what = "relative error")
    {
        if (SumsAsPinned)
            Assert.True(Math.Abs(ours / notebook - 1) < 0.01, $"{what} {ours:E4}; the notebook prints {notebook:E4}");
        else
            Assert.True(ours < OtherOrderFactor * notebook, $"{what} {ours:E4}; the notebook prints {notebook:E4} (summing in another order, below {OtherOrderFactor}× that holds)");
    }

    /// <summary>
    /// A line of rounding-noise figures (<c>dx error: 1.16e-10</c>) as a doc prints it: the same line where the machine
    /// sums as the doc's did (<see cref="SumsAsPinned"/>); elsewhere the same words, and each number below 10× the printed one.
    /// </summary>
    public static void AssertPrintedLine(string printed, string ours)
    {
        if (SumsAsPinned)
        {
            Assert.Equal(printed, ours);
            return;
        }
        const string number = @"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?";
        Assert.Equal(Regex.Replace(printed, number, "#"), Regex.Replace(ours, number, "#"));
        var want = Regex.Matches(printed, number).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
        var got = Regex.Matches(ours, number).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(got[i]) <= OtherOrderFactor * Math.Abs(want[i]), $"'{ours}': {got[i]} against the printed {want[i]} ('{printed}')");
    }
}
