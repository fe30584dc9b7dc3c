using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Backprop.Data;

/// <summary>
/// Downloads data sets for users who have none: each file into a temporary file in the target folder, its MD5 checked,
/// and only then renamed into place; archives extracted into a temporary folder that is moved into place only when
/// complete. An interrupted, cut or corrupt download therefore never leaves a half data set behind, and the staging
/// folder of one killed outright is removed by the next download of the same data set. A data folder that downloads
/// made is removed again when they all fail, however they overlap (<see cref="MadeByDownloadFile"/>).
/// </summary>
/// <remarks>
/// Failures raise <see cref="DataDownloadException"/> with the URL, the error and the other ways to get the data (useful
/// when the machine is offline). Progress goes to an <see cref="IProgress{T}"/> about ten times a second.
/// </remarks>
public sealed partial class Downloader : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsClient;

    /// <summary>A downloader with its own <see cref="HttpClient"/>.</summary>
    public Downloader() : this(null) { }

    /// <summary>A downloader using <paramref name="client"/> (not disposed by this object), or its own if null.</summary>
    public Downloader(HttpClient? client)
    {
        _ownsClient = client is null;
        _http = client ?? new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30), AutomaticDecompression = DecompressionMethods.None })
        {
            // A whole data set can take a while; stalls are caught by IdleTimeout instead.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (_ownsClient) _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Backprop", "1.0"));
    }

    /// <summary>How long to wait for the response headers or for any data before giving up (default 60 s).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The mark of a data folder that downloads made and nothing else has used yet: the last of them to fail removes it
    /// (<see cref="LeaveDataFolder"/>). Whether a download made the folder or found it is no guide: one that found the
    /// folder another had just made, started a moment later, would leave it empty when it failed last.
    /// </summary>
    internal const string MadeByDownloadFile = ".made-by-download";

    /// <summary>Runs between moving the old copy aside and moving the new one in (tests: another download finishing there).</summary>
    internal Action? BeforeMoveIn { get; init; }

    /// <summary>
    /// Downloads a data set into <paramref name="dataRoot"/>/<c>{standard folder}</c> and returns that folder.
    /// </summary>
    /// <param name="dataSet">What to download (e.g. <see cref="RemoteDataSet.Cifar10Python"/>; <c>with { BaseUrl = … }</c> for a mirror).</param>
    /// <param name="dataRoot">The data folder (created if missing, and removed again when the download fails and nothing else is in it, also when it was made by several downloads at once).</param>
    /// <param name="progress">Receives progress reports, or null.</param>
    /// <param name="overwrite">Replace an existing folder (swapped in only once the new one is complete); otherwise an existing folder is an error (and a complete copy that another download puts in place meanwhile is kept and returned).</param>
    /// <param name="cancellationToken">Cancels the download (the partial files are removed).</param>
    /// <exception cref="DataDownloadException">The download failed; the message says how else to get the data.</exception>
    /// <exception cref="InvalidDataException">The downloaded archive (with a correct checksum) holds entries the extractor refuses, or lacks the data set's folder.</exception>
    /// <exception cref="IOException">The target folder exists (without <paramref name="overwrite"/>), or writing failed.</exception>
    public Task<string> DownloadAsync(RemoteDataSet dataSet, string dataRoot, IProgress<DownloadProgress>? progress = null,
        bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        return InstallAsync(dataSet, dataRoot, "download", "this download", progress, overwrite,
            (root, staging) => AssembleAsync(dataSet, staging,
                (file, destination) => DownloadFileAsync(dataSet.UrlOf(file), destination, file.Md5, progress, dataSet.OtherWays(root), cancellationToken),
                file => dataSet.UrlOf(file).ToString(), progress, cancellationToken),
            cancellationToken);
    }

    /// <summary>
    /// Puts a data set into <paramref name="dataRoot"/>/<c>{standard folder}</c>: assembled by <paramref name="assemble"/>
    /// (given the data folder and the staging folder, it returns the complete folder it made inside the staging folder)
    /// in a held staging folder, then moved into place. What a download and an installation from local files share;
    /// <paramref name="again"/> ends the refusal of an existing target ("to {again} {data set} again"), and
    /// <paramref name="thisOne"/> is what the message about a copy that appeared meanwhile calls this installation.
    /// </summary>
    private async Task<string> InstallAsync(RemoteDataSet dataSet, string dataRoot, string again, string thisOne, IProgress<DownloadProgress>? progress,
        bool overwrite, Func<string, string, Task<string>> assemble, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataRoot);
        var root = Path.GetFullPath(dataRoot);
        var target = Path.Combine(root, DataLocations.StandardFolderName(dataSet.Kind));
        RecoverInterruptedSwaps(root, dataSet.Kind);   // first, so a copy it puts back counts as there
        if (!overwrite && (Directory.Exists(target) || File.Exists(target)))
            throw new IOException($"'{target}' already exists; delete it (or ask to overwrite) to {again} {DataLocations.DisplayName(dataSet.Kind)} again.");

        // Everything is assembled in a hidden staging folder next to the target and moved in at the end; held while
        // this download lives, so a later one can tell it from the leftovers of one that was killed.
        (string Staging, FolderLock Hold) staged;
        try
        {
            staged = EnterDataFolder(root, Path.GetFileName(target));
        }
        catch (Exception e)
        {
            LeaveDataFolder(root);
            if (IsWriteFailure(e)) throw WriteFailed(e, dataSet, root);
            throw;
        }
        var (staging, hold) = staged;
        try
        {
            SweepStaleStaging(root, Path.GetFileName(target));
            string complete;
            try
            {
                complete = await assemble(root, staging).ConfigureAwait(false);
            }
            catch (Exception e) when (IsWriteFailure(e))
            {
                throw WriteFailed(e, dataSet, root);
            }
            if (!overwrite && (Directory.Exists(target) || File.Exists(target)))
            {
                // Another download into the same folder (two 'backprop train' started together) finished first: its
                // complete copy is used; anything else there is left alone and said.
                if (!DataLocations.IsComplete(dataSet.Kind, target))
                    throw new IOException($"'{target}' appeared while {thisOne} ran and is not a complete {DataLocations.DisplayName(dataSet.Kind)}; it was left as it is and {thisOne} discarded. Delete it (or ask to overwrite) to {again} it again.");
            }
            else MoveIntoPlace(complete, target, overwrite, dataSet.Kind);
            progress?.Report(new DownloadProgress(DataLocations.StandardFolderName(dataSet.Kind), 0, null, 0, "done"));
            return target;
        }
        finally
        {
            hold.Dispose();
            TarExtractor.TryDeleteFolder(staging);
            LeaveDataFolder(root);
        }
    }

    /// <summary>
    /// Puts the data set's files into <paramref name="staging"/>, each by <paramref name="fetch"/> (to the path given,
    /// its MD5 checked), and extracts an archive there; returns the folder that holds the data set. Messages name a
    /// file by <paramref name="sourceOf"/> (its URL, or the local file).
    /// </summary>
    private static async Task<string> AssembleAsync(RemoteDataSet dataSet, string staging, Func<RemoteFile, string, Task> fetch,
        Func<RemoteFile, string> sourceOf, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        string complete;
        if (dataSet.ArchiveFolder is { } inner)
        {
            var file = dataSet.Files.Single();
            var archive = Path.Combine(staging, file.Name);
            await fetch(file, archive).ConfigureAwait(false);
            progress?.Report(new DownloadProgress(file.Name, 0, null, 0, "extract"));
            var extracted = Path.Combine(staging, "extracted");
            try
            {
                TarExtractor.Extract(archive, extracted, cancellationToken: cancellationToken);
            }
            catch (InvalidDataException e) when (e.Message.StartsWith(archive, StringComparison.Ordinal))
            {
                // Named by its origin: the archive's path is in the staging folder, gone by the time this is read.
                throw new InvalidDataException($"{sourceOf(file)}{e.Message[archive.Length..]} Nothing was kept.", e);
            }
            complete = Path.Combine(extracted, inner);
            if (!Directory.Exists(complete) || !DataLocations.IsComplete(dataSet.Kind, complete))
                throw new InvalidDataException($"{sourceOf(file)}: the archive has no complete '{inner}' folder.");
        }
        else
        {
            complete = Path.Combine(staging, "files");
            Directory.CreateDirectory(complete);
            foreach (var file in dataSet.Files)
                await fetch(file, Path.Combine(complete, file.Name)).ConfigureAwait(false);
        }
        return complete;
    }

    /// <summary>Writing failed (a full disk, a read-only or forbidden folder), as opposed to the transfer or the archive.</summary>
    private static bool IsWriteFailure(Exception e) => e is UnauthorizedAccessException || (e is IOException and not (DataDownloadException or FolderInUseException or SourceReadException));

    /// <summary>
    /// A write failure said of the data set and the data folder: .NET names the hidden temporary file
    /// ("No space left on device : '…/.fashion-mnist.download-…/….tmp'"), which is gone once this is read.
    /// </summary>
    private static IOException WriteFailed(Exception e, RemoteDataSet dataSet, string root)
    {
        int at = e.Message.IndexOf(" : '", StringComparison.Ordinal);
        var reason = (at > 0 ? e.Message[..at] : e.Message).TrimEnd('.', ' ');
        if (e.HResult == 28) reason = $"the disk is full ({reason}); free some space and try again"; // ENOSPC
        return new IOException($"Could not write {DataLocations.DisplayName(dataSet.Kind)} into the data folder '{root}': {reason}. Nothing was kept.", e);
    }

    /// <summary>
    /// Makes the data folder if it is missing, marked as the downloads' (<see cref="MadeByDownloadFile"/>), and a held
    /// staging folder for <paramref name="folderName"/> in it. The staging folder is made only once a file of this
    /// download's pins the data folder (<c>.{name}.entering-*</c>): a file, unlike a folder, is never made with its
    /// parents, so a download leaving the folder cannot remove it just before this one made it again, unmarked.
    /// </summary>
    private static (string Staging, FolderLock Hold) EnterDataFolder(string root, string folderName)
    {
        var id = Guid.NewGuid().ToString("N");
        var pinPath = Path.Combine(root, $".{folderName}.entering-{id}");
        for (int attempt = 0; ; attempt++)
        {
            FileStream pin;
            try
            {
                if (!Directory.Exists(root))
                {
                    Directory.CreateDirectory(root);
                    File.WriteAllBytes(Path.Combine(root, MadeByDownloadFile), []);
                }
                pin = new FileStream(pinPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (DirectoryNotFoundException) when (attempt < 10)
            {
                continue;   // the last download leaving removed the folder meanwhile: made again, and marked
            }
            using (pin) return CreateStaging(root, folderName, id);
        }
    }

    /// <summary>
    /// After a download, its staging folder gone: a data folder that downloads made (<see cref="MadeByDownloadFile"/>)
    /// is removed when nothing else is in it, so whichever of several failed downloads ends last takes it away; once a
    /// data set or anything else not a download's is in it, it is an ordinary data folder and the mark goes. Best
    /// effort, and it never throws: the download's own result or error is the one to say.
    /// </summary>
    private static void LeaveDataFolder(string root)
    {
        var mark = Path.Combine(root, MadeByDownloadFile);
        try
        {
            // A retry needs another download to have entered since the listing, so this ends at once in practice.
            for (int attempt = 0; attempt < 10 && File.Exists(mark); attempt++)
            {
                var others = Directory.GetFileSystemEntries(root).Where(e => e != mark).ToList();
                if (others.Any(e => !IsDownloadsWork(e)))
                {
                    File.Delete(mark);
                    return;
                }
                if (others.Count > 0) return;   // other downloads are under way: the last one out decides
                File.Delete(mark);
                try
                {
                    Directory.Delete(root);   // not recursive: refused if a download entered since the listing
                    return;
                }
                catch (IOException) when (Directory.Exists(root))
                {
                    File.WriteAllBytes(mark, []);   // still the downloads': the mark back, for the one that entered
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A download's own entry in a data folder: a staging folder, a pin, a copy moved aside by a swap (of any data set).</summary>
    private static bool IsDownloadsWork(string entry)
    {
        var name = Path.GetFileName(entry);
        return name.StartsWith('.') && (name.Contains(".download-", StringComparison.Ordinal) || name.Contains(".starting-", StringComparison.Ordinal)
            || name.Contains(".entering-", StringComparison.Ordinal) || name.Contains(".old-", StringComparison.Ordinal));
    }

    /// <summary>
    /// A new staging folder for <paramref name="folderName"/>, held. Made while this download's pin
    /// (<c>.{name}.entering-{id}</c>, same id) is open, so a <c>.download-*</c> folder that nobody holds and that has no
    /// pin beside it is always the leftover of a download that died (<see cref="SweepStaleStaging"/>).
    /// </summary>
    /// <remarks>
    /// Made under its final name: Windows refuses to rename a folder while a file in it is open, so a folder cannot be
    /// held (its <c>.lock</c> open) under one name and then renamed. (Earlier versions did that, with
    /// <c>.starting-*</c> names, which are still swept.)
    /// </remarks>
    private static (string Staging, FolderLock Hold) CreateStaging(string root, string folderName, string id)
    {
        var staging = Path.Combine(root, $".{folderName}.download-{id}");
        Directory.CreateDirectory(staging);
        try
        {
            return (staging, FolderLock.Acquire(staging));
        }
        catch
        {
            TarExtractor.TryDeleteFolder(staging);
            throw;
        }
    }

    /// <summary>The pin of the download whose staging folder is <paramref name="staging"/> (same id).</summary>
    private static string PinOf(string staging)
    {
        var name = Path.GetFileName(staging);
        int at = name.LastIndexOf(".download-", StringComparison.Ordinal);
        return Path.Combine(Path.GetDirectoryName(staging)!, name[..at] + ".entering-" + name[(at + ".download-".Length)..]);
    }

    /// <summary>
    /// Finishes the swap of a download over an existing copy that was killed between its two renames: the old copy
    /// moved aside (<c>.{name}.old-*</c>) and the new one not yet in place, so the data set is gone, or in place with the
    /// old one not yet deleted. With no copy in place a complete old one is put back; with a complete copy in place the
    /// old one is deleted. Only folders a minute old: a live swap takes milliseconds (and dates the copy it moves aside).
    /// </summary>
    internal static void RecoverInterruptedSwaps(string root, DataSetKind kind)
    {
        if (!Directory.Exists(root)) return;
        string name = DataLocations.StandardFolderName(kind);
        string target = Path.Combine(root, name);
        var stale = Directory.EnumerateDirectories(root, $".{name}.old-*")
            .Where(dir => DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) >= TimeSpan.FromMinutes(1)).ToList();
        foreach (var old in stale)
        {
            try
            {
                if (!Directory.Exists(target) && !File.Exists(target) && DataLocations.IsComplete(kind, old)) Renames.MoveFolder(old, target);
                else if (DataLocations.IsComplete(kind, target)) TarExtractor.TryDeleteFolder(old);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another download may be at it; the next one tries again.
            }
        }
    }

    /// <summary>
    /// Removes the staging folders of downloads of <paramref name="folderName"/> that died without cleaning up (a second
    /// Ctrl-C, a kill): those no process holds and whose pin is gone (a live download holds its folder from before its
    /// pin goes; <see cref="CreateStaging"/>), and pins (<see cref="EnterDataFolder"/>) and the <c>.starting-*</c> folders
    /// of earlier versions a minute after they were made.
    /// </summary>
    private static void SweepStaleStaging(string root, string folderName)
    {
        foreach (var pin in Directory.EnumerateFiles(root, $".{folderName}.entering-*")
                     .Where(file => DateTime.UtcNow - File.GetLastWriteTimeUtc(file) >= TimeSpan.FromMinutes(1)).ToList())
            AtomicFile.TryDelete(pin);
        // Listed before the pins are looked at: a pin is made before its folder and goes only once the folder is held,
        // so a folder listed here whose pin is gone is held, or dead.
        var stale = Directory.EnumerateDirectories(root, $".{folderName}.download-*").ToList()
            .Where(dir => !File.Exists(PinOf(dir)))
            .Concat(Directory.EnumerateDirectories(root, $".{folderName}.starting-*")
                .Where(dir => DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) >= TimeSpan.FromMinutes(1)))
            .ToList();
        foreach (var dir in stale)
        {
            FolderLock? dead;
            try
            {
                dead = FolderLock.TryAcquire(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (dead is null) continue;
            dead.Dispose();
            TarExtractor.TryDeleteFolder(dir);
        }
    }

    /// <summary>
    /// Downloads one file to <paramref name="destinationPath"/>: into a temporary file next to it, MD5-checked when
    /// <paramref name="expectedMd5"/> is given, then renamed. On failure the temporary file is removed and an existing
    /// destination is left untouched.
    /// </summary>
    /// <exception cref="DataDownloadException">No connection, HTTP error, a redirect not followed, connection cut, stall, checksum mismatch, or a URL that is not http(s).</exception>
    public Task DownloadFileAsync(Uri url, string destinationPath, string? expectedMd5 = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        DownloadFileAsync(url, destinationPath, expectedMd5, progress, null, cancellationToken);

    private async Task DownloadFileAsync(Uri url, string destinationPath, string? expectedMd5,
        IProgress<DownloadProgress>? progress, string? otherWays, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(destinationPath);
        var full = Path.GetFullPath(destinationPath);
        var name = Path.GetFileName(full);
        var temp = AtomicFile.TempPathFor(full);
        DataDownloadException Fail(string what, Exception? inner = null) =>
            new($"Could not download {url}: {what}{(what.EndsWith('?') ? "" : ".")}" + (otherWays is null ? "" : " " + otherWays), url, inner) { Problem = what };

        // HttpClient would throw NotSupportedException ("The 'file' scheme is not supported"), naming neither URL nor file.
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
            throw Fail("only http and https URLs can be downloaded");
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            idle.CancelAfter(IdleTimeout);
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, idle.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw Fail($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}{NotFollowed(response)}");
            long? total = response.Content.Headers.ContentLength;
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            long done = 0;
            var clock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            await using (var body = await response.Content.ReadAsStreamAsync(idle.Token).ConfigureAwait(false))
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                while (true)
                {
                    idle.CancelAfter(IdleTimeout);
                    int n = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                    if (n == 0) break;
                    md5.AppendData(buffer, 0, n);
                    await output.WriteAsync(buffer.AsMemory(0, n), idle.Token).ConfigureAwait(false);
                    done += n;
                    if (progress is not null && clock.Elapsed - lastReport >= TimeSpan.FromMilliseconds(100))
                    {
                        lastReport = clock.Elapsed;
                        progress.Report(new DownloadProgress(name, done, total, done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)));
                    }
                }
                output.Flush(flushToDisk: true);
            }
            progress?.Report(new DownloadProgress(name, done, total, done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3), "verify"));
            if (total is long expected && done != expected)
                throw Fail($"the connection ended after {done} of {expected} bytes");
            if (expectedMd5 is not null)
            {
                var actual = Convert.ToHexStringLower(md5.GetHashAndReset());
                if (!string.Equals(actual, expectedMd5, StringComparison.OrdinalIgnoreCase))
                    throw Fail($"the file's MD5 is {actual}, not the published {expectedMd5.ToLowerInvariant()} (corrupt or changed download; nothing was kept)");
            }
            Renames.MoveFile(temp, full);
            AtomicFile.SyncDirectory(Path.GetDirectoryName(full)!);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            AtomicFile.TryDelete(temp);
            throw Fail($"no data arrived for {IdleTimeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s", e);
        }
        catch (HttpRequestException e)
        {
            AtomicFile.TryDelete(temp);
            throw Fail(Describe(e), e);
        }
        catch (IOException e) when (e is HttpIOException || e.InnerException is System.Net.Sockets.SocketException)
        {
            // The body stream failed: connection reset, or cut before the announced length.
            AtomicFile.TryDelete(temp);
            throw Fail($"the connection failed during the transfer ({e.Message})", e);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }
    }

    /// <summary>For a redirect the client did not follow (the status is all a user would see otherwise): where it led, and why not.</summary>
    private static string NotFollowed(HttpResponseMessage response) =>
        (int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } to
            ? $", a redirect to {to} that was not followed (a loop, too many redirects in a row, or from https to http)"
            : "";

    private static string Describe(HttpRequestException e)
    {
        var inner = e.InnerException is { } i ? $" ({i.Message})" : "";
        return e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => $"the host name could not be resolved{inner} — is this machine offline?",
            HttpRequestError.ConnectionError => $"no connection could be made{inner} — is this machine offline?",
            _ => e.Message + inner,
        };
    }

    /// <summary>
    /// Renames the completed folder to the target; with overwrite, the old target is swapped out first and removed after.
    /// Another download may finish between the two renames (a <c>--force</c> download racing a plain one, or another
    /// <c>--force</c>): its complete copy, as fresh and verified as this one, then stays, and the old copy goes.
    /// </summary>
    private void MoveIntoPlace(string complete, string target, bool overwrite, DataSetKind kind)
    {
        string? old = null;
        if (overwrite && Directory.Exists(target))
        {
            old = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.old-{Guid.NewGuid():N}");
            try
            {
                // Dated now: a rename keeps a folder's time, and RecoverInterruptedSwaps (another download starting)
                // would take a days-old copy moved aside by this live swap for a killed one's and put it back.
                TryTouch(target);
                Renames.MoveFolder(target, old);
            }
            catch (DirectoryNotFoundException)
            {
                old = null;   // another --force download moved it aside first, and removes it
            }
            catch (Exception e) when (Renames.IsHeldOpen(e))
            {
                // Said as a write failure, not a bare "Access denied" naming the hidden folder.
                throw new IOException($"Cannot replace '{target}': it could not be moved aside ({e.Message}). Windows refuses " +
                    "while a file in it is open in another program (a training run reading it); the new copy was discarded.", e);
            }
        }
        BeforeMoveIn?.Invoke();
        try
        {
            Renames.MoveFolder(complete, target);
        }
        catch (IOException) when (DataLocations.IsComplete(kind, target))
        {
            if (old is not null) TarExtractor.TryDeleteFolder(old);
            return;
        }
        catch when (old is not null)
        {
            Renames.MoveFolder(old, target);
            throw;
        }
        if (old is not null) TarExtractor.TryDeleteFolder(old);
        AtomicFile.SyncDirectory(Path.GetDirectoryName(target)!);
    }

    private static void TryTouch(string folder)
    {
        try { Directory.SetLastWriteTimeUtc(folder, DateTime.UtcNow); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsClient) _http.Dispose();
    }
}
