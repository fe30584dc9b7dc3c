using Backprop.Data;

namespace Backprop.Tests.Data;

/// <summary>
/// A null path or name given to the data readers is an ArgumentNullException naming the caller's parameter: before, most
/// came out of Path.Combine naming 'path1' or 'path', or as a NullReferenceException from inside.
/// </summary>
public class NullArgumentTests
{
    private const string Folder = "/nonexistent-backprop-folder";

    public static TheoryData<string, Func<object?>> Calls => new()
    {
        { "dir", () => Cifar10.DetectFormat(null!) },
        { "archive", () => DataLocations.ExtractionFolder(DataSetKind.FashionMnist, null!) },
        { "dir", () => DataLocations.IdxKindByChecksum(null!) },
        { "dir", () => DataLocations.IdxChecksum(null!) },
        { "dir", () => DataLocations.IsComplete(DataSetKind.Cifar10Python, null!) },
        { "folder", () => FolderLock.TryAcquire(null!) },
        { "folder", () => FolderLock.Acquire(null!) },
        { "folder", () => FolderLock.IsHeldByAnother(null!) },
        { "entry", () => FolderLock.IsLockFile(null!) },
        { "imagesPath", () => Idx.Load(null!, Folder + "/labels") },
        { "labelsPath", () => Idx.Load(Folder + "/images", null!) },
        { "dir", () => Idx.HoldsAnyStandardFile(null!) },
        { "dir", () => Idx.FindStandardFile(null!, "train-images-idx3-ubyte") },
        { "name", () => Idx.FindStandardFile(Folder, null!) },
        { "path", () => ImageFiles.IsImage(null!) },
        { "cifar10Dir", () => Preprocessing.GetCifar10Data<float>(null!) },
        { "fileName", () => RemoteDataSet.OfArchiveName(null!) },
        { "file", () => RemoteDataSet.FashionMnist.UrlOf(null!) },
        { "dataRoot", () => RemoteDataSet.FashionMnist.OtherWays(null!) },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void NullArgument_IsNamed(string parameter, Func<object?> call)
    {
        var e = Assert.Throws<ArgumentNullException>(call);
        Assert.Equal(parameter, e.ParamName);
    }

    [Fact]
    public async Task Downloads_NameANullDestination_BeforeAnythingElse()
    {
        using var downloader = new Downloader();
        var e = await Assert.ThrowsAsync<ArgumentNullException>(() => downloader.DownloadFileAsync(new Uri("http://127.0.0.1:9/x"), null!));
        Assert.Equal("destinationPath", e.ParamName);
        // The source folder was read (and found missing) before a null data folder was noticed.
        var install = await Assert.ThrowsAsync<ArgumentNullException>(() => downloader.InstallFromAsync(RemoteDataSet.FashionMnist, Folder, null!));
        Assert.Equal("dataRoot", install.ParamName);
    }
}
