using BenchmarkDotNet.Attributes;
using Backprop.Kernels;

namespace Backprop.Bench;

/// <summary>BenchmarkDotNet view of the same cases (float32): <c>dotnet run -c Release -- --filter *GemmBenchmarks*</c>.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    [ParamsSource(nameof(Cases))]
    public GemmCase Case { get; set; } = GemmCase.All[0];

    public static IEnumerable<GemmCase> Cases => GemmCase.All;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _a = Enumerable.Range(0, Case.M * Case.K).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, Case.K * Case.N).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _c = new float[Case.M * Case.N];
    }

    [Benchmark]
    public void Multiply() => Gemm.Multiply<float>(_a, _b, _c, Case.M, Case.N, Case.K, Case.TransA, Case.TransB);
}
