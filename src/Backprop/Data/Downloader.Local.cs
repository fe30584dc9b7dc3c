using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Backprop.Data;

public sealed partial class Downloader
{
    /// <summary>
    /// Installs a data set from a copy of its official files already on this machine (an archive fetched with a browser
    /// or with wget by the course's <c>get_datasets.sh</c>, files copied from another machine), as torchvision does with
    /// an archive it finds in its root: each file is copied into the staging folder with its MD5 checked against the
    /// published one, an archive is extracted there, and the data set's folder is moved to
    /// <paramref name="dataRoot"/>/<c>{standard folder}</c> only when complete, under the staging, locking and
    /// replacing rules of <see cref="DownloadAsync"/>. The source files are only read, never moved or deleted (one inside
    /// the folder that the installation would replace is refused).
    /// </summary>
    /// <param name="dataSet">Which data set, with the checksums the files must have (e.g. <see cref="RemoteDataSet.Cifar10Python"/>).</param>
    /// <param name="source">For an archive data set (CIFAR-10), the archive file under any name (the checksum decides) or a
    /// folder holding it under its official name; for plain files (Fashion-MNIST, MNIST), the folder holding all of them
    /// under their official names (<see cref="SourceFiles"/>).</param>
    /// <param name="dataRoot">The data folder (created if missing, and removed again when this fails and nothing else is in it).</param>
    /// <param name="progress">Receives progress reports (phase <c>verify</c> while a file is read and checked, then <c>extract</c>, <c>done</c>), or null.</param>
    /// <param name="overwrite">Replace an existing folder (swapped in only once the new one is complete); otherwise an existing folder is an error.</param>
    /// <param name="cancellationToken">Cancels the installation (nothing is kept).</param>
    /// <returns>The data set's folder, <c>{dataRoot}/{standard folder}</c>.</returns>
    /// <exception cref="FileNotFoundException"><paramref name="source"/>, or a file it must hold, does not exist.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is a file where the data set's folder of files was expected,
    /// or a source file lies inside the data set's folder in <paramref name="dataRoot"/>, which the installation replaces.</exception>
    /// <exception cref="InvalidDataException">A file's MD5 is not the published one (the message names the file, both
    /// checksums and a likely cause), or the archive holds entries the extractor refuses, or lacks the data set's folder.</exception>
    /// <exception cref="IOException">The target folder exists (without <paramref name="overwrite"/>), or reading or writing failed.</exception>
    public async Task<string> InstallFromAsync(RemoteDataSet dataSet, string source, string dataRoot, IProgress<DownloadProgress>? progress = null,
        bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(dataRoot);
        var files = SourceFiles(dataSet, source);
        // A source inside the folder it is installed into (an archive fetched into an incomplete extraction, the folder
        // given as its own source) would be deleted with the old copy that overwrite swaps out.
        ArgumentException.ThrowIfNullOrEmpty(dataRoot);
        // Compared where the paths really lead, so that a symbolic link on either side does not hide it.
        var target = Path.Combine(Path.GetFullPath(dataRoot), DataLocations.StandardFolderName(dataSet.Kind));
        var realTarget = RealPath.Of(target) + Path.DirectorySeparatorChar;
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (files.Values.FirstOrDefault(f => RealPath.Of(f).StartsWith(realTarget, comparison)) is { } inside)
            throw new ArgumentException($"'{inside}' is inside '{target}', which this installation replaces: move it out of there first.", nameof(source));
        var origin = dataSet.ArchiveFolder is null ? Path.GetDirectoryName(files.Values.First())! : files.Values.Single();
        return await InstallAsync(dataSet, dataRoot, "install", $"this installation from '{origin}'", progress, overwrite,
            (_, staging) => AssembleAsync(dataSet, staging,
                (file, destination) => CopyVerifiedAsync(files[file.Name], destination, file, progress, cancellationToken),
                file => files[file.Name], progress, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The local file of each of <paramref name="dataSet"/>'s files, by official name: for an archive data set,
    /// <paramref name="source"/> itself when it is a file, else <c>{source}/{archive name}</c>; for plain files,
    /// <c>{source}/{name}</c> for every one. Only their presence is checked here, not their content.
    /// </summary>
    /// <exception cref="FileNotFoundException">The source or one of the files does not exist (the message names what is missing).</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is a file, and the data set is a folder of files.</exception>
    public static IReadOnlyDictionary<string, string> SourceFiles(RemoteDataSet dataSet, string source)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        ArgumentException.ThrowIfNullOrEmpty(source);
        var full = Path.GetFullPath(source);
        string display = DataLocations.DisplayName(dataSet.Kind);
        if (File.Exists(full))
        {
            if (dataSet.ArchiveFolder is not null) return new Dictionary<string, string> { [dataSet.Files.Single().Name] = full };
            throw new ArgumentException($"'{full}' is a file; {display} is {dataSet.Files.Count} files ({Names(dataSet.Files.Select(f => f.Name))}): give the folder that holds them.", nameof(source));
        }
        if (!Directory.Exists(full)) throw new FileNotFoundException($"'{full}' does not exist.", full);
        var missing = dataSet.Files.Where(f => !File.Exists(Path.Combine(full, f.Name))).Select(f => f.Name).ToList();
        if (missing.Count > 0)
        {
            // Plain IDX files (gunzipped) are not what the checksums are of, but they are read as they are.
            var unzipped = missing.Where(n => n.EndsWith(".gz", StringComparison.Ordinal) && File.Exists(Path.Combine(full, n[..^3]))).ToList();
            string why = unzipped.Count > 0
                ? $" (it holds {Names(unzipped.Select(n => n[..^3]))} uncompressed, which the published checksums are not of: copy the folder to '{DataLocations.StandardFolderName(dataSet.Kind)}' in the data folder instead, where it is read as it is)"
                : "";
            throw new FileNotFoundException(missing.Count == dataSet.Files.Count && dataSet.Files.Count == 1
                ? $"'{full}' holds no {missing[0]}{why}."
                : $"'{full}' lacks {Names(missing)} of {display}'s files{why}.", Path.Combine(full, missing[0]));
        }
        return dataSet.Files.ToDictionary(f => f.Name, f => Path.Combine(full, f.Name));
    }

    private static string Names(IEnumerable<string> names) => string.Join(", ", names);

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> (in the staging folder) while taking its MD5,
    /// and refuses it when the MD5 is not <paramref name="file"/>'s: what is extracted is the very bytes checked.
    /// </summary>
    private static async Task CopyVerifiedAsync(string source, string destination, RemoteFile file, IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        FileStream input;
        try
        {
            RegularFile.Require(source);
            input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new SourceReadException(e is InvalidDataException ? e.Message : $"Could not read '{source}': {e.Message}", e);
        }
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        long total = input.Length, done = 0;
        var head = new byte[16];
        int headLength = 0;
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        await using (input)
        await using (var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var buffer = new byte[1 << 16];
            while (true)
            {
                int n;
                try
                {
                    n = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new SourceReadException($"Could not read '{source}': {e.Message}", e);
                }
                if (n == 0) break;
                if (headLength < head.Length)
                {
                    int take = Math.Min(n, head.Length - headLength);
                    buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                    headLength += take;
                }
                md5.AppendData(buffer, 0, n);
                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                done += n;
                if (progress is not null && clock.Elapsed - lastReport >= TimeSpan.FromMilliseconds(100))
                {
                    lastReport = clock.Elapsed;
                    progress.Report(new DownloadProgress(file.Name, done, total, done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3), "verify"));
                }
            }
        }
        progress?.Report(new DownloadProgress(file.Name, done, Math.Max(total, done), done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3), "verify"));
        var actual = Convert.ToHexStringLower(md5.GetHashAndReset());
        if (!string.Equals(actual, file.Md5, StringComparison.OrdinalIgnoreCase))
        {
            var hint = MismatchHint(file, done, actual, head.AsSpan(0, headLength));
            throw new InvalidDataException($"{source}: its MD5 is {actual}, not the published {file.Md5.ToLowerInvariant()} of {file.Name}{hint}{(hint.EndsWith('?') ? "" : ".")} Nothing was installed.");
        }
    }

