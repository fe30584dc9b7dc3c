using System.Diagnostics;
using Backprop.Cli;
using CommandLine = Backprop.Cli.Cli;

namespace Backprop.Tests.Cli;

/// <summary>What one <c>backprop</c> invocation printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    /// <summary>The non-empty lines of standard error.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The non-empty lines of standard output.</summary>
    public string[] OutLines() => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>Runs the <c>backprop</c> command line in-process (redirected output, as under a pipe) or as a real process.</summary>
internal static class CliRunner
{
    /// <summary>The CIFAR-10 subset folder as a <c>--data-dir</c>.</summary>
    public static string Cifar10DataDir => TestData.Cifar10SubsetDir;

    /// <summary>Runs <c>backprop args</c> in this process.</summary>
    public static CliResult Run(params string[] args) => Run(CancellationToken.None, args);

    /// <summary>Runs <c>backprop args</c> in this process with a cancellation token standing for Ctrl-C.</summary>
    public static CliResult Run(CancellationToken cancel, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandLine.Run(args, CliConsole.Plain(output, error, cancel));
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs <c>backprop args</c> as a separate process with <paramref name="environment"/> added to its environment.</summary>
    public static CliResult RunProcess(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunProcessIn(null, environment, args);

    /// <summary><see cref="RunProcess"/> in <paramref name="workingDirectory"/> (null: this process's).</summary>
    public static CliResult RunProcessIn(string? workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = StartInfo(args);
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (var (name, value) in environment) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new CliResult(process.ExitCode, output, error.Result);
    }

    /// <summary>Starts <c>backprop args</c> as a separate process (the built Backprop.Cli.dll under <c>dotnet</c>).</summary>
    public static Process Start(params string[] args)
    {
        var process = Process.Start(StartInfo(args))!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// An executable to start in place of <c>dotnet Backprop.Cli.dll</c>: the emulated ARM64 run points it at a script
    /// that runs an ARM64 build of the CLI under qemu-aarch64 (Backprop.Tests.InProcess/run-arm64.sh).
    /// </summary>
    public const string CliVariable = "BACKPROP_TEST_CLI";

    /// <summary><c>dotnet Backprop.Cli.dll args</c> (the build's copy), or <c>$BACKPROP_TEST_CLI args</c>, both outputs redirected.</summary>
    private static ProcessStartInfo StartInfo(string[] args)
    {
        string? cli = Environment.GetEnvironmentVariable(CliVariable);
        var info = new ProcessStartInfo(string.IsNullOrEmpty(cli) ? "dotnet" : cli)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (string.IsNullOrEmpty(cli)) info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Backprop.Cli.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }
}
