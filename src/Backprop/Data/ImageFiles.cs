using SkiaSharp;

namespace Backprop.Data;

/// <summary>
/// Ordinary picture files (PNG, JPEG, BMP, GIF, WebP) as a data set's images: the centre square cropped (torchvision's
/// <c>Resize</c> + <c>CenterCrop</c>), scaled to the data set's size, in its channels (RGB, or grey by ITU-R BT.601
/// luma as PIL's <c>convert('L')</c>), channel-first, pixel values 0–255.
/// </summary>
public static class ImageFiles
{
    /// <summary>File extensions read as pictures.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>Whether <paramref name="path"/> names a picture by its extension.</summary>
    public static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path ?? throw new ArgumentNullException(nameof(path))).ToLowerInvariant());

    /// <summary>
    /// The pictures to read for <paramref name="path"/>: the file itself, or a folder's pictures in name order.
    /// </summary>
    /// <exception cref="ArgumentException">The folder holds no picture.</exception>
    public static string[] Find(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Directory.Exists(path)) return [path];
        var files = Directory.GetFiles(path).Where(IsImage).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
            throw new ArgumentException($"The folder '{path}' holds no picture ({string.Join(", ", Extensions)}).", nameof(path));
        return files;
    }

    /// <summary>
    /// Reads <paramref name="paths"/> as (N, C, H, W) uint8 images of <paramref name="shape"/> (C, H, W), C = 3 (RGB)
    /// or 1 (grey). A picture already of size H × W is taken pixel for pixel.
    /// </summary>
    /// <exception cref="ArgumentException">The shape has another channel count.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not a picture SkiaSharp can decode.</exception>
    public static NpyArray Load(IReadOnlyList<string> paths, IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count != 3 || shape[0] is not (1 or 3) || shape[1] < 1 || shape[2] < 1)
            throw new ArgumentException($"Pictures become (C, H, W) images with C = 1 or 3; got ({string.Join(", ", shape)}).", nameof(shape));
        int c = shape[0], h = shape[1], w = shape[2], plane = h * w;
        var pixels = new byte[paths.Count * c * plane];
        for (int i = 0; i < paths.Count; i++)
        {
            using var image = Scaled(paths[i], w, h);
            var span = pixels.AsSpan(i * c * plane, c * plane);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    var p = image.GetPixel(x, y);
                    int at = y * w + x;
                    if (c == 1) span[at] = Luma(p);
                    else
                    {
                        span[at] = p.Red;
                        span[plane + at] = p.Green;
                        span[2 * plane + at] = p.Blue;
                    }
                }
        }
        return new NpyArray(pixels, paths.Count, c, h, w);
    }

    /// <summary>
    /// The most pixels a picture may have (64 million, 256 MB decoded): a file of a few hundred bytes can claim
    /// 20000 × 20000, and a decoder takes its word (PIL stops at about 179 million).
    /// </summary>
    public const long MaxPixels = 64L << 20;

    /// <summary>PIL's <c>L = R·299/1000 + G·587/1000 + B·114/1000</c>, rounded.</summary>
    private static byte Luma(SKColor p) => (byte)((p.Red * 299 + p.Green * 587 + p.Blue * 114 + 500) / 1000);

    /// <summary>
    /// The whole picture, as <c>SKBitmap.Decode</c> gives it, except that a file cut short or damaged is an error (the
    /// decoder otherwise fills what it could not read and reports success), a picture past <see cref="MaxPixels"/> is
    /// refused before its pixels are allocated, and a JPEG's EXIF orientation is applied (a phone's portrait photo is
    /// stored sideways; viewers, and so the user, see it upright).
    /// </summary>
    private static SKBitmap Decode(string path)
    {
        RegularFile.Require(path);
        // Said as it is: the decoder calls an empty file "Unimplemented".
        if (new FileInfo(path) is { Exists: true, Length: 0 }) throw new InvalidDataException($"'{path}' is empty (0 bytes), not a picture.");
        using var codec = SKCodec.Create(path, out var status)
            ?? throw new InvalidDataException($"'{path}' is not a picture this reader can decode (PNG, JPEG, BMP, GIF or WebP; the decoder says {status}).");
        if ((long)codec.Info.Width * codec.Info.Height > MaxPixels)
            throw new InvalidDataException($"'{path}' is {codec.Info.Width} × {codec.Info.Height} pixels, more than the {MaxPixels / (1 << 20)} million this reader takes; shrink it first.");
        var info = codec.Info.WithColorType(SKImageInfo.PlatformColorType);
        if (info.AlphaType == SKAlphaType.Unpremul) info = info.WithAlphaType(SKAlphaType.Premul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new InvalidDataException(result == SKCodecResult.IncompleteInput
                ? $"'{path}' is cut short: the picture's data ends before its last row."
                : $"'{path}' could not be decoded ({result}).");
        }
        return Upright(bitmap, codec.EncodedOrigin);
    }

    /// <summary><paramref name="stored"/> turned as its EXIF orientation says (disposed when a new bitmap is made).</summary>
    private static SKBitmap Upright(SKBitmap stored, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return stored;
        float w = stored.Width, h = stored.Height;
        // Where stored pixel (x, y) goes: x' = a·x + b·y + c, y' = d·x + e·y + f.
        var (a, b, c, d, e, f) = origin switch
        {
            SKEncodedOrigin.TopRight => (-1f, 0f, w, 0f, 1f, 0f),       // mirrored
            SKEncodedOrigin.BottomRight => (-1f, 0f, w, 0f, -1f, h),    // upside down
            SKEncodedOrigin.BottomLeft => (1f, 0f, 0f, 0f, -1f, h),     // mirrored vertically
            SKEncodedOrigin.LeftTop => (0f, 1f, 0f, 1f, 0f, 0f),        // transposed
            SKEncodedOrigin.RightTop => (0f, -1f, h, 1f, 0f, 0f),       // turn 90° clockwise
            SKEncodedOrigin.RightBottom => (0f, -1f, h, -1f, 0f, w),    // transverse
            _ => (0f, 1f, 0f, -1f, 0f, w),                              // LeftBottom: turn 90° anticlockwise
        };
        bool turned = origin >= SKEncodedOrigin.LeftTop;
        var upright = new SKBitmap(new SKImageInfo(turned ? stored.Height : stored.Width, turned ? stored.Width : stored.Height, stored.ColorType, stored.AlphaType));
        using (var canvas = new SKCanvas(upright))
        {
            canvas.SetMatrix(new SKMatrix(a, b, c, d, e, f, 0, 0, 1));
            canvas.DrawBitmap(stored, 0, 0);
        }
        stored.Dispose();
        return upright;
    }

    /// <summary>The picture's centre square scaled to <paramref name="w"/> × <paramref name="h"/>, opaque RGBA.</summary>
    private static SKBitmap Scaled(string path, int w, int h)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The picture '{path}' does not exist.", path);
        using var decoded = Decode(path);
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul);
        var result = new SKBitmap(info);
        using var canvas = new SKCanvas(result);
        canvas.Clear(SKColors.Black);   // opaque: transparent pixels count as black
        if (decoded.Width == w && decoded.Height == h)
        {
            canvas.DrawBitmap(decoded, 0, 0);
            return result;
        }
        // The largest centred region of the target's aspect ratio, then one resampling with mipmaps (photographs
        // are shrunk many times over; without them a 32 × 32 sample aliases).
        double scale = Math.Min((double)decoded.Width / w, (double)decoded.Height / h);
        float cw = (float)(w * scale), ch = (float)(h * scale);
        var source = SKRect.Create((decoded.Width - cw) / 2, (decoded.Height - ch) / 2, cw, ch);
        using var img = SKImage.FromBitmap(decoded);
        canvas.DrawImage(img, source, SKRect.Create(0, 0, w, h), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        return result;
    }
}
