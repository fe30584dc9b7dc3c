namespace Backprop.Data;

/// <summary>
/// A download failed: no connection, an HTTP error, a connection cut short, a timeout or a checksum mismatch. The message
/// names the URL, the error and the other ways to get the data. Nothing half-downloaded is left behind.
/// </summary>
public sealed class DataDownloadException : IOException
{
    /// <summary>Creates the exception.</summary>
    public DataDownloadException(string message, Uri url, Exception? inner = null) : base(message, inner) => Url = url;

    /// <summary>The URL that failed.</summary>
    public Uri Url { get; }

    /// <summary>What went wrong, in a few words without the URL (e.g. "the server answered 404 Not Found"), or null.</summary>
    public string? Problem { get; init; }
}
