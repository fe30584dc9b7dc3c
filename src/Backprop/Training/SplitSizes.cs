namespace Backprop.Training;

/// <summary>
/// How many training, validation and test images a run uses: the options when given, else the data set's defaults
/// (CIFAR-10 49,000 / 1,000 / 1,000; Fashion-MNIST and MNIST 59,000 / 1,000 / 10,000), shrunk to what the folder holds
/// (the 5,000-image CIFAR-10 subset gives 4,000 / 1,000 / 1,000), with a note saying so.
/// </summary>
public static class SplitSizes
{
    /// <summary>
    /// <paramref name="config"/> with <c>num_train</c>, <c>num_val</c> and <c>num_test</c> filled in for
    /// <paramref name="data"/>; <paramref name="note"/> says when a default was shrunk to fit the folder.
    /// </summary>
    /// <exception cref="ConfigValueException">More images were asked for explicitly than the folder holds (never silently shortened).</exception>
    public static TrainConfig Resolve(TrainConfig config, ImageData data, out string? note)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        var (defTrain, defVal, defTest) = Defaults(data.Dataset);
        int available = data.Train.Count, availableTest = data.Test.Count;
        string where = $"{DataSetChoice.Display(data.Dataset)} in {data.Folder}";
        note = null;

        int numVal = config.NumVal ?? Math.Min(defVal, Math.Max(1, available / 5));
        int numTrain = config.NumTrain ?? Math.Min(defTrain, available - numVal);
        if (config.NumVal is null && config.NumTrain is null && numTrain + numVal < defTrain + defVal)
            note = $"{where} holds {available} training images, fewer than the default {defTrain} + {defVal}: using {numTrain} for training and {numVal} for validation.";
        if (numTrain < 1)
            throw new ConfigValueException("num_val", $"{numVal} validation images leave no training images: {where} holds {available} training images.");
        if ((long)numTrain + numVal > available)
            // Said of the count that was given, the larger when both were.
            throw new ConfigValueException(config.NumTrain is null || (config.NumVal is not null && numVal > numTrain) ? "num_val" : "num_train",
                $"{numTrain} training + {numVal} validation = {(long)numTrain + numVal} images, but {where} holds {available} training images.");

        int numTest = config.NumTest ?? Math.Min(defTest, availableTest);
        if (numTest > availableTest)
            throw new ConfigValueException("num_test", $"{numTest} test images asked for, but {where} holds {availableTest}.");
        if (config.NumTest is null && numTest < defTest)
            note = (note is null ? "" : note + " ") + $"The test set has {availableTest} images (the default is {defTest}).";
        return config with { Dataset = data.Dataset, NumTrain = numTrain, NumVal = numVal, NumTest = numTest };
    }

    /// <summary>(training, validation, test) images by default for a data set on its full copy.</summary>
    public static (int Train, int Val, int Test) Defaults(string dataset) => TrainConfig.Canonical(dataset) switch
    {
        "cifar10" => (49000, 1000, 1000),
        _ => (59000, 1000, 10000),
    };
}
