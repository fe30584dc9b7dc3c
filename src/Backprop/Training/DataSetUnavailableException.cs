namespace Backprop.Training;

/// <summary>
/// No usable data set: the one asked for is not in the data folder, or (with none asked for) nothing was found and the
/// download failed. The message names every way to get data.
/// </summary>
public sealed class DataSetUnavailableException : IOException
{
    /// <summary>Creates the exception.</summary>
    public DataSetUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
