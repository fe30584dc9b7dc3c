namespace Backprop.Data;

/// <summary>Progress of one file's download, for a progress bar.</summary>
/// <param name="FileName">The file being downloaded.</param>
/// <param name="BytesDone">Bytes received so far.</param>
/// <param name="TotalBytes">The size the server announced, or null if it did not.</param>
/// <param name="BytesPerSecond">Average rate since the download of this file started.</param>
/// <param name="Phase">What is happening: <c>download</c>, <c>verify</c>, <c>extract</c> or <c>done</c>.</param>
public readonly record struct DownloadProgress(string FileName, long BytesDone, long? TotalBytes, double BytesPerSecond, string Phase = "download")
{
    /// <summary>The fraction done in [0, 1], when the total is known.</summary>
    public double? Fraction => TotalBytes is > 0 ? Math.Min(1.0, (double)BytesDone / TotalBytes.Value) : null;
}
