using System.Text;

namespace Backprop.Data;

/// <summary>One entry of a tar archive, as <see cref="TarStreamReader"/> reads it.</summary>
/// <param name="Type">The type flag: '0' (file), '5' (folder), or any other flag the caller will refuse.</param>
/// <param name="Name">The entry name (a PAX <c>path</c> or GNU long name when there is one).</param>
/// <param name="Size">The data size in bytes.</param>
internal readonly record struct TarStreamEntry(char Type, string Name, long Size);

/// <summary>
/// A minimal streaming reader of tar archives (POSIX ustar and pax, GNU, and old V7 headers) that allocates nothing in
/// proportion to what a header claims.
/// </summary>
/// <remarks>
/// System.Formats.Tar's reader buffers a whole PAX or GNU long-name record of the size its header states, so a
/// 127-byte archive claiming a 33 MB long name made it allocate 67 MB (found by the fuzz harness); this reader limits
/// such records to <see cref="MaxMetadataBytes"/> and streams everything else. Header checksums are verified; sizes may be
/// octal text or GNU base-256. PAX records apply <c>path</c> and <c>size</c>; other keys are ignored. The archive must
/// end with its end-of-archive marker (a zero block): an archive cut anywhere before it is refused as truncated.
/// </remarks>
internal sealed class TarStreamReader(Stream stream, string source)
{
    /// <summary>Largest PAX or GNU long-name record accepted.</summary>
    public const int MaxMetadataBytes = 1 << 20;

    private readonly byte[] _header = new byte[512];
    private long _position;        // bytes consumed from the archive
    private long _dataLeft;        // unread data bytes of the current entry
    private int _padding;          // padding after the current entry's data
    private bool _ended;
    private byte[]? _scratch;      // for skipping data and padding

    /// <summary>The next file, folder or other entry, with PAX and GNU metadata records applied; null at the end.</summary>
    public TarStreamEntry? Next()
    {
        SkipRest();
        string? longName = null;
        long? paxSize = null;
        string? paxPath = null;
        for (int guard = 0; ; guard++)
        {
            if (_ended) return null;
            long headerAt = _position;
            int n = DataFile.ReadUpTo(stream, _header);
            _position += n;
            if (n == 0) throw DataFile.Invalid(source, headerAt, "the archive ends without its end-of-archive marker (it is truncated).");
            if (n < 512) throw DataFile.Invalid(source, headerAt, $"the archive ends inside a 512-byte header ({n} bytes).");
            if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
            {
                // The end-of-archive marker; what follows (a second zero block, padding) is not read.
                if (longName is not null || paxPath is not null || paxSize is not null)
                    throw DataFile.Invalid(source, headerAt, "the archive ends right after a metadata record.");
                _ended = true;
                return null;
            }
            VerifyChecksum(headerAt);
            char type = (char)_header[156];
            long size = ParseNumber(_header.AsSpan(124, 12), headerAt + 124, "size");
            bool isUstar = _header.AsSpan(257, 6).SequenceEqual("ustar\0"u8);
            string name = Text(_header.AsSpan(0, 100), headerAt, "name");
            if (isUstar && _header[345] != 0) name = Text(_header.AsSpan(345, 155), headerAt + 345, "name prefix") + "/" + name;

            switch (type)
            {
                case 'x' or 'g' or 'L' or 'K':
                {
                    if (guard > 16) throw DataFile.Invalid(source, headerAt, "more than 16 metadata records in a row.");
                    if (size > MaxMetadataBytes)
                        throw DataFile.Invalid(source, headerAt + 124, $"a {Describe(type)} record of {size} bytes; at most {MaxMetadataBytes} are accepted.");
                    var data = ReadMetadata((int)size, headerAt);
                    if (type == 'x') ApplyPax(data, headerAt, ref paxPath, ref paxSize);
                    else if (type == 'L') longName = Text(data, headerAt, "GNU long name");
                    continue; // 'g' (global attributes) and 'K' (long link name) change nothing that is extracted
                }
                default:
                {
                    if (paxSize is long ps) size = ps;
                    name = paxPath ?? longName ?? name;
                    _dataLeft = size;
                    _padding = (int)((512 - size % 512) % 512);
                    return new TarStreamEntry(type, name, size);
                }
            }
        }
    }

    /// <summary>Reads the current entry's data; 0 at its end. A truncated archive is an <see cref="InvalidDataException"/>.</summary>
    public int Read(Span<byte> buffer)
    {
        if (_dataLeft == 0) return 0;
        int want = (int)Math.Min(buffer.Length, _dataLeft);
        int n = stream.Read(buffer[..want]);
        if (n == 0) throw DataFile.Invalid(source, _position, $"the archive ends inside an entry's data ({_dataLeft} bytes missing).");
        _position += n;
        _dataLeft -= n;
        return n;
    }

