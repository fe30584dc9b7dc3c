using System.Runtime.Intrinsics;
using Backprop.Data;
using Backprop.Tests.Kernels;
using Backprop.Tests.Data;
using Backprop.Training;

namespace Backprop.Tests.Cli;

/// <summary>
/// Training gives the same bits where vectors are 128-bit (ARM64): a short run in a child process with
/// <c>DOTNET_PreferredVectorBitWidth=128</c> (Vector256 and Vector512 not accelerated, Vector&lt;T&gt; 128-bit, FMA still
/// there, as ARM64's AdvSimd) against the same run in this process, every iteration's loss and every parameter.
/// </summary>
/// <remarks>
/// The net has a 300-unit layer (K = 300 above the forward product's split depth: the scalar GEMM kernel must cut K
/// where the vector kernels do), a 40-unit one (the wide 512-bit tiles' shape) and 10 classes (the narrow output taken
/// directly, not transposed; the softmax row's masked tail).
/// </remarks>
[Collection(KernelCollection.Name)]
public class CliVectorWidthTests
{
    [SkippableTheory]
    [InlineData("float32", "batchnorm", "adam")]
    [InlineData("float64", "batchnorm", "adam")]
    [InlineData("float32", "layernorm", "sgd_nesterov_momentum")]
    [InlineData("float64", "layernorm", "rmsprop")]
    public void Train_With128BitVectors_GivesTheNativeBits(string dtype, string normalization, string rule)
    {
        Skip.If(!Vector256.IsHardwareAccelerated, "this host's own vectors are 128-bit already");
        using var tmp = new TempDir();
        string[] Args(string run) => ["train", "--data-dir", CliRunner.Cifar10DataDir, "--num-train", "200", "--num-val", "50",
            "--num-test", "50", "--epochs", "2", "--batch-size", "50", "--hidden", "300,40", "--normalization", normalization,
            "--dropout", "0.8", "--update-rule", rule, "--dtype", dtype, "--seed", "3", "--threads", "2", "--out", tmp.File(run)];

        var native = CliRunner.Run(Args("native"));
        Assert.True(native.ExitCode == 0, native.ToString());
        var narrow = CliRunner.RunProcess(new Dictionary<string, string> { ["DOTNET_PreferredVectorBitWidth"] = "128" }, Args("narrow"));
        Assert.True(narrow.ExitCode == 0, narrow.ToString());

        var lossNative = RunHistory.Load(Path.Combine(tmp.File("native"), "history.json")).Loss;
        var lossNarrow = RunHistory.Load(Path.Combine(tmp.File("narrow"), "history.json")).Loss;
        Assert.Equal(8, lossNative.Count);
        Assert.Equal(lossNative.Select(BitConverter.DoubleToInt64Bits), lossNarrow.Select(BitConverter.DoubleToInt64Bits));

        var paramsNative = Npz.Load(Path.Combine(tmp.File("native"), "model.npz"));
        var paramsNarrow = Npz.Load(Path.Combine(tmp.File("narrow"), "model.npz"));
        Assert.Equal(paramsNative.Keys.Order(), paramsNarrow.Keys.Order());
        Assert.Contains("W3", paramsNative.Keys);
        foreach (var (name, a) in paramsNative)
        {
            var b = paramsNarrow[name];
            Assert.Equal(a.ShapeArray(), b.ShapeArray());
            Assert.True(Bytes(a).SequenceEqual(Bytes(b)), $"{name} ({dtype}, {normalization}, {rule}) differs with 128-bit vectors");
        }
    }

    private static byte[] Bytes(NpyArray a)
    {
        var bytes = new byte[a.Size * a.ItemSize];
        Buffer.BlockCopy(a.Data, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
