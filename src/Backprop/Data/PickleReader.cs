using System.Buffers.Binary;
using System.Text;

namespace Backprop.Data;

/// <summary>
/// A deliberately tiny reader of Python pickles: exactly the protocol-2 opcodes and the three numpy globals that the
/// CIFAR-10 python-version batches use, so that it can read them without ever running anything.
/// </summary>
/// <remarks>
/// <para>
/// A pickle is a program for a stack machine that may call any importable function. This reader interprets only data
/// opcodes — PROTO 2, STOP, MARK, NONE, NEWTRUE/NEWFALSE, BININT/BININT1/BININT2, SHORT_BINSTRING/BINSTRING (Python 2
/// <c>str</c>), BINUNICODE, EMPTY_DICT/EMPTY_LIST/EMPTY_TUPLE, TUPLE/TUPLE1/TUPLE2/TUPLE3, APPEND/APPENDS,
/// SETITEM/SETITEMS, BINPUT/LONG_BINPUT/BINGET/LONG_BINGET — and GLOBAL only for <c>numpy.core.multiarray._reconstruct</c>
/// (also <c>numpy._core.multiarray</c>), <c>numpy.ndarray</c>, <c>numpy.dtype</c> and <c>_codecs.encode</c> (how Python 3
/// writes bytes at protocol 2). REDUCE and BUILD are accepted only in the exact shapes numpy uses to rebuild a uint8
/// array (<c>_reconstruct(ndarray, (0,), b'b')</c> then state <c>(1, shape, dtype('u1'), False, raw bytes)</c>) and
/// <c>_codecs.encode(text, 'latin1')</c>. Nothing is ever imported or called: those calls are recognised as data.
/// </para>
/// <para>
/// Any other opcode, global or layout raises an <see cref="InvalidDataException"/> naming the file and the byte offset.
/// Every length is checked against the bytes that remain before anything is allocated, the bytes <c>_codecs.encode</c>
/// makes may not exceed the file's length (a memoised text encoded again and again would), and nothing recurses, so a
/// hostile file costs at most a small multiple of its own size in memory and time.
/// </para>
/// <para>
/// Values come back as: <c>null</c> (None), <see cref="bool"/>, <see cref="long"/>, <see cref="PickleBytes"/> (a
/// Python 2 <c>str</c> or Python 3 <c>bytes</c>), <see cref="string"/> (unicode), <see cref="List{T}"/> of object (list),
/// <see cref="PickleTuple"/>, <see cref="PickleDict"/> and <see cref="NpyArray"/> (a rebuilt numpy uint8 array). A
/// numpy global or dtype that the pickle leaves outside an array appears inside containers as an opaque private marker
/// (never as the top-level value); it cannot do anything.
/// </para>
/// </remarks>
public static class PickleReader
{
    /// <summary>Reads a pickle file and returns its top-level value.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">Its folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a pickle of the accepted shape (message: file, offset, problem).</exception>
    public static object? Load(string path) => Parse(DataFile.ReadAllBytes(path), path);

    /// <summary>Interprets a complete pickle held in memory; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a pickle of the accepted shape.</exception>
    public static object? Parse(ReadOnlySpan<byte> bytes, string source) => new Machine(bytes, source).Run();

    // BININT1 values boxed once: a label list costs a reference per label, not a new object per label.
    private static readonly object[] SmallInts = Enumerable.Range(0, 256).Select(i => (object)(long)i).ToArray();

    // Stand-ins for the globals; they are markers, never callables.
    private enum Global { Reconstruct, NdArray, DType, CodecsEncode }

    /// <summary>The result of <c>_reconstruct(ndarray, (0,), b'b')</c>: an array awaiting its BUILD state.</summary>
    private sealed class PendingArray;

    /// <summary>The result of <c>dtype('u1', …)</c>, awaiting (or after) its BUILD state.</summary>
    private sealed class PendingDType(string name)
    {
        public string Name { get; } = name;
        public bool Built { get; set; }
    }

