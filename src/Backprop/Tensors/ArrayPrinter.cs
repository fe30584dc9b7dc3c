using System.Numerics;
using System.Text;

namespace Backprop.Tensors;

/// <summary>
/// NumPy 1.24's <c>str</c> and <c>repr</c> of an array at its default print options (precision 8, threshold 1000,
/// edgeitems 3, linewidth 75, floatmode 'maxprec', suppress off): <c>arrayprint.py</c>'s <c>_formatArray</c> (nested
/// brackets, wrapping, blank lines between blocks, <c>...</c> past 1000 elements) and <c>FloatingFormat</c> (a common
/// width, scientific notation by the same rule), over NumPy's Dragon4 digit generation (<see cref="Dragon4"/>), so
/// that a float32 array prints float32's shortest digits, not double's.
/// </summary>
internal static class ArrayPrinter
{
    private const int Precision = 8, Threshold = 1000, EdgeItems = 3, LineWidth = 75;

    /// <summary>NumPy's <c>str(a)</c>: what <c>print(a)</c> shows.</summary>
    public static string Str<T>(NDArray<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool f32 = typeof(T) == typeof(float);
        if (a.Rank == 0) return ScalarStr(double.CreateTruncating(a.AsSpan()[0]), f32);   // a 0-d array prints as its scalar
        if (a.Size == 0) return "[]";
        return Array2String(a, f32, separator: " ", prefixLength: 0, lineWidth: LineWidth);
    }

    /// <summary>NumPy's <c>repr(a)</c>: <c>array([...])</c>, with <c>dtype=float32</c> for float32 and the shape of an empty array.</summary>
    public static string Repr<T>(NDArray<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool f32 = typeof(T) == typeof(float);
        const string prefix = "array(";
        bool skipDtype = !f32 && a.Size > 0;          // float64 is implied by the values; an empty array names it
        string suffix = skipDtype ? ")" : ",";
        string list = a.Size > 0 ? Array2String(a, f32, ", ", prefix.Length, LineWidth - suffix.Length)
            : a.Rank == 1 ? "[]" : "[], shape=" + a.ShapeString;
        string text = prefix + list + suffix;
        if (skipDtype) return text;
        string dtype = f32 ? "dtype=float32)" : "dtype=float64)";
        int lastLine = text.Length - (text.LastIndexOf('\n') + 1);
        return text + (lastLine + dtype.Length + 1 > LineWidth ? "\n" + new string(' ', prefix.Length) : " ") + dtype;
    }

    // ---- arrayprint.py: _array2string, _formatArray ----------------------------------------------------------------

    private static string Array2String<T>(NDArray<T> a, bool f32, string separator, int prefixLength, int lineWidth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool summarize = a.Size > Threshold;
        var format = new FloatFormat(Edges(a, summarize), f32);
        var shape = a.ShapeArray();
        var strides = new int[shape.Length];
        for (int i = shape.Length - 1, s = 1; i >= 0; s *= shape[i], i--) strides[i] = s;
        T[] buffer = a.Buffer;
        int offset = a.Offset;

        string Recurse(int axis, int flat, string hangingIndent, int currWidth)
        {
            if (axis == shape.Length) return format.Format(double.CreateTruncating(buffer[offset + flat]));
            string nextHanging = hangingIndent + " ";
            int nextWidth = currWidth - 1;                                  // room for this level's ']'
            int length = shape[axis];
            bool showSummary = summarize && 2 * EdgeItems < length;
            int leading = showSummary ? EdgeItems : 0, trailing = showSummary ? EdgeItems : length;
            string Item(int i) => Recurse(axis + 1, flat + i * strides[axis], nextHanging, nextWidth);
            var s = new StringBuilder();
            if (axis == shape.Length - 1)
            {
                // The last axis: elements on a line, wrapped where the next one would pass the width.
                int elemWidth = currWidth - Math.Max(separator.TrimEnd().Length, 1);
                var line = new StringBuilder(hangingIndent);
                for (int i = 0; i < leading; i++) { ExtendLine(s, line, Item(i), elemWidth, hangingIndent); line.Append(separator); }
                if (showSummary) { ExtendLine(s, line, "...", elemWidth, hangingIndent); line.Append(separator); }
                for (int i = trailing; i > 1; i--) { ExtendLine(s, line, Item(length - i), elemWidth, hangingIndent); line.Append(separator); }
                ExtendLine(s, line, Item(length - 1), elemWidth, hangingIndent);
                s.Append(line);
            }
            else
            {
                // Other axes: one sub-array per line, and a blank line more for each axis below the next.
                string lineSep = separator.TrimEnd() + new string('\n', shape.Length - axis - 1);
                for (int i = 0; i < leading; i++) s.Append(hangingIndent).Append(Item(i)).Append(lineSep);
                if (showSummary) s.Append(hangingIndent).Append("...").Append(lineSep);
                for (int i = trailing; i > 1; i--) s.Append(hangingIndent).Append(Item(length - i)).Append(lineSep);
                s.Append(hangingIndent).Append(Item(length - 1));
            }
            return "[" + s.ToString(hangingIndent.Length, s.Length - hangingIndent.Length) + "]";
        }

        return Recurse(0, 0, new string(' ', 1 + prefixLength), lineWidth);
    }

