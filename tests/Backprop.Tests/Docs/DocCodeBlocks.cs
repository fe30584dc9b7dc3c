using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Backprop.Tests.Docs;

/// <summary>A fenced <c>```csharp</c> block of a Markdown file: the file (relative to the repository), its line, its code.</summary>
internal sealed record DocCodeBlock(string File, int Line, string Code)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>
/// The C# blocks of the repository's Markdown files, compiled in-process with Roslyn as a .NET 10 console program
/// (top-level statements, the SDK's implicit usings, nullable on) against the library, and run in this process.
/// </summary>
internal static class DocCodeBlocks
{
    /// <summary>Every <c>```csharp</c> block of every <c>*.md</c> file under the repository (build output left out).</summary>
    public static IReadOnlyList<DocCodeBlock> All()
    {
        var blocks = new List<DocCodeBlock>();
        foreach (var path in Directory.EnumerateFiles(TestData.RepositoryRoot, "*.md", SearchOption.AllDirectories)
                     .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj" or "runs" or "out" or ".git"))
                     .OrderBy(p => p, StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(path);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() is not ("```csharp" or "```cs" or "```c#")) continue;
                int end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
                Assert.True(end > i, $"{path}:{i + 1}: a ```csharp block is not closed");
                blocks.Add(new DocCodeBlock(Path.GetRelativePath(TestData.RepositoryRoot, path), i + 1,
                    string.Join('\n', lines[(i + 1)..end]) + "\n"));
                i = end;
            }
        }
        return blocks;
    }

    /// <summary>
    /// Replaces <paramref name="text"/> by <paramref name="replacement"/>, which must occur exactly once (so a block that
    /// changed fails here, naming what is no longer there, instead of running unchanged).
    /// </summary>
    public static string ReplaceOnce(string code, string text, string replacement)
    {
        int at = code.IndexOf(text, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the block no longer contains «{text}»:\n{code}");
        Assert.True(code.IndexOf(text, at + 1, StringComparison.Ordinal) < 0, $"the block contains «{text}» more than once");
        return code[..at] + replacement + code[(at + text.Length)..];
    }

    /// <summary>
    /// Compiles <paramref name="code"/> as a console program; fails with the diagnostics if it has an error or a warning
    /// (a reader who pastes the block into <c>dotnet new console</c> would see them).
    /// </summary>
    public static byte[] Compile(string code, string name)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new[]
        {
            CSharpSyntaxTree.ParseText(ImplicitUsings, parse, path: "GlobalUsings.g.cs"),
            CSharpSyntaxTree.ParseText(code, parse, path: name),
        };
        var compilation = CSharpCompilation.Create(Regex.Replace(name, "[^A-Za-z0-9]", "_"), trees, References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Release, allowUnsafe: false));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(result.Success && problems.Count == 0,
            $"{name} does not compile cleanly:\n{string.Join('\n', problems)}\n--- the code\n{code}");
        return image.ToArray();
    }

    /// <summary>
    /// Runs a compiled program's entry point in this process with <paramref name="workingDirectory"/> as the current
    /// folder, and returns what it wrote on standard output. Changes process-wide state: callers belong to
    /// <see cref="Kernels.KernelCollection"/>, which runs alone.
    /// </summary>
    public static string Run(byte[] assembly, string workingDirectory)
    {
        var context = new AssemblyLoadContext("doc-block", isCollectible: true);   // the library itself comes from the default context
        var output = new StringWriter();
        var (savedOut, savedDir) = (Console.Out, Environment.CurrentDirectory);
        try
        {
            var entry = context.LoadFromStream(new MemoryStream(assembly)).EntryPoint!;
            Console.SetOut(output);
            Environment.CurrentDirectory = workingDirectory;
            try
            {
                entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw new InvalidOperationException($"the block threw after printing:\n{output}", e.InnerException);
            }
        }
        finally
        {
            Console.SetOut(savedOut);
            Environment.CurrentDirectory = savedDir;
            context.Unload();
        }
        return output.ToString();
    }

    // What Microsoft.NET.Sdk adds to a console project (and to a file-based program) with ImplicitUsings on.
    private const string ImplicitUsings =
        "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    // The runtime's assemblies and this test's (the library among them), as the program's references.
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray());
}
