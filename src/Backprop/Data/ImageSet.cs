using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Data;

/// <summary>
/// Images as they come out of a data set's files: <see cref="Count"/> images of (<see cref="Channels"/>,
/// <see cref="Height"/>, <see cref="Width"/>) bytes, channel planes first (CIFAR-10's R, G, B planes; MNIST's one plane),
/// row-major, with one class label per image.
/// </summary>
public sealed class ImageSet
{
    /// <summary>Wraps pixels (not copied) and labels.</summary>
    /// <exception cref="ArgumentException">The pixel count is not <c>labels.Length · channels · height · width</c>, or a label is negative.</exception>
    public ImageSet(byte[] pixels, int[] labels, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        long sample = (long)channels * height * width;
        if (sample * labels.Length != pixels.Length)
            throw new ArgumentException($"{pixels.Length} pixel bytes are not {labels.Length} images of {channels}×{height}×{width}.", nameof(pixels));
        int negative = Array.FindIndex(labels, l => l < 0);
        if (negative >= 0) throw new ArgumentException($"labels[{negative}] = {labels[negative]}: a class index cannot be negative.", nameof(labels));
        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>All pixels, image after image, each image (C, H, W) row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>The class of each image.</summary>
    public int[] Labels { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Channels per image (3 for CIFAR-10, 1 for MNIST).</summary>
    public int Channels { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Bytes per image: C·H·W.</summary>
    public int SampleSize => Channels * Height * Width;

    /// <summary>Images <c>[start, start + count)</c> as (count, C, H, W) float32 or float64 pixel values 0–255.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the set.</exception>
    public NDArray<T> ToNDArray<T>(int start, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start > Count - count) throw new ArgumentOutOfRangeException(nameof(count), $"Images [{start}, {start + (long)count}) are not all inside a set of {Count}.");
        var x = new NDArray<T>(count, Channels, Height, Width);
        var src = Pixels.AsSpan(start * SampleSize, count * SampleSize);
        var dst = x.AsSpan();
        for (int i = 0; i < src.Length; i++) dst[i] = T.CreateTruncating(src[i]);
        return x;
    }

    /// <summary>Labels <c>[start, start + count)</c> (a copy).</summary>
    public int[] LabelRange(int start, int count) => Labels.AsSpan(start, count).ToArray();

    /// <summary>The number of images of each class 0 … <paramref name="numClasses"/> − 1.</summary>
    public int[] ClassCounts(int numClasses)
    {
        var counts = new int[numClasses];
        foreach (var y in Labels) counts[y]++;
        return counts;
    }

    /// <summary>The sets one after the other (as <c>np.concatenate</c>); all must have the same image shape.</summary>
    /// <exception cref="ArgumentException">No sets, or image shapes differ.</exception>
    public static ImageSet Concatenate(IReadOnlyList<ImageSet> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        if (sets.Count == 0) throw new ArgumentException("Nothing to concatenate.", nameof(sets));
        if (sets.Count == 1) return sets[0];
        var first = sets[0];
        long images = 0;
        foreach (var s in sets)
        {
            if (s.Channels != first.Channels || s.Height != first.Height || s.Width != first.Width)
                throw new ArgumentException($"Images of {s.Channels}×{s.Height}×{s.Width} cannot be joined to images of {first.Channels}×{first.Height}×{first.Width}.", nameof(sets));
            images += s.Count;
        }
        if (images * first.SampleSize > Array.MaxLength)
            throw new ArgumentException($"{images} images of {first.SampleSize} bytes do not fit in one array.", nameof(sets));
        var pixels = new byte[images * first.SampleSize];
        var labels = new int[images];
        int at = 0;
        foreach (var s in sets)
        {
            s.Pixels.CopyTo(pixels, (long)at * first.SampleSize);
            s.Labels.CopyTo(labels, at);
            at += s.Count;
        }
        return new ImageSet(pixels, labels, first.Channels, first.Height, first.Width);
    }
}
