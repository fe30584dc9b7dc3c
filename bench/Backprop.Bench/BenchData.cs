using Backprop.Data;
using Backprop.Tensors;

namespace Backprop.Bench;

/// <summary>
/// The data sets the epoch benchmark trains on, prepared as <c>backprop train</c> prepares them (raw images split and
/// mean-subtracted by <see cref="Preprocessing.Split{T}"/>), with the peers' sizes.
/// </summary>
public static class BenchData
{
    /// <summary>Where Debian's Fashion-MNIST package puts the IDX files.</summary>
    public const string FashionMnistDir = "/usr/share/datasets/fashion-mnist";

    /// <summary>The names <see cref="Load{T}"/> takes (the <c>epoch</c> command's <c>--data</c>).</summary>
    public static IReadOnlyList<string> Names { get; } = ["cifar10-random", "fashion-mnist"];

    /// <summary>
    /// <c>cifar10-random</c>: (numTrain + 1000) training and 1000 test images of 3×32×32 random bytes and random labels,
    /// drawn as the peers' <c>peer_data.random_cifar10</c> draws them (NumPy's stream, 1000 rows at a time).
    /// <c>fashion-mnist</c>: all training images and, as the validation split, the first 1000 test images (the peers'
    /// <c>--num-train 60000 --num-val 0</c> trains on all 60000; the Solver wants a validation split, which speed runs never score,
    /// so it is taken from the test set instead of a copy of both sets joined).
    /// </summary>
    public static Dataset<T> Load<T>(string name, int? numTrain, uint seed = 0) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        switch (name)
        {
            case "cifar10-random":
            {
                int n = numTrain ?? 49000;
                var rng = new NumpyRandom(seed);
                var train = RandomImages(rng, n + 1000);
                var test = RandomImages(rng, 1000);
                return Preprocessing.Split<T>(train, test, n, 1000, 0, name: "CIFAR-shaped random");
            }
            case "fashion-mnist":
            {
                var (train, test) = FashionMnist.Load(FashionMnistDir);
                return Preprocessing.Split<T>(train, test, numTrain ?? train.Count, 1000, 0, name: "Fashion-MNIST", validationFromTest: true);
            }
            default:
                throw new ArgumentException($"Unknown --data '{name}': use {string.Join(" or ", Names)}.");
        }
    }

    /// <summary>
    /// Random bytes drawn one by one (the same stream as <c>randint(0, 256, size)</c>): a temporary int array per chunk
    /// would leave hundreds of MiB of garbage on the large-object heap, all counted in the peak RSS.
    /// </summary>
    private static ImageSet RandomImages(NumpyRandom rng, int count)
    {
        const int d = 3 * 32 * 32;
        var pixels = new byte[(long)count * d];
        for (long i = 0; i < pixels.LongLength; i++) pixels[i] = (byte)rng.NextInt(0, 256);
        return new ImageSet(pixels, rng.Randint(0, 10, count), 3, 32, 32);
    }
}