    private ref struct Machine(ReadOnlySpan<byte> bytes, string source)
    {
        private readonly ReadOnlySpan<byte> _b = bytes;
        private int _pos;
        private int _opStart;
        private readonly List<object?> _stack = [];
        private readonly List<int> _marks = [];
        private readonly Dictionary<uint, object?> _memo = [];
        // Bytes made by _codecs.encode so far. Each text it encodes came from the file, so an honest pickle makes at
        // most the file's length; a memo that feeds one long text to encode again and again would make gigabytes.
        private long _encoded;

        public object? Run()
        {
            if (_b.Length < 2 || _b[0] != 0x80)
                throw DataFile.Invalid(source, 0, "not a protocol-2 pickle (it must start with the PROTO opcode 0x80).");
            while (true)
            {
                _opStart = _pos;
                if (_pos >= _b.Length) throw Error("the pickle ends without a STOP opcode.");
                byte op = _b[_pos++];
                switch (op)
                {
                    case 0x80: // PROTO
                        if (_opStart != 0) throw Error("PROTO may only appear at the start.");
                        int proto = U8();
                        if (proto != 2) throw Error($"pickle protocol {proto} is not supported (only protocol 2, as the CIFAR-10 files use).");
                        break;
                    case (byte)'.': // STOP
                        if (_stack.Count != 1 || _marks.Count != 0) throw Error("STOP with an unbalanced stack.");
                        if (_pos != _b.Length) throw Error($"{_b.Length - _pos} bytes follow the STOP opcode.");
                        return Finish(_stack[0]);
                    case (byte)'(': // MARK
                        _marks.Add(_stack.Count);
                        break;
                    case (byte)'N': _stack.Add(null); break;
                    case 0x88: _stack.Add(true); break;   // NEWTRUE
                    case 0x89: _stack.Add(false); break;  // NEWFALSE
                    case (byte)'J': _stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                    case (byte)'K': _stack.Add(SmallInts[U8()]); break;                                      // BININT1
                    case (byte)'M': _stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                    case (byte)'U': _stack.Add(new PickleBytes(Take(U8()).ToArray())); break;                 // SHORT_BINSTRING
                    case (byte)'T': _stack.Add(new PickleBytes(Take(Length32()).ToArray())); break;           // BINSTRING
                    case (byte)'X': _stack.Add(Utf8(Take(Length32()))); break;                                // BINUNICODE
                    case (byte)'}': _stack.Add(new PickleDict()); break;   // EMPTY_DICT
                    case (byte)']': _stack.Add(new List<object?>()); break; // EMPTY_LIST
                    case (byte)')': _stack.Add(new PickleTuple([])); break; // EMPTY_TUPLE
                    case (byte)'t': _stack.Add(new PickleTuple(PopToMark())); break; // TUPLE
                    case 0x85: _stack.Add(new PickleTuple(PopN(1))); break; // TUPLE1
                    case 0x86: _stack.Add(new PickleTuple(PopN(2))); break; // TUPLE2
                    case 0x87: _stack.Add(new PickleTuple(PopN(3))); break; // TUPLE3
                    case (byte)'a': // APPEND
                    {
                        var item = Pop();
                        ListOnTop("APPEND").Add(item);
                        break;
                    }
                    case (byte)'e': // APPENDS
                    {
                        var items = PopToMark();
                        ListOnTop("APPENDS").AddRange(items);
                        break;
                    }
                    case (byte)'s': // SETITEM
                    {
                        var value = Pop();
                        var key = Pop();
                        DictOnTop("SETITEM").Set(CheckKey(key), value);
                        break;
                    }
                    case (byte)'u': // SETITEMS
                    {
                        var items = PopToMark();
                        if (items.Length % 2 != 0) throw Error("SETITEMS with an odd number of items.");
                        var dict = DictOnTop("SETITEMS");
                        for (int i = 0; i < items.Length; i += 2) dict.Set(CheckKey(items[i]), items[i + 1]);
                        break;
                    }
                    case (byte)'q': Put((uint)U8()); break;                                                   // BINPUT
                    case (byte)'r': Put(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;       // LONG_BINPUT
                    case (byte)'h': Get((uint)U8()); break;                                                   // BINGET
                    case (byte)'j': Get(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;       // LONG_BINGET
                    case (byte)'c': _stack.Add(ReadGlobal()); break;                                   // GLOBAL
                    case (byte)'R': Reduce(); break;
                    case (byte)'b': Build(); break;
                    default:
                        throw Error($"opcode 0x{op:x2}{(op is >= 0x20 and < 0x7f ? $" ('{(char)op}')" : "")} is not one this reader accepts (it reads only the data opcodes of the CIFAR-10 batches).");
                }
            }
        }

        // ---- operands -------------------------------------------------------------------------------------------

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > _b.Length - _pos)
                throw Error($"the operand needs {n} bytes but only {_b.Length - _pos} remain.");
            var s = _b.Slice(_pos, n);
            _pos += n;
            return s;
        }

        private int U8() => Take(1)[0];

        /// <summary>A 4-byte length, checked against what remains before anything is allocated for it.</summary>
        private int Length32()
        {
            int n = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
            if (n < 0) throw Error($"negative length {n}.");
            if (n > _b.Length - _pos) throw Error($"a string of {n} bytes is claimed but only {_b.Length - _pos} bytes remain.");
            return n;
        }

        private readonly string Utf8(ReadOnlySpan<byte> s)
        {
            try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(s); }
            catch (DecoderFallbackException) { throw Error("BINUNICODE text is not valid UTF-8."); }
        }

