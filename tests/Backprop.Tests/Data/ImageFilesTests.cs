using Backprop.Data;
using SkiaSharp;

namespace Backprop.Tests.Data;

public class ImageFilesTests
{
    /// <summary>PNG bytes of a channel-first (C, H, W) image (C = 3) or a function of (x, y).</summary>
    internal static byte[] Png(int w, int h, Func<int, int, SKColor> colour, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) bmp.SetPixel(x, y, colour(x, y));
        using var data = bmp.Encode(format, 100);
        return data.ToArray();
    }

    /// <summary>PNG bytes of image <paramref name="i"/> of a channel-first RGB set.</summary>
    internal static byte[] Png(ImageSet set, int i)
    {
        int plane = set.Height * set.Width, at = i * set.SampleSize;
        return Png(set.Width, set.Height, (x, y) => new SKColor(set.Pixels[at + y * set.Width + x],
            set.Pixels[at + plane + y * set.Width + x], set.Pixels[at + 2 * plane + y * set.Width + x]));
    }

    [Fact]
    public void PicturesOfTheDataSetsSize_AreReadPixelForPixel()
    {
        using var tmp = new TempDir();
        var (_, test) = Cifar10.Load(TestData.Cifar10BinaryDir);
        var files = Enumerable.Range(0, 5).Select(i => tmp.Write($"{i}.png", Png(test, i))).ToArray();
        var images = ImageFiles.Load(files, [3, 32, 32]);
        Assert.Equal([5, 3, 32, 32], images.ShapeArray());
        Assert.Equal(NpyDType.UInt8, images.DType);
        Assert.Equal(test.Pixels.AsSpan(0, 5 * 3072).ToArray(), (byte[])images.Data);
    }

    [Fact]
    public void OtherSizes_AreCentreCroppedAndScaled_ChannelsFirst()
    {
        using var tmp = new TempDir();
        // 64 × 48, red left of x = 32, green right of it: the centre 48 × 48 square keeps x 8..55, red in its left half.
        var file = tmp.Write("wide.png", Png(64, 48, (x, _) => x < 32 ? SKColors.Red : SKColors.Lime));
        var img = (byte[])ImageFiles.Load([file], [3, 32, 32]).Data;
        int R(int y, int x) => img[y * 32 + x];
        int G(int y, int x) => img[1024 + y * 32 + x];
        int B(int y, int x) => img[2048 + y * 32 + x];
        Assert.Equal((255, 0, 0), (R(10, 2), G(10, 2), B(10, 2)));
        Assert.Equal((0, 255, 0), (R(20, 29), G(20, 29), B(20, 29)));
        Assert.Equal((255, 0), (R(31, 14), G(31, 14)));
        Assert.Equal((0, 255), (R(0, 17), G(0, 17)));

        // Grey: PIL's luma of pure red is 76; white stays 255; a JPEG is read too.
        var red = tmp.Write("red.png", Png(10, 10, (_, _) => SKColors.Red));
        var white = tmp.Write("white.jpg", Png(56, 56, (_, _) => SKColors.White, SKEncodedImageFormat.Jpeg));
        var grey = (byte[])ImageFiles.Load([red, white], [1, 28, 28]).Data;
        Assert.All(grey.AsSpan(0, 784).ToArray(), v => Assert.Equal(76, v));
        Assert.All(grey.AsSpan(784, 784).ToArray(), v => Assert.Equal(255, v));
    }

    [Fact]
    public void Folders_GiveTheirPicturesInNameOrder_AndBadFilesAreNamed()
    {
        using var tmp = new TempDir();
        tmp.Write("pics/b.png", Png(4, 4, (_, _) => SKColors.Blue));
        tmp.Write("pics/a.JPG", Png(4, 4, (_, _) => SKColors.Blue, SKEncodedImageFormat.Jpeg));
        tmp.Write("pics/notes.txt", [1, 2, 3]);
        Assert.Equal([tmp.File("pics/a.JPG"), tmp.File("pics/b.png")], ImageFiles.Find(tmp.File("pics")));
        Assert.Equal([tmp.File("x.png")], ImageFiles.Find(tmp.File("x.png")));

        Directory.CreateDirectory(tmp.File("empty"));
        Assert.Contains("holds no picture", Assert.Throws<ArgumentException>(() => ImageFiles.Find(tmp.File("empty"))).Message);
        var fake = tmp.Write("fake.png", "not a picture"u8.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => ImageFiles.Load([fake], [3, 32, 32]));
        Assert.Contains("fake.png", e.Message);
        Assert.Throws<FileNotFoundException>(() => ImageFiles.Load([tmp.File("missing.png")], [3, 32, 32]));
        Assert.Throws<ArgumentException>(() => ImageFiles.Load([fake], [2, 32, 32]));
        var empty = tmp.Write("empty.png", []);
        Assert.Equal($"'{empty}' is empty (0 bytes), not a picture.", Assert.Throws<InvalidDataException>(() => ImageFiles.Load([empty], [3, 32, 32])).Message);
    }

    [Fact]
    public void PicturesCutShort_AreRefused_NotFilledIn()
    {
        using var tmp = new TempDir();
        var rng = new Random(3);   // noise, so the compressed data spans the rows
        var whole = Png(32, 32, (_, _) => new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
        var full = tmp.Write("full.png", whole);
        Assert.Equal("(1, 3, 32, 32)", ImageFiles.Load([full], [3, 32, 32]).ShapeString);
        var half = tmp.Write("half.png", whole[..(whole.Length / 2)]);
        Assert.Contains("half.png' is cut short", Assert.Throws<InvalidDataException>(() => ImageFiles.Load([half], [3, 32, 32])).Message);
        var header = tmp.Write("header.png", whole[..60]);
        Assert.Contains("header.png", Assert.Throws<InvalidDataException>(() => ImageFiles.Load([header], [3, 32, 32])).Message);
    }

    [Fact]
    public void APictureClaimingTooManyPixels_IsRefusedBeforeItsPixelsAreAllocated()
    {
        // A valid PNG header saying 20000 × 20000 (400 million pixels, 1.6 GB decoded) in a file of a few dozen bytes.
        using var tmp = new TempDir();
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, 20000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), 20000);
        ihdr[8] = 8;   // 8-bit grey
        static byte[] Chunk(string type, byte[] data)
        {
            var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            var chunk = new byte[8 + data.Length + 4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
            typed.CopyTo(chunk, 4);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), System.IO.Hashing.Crc32.HashToUInt32(typed));
            return chunk;
        }
        var row = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(row, System.IO.Compression.CompressionLevel.Optimal)) z.Write(new byte[20001]);   // one row
        var bomb = tmp.Write("bomb.png", [.. new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, .. Chunk("IHDR", ihdr), .. Chunk("IDAT", row.ToArray()), .. Chunk("IEND", [])]);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<InvalidDataException>(() => ImageFiles.Load([bomb], [3, 32, 32]));
        Assert.Contains("bomb.png' is 20000 × 20000 pixels, more than the 64 million this reader takes", e.Message);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 16 << 20);
    }

    [Fact]
    public void AJpegsExifOrientation_IsApplied_AsViewersShowIt()
    {
        // Stored 32 wide × 16 high, white left half, black right half, tagged "rotate 90° clockwise to view" (6), as
        // a phone stores a portrait photo: seen upright it is 16 wide × 32 high, white on top.
        using var tmp = new TempDir();
        var jpeg = Png(32, 16, (x, _) => x < 16 ? SKColors.White : SKColors.Black, SKEncodedImageFormat.Jpeg);
        byte[] exif = [0xFF, 0xE1, 0x00, 0x22, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
                       (byte)'I', (byte)'I', 0x2A, 0x00, 0x08, 0, 0, 0,   // TIFF header, little-endian, IFD at 8
                       0x01, 0x00,                                         // one entry
                       0x12, 0x01, 0x03, 0x00, 0x01, 0, 0, 0, 0x06, 0, 0, 0,   // Orientation (0x0112), SHORT, 1, value 6
                       0, 0, 0, 0];                                        // no next IFD
        var tagged = tmp.Write("portrait.jpg", [.. jpeg[..2], .. exif, .. jpeg[2..]]);
        var grey = (byte[])ImageFiles.Load([tagged], [1, 32, 16]).Data;   // (1, 32 high, 16 wide): no scaling
        Assert.True(grey[0] > 200 && grey[15] > 200, $"top row {grey[0]}, {grey[15]}: should be white");
        Assert.True(grey[31 * 16] < 50 && grey[31 * 16 + 15] < 50, $"bottom row {grey[31 * 16]}, {grey[31 * 16 + 15]}: should be black");
    }
}
