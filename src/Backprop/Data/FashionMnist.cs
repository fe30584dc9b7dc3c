namespace Backprop.Data;

/// <summary>
/// Fashion-MNIST (Zalando): 60,000 training and 10,000 test images of 28×28 grey pixels in ten clothing classes, in the
/// four IDX files of MNIST's layout. Debian's <c>dataset-fashion-mnist</c> package installs them in
/// <see cref="DebianDir"/>.
/// </summary>
public static class FashionMnist
{
    /// <summary>The ten classes, in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Number of classes (10).</summary>
    public const int NumClasses = 10;

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package puts the files.</summary>
    public const string DebianDir = "/usr/share/datasets/fashion-mnist";

    /// <summary>Loads the training set (N, 1, 28, 28) and the test set from a folder holding the four IDX files.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">One of the four files is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or images and labels disagree in count.</exception>
    public static (ImageSet Train, ImageSet Test) Load(string dir) => Idx.LoadStandardFolder(dir, "Fashion-MNIST");
}