        private Global ReadGlobal()
        {
            string module = Line(), name = Line();
            return (module, name) switch
            {
                ("numpy.core.multiarray" or "numpy._core.multiarray", "_reconstruct") => Global.Reconstruct,
                ("numpy", "ndarray") => Global.NdArray,
                ("numpy", "dtype") => Global.DType,
                ("_codecs", "encode") => Global.CodecsEncode,
                _ => throw Error($"GLOBAL '{Npy.Printable(module)}.{Npy.Printable(name)}' is refused: only numpy's array-rebuilding globals are accepted, and nothing is ever imported or called."),
            };
        }

        private string Line()
        {
            // Look no further than the longest accepted operand.
            int end = _b.Slice(_pos, Math.Min(257, _b.Length - _pos)).IndexOf((byte)'\n');
            if (end < 0) throw Error(_b.Length - _pos > 256 ? "GLOBAL operand longer than 256 bytes." : "GLOBAL operand without a newline.");
            var s = _b.Slice(_pos, end);
            _pos += end + 1;
            foreach (var c in s)
                if (c is < 0x20 or >= 0x7f) throw Error("GLOBAL operand is not printable ASCII.");
            return Encoding.ASCII.GetString(s);
        }

        // ---- stack --------------------------------------------------------------------------------------------------

        private object? Pop()
        {
            int floor = _marks.Count > 0 ? _marks[^1] : 0;
            if (_stack.Count <= floor) throw Error("stack underflow.");
            var v = _stack[^1];
            _stack.RemoveAt(_stack.Count - 1);
            return v;
        }

        private object?[] PopN(int n)
        {
            int floor = _marks.Count > 0 ? _marks[^1] : 0;
            if (_stack.Count - floor < n) throw Error("stack underflow.");
            var items = _stack.GetRange(_stack.Count - n, n).ToArray();
            _stack.RemoveRange(_stack.Count - n, n);
            return items;
        }

        private object?[] PopToMark()
        {
            if (_marks.Count == 0) throw Error("no MARK to pop to.");
            int mark = _marks[^1];
            _marks.RemoveAt(_marks.Count - 1);
            var items = _stack.GetRange(mark, _stack.Count - mark).ToArray();
            _stack.RemoveRange(mark, _stack.Count - mark);
            return items;
        }

        private object? Top(string op)
        {
            int floor = _marks.Count > 0 ? _marks[^1] : 0;
            if (_stack.Count <= floor) throw Error($"{op} with nothing to modify.");
            return _stack[^1];
        }

        private List<object?> ListOnTop(string op) =>
            Top(op) as List<object?> ?? throw Error($"{op} onto a {TypeName(_stack[^1])}, not a list.");

        private PickleDict DictOnTop(string op) =>
            Top(op) as PickleDict ?? throw Error($"{op} onto a {TypeName(_stack[^1])}, not a dict.");

