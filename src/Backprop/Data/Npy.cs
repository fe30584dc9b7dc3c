using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using Backprop.Tensors;

namespace Backprop.Data;

/// <summary>
/// NumPy's <c>.npy</c> format (<c>np.save</c> / <c>np.load</c>), versions 1.0, 2.0 and 3.0, for little-endian, C-order
/// arrays of uint8, int32, int64, float32 and float64.
/// </summary>
/// <remarks>
/// The reader accepts only that: Fortran-order, big-endian, object (pickled), structured and other dtypes are refused
/// with an <see cref="InvalidDataException"/>, and so is a header whose shape does not match the number of bytes that
/// follow it — checked before anything is allocated. The writer produces byte-for-byte what NumPy 1.24 writes.
/// </remarks>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Headers longer than this are refused (NumPy 1.24 refuses more than 10,000 bytes by default).</summary>
    internal const int MaxHeaderLength = 65536;

    /// <summary>NumPy allows at most 64 dimensions (32 before NumPy 2).</summary>
    internal const int MaxRank = 64;

    private const int ArrayAlign = 64;
    private const int GrowthAxisMaxDigits = 21;

    // ---- reading ----------------------------------------------------------------------------------------------------

    /// <summary>Reads a .npy file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">Its folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a .npy file this reader accepts (the message names the field and the problem).</exception>
    public static NpyArray Load(string path) => Parse(DataFile.ReadAllBytes(path), path);

    /// <summary>Loads a .npy file as a float32 or float64 <see cref="NDArray{T}"/> (any supported dtype is converted).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a .npy file this reader accepts.</exception>
    public static NDArray<T> Load<T>(string path) where T : unmanaged, IFloatingPointIeee754<T> => Load(path).ToNDArray<T>();

    /// <summary>Decodes a complete .npy image held in memory; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a .npy file this reader accepts.</exception>
    public static NpyArray Parse(ReadOnlySpan<byte> bytes, string source)
    {
        var header = ReadHeader(bytes, source);
        long available = bytes.Length - header.DataOffset;
        if (header.DataLength != available)
            throw DataFile.Invalid(source, header.DataOffset, header.DataLength > available
                ? $"the header claims shape {Shape(header.Shape)} of {header.Descr} ({header.DataLength} bytes of data) but only {available} bytes follow it."
                : $"{available - header.DataLength} bytes follow the {header.DataLength} bytes of data that shape {Shape(header.Shape)} of {header.Descr} needs.");
        return NpyArray.FromLittleEndianBytes(header.DType, header.Shape, bytes.Slice(header.DataOffset, (int)header.DataLength));
    }

    /// <summary>What a .npy header says: dtype, shape, where the data starts and how many bytes it needs.</summary>
    internal readonly record struct NpyHeader(NpyDType DType, string Descr, int[] Shape, int DataOffset, long DataLength, int Major);

    /// <summary>
    /// Parses the magic string, version, header length and header dictionary at the start of <paramref name="bytes"/>
    /// (which may hold only the beginning of the file).
    /// </summary>
    internal static NpyHeader ReadHeader(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 10)
            throw DataFile.Invalid(source, 0, $"{bytes.Length} bytes are too few for a .npy header (at least 10).");
        if (!bytes[..6].SequenceEqual(Magic))
            throw DataFile.Invalid(source, 0, $"not a .npy file: it starts with {Hex(bytes[..6])}, not the magic string 93 4E 55 4D 50 59 (\\x93NUMPY).");
        byte major = bytes[6], minor = bytes[7];
        if (major is < 1 or > 3 || minor != 0)
            throw DataFile.Invalid(source, 6, $"format version {major}.{minor} is not supported (1.0, 2.0 and 3.0 are).");
        int lengthFieldSize = major == 1 ? 2 : 4;
        if (bytes.Length < 8 + lengthFieldSize)
            throw DataFile.Invalid(source, 8, "the file ends inside the header length field.");
        long headerLength = major == 1
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        int headerStart = 8 + lengthFieldSize;
        if (headerLength > MaxHeaderLength)
            throw DataFile.Invalid(source, 8, $"the header length field says {headerLength} bytes; headers longer than {MaxHeaderLength} bytes are refused.");
        if (headerLength > bytes.Length - headerStart)
            throw DataFile.Invalid(source, 8, $"the header length field says {headerLength} bytes but only {bytes.Length - headerStart} bytes follow it.");
        var raw = bytes.Slice(headerStart, (int)headerLength);
        string text;
        if (major == 3)
        {
            try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(raw); }
            catch (DecoderFallbackException) { throw DataFile.Invalid(source, headerStart, "the version 3.0 header is not valid UTF-8."); }
        }
        else text = Encoding.Latin1.GetString(raw);

        var (descr, fortran, shape) = new HeaderParser(text, source, headerStart).ParseDictionary();
        var dtype = ParseDescr(descr, source, headerStart);
        if (fortran)
            throw DataFile.Invalid(source, headerStart, "Fortran-order (column-major) arrays are not supported; save a C-order array (np.ascontiguousarray).");
        long count = CountElements(shape, source, headerStart);
        int dataOffset = headerStart + (int)headerLength;
        return new NpyHeader(dtype, descr, shape, dataOffset, count * NpyArray.ItemSizeOf(dtype), major);
    }

    private static NpyDType ParseDescr(string descr, string source, long offset)
    {
        switch (descr)
        {
            case "|u1" or "<u1" or "u1": return NpyDType.UInt8;
            case "<i4": return NpyDType.Int32;
            case "<i8": return NpyDType.Int64;
            case "<f4": return NpyDType.Float32;
            case "<f8": return NpyDType.Float64;
        }
        string why = descr.Length > 0 && descr[0] == '>' ? "big-endian data is not supported (convert with arr.astype(arr.dtype.newbyteorder('<')))"
            : descr.Contains('O') ? "object arrays hold pickled Python objects and are never loaded"
            : "only uint8 (|u1), int32 (<i4), int64 (<i8), float32 (<f4) and float64 (<f8) are supported";
        throw DataFile.Invalid(source, offset, $"dtype '{Printable(descr)}': {why}.");
    }

    /// <summary>The product of the dimensions, refused if (the product of the non-zero ones) exceeds what a .NET array can hold.</summary>
    private static long CountElements(int[] shape, string source, long offset) =>
        DataFile.ElementCount(shape) ?? throw DataFile.Invalid(source, offset,
            $"shape {Shape(shape)} has more elements than this reader supports ({Array.MaxLength}; zero dimensions aside).");

    /// <summary>
    /// A strict parser of the Python dict literal NumPy writes: exactly the keys 'descr' (a string), 'fortran_order'
    /// (True/False) and 'shape' (a tuple of non-negative ints), in any order, then only spaces and a newline.
    /// </summary>
    private ref struct HeaderParser(string text, string source, long baseOffset)
    {
        private int _pos;

        public (string Descr, bool Fortran, int[] Shape) ParseDictionary()
        {
            string? descr = null;
            bool? fortran = null;
            int[]? shape = null;
            SkipSpace();
            Expect('{');
            while (true)
            {
                SkipSpace();
                if (Peek() == '}') { _pos++; break; }
                string key = ParseString();
                SkipSpace();
                Expect(':');
                SkipSpace();
                switch (key)
                {
                    case "descr":
                        if (descr is not null) throw Error("the key 'descr' appears twice.");
                        if (Peek() == '[') throw Error("structured (record) dtypes are not supported.");
                        descr = ParseString();
                        break;
                    case "fortran_order":
                        if (fortran is not null) throw Error("the key 'fortran_order' appears twice.");
                        fortran = ParseBool();
                        break;
                    case "shape":
                        if (shape is not null) throw Error("the key 'shape' appears twice.");
                        shape = ParseShape();
                        break;
                    default:
                        throw Error($"unexpected key '{Printable(key)}' (a .npy header has only 'descr', 'fortran_order' and 'shape').");
                }
                SkipSpace();
                if (Peek() == ',') { _pos++; continue; }
                SkipSpace();
                Expect('}');
                break;
            }
            // NumPy pads the header with spaces and ends it with '\n'.
            for (; _pos < text.Length; _pos++)
                if (text[_pos] is not (' ' or '\n' or '\r' or '\t' or '\0'))
                    throw Error($"unexpected character '{Printable(text[_pos].ToString())}' after the header dictionary.");
            if (descr is null) throw Error("the header has no 'descr' key.");
            if (fortran is null) throw Error("the header has no 'fortran_order' key.");
            if (shape is null) throw Error("the header has no 'shape' key.");
            return (descr, fortran.Value, shape);
        }

        private readonly char Peek() => _pos < text.Length ? text[_pos] : '\0';

        private void SkipSpace()
        {
            while (_pos < text.Length && text[_pos] is ' ' or '\t' or '\n' or '\r') _pos++;
        }

        private void Expect(char c)
        {
            if (Peek() != c)
                throw Error(_pos < text.Length ? $"expected '{c}' but found '{Printable(text[_pos].ToString())}'." : $"expected '{c}' but the header ends.");
            _pos++;
        }

        private string ParseString()
        {
            char quote = Peek();
            if (quote is not ('\'' or '"')) throw Error("expected a quoted string.");
            int start = ++_pos;
            while (_pos < text.Length && text[_pos] != quote)
            {
                if (text[_pos] == '\\') throw Error("escape sequences in header strings are not supported.");
                _pos++;
            }
            if (_pos >= text.Length) throw Error("a string in the header is not closed.");
            return text[start.._pos++];
        }

        private bool ParseBool()
        {
            if (string.CompareOrdinal(text, _pos, "True", 0, 4) == 0) { _pos += 4; return true; }
            if (string.CompareOrdinal(text, _pos, "False", 0, 5) == 0) { _pos += 5; return false; }
            throw Error("'fortran_order' must be True or False.");
        }

        private int[] ParseShape()
        {
            Expect('(');
            var dims = new List<int>();
            while (true)
            {
                SkipSpace();
                if (Peek() == ')') { _pos++; break; }
                dims.Add(ParseDimension());
                if (dims.Count > MaxRank) throw Error($"the shape has more than {MaxRank} dimensions.");
                SkipSpace();
                if (Peek() == ',') { _pos++; continue; }
                SkipSpace();
                Expect(')');
                // (3) is not a tuple in Python; NumPy always writes (3,).
                if (dims.Count == 1) throw Error("a one-dimensional shape must be written (n,), with a comma.");
                break;
            }
            return [.. dims];
        }

        private int ParseDimension()
        {
            if (_pos >= text.Length) throw Error("the header ends inside the shape.");
            int start = _pos;
            while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
            if (_pos == start) throw Error("a shape entry is not a non-negative integer.");
            var digits = text.AsSpan(start, _pos - start);
            if (Peek() == 'L') _pos++; // Python 2 long literal, e.g. (10L, 3L)
            if (digits.Length > 10 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
                throw Error($"the dimension {digits.ToString()} is larger than {int.MaxValue}.");
            return value;
        }

        private readonly InvalidDataException Error(string problem) =>
            DataFile.Invalid(source, baseOffset + _pos, $"in the header dictionary: {problem}");
    }

    // ---- writing ----------------------------------------------------------------------------------------------------

    /// <summary>Saves an array as a .npy file (float32 or float64 by <typeparamref name="T"/>), atomically.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The file could not be written (an existing file is left untouched).</exception>
    public static void Save<T>(string path, NDArray<T> array) where T : unmanaged, IFloatingPointIeee754<T> =>
        Save(path, NpyArray.FromNDArray(array));

    /// <summary>Saves a 1-D int64 array (e.g. the predictions of a leaderboard file), atomically.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The file could not be written (an existing file is left untouched).</exception>
    public static void Save(string path, long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Save(path, new NpyArray(values, values.Length));
    }

    /// <summary>
    /// Saves class labels or predictions (what <c>Solver.Predict</c> returns) as a 1-D int64 array, the dtype of NumPy's
    /// <c>argmax</c>, atomically.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The file could not be written (an existing file is left untouched).</exception>
    public static void Save(string path, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Save(path, Array.ConvertAll(labels, l => (long)l));
    }

    /// <summary>Saves an array of any supported dtype, atomically.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="array">The array.</param>
    /// <param name="version">1, 2 or 3 for that format version; 0 (default) picks 1.0 unless the header needs 2.0, as NumPy does.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The file could not be written (an existing file is left untouched).</exception>
    public static void Save(string path, NpyArray array, int version = 0)
    {
        ArgumentNullException.ThrowIfNull(array);
        ValidateVersion(version);
        AtomicFile.Write(path, s => Write(s, array, version));
    }

    /// <summary>Writes an array in .npy format to a stream (as NumPy 1.24's <c>np.save</c> does).</summary>
    /// <param name="stream">Where to write.</param>
    /// <param name="array">The array.</param>
    /// <param name="version">1, 2 or 3 for that format version; 0 picks 1.0 unless the header needs 2.0.</param>
    public static void Write(Stream stream, NpyArray array, int version = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        ValidateVersion(version);
        WriteRaw(stream, array.Descr, array.Shape, array.RawBytes, version);
    }

    /// <summary>
    /// Writes elements given as little-endian bytes, with their dtype and shape, in .npy format: what <see cref="Write"/>
    /// writes of an <see cref="NpyArray"/>, and a checkpoint of an <c>NDArray</c>'s own memory, copying nothing.
    /// </summary>
    internal static void WriteRaw(Stream stream, string descr, ReadOnlySpan<int> shape, ReadOnlySpan<byte> bytes, int version = 0)
    {
        if (shape.Length > MaxRank)
            throw new ArgumentException($"A shape of {shape.Length} dimensions cannot be stored: .npy files hold at most {MaxRank} (NumPy 1.x reads at most 32).", nameof(shape));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Backprop.Data writes .npy files on little-endian machines only.");
        stream.Write(HeaderBytes(descr, shape, version));
        stream.Write(bytes);
    }

    /// <summary>The complete header (magic string to the final newline) NumPy writes for this dtype and shape.</summary>
    internal static byte[] HeaderBytes(string descr, ReadOnlySpan<int> shape, int version)
    {
        var dict = new StringBuilder();
        dict.Append("{'descr': '").Append(descr).Append("', 'fortran_order': False, 'shape': ").Append(Shape(shape)).Append(", }");
        // NumPy leaves room for the first dimension to grow to 21 digits, so files can be appended to in place.
        if (shape.Length > 0) dict.Append(' ', GrowthAxisMaxDigits - shape[0].ToString(CultureInfo.InvariantCulture).Length);
        string header = dict.ToString();
        if (version == 0)
            version = Wrapped(header, 1).Length - 10 <= ushort.MaxValue ? 1 : 2;
        return Wrapped(header, version);
    }

    private static byte[] Wrapped(string header, int version)
    {
        var encoded = version == 3 ? Encoding.UTF8.GetBytes(header) : Encoding.Latin1.GetBytes(header);
        int lengthFieldSize = version == 1 ? 2 : 4;
        int hlen = encoded.Length + 1;
        int padlen = ArrayAlign - (8 + lengthFieldSize + hlen) % ArrayAlign;
        int total = hlen + padlen;
        if (version == 1 && total > ushort.MaxValue)
            throw new ArgumentException($"A header of {total} bytes does not fit format version 1.0; use version 2.");
        var result = new byte[8 + lengthFieldSize + total];
        Magic.CopyTo(result, 0);
        result[6] = (byte)version;
        result[7] = 0;
        if (version == 1) BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)total);
        else BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)total);
        encoded.CopyTo(result, 8 + lengthFieldSize);
        result.AsSpan(8 + lengthFieldSize + encoded.Length, padlen).Fill((byte)' ');
        result[^1] = (byte)'\n';
        return result;
    }

    private static void ValidateVersion(int version)
    {
        if (version is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(version), version, "The .npy format version must be 1, 2 or 3 (or 0 for automatic).");
    }

    /// <summary>The exact product of a shape's dimensions, for messages (it may exceed any integer type).</summary>
    internal static string Product(ReadOnlySpan<int> shape)
    {
        System.Numerics.BigInteger p = 1;
        foreach (var d in shape) p *= d;
        return p.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A shape as Python's repr of a tuple: <c>()</c>, <c>(3,)</c>, <c>(2, 3)</c>.</summary>
    internal static string Shape(ReadOnlySpan<int> shape) => shape.Length == 0 ? "()" : NDArray<double>.ShapeToString(shape);

    /// <summary>Bytes as spaced hex, e.g. <c>93 4E 55</c>, for error messages.</summary>
    internal static string Hex(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (var b in bytes) sb.Append(sb.Length == 0 ? "" : " ").Append(b.ToString("X2", CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    /// <summary>Text from a file, shortened and with control characters escaped, for error messages.</summary>
    internal static string Printable(string s)
    {
        var sb = new StringBuilder();
        foreach (var c in s.Length > 40 ? s[..40] : s)
            sb.Append(c is >= ' ' and < '\x7f' ? c.ToString() : $"\\x{(int)c:x2}");
        if (s.Length > 40) sb.Append('…');
        return sb.ToString();
    }
}
