namespace Backprop.Data;

/// <summary>
/// A folder a run, a search or a download would write is held or filled by another writer (<see cref="FolderLock"/>):
/// nothing was written, and the same call with another folder, or later, succeeds.
/// </summary>
public sealed class FolderInUseException(string message) : IOException(message);