        private readonly object CheckKey(object? key) => key is string or PickleBytes or long
            ? key : throw Error($"a dict key of type {TypeName(key)} is not accepted (only str, bytes and int keys).");

        private void Put(uint index) => _memo[index] = Top("BINPUT");

        private void Get(uint index)
        {
            if (!_memo.TryGetValue(index, out var v)) throw Error($"BINGET of memo entry {index}, which was never stored.");
            _stack.Add(v);
        }

        // ---- the numpy calls, recognised as data ----------------------------------------------------------------

        private void Reduce()
        {
            var args = Pop() as PickleTuple ?? throw Error("REDUCE arguments are not a tuple.");
            var callable = Pop();
            if (callable is not Global g) throw Error($"REDUCE of a {TypeName(callable)} is refused.");
            var a = args.Items;
            switch (g)
            {
                case Global.Reconstruct:
                    // numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')
                    if (a.Length == 3 && a[0] is Global.NdArray && a[1] is PickleTuple { Items: [0L] } && IsText(a[2], "b"))
                    {
                        _stack.Add(new PendingArray());
                        return;
                    }
                    throw Error("_reconstruct is accepted only as _reconstruct(numpy.ndarray, (0,), b'b').");
                case Global.DType:
                    // numpy.dtype('u1', 0, 1); Python 3 writes the flags as False, True.
                    if (a.Length == 3 && AsText(a[0]) is { } name && IsFlag(a[1], 0) && IsFlag(a[2], 1))
                    {
                        _stack.Add(new PendingDType(name));
                        return;
                    }
                    throw Error("dtype is accepted only as dtype(name, 0, 1).");
                case Global.CodecsEncode:
                    // _codecs.encode(text, 'latin1'): how Python 3 pickles bytes at protocol 2.
                    if (a.Length == 2 && a[0] is string text && AsText(a[1]) is "latin1" or "latin-1")
                    {
                        _encoded += text.Length;
                        if (_encoded > _b.Length)
                            throw Error($"_codecs.encode has made {_encoded} bytes from a {_b.Length}-byte file: a memoised text is encoded again and again.");
                        var bytes = new byte[text.Length];
                        for (int i = 0; i < text.Length; i++)
                        {
                            if (text[i] > 0xff) throw Error("_codecs.encode(…, 'latin1') of a character outside Latin-1.");
                            bytes[i] = (byte)text[i];
                        }
                        _stack.Add(new PickleBytes(bytes));
                        return;
                    }
                    throw Error("_codecs.encode is accepted only as encode(text, 'latin1').");
                default:
                    throw Error("numpy.ndarray may only be an argument of _reconstruct.");
            }
        }

        private void Build()
        {
            var state = Pop();
            var target = Top("BUILD");
            var s = (state as PickleTuple)?.Items;
            switch (target)
            {
                case PendingDType { Built: false } dt:
                    // (3, '|', None, None, None, -1, -1, 0): version, byte order, subarray, names, fields, elsize, alignment, flags
                    if (s is [3L, var order, null, null, null, -1L, -1L, 0L] && AsText(order) is "|" or "<" or "=")
                    {
                        dt.Built = true;
                        return;
                    }
                    throw Error("dtype state is accepted only as (3, '|', None, None, None, -1, -1, 0).");
                case PendingArray:
                    if (s is not [1L, PickleTuple shapeTuple, PendingDType { Built: true } dtype, var fortran, var raw])
                        throw Error("ndarray state is accepted only as (1, shape, dtype, fortran_order, bytes).");
                    if (dtype.Name is not ("u1" or "uint8"))
                        throw Error($"ndarray of dtype '{Npy.Printable(dtype.Name)}' is refused (only uint8 arrays are accepted).");
                    if (fortran is not (false or 0L)) throw Error("Fortran-order arrays are not accepted.");
                    if (raw is not PickleBytes data) throw Error("ndarray data is not a byte string.");
                    var shape = new int[shapeTuple.Items.Length];
                    if (shape.Length > Npy.MaxRank) throw Error("ndarray has too many dimensions.");
                    for (int i = 0; i < shape.Length; i++)
                    {
                        if (shapeTuple.Items[i] is not long d || d < 0 || d > int.MaxValue) throw Error("ndarray shape entries must be non-negative ints.");
                        shape[i] = (int)d;
                    }
                    if (DataFile.ElementCount(shape) is not long count)
                        throw Error($"ndarray of shape {Npy.Shape(shape)} has more elements than this reader supports.");
                    if (count != data.Bytes.Length)
                        throw Error($"ndarray of shape {Npy.Shape(shape)} needs {Npy.Product(shape)} bytes but its data has {data.Bytes.Length}.");
                    _stack[^1] = new NpyArray(data.Bytes, shape);
                    return;
                default:
                    throw Error($"BUILD of a {TypeName(target)} is refused.");
            }
        }

