using System.Runtime.Intrinsics;
using Backprop.Data;
using Backprop.Tests.Kernels;
using Backprop.Tests.Data;
using Backprop.Training;

namespace Backprop.Tests.Cli;

/// <summary>
/// Training gives the same bits where vectors are 128-bit (ARM64) and on AVX2 hosts: short runs in child processes with
/// <c>DOTNET_PreferredVectorBitWidth=128</c> (Vector256 and Vector512 not accelerated, Vector&lt;T&gt; 128-bit, FMA still
/// there, as ARM64's AdvSimd: the products run on the 128-bit kernel ARM64 takes) and with
/// <c>DOTNET_EnableAVX512=0</c>, against the same run in this process: every iteration's loss and every parameter.
/// </summary>
/// <remarks>
/// Batches of 50 through a 300-unit layer (K = 300 above the forward product's split depth: the 128-bit and AVX2 GEMM
/// kernels must cut K where AVX-512's do, at 144 for the next layer's 12-row tiles), a 30-unit one (fewer than twice
/// as many rows as columns, so not computed transposed) and 10 classes (the narrow output taken directly, not
/// transposed; the softmax row's masked tail).
/// </remarks>
[Collection(KernelCollection.Name)]
public class CliVectorWidthTests
{
    [SkippableTheory]
    [InlineData("float32", "batchnorm", "adam")]
    [InlineData("float64", "batchnorm", "adam")]
    [InlineData("float32", "layernorm", "sgd_nesterov_momentum")]
    [InlineData("float64", "layernorm", "rmsprop")]
    public void Train_With128BitVectorsOrAvx2_GivesTheNativeBits(string dtype, string normalization, string rule)
    {
        Skip.If(!Vector256.IsHardwareAccelerated, "this host's own vectors are 128-bit already");
        using var tmp = new TempDir();
        string[] Args(string run) => ["train", "--data-dir", CliRunner.Cifar10DataDir, "--num-train", "200", "--num-val", "50",
            "--num-test", "50", "--epochs", "2", "--batch-size", "50", "--hidden", "300,30", "--normalization", normalization,
            "--dropout", "0.8", "--update-rule", rule, "--dtype", dtype, "--seed", "3", "--threads", "2", "--out", tmp.File(run)];

        var native = CliRunner.Run(Args("native"));
        Assert.True(native.ExitCode == 0, native.ToString());
        var lossNative = RunHistory.Load(Path.Combine(tmp.File("native"), "history.json")).Loss;
        var paramsNative = Npz.Load(Path.Combine(tmp.File("native"), "model.npz"));
        Assert.Equal(8, lossNative.Count);
        Assert.Contains("W3", paramsNative.Keys);

        foreach (var (run, variable, value) in new[] { ("narrow", "DOTNET_PreferredVectorBitWidth", "128"), ("avx2", "DOTNET_EnableAVX512", "0") })
        {
            var other = CliRunner.RunProcess(new Dictionary<string, string> { [variable] = value }, Args(run));
            Assert.True(other.ExitCode == 0, other.ToString());
            var loss = RunHistory.Load(Path.Combine(tmp.File(run), "history.json")).Loss;
            Assert.Equal(lossNative.Select(BitConverter.DoubleToInt64Bits), loss.Select(BitConverter.DoubleToInt64Bits));
            var parameters = Npz.Load(Path.Combine(tmp.File(run), "model.npz"));
            Assert.Equal(paramsNative.Keys.Order(), parameters.Keys.Order());
            foreach (var (name, a) in paramsNative)
            {
                var b = parameters[name];
                Assert.Equal(a.ShapeArray(), b.ShapeArray());
                Assert.True(Bytes(a).SequenceEqual(Bytes(b)), $"{name} ({dtype}, {normalization}, {rule}) differs with {variable}={value}");
            }
        }
    }

    private static byte[] Bytes(NpyArray a)
    {
        var bytes = new byte[a.Size * a.ItemSize];
        Buffer.BlockCopy(a.Data, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
