namespace Backprop.Bench;

/// <summary>One GEMM shape to time: C (M×N) = op(A)·op(B) with inner size K.</summary>
public sealed record GemmCase(string Name, int M, int N, int K, bool TransA = false, bool TransB = false)
{
    public double Flops => 2.0 * M * N * K;

    public string Layout => (TransA, TransB) switch
    {
        (false, false) => "A.B",
        (true, false) => "At.B",
        (false, true) => "A.Bt",
        _ => "At.Bt",
    };

    /// <summary>
    /// Square sizes, then the affine layers of a CS231n net (batch, in, out) in the three products of training:
    /// forward X·W, backward dX = dOut·Wᵀ and dW = Xᵀ·dOut.
    /// </summary>
    public static IReadOnlyList<GemmCase> All { get; } = Build();

    private static List<GemmCase> Build()
    {
        var cases = new List<GemmCase> { new("square-1024", 1024, 1024, 1024), new("square-2048", 2048, 2048, 2048) };
        foreach (var (batch, fanIn, fanOut) in new[] { (100, 3072, 500), (100, 500, 500), (100, 500, 10), (256, 3072, 500) })
        {
            string layer = $"{batch}x{fanIn}x{fanOut}";
            cases.Add(new($"fwd-{layer}", batch, fanOut, fanIn));
            cases.Add(new($"dx-{layer}", batch, fanIn, fanOut, TransB: true));
            cases.Add(new($"dW-{layer}", fanIn, fanOut, batch, TransA: true));
        }
        return cases;
    }
}