        private static bool IsFlag(object? v, int value) => v is long l && l == value || v is bool b && (b ? 1 : 0) == value;

        private static string? AsText(object? v) => v switch
        {
            string s => s,
            PickleBytes b => b.ToString(),
            _ => null,
        };

        private static bool IsText(object? v, string text) => AsText(v) == text;

        private readonly object? Finish(object? top) => top switch
        {
            PendingArray => throw Error("an ndarray was never given its state."),
            PendingDType => throw Error("the pickle's value is a bare dtype, not data."),
            Global => throw Error("the pickle's value is a global, not data."),
            _ => top,
        };

        private readonly InvalidDataException Error(string problem) => DataFile.Invalid(source, _opStart, problem);

        private static string TypeName(object? v) => v switch
        {
            null => "None",
            bool => "bool",
            long => "int",
            string => "str",
            PickleBytes => "bytes",
            List<object?> => "list",
            PickleTuple => "tuple",
            PickleDict => "dict",
            NpyArray => "ndarray",
            PendingArray => "ndarray under construction",
            PendingDType => "dtype",
            Global gl => $"global {gl}",
            _ => v.GetType().Name,
        };
    }
}

/// <summary>A Python 2 <c>str</c> or Python 3 <c>bytes</c> value from a pickle.</summary>
public sealed class PickleBytes(byte[] bytes)
{
    /// <summary>The raw bytes.</summary>
    public byte[] Bytes { get; } = bytes;

    /// <summary>The bytes read as Latin-1 (what <c>pickle.load(f, encoding='latin1')</c> gives for a Python 2 <c>str</c>).</summary>
    public override string ToString() => Encoding.Latin1.GetString(Bytes);
}

/// <summary>A Python tuple from a pickle.</summary>
public sealed class PickleTuple(object?[] items)
{
    /// <summary>The items.</summary>
    public object?[] Items { get; } = items;
}

/// <summary>
/// A Python dict from a pickle: keys are <see cref="string"/>, <see cref="PickleBytes"/> or <see cref="long"/>, in the
/// order they were set; a later SETITEM of an equal key replaces the earlier value, as in Python.
/// </summary>
public sealed class PickleDict
{
    private readonly List<KeyValuePair<object, object?>> _items = [];
    private readonly Dictionary<string, int> _textIndex = new(StringComparer.Ordinal);

    /// <summary>The entries in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<object, object?>> Items => _items;

    /// <summary>Number of entries.</summary>
    public int Count => _items.Count;

    /// <summary>
    /// Looks a key up by its text, matching both a <c>str</c> key and a <c>bytes</c> key of the same Latin-1 text — so
    /// <c>"data"</c> finds both <c>'data'</c> and <c>b'data'</c>, however the file was written.
    /// </summary>
    public bool TryGetValue(string key, out object? value)
    {
        if (_textIndex.TryGetValue(key, out int i)) { value = _items[i].Value; return true; }
        value = null;
        return false;
    }

    internal void Set(object key, object? value)
    {
        string? text = key switch { string s => s, PickleBytes b => b.ToString(), _ => null };
        if (text is not null && _textIndex.TryGetValue(text, out int i))
        {
            _items[i] = new(key, value);
            return;
        }
        if (text is not null) _textIndex[text] = _items.Count;
        _items.Add(new(key, value));
    }
}
