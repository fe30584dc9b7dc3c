using System.Globalization;
using Backprop.Training;
using Spectre.Console;

namespace Backprop.Cli;

/// <summary>The per-class tables of <c>backprop eval</c>: accuracy and precision by class, and the confusion matrix.</summary>
internal static class ConfusionTable
{
    /// <summary>Writes both tables for one split (<paramref name="title"/> names it).</summary>
    public static void Write(IAnsiConsole console, string title, ConfusionMatrix m, IReadOnlyList<string> names)
    {
        // Redirected output has no width to detect (Spectre assumes 80): give the 10 × 10 matrix room.
        if (!console.Profile.Capabilities.Interactive) console.Profile.Width = Math.Max(console.Profile.Width, 120);
        string Name(int c) => c < names.Count ? names[c] : c.ToString(CultureInfo.InvariantCulture);
        static string P(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%";

        // Headings as plain lines: a table's title wraps to the table's width.
        console.WriteLine($"{title}, by class (accuracy: of the class's images; precision: of the predictions of the class):");
        var perClass = new Table().Border(TableBorder.Simple)
            .AddColumn("class").AddColumn(new TableColumn("images").RightAligned()).AddColumn(new TableColumn("accuracy").RightAligned())
            .AddColumn(new TableColumn("precision").RightAligned()).AddColumn("most often mistaken for");
        for (int c = 0; c < m.NumClasses; c++)
        {
            long support = m.Support(c);
            string confused = m.MostConfusedWith(c) is var (other, count)
                ? $"{Name(other)} ({P((double)count / support)})"
                : "-";
            perClass.AddRow(new Text(Name(c)), new Text(support.ToString(CultureInfo.InvariantCulture)), new Text(P(m.Recall(c))),
                new Text(P(m.Precision(c))), new Text(confused));
        }
        console.Write(perClass);

        console.WriteLine($"{title}, confusion matrix (rows: true class, columns: predicted):");
        var matrix = new Table().Border(TableBorder.Simple).AddColumn("");
        for (int p = 0; p < m.NumClasses; p++) matrix.AddColumn(new TableColumn(p.ToString(CultureInfo.InvariantCulture)).RightAligned());
        for (int a = 0; a < m.NumClasses; a++)
        {
            var cells = new List<Text> { new($"{a} {Name(a)}") };
            for (int p = 0; p < m.NumClasses; p++) cells.Add(new Text(m[a, p].ToString(CultureInfo.InvariantCulture)));
            matrix.AddRow(cells);
        }
        console.Write(matrix);
    }
}
