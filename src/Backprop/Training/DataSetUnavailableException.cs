namespace Backprop.Training;

/// <summary>
/// No usable data set: the one asked for is not in the data folder, or (with none asked for) nothing was found and the
/// download failed, or the files found could be either of two data sets (<see cref="NeedsDataset"/>). The message names
/// every way to get data, or how to say which.
/// </summary>
public sealed class DataSetUnavailableException : IOException
{
    /// <summary>Creates the exception.</summary>
    public DataSetUnavailableException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>The data is there, but which data set it is must be named (IDX files are Fashion-MNIST's or MNIST's alike).</summary>
    public bool NeedsDataset { get; init; }
}
