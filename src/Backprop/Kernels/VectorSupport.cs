using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>
/// Which vector instructions this process's kernels run on, and a warning when the build leaves the CPU's unused.
/// </summary>
/// <remarks>
/// Under the JIT the kernels use what the CPU has. A program published as native AOT is compiled for the instruction
/// set chosen at publish time, by default a baseline x64 without AVX2 and FMA: there the products run on the scalar
/// kernel, about 30 times slower, and round a·b + c twice (other last bits than every other host).
/// </remarks>
public static class VectorSupport
{
    /// <summary>The kernels in use: <c>AVX-512</c>, <c>AVX2 + FMA</c>, <c>128-bit vectors + FMA</c> (ARM64's NEON) or <c>scalar</c> (no vector product kernel).</summary>
    public static string Kernels { get; } =
        GemmKernel512<float>.IsSupported ? "AVX-512"
        : GemmKernel256<float>.IsSupported ? "AVX2 + FMA"
        : GemmKernel128<float>.IsSupported ? "128-bit vectors + FMA"
        : "scalar";

    /// <summary>
    /// Null, or what to do when this program was compiled ahead of time (native AOT) without the AVX2 and FMA this
    /// CPU has: one sentence naming the cost and the publish option.
    /// </summary>
    public static string? Advice { get; } = AdviceFor(!RuntimeFeature.IsDynamicCodeCompiled, CpuHasAvx2AndFma(), GemmKernel256<float>.IsSupported);

    internal static string? AdviceFor(bool compiledAheadOfTime, bool cpuHasAvx2AndFma, bool kernelsUseAvx2) =>
        compiledAheadOfTime && cpuHasAvx2AndFma && !kernelsUseAvx2
            ? "this program was compiled ahead of time (native AOT) for a baseline x64 without AVX2 and FMA, which this CPU has: " +
              "the products run on the scalar kernel, about 30 times slower, with other last bits. Publish it with " +
              "-p:IlcInstructionSet=avx2 (any x64 CPU since 2015), or native (this CPU's own, AVX-512 included)."
            : null;

    /// <summary>What the processor reports (CPUID), whatever this build was compiled for.</summary>
    private static bool CpuHasAvx2AndFma()
    {
        if (!X86Base.IsSupported) return false;
        var (_, _, ecx1, _) = X86Base.CpuId(1, 0);
        bool fma = (ecx1 & (1 << 12)) != 0, osSavesYmm = (ecx1 & (1 << 27)) != 0;
        var (_, ebx7, _, _) = X86Base.CpuId(7, 0);
        return fma && osSavesYmm && (ebx7 & (1 << 5)) != 0;
    }
}
