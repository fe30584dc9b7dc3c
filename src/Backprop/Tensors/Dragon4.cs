using System.Numerics;
using System.Text;

namespace Backprop.Tensors;

/// <summary>
/// NumPy's float-to-decimal conversion (<c>dragon4.c</c>, behind <c>np.format_float_positional</c> and
/// <c>np.format_float_scientific</c>): the shortest digits that read back as the same float32 or float64 ("unique"),
/// cut off at a precision, and past that with at least a minimum of digits, which are then the exact value's (so a
/// float32 0.1 in a column of eight digits is <c>1.00000001e-01</c>, as NumPy prints it). Exact integer arithmetic
/// (Steele &amp; White / Burger &amp; Dybvig with IEEE round-half-even margins); slow next to <c>double.ToString</c>, but
/// printing formats at most a few thousand elements.
/// </summary>
internal static class Dragon4
{
    /// <summary>NumPy's trim modes: 'k' keeps trailing zeros, '.' trims them but keeps the point, '0' leaves one zero, '-' drops the point too.</summary>
    public enum Trim { None, Zeros, LeaveOneZero, DptZeros }

    /// <summary>
    /// <c>np.format_float_positional(x, precision, unique=True, fractional=True, trim, pad_left, pad_right, min_digits)</c>;
    /// -1 for an option not given. <paramref name="x"/> must be finite.
    /// </summary>
    public static string Positional(double x, bool f32, int precision, int minDigits, Trim trim, int padLeft = -1, int padRight = -1)
    {
        var sb = new StringBuilder();
        bool negative = double.IsNegative(x);
        if (negative) sb.Append('-');
        var (digits, printExponent) = Digits(x, f32, totalLength: false, precision, minDigits);
        int numDigits = digits.Length, numWholeDigits, numFractionDigits = 0;
        if (printExponent >= 0)
        {
            numWholeDigits = printExponent + 1;
            if (numDigits <= numWholeDigits) sb.Append(digits).Append('0', numWholeDigits - numDigits);
            else
            {
                numFractionDigits = numDigits - numWholeDigits;
                sb.Append(digits, 0, numWholeDigits).Append('.').Append(digits, numWholeDigits, numFractionDigits);
            }
        }
        else
        {
            int zeros = -(printExponent + 1);
            sb.Append("0.").Append('0', zeros).Append(digits);
            numFractionDigits = numDigits + zeros;
            numWholeDigits = 1;
        }
        if (trim != Trim.DptZeros && numFractionDigits == 0) sb.Append('.');
        int desired = Math.Max(minDigits, 0);
        if (trim == Trim.LeaveOneZero)
        {
            if (numFractionDigits == 0) { sb.Append('0'); numFractionDigits++; }
        }
        else if (trim == Trim.None && desired > numFractionDigits)
        {
            sb.Append('0', desired - numFractionDigits);
            numFractionDigits = desired;
        }
        if (trim != Trim.None && numFractionDigits > 0)
        {
            while (sb[^1] == '0') { sb.Length--; numFractionDigits--; }
            if (sb[^1] == '.')
            {
                if (trim == Trim.LeaveOneZero) { sb.Append('0'); numFractionDigits++; }
                else if (trim == Trim.DptZeros) sb.Length--;
            }
        }
        if (padRight >= numFractionDigits)
        {
            if (trim == Trim.DptZeros && numFractionDigits == 0) sb.Append(' ');
            sb.Append(' ', padRight - numFractionDigits);
        }
        int whole = numWholeDigits + (negative ? 1 : 0);
        if (padLeft > whole) sb.Insert(0, " ", padLeft - whole);
        return sb.ToString();
    }

    /// <summary>
    /// <c>np.format_float_scientific(x, precision, unique=True, trim, pad_left, exp_digits, min_digits)</c>; -1 for an
    /// option not given. <paramref name="x"/> must be finite.
    /// </summary>
    public static string Scientific(double x, bool f32, int precision, int minDigits, Trim trim, int padLeft = -1, int expDigits = -1)
    {
        var sb = new StringBuilder();
        bool negative = double.IsNegative(x);
        int leftChars = 1 + (negative ? 1 : 0);
        if (padLeft > leftChars) sb.Append(' ', padLeft - leftChars);
        if (negative) sb.Append('-');
        var (digits, printExponent) = Digits(x, f32, totalLength: true,
            precision < 0 ? -1 : precision + 1, minDigits < 0 ? -1 : minDigits + 1);
        sb.Append(digits[0]);
        int numFractionDigits = digits.Length - 1;
        if (numFractionDigits > 0) sb.Append('.').Append(digits, 1, numFractionDigits);
        if (trim != Trim.DptZeros && numFractionDigits == 0) sb.Append('.');
        int add = Math.Max(minDigits, 0);
        if (trim == Trim.LeaveOneZero)
        {
            if (numFractionDigits == 0) { sb.Append('0'); numFractionDigits++; }
        }
        else if (trim == Trim.None && add > numFractionDigits)
        {
            sb.Append('0', add - numFractionDigits);
            numFractionDigits = add;
        }
        if (trim != Trim.None && numFractionDigits > 0)
        {
            while (sb[^1] == '0') { sb.Length--; numFractionDigits--; }
            if (trim == Trim.LeaveOneZero && sb[^1] == '.') { sb.Append('0'); numFractionDigits++; }
        }
        sb.Append('e').Append(printExponent >= 0 ? '+' : '-');
        string exponent = Math.Abs(printExponent).ToString(System.Globalization.CultureInfo.InvariantCulture);
        int width = expDigits < 0 ? 2 : Math.Min(expDigits, 5);
        sb.Append('0', Math.Max(0, width - exponent.Length)).Append(exponent);
        return sb.ToString();
    }

