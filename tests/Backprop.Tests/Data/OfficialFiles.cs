using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Backprop.Data;

namespace Backprop.Tests.Data;

/// <summary>
/// Stand-ins for the official files a user has: a <c>cifar-10-python.tar.gz</c> in the official layout
/// (<c>cifar-10-batches-py/…</c>) built from the shared subset's pickles, and Fashion-MNIST's four .gz files copied from
/// Debian's package; each with data sets holding their own checksums, as the download tests serve their own archives.
/// </summary>
internal static class OfficialFiles
{
    private static readonly Lazy<byte[]> CifarArchive = new(BuildCifarPythonArchive);

    /// <summary>The subset's six batches, <c>batches.meta</c> and <c>readme.html</c> under <c>cifar-10-batches-py/</c>, as a tar.gz (about 17 MB).</summary>
    public static byte[] CifarPythonArchive => CifarArchive.Value;

    /// <summary>Writes <see cref="CifarPythonArchive"/> as <paramref name="path"/> (its folder made) and returns the path.</summary>
    public static string WriteCifarPythonArchive(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, CifarPythonArchive);
        return path;
    }

    /// <summary>CIFAR-10 (python) with the checksum of <see cref="CifarPythonArchive"/> in place of the published one.</summary>
    public static RemoteDataSet CifarPython => WithChecksums(RemoteDataSet.Cifar10Python, _ => CifarPythonArchive);

    /// <summary>Copies Fashion-MNIST's four .gz files (Debian's copies) into <paramref name="folder"/> and returns it.</summary>
    public static string CopyFashionMnist(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in RemoteDataSet.FashionMnist.Files)
            File.Copy(Path.Combine(TestData.FashionMnistDir, file.Name), Path.Combine(folder, file.Name));
        return folder;
    }

    /// <summary>Fashion-MNIST with the checksums of Debian's copies (which differ from the published ones in their gzip header).</summary>
    public static RemoteDataSet FashionMnist => WithChecksums(RemoteDataSet.FashionMnist, f => File.ReadAllBytes(Path.Combine(TestData.FashionMnistDir, f.Name)));

    /// <summary><paramref name="set"/> with each file's MD5 that of <paramref name="bytes"/>, sizes unknown.</summary>
    public static RemoteDataSet WithChecksums(RemoteDataSet set, Func<RemoteFile, byte[]> bytes) =>
        set with { Files = set.Files.Select(f => new RemoteFile(f.Name, Md5(bytes(f)))).ToList() };

    public static string Md5(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    private static byte[] BuildCifarPythonArchive()
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Ustar, leaveOpen: true))
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.Directory, "cifar-10-batches-py/"));
            foreach (var name in Cifar10.BatchFileNames(Cifar10Format.Python).Append("batches.meta").Append("readme.html"))
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "cifar-10-batches-py/" + name)
                {
                    DataStream = new MemoryStream(File.ReadAllBytes(Path.Combine(TestData.Cifar10PythonDir, name))),
                });
        }
        return ms.ToArray();
    }
}
