namespace Backprop.Tests.Bench;

/// <summary>
/// <c>bench/peers/selfcheck.py</c>: the NumPy peer's gradients, and the NumPy and PyTorch peers against each other,
/// hand-driven and through each Solver's own <c>_step</c> (the code the speed comparison times). Where NumPy and
/// PyTorch are installed every case must pass.
/// </summary>
public class PeerSelfcheckTests
{
    [SkippableFact]
    public void Peers_AgreeWithEachOther()
    {
        Skip.IfNot(BenchProgram.PythonHas("numpy, torch"), "the peers need NumPy and PyTorch");
        var r = BenchProgram.Peer("selfcheck.py");
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains(" 0 failed", r.Stdout);
        Assert.Contains("ok   numpy == torch Solver._step x2 batchnorm adam", r.Stdout);
        Assert.Contains("largest NumPy-vs-PyTorch difference:", r.Stdout);
    }
}