    private static void ExtendLine(StringBuilder s, StringBuilder line, string word, int lineWidth, string nextLinePrefix)
    {
        // NumPy does not wrap a line that holds nothing but its indent: wrapping would not help.
        if (line.Length + word.Length > lineWidth && line.Length > nextLinePrefix.Length)
        {
            int end = line.Length;
            while (end > 0 && char.IsWhiteSpace(line[end - 1])) end--;
            s.Append(line.ToString(0, end)).Append('\n');
            line.Clear().Append(nextLinePrefix);
        }
        line.Append(word);
    }

    /// <summary>
    /// The elements the format is fitted to, as doubles (exact for float): all of them, or where the array is
    /// summarized only the ones printed, the first and last <see cref="EdgeItems"/> along every axis longer than twice that.
    /// </summary>
    private static List<double> Edges<T>(NDArray<T> a, bool summarize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new List<double>(Math.Min(a.Size, 1024));
        if (!summarize)
        {
            foreach (var v in a.AsSpan()) values.Add(double.CreateTruncating(v));
            return values;
        }
        T[] buffer = a.Buffer;
        int offset = a.Offset;
        var shape = a.ShapeArray();
        int[][] kept = shape.Select(n => 2 * EdgeItems < n
            ? Enumerable.Range(0, EdgeItems).Concat(Enumerable.Range(n - EdgeItems, EdgeItems)).ToArray()
            : Enumerable.Range(0, n).ToArray()).ToArray();
        void Walk(int axis, int flat)
        {
            if (axis == shape.Length) { values.Add(double.CreateTruncating(buffer[offset + flat])); return; }
            foreach (int i in kept[axis]) Walk(axis + 1, flat * shape[axis] + i);
        }
        Walk(0, 0);
        return values;
    }

    // ---- arrayprint.py: FloatingFormat -----------------------------------------------------------------------------

    /// <summary>The common format of an array's elements, fitted to them as NumPy's <c>FloatingFormat.fillFormat</c> does.</summary>
    private sealed class FloatFormat
    {
        private readonly bool _f32, _exp;
        private readonly int _padLeft, _padRight, _precision, _expSize;

        public FloatFormat(List<double> data, bool f32)
        {
            _f32 = f32;
            var finite = data.Where(double.IsFinite).ToList();
            var nonZero = finite.Where(v => v != 0).Select(Math.Abs).ToList();
            if (nonZero.Count > 0)
            {
                double max = nonZero.Max(), min = nonZero.Min();
                // The ratio in the array's own type, as NumPy divides two float32 scalars in float32.
                double ratio = f32 ? (float)max / (float)min : max / min;
                _exp = max >= 1e8 || min < 1e-4 || ratio > 1000;
            }
            _precision = Precision;
            _expSize = -1;
            if (finite.Count > 0 && _exp)
            {
                var parts = finite.Select(v => Dragon4.Scientific(v, f32, Precision, minDigits: -1, Dragon4.Trim.Zeros)).ToList();
                _expSize = parts.Max(p => p.Length - p.IndexOf('e') - 1) - 1;
                _precision = parts.Max(p => p.IndexOf('e') - p.IndexOf('.') - 1);
                _padLeft = parts.Max(p => p.IndexOf('.'));
                _padRight = _expSize + 2 + _precision;
            }
            else if (finite.Count > 0)
            {
                var parts = finite.Select(v => Dragon4.Positional(v, f32, Precision, minDigits: -1, Dragon4.Trim.Zeros)).ToList();
                _padLeft = parts.Max(p => p.IndexOf('.'));
                _padRight = parts.Max(p => p.Length - p.IndexOf('.') - 1);
            }
            if (finite.Count != data.Count)
            {
                // Room for "nan", "inf" and "-inf" in the same width.
                bool negInf = data.Any(v => double.IsNegativeInfinity(v));
                int offset = _padRight + 1;
                _padLeft = Math.Max(_padLeft, Math.Max(3 - offset, 3 + (negInf ? 1 : 0) - offset));
            }
        }

        public string Format(double x)
        {
            if (!double.IsFinite(x))
            {
                string r = double.IsNaN(x) ? "nan" : x < 0 ? "-inf" : "inf";
                return new string(' ', Math.Max(0, _padLeft + _padRight + 1 - r.Length)) + r;
            }
            return _exp
                ? Dragon4.Scientific(x, _f32, _precision, minDigits: _precision, Dragon4.Trim.None, _padLeft, _expSize)
                : Dragon4.Positional(x, _f32, _precision, minDigits: 0, Dragon4.Trim.Zeros, _padLeft, _padRight);
        }
    }

    /// <summary>
    /// <c>str()</c> of a NumPy float scalar (what a 0-d array prints as): shortest digits, positional from 1e-4 to
    /// 1e16 ("1.0", "0.0001"), scientific outside ("1e-05", "1.5e+16").
    /// </summary>
    internal static string ScalarStr(double x, bool f32)
    {
        if (double.IsNaN(x)) return "nan";
        if (double.IsInfinity(x)) return x < 0 ? "-inf" : "inf";
        double abs = Math.Abs(x);
        // Compared in double for float32 too (C promotes the float to the double literals): float32's 1e-4 is below 1e-4.
        bool positional = abs == 0 || (1e-4 <= abs && abs < 1e16);
        return positional
            ? Dragon4.Positional(x, f32, -1, -1, Dragon4.Trim.LeaveOneZero)
            : Dragon4.Scientific(x, f32, -1, -1, Dragon4.Trim.DptZeros);
    }
}
