namespace Backprop.Tests;

/// <summary>
/// Where the tests find real data. Each location comes from an environment variable, with a default; when the folder is
/// absent the property throws, so the test that needs it fails with a message naming the variable and the path instead
/// of passing silently.
/// </summary>
public static class TestData
{
    /// <summary>The variable that points at the shared CIFAR-10 subset (default <c>../shared/cifar10</c> from the repository root).</summary>
    public const string Cifar10SubsetVariable = "BACKPROP_CIFAR10_SUBSET";

    /// <summary>The variable that points at a Fashion-MNIST folder (default Debian's <c>/usr/share/datasets/fashion-mnist</c>).</summary>
    public const string FashionMnistVariable = "BACKPROP_FASHION_MNIST";

    /// <summary>The folder holding <c>Backprop.sln</c>, found by walking up from the test assembly's folder.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// The shared CIFAR-10 subset folder (holding <c>cifar-10-batches-py-first1000/</c> and
    /// <c>cifar-10-batches-bin-first1000/</c>): <c>$BACKPROP_CIFAR10_SUBSET</c>, else <c>../shared/cifar10</c> resolved
    /// against the repository root.
    /// </summary>
    public static string Cifar10SubsetDir => Existing(Cifar10SubsetVariable, Path.Combine("..", "shared", "cifar10"),
        "the first 1000 images of each CIFAR-10 batch (see shared/cifar10/README.md)");

    /// <summary>The subset's python-version batches.</summary>
    public static string Cifar10PythonDir => Path.Combine(Cifar10SubsetDir, "cifar-10-batches-py-first1000");

    /// <summary>The subset's binary-version batches.</summary>
    public static string Cifar10BinaryDir => Path.Combine(Cifar10SubsetDir, "cifar-10-batches-bin-first1000");

    /// <summary>A Fashion-MNIST folder with the four IDX .gz files: <c>$BACKPROP_FASHION_MNIST</c>, else Debian's place.</summary>
    public static string FashionMnistDir => Existing(FashionMnistVariable, "/usr/share/datasets/fashion-mnist",
        "Fashion-MNIST (on Debian: apt-get install dataset-fashion-mnist)");

    private static string Existing(string variable, string fallback, string what)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        var path = Path.GetFullPath(string.IsNullOrEmpty(value) ? fallback : value, RepositoryRoot);
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException(
                $"Test data missing: {what} is expected in '{path}' " +
                (string.IsNullOrEmpty(value) ? $"(the default; set ${variable} to point elsewhere)." : $"(from ${variable})."));
        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Backprop.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No folder holding Backprop.sln above '{AppContext.BaseDirectory}'.");
    }
}