    private void SkipRest()
    {
        if (_dataLeft == 0 && _padding == 0) return;
        var scratch = _scratch ??= new byte[1 << 13];
        long left = _dataLeft + _padding;
        while (left > 0)
        {
            int n = stream.Read(scratch, 0, (int)Math.Min(scratch.Length, left));
            if (n == 0) throw DataFile.Invalid(source, _position, left > _padding ? "the archive ends inside an entry's data." : "the archive ends inside the padding after an entry's data.");
            _position += n;
            left -= n;
        }
        _dataLeft = 0;
        _padding = 0;
    }

    private byte[] ReadMetadata(int size, long headerAt)
    {
        var data = DataFile.ReadClaimed(stream, size, out long got);
        _position += got;
        if (got < size) throw DataFile.Invalid(source, _position, $"the archive ends inside a {size}-byte metadata record.");
        _dataLeft = 0;
        _padding = (512 - size % 512) % 512;
        SkipRest();
        return data.Length == size ? data : data[..size];
    }

    /// <summary>Applies the <c>path</c> and <c>size</c> records of a PAX header ("%d %s=%s\n" each).</summary>
    private void ApplyPax(byte[] data, long headerAt, ref string? path, ref long? size)
    {
        int pos = 0;
        while (pos < data.Length)
        {
            if (data[pos] == 0) break; // NUL padding after the records
            int space = data.AsSpan(pos).IndexOf((byte)' ');
            if (space <= 0 || space > 10 || !long.TryParse(data.AsSpan(pos, space), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long length)
                || length <= space + 1 || length > data.Length - pos || data[pos + (int)length - 1] != (byte)'\n')
                throw DataFile.Invalid(source, headerAt, "a PAX extended header record is malformed.");
            var record = data.AsSpan(pos + space + 1, (int)length - space - 2);
            int eq = record.IndexOf((byte)'=');
            if (eq <= 0) throw DataFile.Invalid(source, headerAt, "a PAX extended header record has no key.");
            var key = record[..eq];
            var value = record[(eq + 1)..];
            if (key.SequenceEqual("path"u8)) path = Text(value, headerAt, "PAX path");
            else if (key.SequenceEqual("size"u8))
            {
                if (value.Length == 0 || value.Length > 18 || !long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long s))
                    throw DataFile.Invalid(source, headerAt, "the PAX size record is not a number.");
                size = s;
            }
            pos += (int)length;
        }
    }

    private void VerifyChecksum(long headerAt)
    {
        long stored = ParseNumber(_header.AsSpan(148, 8), headerAt + 148, "checksum");
        long unsigned = 0, signed = 0;
        for (int i = 0; i < 512; i++)
        {
            byte b = i is >= 148 and < 156 ? (byte)' ' : _header[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        if (stored != unsigned && stored != signed)
            throw DataFile.Invalid(source, headerAt + 148, $"the header checksum is {stored} but the header sums to {unsigned}.");
    }

    /// <summary>An octal text field (NUL- or space-terminated, leading spaces allowed) or a GNU base-256 number.</summary>
    private long ParseNumber(ReadOnlySpan<byte> field, long offset, string what)
    {
        if ((field[0] & 0x80) != 0)
        {
            if (field[0] == 0xff) throw DataFile.Invalid(source, offset, $"the {what} field is negative.");
            long v = field[0] & 0x7f;
            foreach (var b in field[1..])
            {
                if (v > (long.MaxValue >> 8)) throw DataFile.Invalid(source, offset, $"the {what} field is too large.");
                v = (v << 8) | b;
            }
            return v;
        }
        int i = 0;
        while (i < field.Length && field[i] == ' ') i++;
        long value = 0;
        int digits = 0;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++, digits++)
        {
            if (digits >= 21) throw DataFile.Invalid(source, offset, $"the {what} field is too large.");
            value = value * 8 + (field[i] - '0');
        }
        for (; i < field.Length; i++)
            if (field[i] is not (0 or (byte)' ')) throw DataFile.Invalid(source, offset, $"the {what} field is not an octal number.");
        if (digits == 0 && what == "checksum") throw DataFile.Invalid(source, offset, "the header has no checksum.");
        return value;
    }

    private string Text(ReadOnlySpan<byte> field, long offset, string what)
    {
        int end = field.IndexOf((byte)0);
        var bytes = end < 0 ? field : field[..end];
        try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException) { throw DataFile.Invalid(source, offset, $"the {what} is not valid UTF-8."); }
    }

    private static string Describe(char type) => type switch
    {
        'x' => "PAX extended header",
        'g' => "PAX global header",
        'L' => "GNU long name",
        _ => "GNU long link name",
    };
}
