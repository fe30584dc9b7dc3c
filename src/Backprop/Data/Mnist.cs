namespace Backprop.Data;

/// <summary>MNIST: 60,000 training and 10,000 test images of handwritten digits, 28×28 grey pixels, in four IDX files.</summary>
public static class Mnist
{
    /// <summary>The ten classes, the digits "0" … "9".</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>Number of classes (10).</summary>
    public const int NumClasses = 10;

    /// <summary>Loads the training set (N, 1, 28, 28) and the test set from a folder holding the four IDX files.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">One of the four files is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or images and labels disagree in count.</exception>
    public static (ImageSet Train, ImageSet Test) Load(string dir) => Idx.LoadStandardFolder(dir, "MNIST");
}