    /// <summary>
    /// Why a file's checksum likely failed, from what was read: another known file, no gzip file at all (a web page saved
    /// under the name), an IDX file recompressed without its stored name, fewer bytes than the official file (an interrupted
    /// download), more, or the same number.
    /// </summary>
    internal static string MismatchHint(RemoteFile file, long length, string actualMd5, ReadOnlySpan<byte> head)
    {
        var c = CultureInfo.InvariantCulture;
        if (RemoteDataSet.OfChecksum(actualMd5) is var (set, other))
            return $": it is {DataLocations.DisplayName(set.Kind)}'s official {other.Name}";
        bool archive = file.Name.EndsWith(".gz", StringComparison.Ordinal);
        if (archive && !DataFile.IsGzip(head))
        {
            var text = head.Length > 0 && head[0] == (byte)'<' ? ", perhaps a web page (an error or sign-in page) saved under its name" : "";
            return length == 0 ? ": it is empty" : $": it is not a gzip file at all{text}";
        }
        if (file.Size is long size)
        {
            // The official IDX files' gzip headers store the file's name (FNAME); a copy recompressed without it, as Debian's
            // dataset-fashion-mnist package ships them, is exactly that name and its NUL shorter: no partial download.
            if (archive && file.Name.EndsWith("-ubyte.gz", StringComparison.Ordinal) && head.Length > 3 && (head[3] & 0x08) == 0
                && length == size - (file.Name.Length - ".gz".Length + 1))
                return string.Create(c, $": it has {length:N0} of the official file's {size:N0} bytes, short by exactly the file name the official gzip header stores, which its own lacks: the same data recompressed (as Debian's dataset-fashion-mnist package ships it), which no published MD5 vouches for; 'backprop train --dataset NAME --data-dir FOLDER' reads such files where they are");
            if (length < size)
                return string.Create(c, $": it has {length:N0} of the official file's {size:N0} bytes: a partial or interrupted download?");
            if (length > size)
                return string.Create(c, $": it has {length:N0} bytes, the official file {size:N0} (another file under its name?)");
            return ": it has the official file's size but other bytes (damaged in a copy or on the disk?)";
        }
        return ": a partial download, or another file under its name?";
    }

    /// <summary>Reading a source file failed: said as such, not as a failure to write the data folder.</summary>
    private sealed class SourceReadException(string message, Exception inner) : IOException(message, inner);
}
