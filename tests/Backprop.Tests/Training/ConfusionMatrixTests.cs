using Backprop.Models;
using Backprop.Tensors;
using Backprop.Training;

namespace Backprop.Tests.Training;

public class ConfusionMatrixTests
{
    // Three classes; true class 0 ×4 (predicted 0, 0, 1, 2), class 1 ×3 (1, 1, 0), class 2 never appears but is predicted once.
    private static readonly int[] Labels = [0, 0, 0, 0, 1, 1, 1];
    private static readonly int[] Preds = [0, 0, 1, 2, 1, 1, 0];

    [Fact]
    public void Counts_RowsAreTrueClasses_ColumnsPredictions()
    {
        var m = new ConfusionMatrix(Labels, Preds, 3);
        long[][] expected = [[2, 1, 1], [1, 2, 0], [0, 0, 0]];
        Assert.Equal(expected, m.ToRows());
        Assert.Equal(1, m[0, 2]);
        Assert.Equal((7L, 4L, 3), (m.Total, m.Correct, m.NumClasses));
        Assert.Equal((4L, 3L, 0L), (m.Support(0), m.Support(1), m.Support(2)));
        Assert.Equal((3L, 3L, 1L), (m.Predicted(0), m.Predicted(1), m.Predicted(2)));
    }

    [Fact]
    public void ToString_PrintsTheTotalsAndTheRows()
    {
        Assert.Equal("3 classes, 7 samples, accuracy 0.5714 (rows: true class, columns: predicted)\n[2 1 1]\n[1 2 0]\n[0 0 0]",
            new ConfusionMatrix(Labels, Preds, 3).ToString());
        // Counts of several digits are right-aligned in columns of the widest one's width.
        var wide = new ConfusionMatrix([.. Enumerable.Repeat(0, 12), 1], [.. Enumerable.Repeat(0, 12), 0], 2);
        Assert.Equal("2 classes, 13 samples, accuracy 0.9231 (rows: true class, columns: predicted)\n[12  0]\n[ 1  0]", wide.ToString());
    }

    [Fact]
    public void Rates_AreTheTextbookOnes_AndNaNWhereUndefined()
    {
        var m = new ConfusionMatrix(Labels, Preds, 3);
        Assert.Equal(4.0 / 7, m.Accuracy);
        Assert.Equal(0.5, m.Recall(0));
        Assert.Equal(2.0 / 3, m.Recall(1));
        Assert.True(double.IsNaN(m.Recall(2)));          // no image of class 2
        Assert.Equal(2.0 / 3, m.Precision(0));
        Assert.Equal(0.0, m.Precision(2));              // predicted once, wrongly
        Assert.True(double.IsNaN(new ConfusionMatrix([0], [0], 2).Precision(1)));  // never predicted
        Assert.Equal(0, new ConfusionMatrix([], [], 4).Accuracy);
    }

    [Fact]
    public void Accuracy_IsTheSolversFigure()
    {
        var rng = new NumpyRandom(3);
        var y = new int[997];
        var p = new int[997];
        rng.FillChoice(10, y);
        rng.FillChoice(10, p);
        for (int i = 0; i < 500; i++) p[i] = y[i];
        int correct = y.Zip(p).Count(t => t.First == t.Second);
        Assert.Equal((double)correct / y.Length, new ConfusionMatrix(y, p, 10).Accuracy);
    }

    [Fact]
    public void MostConfusedWith_TakesTheLargestMistake_LowestIndexOnTies()
    {
        var m = new ConfusionMatrix(Labels, Preds, 3);
        Assert.Equal((1, 1L), m.MostConfusedWith(0));   // 1 and 2 tie at one each
        Assert.Equal((0, 1L), m.MostConfusedWith(1));
        Assert.Null(m.MostConfusedWith(2));
        Assert.Null(new ConfusionMatrix([0, 0], [0, 0], 2).MostConfusedWith(0));
        Assert.Equal((2, 3L), new ConfusionMatrix([1, 1, 1, 1, 1], [0, 2, 2, 2, 1], 3).MostConfusedWith(1));
    }

    [Fact]
    public void BadInput_IsRefused_NamingTheProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => new ConfusionMatrix([0, 1], [0], 2));
        Assert.Contains("2 labels but 1 predictions", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ConfusionMatrix([0, 5], [0, 1], 3));
        Assert.Contains("label labels[1] = 5 is outside [0, 3)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ConfusionMatrix([0, 1], [0, -1], 3));
        Assert.Contains("prediction predictions[1] = -1 is outside [0, 3)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix([], [], 0));
        Assert.Equal("numClasses", Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix([], [], 50_000)).ParamName);
        var m = new ConfusionMatrix(Labels, Preds, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => m[3, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Recall(-1));
    }

    [Fact]
    public void Of_AModel_CountsItsPredictions_OverTheModelsClassesUnlessGiven()
    {
        // A softmax classifier (no hidden layer) of 2 features and 3 classes: class 0 scores x0, class 1 scores x1, class 2 nothing.
        var model = new FullyConnectedNet<double>([], inputDim: 2, numClasses: 3);
        model.Params["W1"].CopyFrom(NDArray<double>.FromRows([[1.0, 0, 0], [0, 1, 0]]));
        var x = NDArray<double>.FromRows([[1.0, 0], [0, 1], [1, 0], [-1, -1]]);
        int[] y = [0, 1, 1, 2];
        var m = ConfusionMatrix.Of(model, x, y);
        Assert.Equal(3, m.NumClasses);
        long[][] expected = [[1, 0, 0], [1, 1, 0], [0, 0, 1]];
        Assert.Equal(expected, m.ToRows());
        Assert.Equal(4, ConfusionMatrix.Of(model, x, y, numClasses: 4).NumClasses);
        Assert.Contains("label labels[3] = 2 is outside [0, 2)", Assert.Throws<ArgumentException>(() => ConfusionMatrix.Of(model, x, y, numClasses: 2)).Message);

        // Labels for another number of rows: said of x and y (it was 'predictions', a name the caller never gave).
        var e = Assert.Throws<ArgumentException>(() => ConfusionMatrix.Of(model, x, [0, 1]));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("x has shape (4, 2) but y has 2 labels", e.Message);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => ConfusionMatrix.Of(model, null!, y)).ParamName);
    }
}
