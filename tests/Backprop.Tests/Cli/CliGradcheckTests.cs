using System.Text.Json;

namespace Backprop.Tests.Cli;

/// <summary><c>backprop gradcheck</c>: the notebooks' per-parameter lines, JSON, and a non-zero exit above --tol.</summary>
public class CliGradcheckTests
{
    [Theory]
    [InlineData("none", "1")]
    [InlineData("batchnorm", "0.5")]
    [InlineData("layernorm", "1")]
    public void Gradcheck_PassesForEveryLayerType(string normalization, string dropout)
    {
        var r = CliRunner.Run("gradcheck", "--normalization", normalization, "--dropout", dropout, "--reg", "3.14");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"(?m)^W1 relative error: \d\.\d\de[-+]\d\d  \(norm-wise \d\.\d\de[-+]\d\d\)$", r.Out);
        Assert.Contains("W3 relative error: ", r.Out);
        if (normalization != "none") Assert.Contains("gamma2 relative error: ", r.Out);
        Assert.Contains("passed", r.Out);
    }

    [Fact]
    public void Gradcheck_Json_Float32_AndFailureAboveTol()
    {
        var r = CliRunner.Run("gradcheck", "--dtype", "float32", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using (var doc = JsonDocument.Parse(r.Out))
        {
            Assert.True(doc.RootElement.GetProperty("passed").GetBoolean());
            Assert.Equal(6, doc.RootElement.GetProperty("relative_errors").EnumerateObject().Count());
        }
        var fail = CliRunner.Run("gradcheck", "--tol", "1e-30");
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains("FAILED", fail.Out);
    }
}
