using System.Numerics;
using Backprop.Data;

namespace Backprop.Training;

/// <summary>The raw images of a chosen data set (training and test sets as read from disk), before the split.</summary>
public sealed class ImageData
{
    private ImageData(string dataset, string folder, ImageSet train, ImageSet test)
    {
        Dataset = dataset;
        Folder = folder;
        Train = train;
        Test = test;
    }

    /// <summary>cifar10, fashion-mnist or mnist.</summary>
    public string Dataset { get; }

    /// <summary>The folder read.</summary>
    public string Folder { get; }

    /// <summary>All training images of the folder.</summary>
    public ImageSet Train { get; }

    /// <summary>All test images of the folder.</summary>
    public ImageSet Test { get; }

    /// <summary>(C, H, W): (3, 32, 32) for CIFAR-10, (1, 28, 28) for (Fashion-)MNIST.</summary>
    public int[] ImageShape => [Train.Channels, Train.Height, Train.Width];

    /// <summary>Class names.</summary>
    public IReadOnlyList<string> ClassNames => Dataset switch
    {
        "cifar10" => Cifar10.ClassNames,
        "fashion-mnist" => FashionMnist.ClassNames,
        _ => Mnist.ClassNames,
    };

    /// <summary>Reads the images of <paramref name="choice"/>.</summary>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    /// <exception cref="IOException">A file could not be read.</exception>
    public static ImageData Load(DataSetChoice choice)
    {
        ArgumentNullException.ThrowIfNull(choice);
        var (train, test) = choice.Dataset switch
        {
            "cifar10" => Cifar10.Load(choice.Folder),
            "fashion-mnist" => FashionMnist.Load(choice.Folder),
            _ => Mnist.Load(choice.Folder),
        };
        return new(choice.Dataset, choice.Folder, train, test);
    }

    /// <summary>
    /// The notebooks' <c>get_CIFAR10_data</c> split for a configuration whose counts are resolved
    /// (<see cref="SplitSizes.Resolve"/>): training, validation and test images, the training mean subtracted.
    /// </summary>
    public Dataset<T> Split<T>(TrainConfig resolved) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(resolved);
        if (resolved.NumTrain is not int numTrain || resolved.NumVal is not int numVal || resolved.NumTest is not int numTest)
            throw new ArgumentException("The configuration's image counts must be resolved first (SplitSizes.Resolve).", nameof(resolved));
        return Preprocessing.Split<T>(Train, Test, numTrain, numVal, numTest, subtractMean: true,
            DataSetChoice.Display(Dataset), ClassNames, ClassNames.Count, Folder);
    }
}