    /// <summary>
    /// The digits of |<paramref name="x"/>| and the decimal exponent of the first (dragon4.c's <c>Dragon4</c> in its
    /// unique mode). The cutoffs count digits after the point (<paramref name="totalLength"/> false) or in all; -1 for none.
    /// </summary>
    private static (string Digits, int Exponent) Digits(double x, bool f32, bool totalLength, int cutoffMax, int cutoffMin)
    {
        // The value as mantissa · 2^exponent, in the array's own type: float32's margins are float32's.
        BigInteger mantissa;
        int exponent, mantissaBit;
        bool unequalMargins;
        if (f32)
        {
            uint bits = BitConverter.SingleToUInt32Bits((float)x);
            uint m = bits & 0x7FFFFF;
            int e = (int)((bits >> 23) & 0xFF);
            if (e != 0) { mantissa = m | (1u << 23); exponent = e - 127 - 23; mantissaBit = 23; unequalMargins = e != 1 && m == 0; }
            else { mantissa = m; exponent = 1 - 127 - 23; mantissaBit = m == 0 ? 0 : 31 - BitOperations.LeadingZeroCount(m); unequalMargins = false; }
        }
        else
        {
            ulong bits = BitConverter.DoubleToUInt64Bits(x);
            ulong m = bits & 0xFFFFFFFFFFFFFUL;
            int e = (int)((bits >> 52) & 0x7FF);
            if (e != 0) { mantissa = m | (1UL << 52); exponent = e - 1023 - 52; mantissaBit = 52; unequalMargins = e != 1 && m == 0; }
            else { mantissa = m; exponent = 1 - 1023 - 52; mantissaBit = m == 0 ? 0 : 63 - BitOperations.LeadingZeroCount(m); unequalMargins = false; }
        }
        if (mantissa.IsZero) return ("0", 0);
        bool isEven = mantissa.IsEven;

        // value = scaledValue / scale; the margins are half the distance to the neighbouring floats, scaled alike.
        BigInteger scale, scaledValue, marginLow;
        if (exponent > 0)
        {
            scaledValue = mantissa << (exponent + (unequalMargins ? 2 : 1));
            scale = unequalMargins ? 4 : 2;
            marginLow = BigInteger.One << exponent;
        }
        else
        {
            scaledValue = mantissa << (unequalMargins ? 2 : 1);
            scale = BigInteger.One << (-exponent + (unequalMargins ? 2 : 1));
            marginLow = BigInteger.One;
        }
        BigInteger marginHigh = unequalMargins ? marginLow * 2 : marginLow;

        // An estimate of floor(log10(v)) + 1 that is right or one too small, as dragon4.c makes it.
        int digitExponent = (int)Math.Ceiling((mantissaBit + exponent) * 0.30102999566398119521373889472449 - 0.69);
        if (cutoffMax >= 0 && !totalLength && digitExponent <= -cutoffMax) digitExponent = -cutoffMax + 1;
        if (digitExponent > 0) scale *= BigInteger.Pow(10, digitExponent);
        else if (digitExponent < 0)
        {
            var pow10 = BigInteger.Pow(10, -digitExponent);
            scaledValue *= pow10; marginLow *= pow10; marginHigh *= pow10;
        }
        if (scaledValue >= scale) digitExponent++;
        else { scaledValue *= 10; marginLow *= 10; marginHigh *= 10; }

        const int bufferSize = 16384;
        int cutoffMaxExponent = digitExponent - bufferSize;
        if (cutoffMax >= 0) cutoffMaxExponent = Math.Max(cutoffMaxExponent, totalLength ? digitExponent - cutoffMax : -cutoffMax);
        int cutoffMinExponent = digitExponent;
        if (cutoffMin >= 0) cutoffMinExponent = Math.Min(cutoffMinExponent, totalLength ? digitExponent - cutoffMin : -cutoffMin);
        int printExponent = digitExponent - 1;

        var digits = new StringBuilder();
        int outputDigit;
        bool low, high;
        while (true)
        {
            digitExponent--;
            outputDigit = (int)BigInteger.DivRem(scaledValue, scale, out scaledValue);
            int cmpLow = scaledValue.CompareTo(marginLow), cmpHigh = (scaledValue + marginHigh).CompareTo(scale);
            low = isEven ? cmpLow <= 0 : cmpLow < 0;
            high = isEven ? cmpHigh >= 0 : cmpHigh > 0;
            if (((low || high) && digitExponent <= cutoffMinExponent) || digitExponent == cutoffMaxExponent) break;
            digits.Append((char)('0' + outputDigit));
            scaledValue *= 10; marginLow *= 10; marginHigh *= 10;
        }

        // The last digit: down if only that is within the margins, up if only that, else to the nearer (ties to even).
        bool roundDown = low;
        if (low == high)
        {
            int compare = (scaledValue * 2).CompareTo(scale);
            roundDown = compare < 0 || (compare == 0 && (outputDigit & 1) == 0);
        }
        if (roundDown) digits.Append((char)('0' + outputDigit));
        else if (outputDigit < 9) digits.Append((char)('0' + outputDigit + 1));
        else
        {
            // Carry: drop the trailing nines and raise the digit before them, or print 1 one exponent higher.
            while (digits.Length > 0 && digits[^1] == '9') digits.Length--;
            if (digits.Length == 0) { digits.Append('1'); printExponent++; }
            else digits[^1]++;
        }
        return (digits.ToString(), printExponent);
    }
}
