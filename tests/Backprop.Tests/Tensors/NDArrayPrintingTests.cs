using Backprop.Tensors;

namespace Backprop.Tests.Tensors;

/// <summary>
/// <see cref="NDArray{T}.ToString"/> (NumPy's <c>str</c>, <c>print(a)</c>) and <see cref="NDArray{T}.Repr"/> (NumPy's
/// <c>repr</c>) on the key cases, with the strings NumPy 1.24 printed for the same values written out, so that they
/// are checked without Python too; <c>NDArrayPrintingReferenceTests</c> compares a larger table with NumPy itself.
/// </summary>
public class NDArrayPrintingTests
{
    private static NDArray<double> Range(int n, params int[] shape) =>
        NDArray<double>.FromArray([.. Enumerable.Range(0, n).Select(i => (double)i)], shape.Length == 0 ? [n] : shape);

    [Fact]
    public void SeededNormals_PrintAsTheNotebooksPrintThem()
    {
        var a = new NumpyRandom(0).Randn(2, 3);   // np.random.seed(0); a = np.random.randn(2, 3)
        Assert.Equal("[[ 1.76405235  0.40015721  0.97873798]\n [ 2.2408932   1.86755799 -0.97727788]]", a.ToString());
        Assert.Equal("array([[ 1.76405235,  0.40015721,  0.97873798],\n       [ 2.2408932 ,  1.86755799, -0.97727788]])", a.Repr());
        // float32 gets float32's shortest digits, and its dtype named.
        Assert.Equal("array([[ 1.7640524,  0.4001572,  0.978738 ],\n       [ 2.2408931,  1.867558 , -0.9772779]], dtype=float32)",
            a.Cast<float>().Repr());
    }

    [Fact]
    public void Rank3_SeparatesItsBlocksWithABlankLine()
    {
        var a = new NumpyRandom(0).Randn(2, 2, 3);
        Assert.Equal("[[[ 1.76405235  0.40015721  0.97873798]\n  [ 2.2408932   1.86755799 -0.97727788]]\n\n" +
                     " [[ 0.95008842 -0.15135721 -0.10321885]\n  [ 0.4105985   0.14404357  1.45427351]]]", a.ToString());
    }

    [Fact]
    public void LongRows_WrapAt75Characters()
    {
        Assert.Equal("[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n" +
                     " 18. 19. 20. 21. 22. 23. 24. 25. 26. 27. 28. 29.]", Range(30).ToString());
    }

    [Fact]
    public void ScientificNotation_WhereNumpySwitchesToIt()
    {
        Assert.Equal("[1.e-05 1.e+00 1.e+05]", NDArray<double>.Vector(1e-5, 1, 1e5).ToString());   // smallest < 1e-4
        Assert.Equal("[1.e+08 1.e+00]", NDArray<double>.Vector(1e8, 1).ToString());             // largest ≥ 1e8
        Assert.Equal("[1.e-03 2.e+00]", NDArray<double>.Vector(0.001, 2).ToString());           // ratio > 1000
        Assert.Equal("[0.001 1.   ]", NDArray<double>.Vector(0.001, 1).ToString());              // ratio 1000: not yet
        Assert.Equal("[0.00195312 0.5       ]", NDArray<double>.Vector(0.001953125, 0.5).ToString());   // 8 digits, tie to even
    }

    [Fact]
    public void NanInfinityAndNegativeZero_AsNumpyWritesThem()
    {
        Assert.Equal("array([ nan, -inf, -0. ,  1.5])", NDArray<double>.Vector(double.NaN, double.NegativeInfinity, -0.0, 1.5).Repr());
        Assert.Equal("[nan inf]", NDArray<float>.Vector(float.NaN, float.PositiveInfinity).ToString());
    }

    [Fact]
    public void Float32Columns_ShowFloat32sExactDigits_AsNumpyDoes()
    {
        // Padded to a common eight digits, a float32 shows its own further digits, not zeros (float64's would be zeros).
        Assert.Equal("array([1.00000001e-01, 1.21000005e-04, 9.99999972e-10], dtype=float32)",
            NDArray<float>.Vector(0.1f, 1.21000005e-4f, 1e-9f).Repr());
        Assert.Equal("array([1.00000000e-01, 1.21000005e-04, 1.00000000e-09])", NDArray<double>.Vector(0.1, 1.21000005e-4, 1e-9).Repr());
    }

    [Fact]
    public void PastAThousandElements_OnlyTheEdgesArePrinted()
    {
        Assert.Equal("[[0.000e+00 1.000e+00 2.000e+00 ... 9.970e+02 9.980e+02 9.990e+02]\n" +
                     " [1.000e+03 1.001e+03 1.002e+03 ... 1.997e+03 1.998e+03 1.999e+03]]", Range(2000, 2, 1000).ToString());
        // Four million elements: only the 36 at the corners are formatted (and fit the width).
        var big = new NDArray<float>(2000, 2000);
        big[0, 0] = 1.5f;
        big[1999, 1999] = -2;
        big[1000, 1000] = 1e9f;   // not printed, so not seen: no scientific notation
        string rows = " [ 0.   0.   0.  ...  0.   0.   0. ]\n";
        Assert.Equal("[[ 1.5  0.   0.  ...  0.   0.   0. ]\n" + rows + rows + " ...\n" + rows + rows +
                     " [ 0.   0.   0.  ...  0.   0.  -2. ]]", big.ToString());
        Assert.EndsWith("       [ 0. ,  0. ,  0. , ...,  0. ,  0. , -2. ]], dtype=float32)", big.Repr());
    }

    [Fact]
    public void EmptyAndZeroDimensionalArrays()
    {
        Assert.Equal("[]", new NDArray<double>(0, 3).ToString());
        Assert.Equal("array([], shape=(0, 3), dtype=float64)", new NDArray<double>(0, 3).Repr());
        Assert.Equal("array([], dtype=float32)", new NDArray<float>(0).Repr());
        var scalar = NDArray<float>.FromArray([1.5f]).Reshape();
        Assert.Equal(0, scalar.Rank);
        Assert.Equal("1.5", scalar.ToString());                          // str of a 0-d array is its scalar's
        Assert.Equal("array(1.5, dtype=float32)", scalar.Repr());
        Assert.Equal("1e-05", NDArray<double>.FromArray([1e-5]).Reshape().ToString());
        Assert.Equal("array(1.e-05)", NDArray<double>.FromArray([1e-5]).Reshape().Repr());
    }
}
