using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using Backprop.Tests.Bench;
using Backprop.Tests.Data;
using Backprop.Tests.Docs;

namespace Backprop.Tests.Packaging;

/// <summary>
/// <c>dotnet pack</c> gives what a .NET user installs: the library as a package a console project references (its
/// README's program runs from it), and the command as a .NET tool that trains and draws from wherever it is installed.
/// Both are packed from this test run's own build (<c>--no-build</c>) into a fresh folder, under a version of their own
/// (the build's, with a unique suffix): no copy of the same version cached on the machine can stand in for them.
/// </summary>
public class PackageTests
{
    private static readonly TimeSpan Minutes = TimeSpan.FromMinutes(4);

    [Fact]
    public void Library_PacksItsDocsAndReadme_AndAConsoleProjectRunsTheReadmeFromIt()
    {
        using var dir = new TempDir();
        string feed = Pack(dir, "Backprop");
        string nupkg = Assert.Single(Directory.GetFiles(feed, "Backprop.*.nupkg"));
        string version = PackedVersion(feed, "Backprop");
        using (var zip = ZipFile.OpenRead(nupkg))
        {
            var names = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("lib/net10.0/Backprop.dll", names);
            Assert.Contains("lib/net10.0/Backprop.xml", names);             // IntelliSense: every public member's docs
            Assert.Contains("README.md", names);
            Assert.Contains("buildTransitive/Backprop.targets", names);      // the native AOT advice, for every project that references it
            XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
            using var spec = zip.GetEntry("Backprop.nuspec")!.Open();
            var meta = XDocument.Load(spec).Root!.Element(ns + "metadata")!;
            Assert.Equal(version, meta.Element(ns + "version")!.Value);
            Assert.Equal("README.md", meta.Element(ns + "readme")!.Value);
            var dependencies = meta.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToList();
            Assert.Contains("ScottPlot", dependencies);
            Assert.Contains("System.Numerics.Tensors", dependencies);
        }

        // A user's console project: the package's README program, referenced by version from the packed folder.
        string app = Directory.CreateDirectory(dir.File("app")).FullName;
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup>
              <ItemGroup><PackageReference Include="Backprop" Version="{version}" /></ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "nuget.config"), NugetConfig(feed));
        var block = Assert.Single(DocCodeBlocks.All(), b => b.File == Path.Combine("src", "Backprop", "README.md"));
        File.WriteAllText(Path.Combine(app, "Program.cs"), block.Code);
        var run = Dotnet(dir, app, "run", "-c", "Release");
        Assert.True(run.ExitCode == 0, "the README's program did not run from the package:\n" + run.Output);
        // The README's 1.16e-10 is this host's rounding; without AVX2 the sums run in another order (4.70e-10). The
        // notebook's level is what holds everywhere.
        var dxError = System.Text.RegularExpressions.Regex.Match(run.Stdout, @"dx error: (\S+)");
        Assert.True(dxError.Success, run.Stdout);
        Assert.InRange(double.Parse(dxError.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 0, 1e-9);
        Assert.Contains("loss 1.5991, W1 gradient (6, 100)", run.Stdout);

        // Publishing that project as native AOT for a baseline x64 is warned about (the check alone, not the 2-minute
        // compile); with an instruction set chosen, it is not.
        string[] aot = ["msbuild", "-nologo", "-t:BackpropAotInstructionSetAdvice", "-p:PublishAot=true", "-p:RuntimeIdentifier=linux-x64"];
        var baseline = Dotnet(dir, app, aot);
        Assert.True(baseline.ExitCode == 0, baseline.Output);
        Assert.Contains("warning BACKPROP001", baseline.Stdout);
        Assert.Contains("-p:IlcInstructionSet=avx2", baseline.Stdout);
        var chosen = Dotnet(dir, app, [.. aot, "-p:IlcInstructionSet=avx2"]);
        Assert.True(chosen.ExitCode == 0, chosen.Output);
        Assert.DoesNotContain("BACKPROP001", chosen.Output);
    }

    [Fact]
    public void Cli_PacksAsADotnetTool_ThatTrainsAndDrawsFromItsInstallFolder()
    {
        using var dir = new TempDir();
        string feed = Pack(dir, "Backprop.Cli");
        File.WriteAllText(dir.File("nuget.config"), NugetConfig(feed));
        string tools = dir.File("tools");
        var install = Dotnet(dir, dir.Path, "tool", "install", "Backprop.Cli", "--version", PackedVersion(feed, "Backprop.Cli"),
            "--tool-path", tools, "--configfile", dir.File("nuget.config"));
        Assert.True(install.ExitCode == 0, "dotnet tool install failed:\n" + install.Output);
        Assert.Contains("backprop", install.Stdout);

        string backprop = Path.Combine(tools, OperatingSystem.IsWindows() ? "backprop.exe" : "backprop");
        var version = BenchProgram.RunProcess(backprop, ["--version"], null, Minutes);
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith(BuildVersion + "+", version.Stdout.Trim());      // the build's version and its commit

        // One short run on the CIFAR-10 subset: the plots need the native drawing libraries the tool package carries.
        string run = dir.File("run");
        var train = BenchProgram.RunProcess(backprop, ["train", "--dataset", "cifar10", "--data-dir", TestData.Cifar10SubsetDir,
            "--hidden", "20", "--epochs", "1", "--threads", "1", "--out", run], null, Minutes);
        Assert.True(train.ExitCode == 0, "the installed tool's train failed:\n" + train.Output);
        foreach (var file in new[] { "model.npz", "summary.json", "loss.png", "weights.png", "confusion.png" })
            Assert.True(File.Exists(Path.Combine(run, file)), $"the installed tool wrote no {file}:\n{train.Output}");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(run, "loss.png"))[..4]);
    }

    /// <summary>The version every project is built with (Directory.Build.props), as the library's assembly carries it.</summary>
    private static string BuildVersion =>
        typeof(Backprop.Tensors.NDArray<float>).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    /// <summary>Packs one project of src/ from this test run's build into a fresh folder, returned.</summary>
    private static string Pack(TempDir dir, string project)
    {
        string feed = dir.File("feed");
        string configuration = typeof(PackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        string version = $"{BuildVersion}-test.{Guid.NewGuid():N}";
        var pack = Dotnet(dir, TestData.RepositoryRoot, "pack", Path.Combine("src", project), "-c", configuration, "--no-build", "-o", feed, "-nologo",
            $"-p:PackageVersion={version}");
        Assert.True(pack.ExitCode == 0, $"dotnet pack {project} failed:\n" + pack.Output);
        Assert.True(File.Exists(Path.Combine(feed, $"{project}.{version}.nupkg")), $"dotnet pack {project} made no {project}.{version}.nupkg:\n" + pack.Output);
        return feed;
    }

    /// <summary>The version <see cref="Pack"/> gave <paramref name="project"/>'s package in <paramref name="feed"/>.</summary>
    private static string PackedVersion(string feed, string project) =>
        Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(feed, project + ".*.nupkg")))[(project.Length + 1)..];

    /// <summary>
    /// Runs the SDK with a packages folder of its own inside <paramref name="dir"/>: what it installs from the packed folder
    /// is extracted there, so neither a stale copy of this version in the machine's folder is used nor a new one left in it.
    /// </summary>
    private static ProcessResult Dotnet(TempDir dir, string workingDirectory, params string[] args)
    {
        var env = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = dir.File("packages"), ["DOTNET_NOLOGO"] = "1" };
        return BenchProgram.RunProcess("dotnet", args, env, Minutes, workingDirectory: workingDirectory);
    }

    /// <summary>
    /// The packed folder as a source added to the machine's own, and the machine's packages folder as a fallback, read in
    /// place: the dependencies the solution's restore already fetched are not fetched again.
    /// </summary>
    private static string NugetConfig(string feed)
    {
        string machine = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="packed" value="{feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{machine}" />
              </fallbackPackageFolders>
            </configuration>
            """;
    }
}
