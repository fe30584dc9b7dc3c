using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>Which kernels run, and the warning a native AOT build compiled without the CPU's AVX2 and FMA gives.</summary>
public class VectorSupportTests
{
    [Fact]
    public void UnderTheJit_TheKernelsAreTheCpusOwn_AndThereIsNoWarning()
    {
        Assert.True(RuntimeFeature.IsDynamicCodeCompiled);
        Assert.Null(VectorSupport.Advice);
        string expected = Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? "AVX-512"
            : Fma.IsSupported && Vector256.IsHardwareAccelerated ? "AVX2 + FMA"
            : Vector128.IsHardwareAccelerated && (Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) ? "128-bit vectors + FMA"
            : "scalar";
        Assert.Equal(expected, VectorSupport.Kernels);
    }

    [Fact]
    public void AnAotBuildWithoutAvx2_OnACpuWithIt_IsToldHowToPublish()
    {
        string advice = Assert.IsType<string>(VectorSupport.AdviceFor(compiledAheadOfTime: true, cpuHasAvx2AndFma: true, kernelsUseAvx2: false));
        Assert.Contains("native AOT", advice);
        Assert.Contains("about 30 times slower", advice);
        Assert.Contains("-p:IlcInstructionSet=avx2", advice);

        Assert.Null(VectorSupport.AdviceFor(compiledAheadOfTime: true, cpuHasAvx2AndFma: true, kernelsUseAvx2: true));    // published for AVX2
        Assert.Null(VectorSupport.AdviceFor(compiledAheadOfTime: true, cpuHasAvx2AndFma: false, kernelsUseAvx2: false));  // nothing unused
        Assert.Null(VectorSupport.AdviceFor(compiledAheadOfTime: false, cpuHasAvx2AndFma: true, kernelsUseAvx2: false));  // the JIT, told not to
    }
}
