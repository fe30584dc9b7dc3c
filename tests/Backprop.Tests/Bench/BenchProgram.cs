using System.Diagnostics;

namespace Backprop.Tests.Bench;

/// <summary>What one child process did: its exit code and output.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Both streams, for assertion messages.</summary>
    public string Output => Stdout + Stderr;
}

/// <summary>
/// The benchmark program (bench/Backprop.Bench), built once per test run as <c>bench/run.sh</c> builds it, and the
/// peers' Python scripts, run as child processes: the tests see them as a user does, exit codes and messages.
/// </summary>
internal static class BenchProgram
{
    /// <summary>The system Python the suite runs the peers with.</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string> Dll = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Runs <c>Backprop.Bench</c> with <paramref name="args"/> (built first, once).</summary>
    public static ProcessResult Run(params string[] args) => Run(null, args);

    /// <summary>As <see cref="Run(string[])"/>, with extra environment variables (null removes one).</summary>
    public static ProcessResult Run(IDictionary<string, string?>? env, params string[] args) =>
        RunProcess("dotnet", [Dll.Value, .. args], env, TimeSpan.FromMinutes(5));

    /// <summary>Runs a script of bench/peers with the system Python.</summary>
    public static ProcessResult Peer(string script, params string[] args) =>
        RunProcess(Python, [Path.Combine(HarnessSmokeTests.Repo(), "bench", "peers", script), .. args], null, TimeSpan.FromMinutes(2));

    /// <summary>Whether the system Python can import <paramref name="module"/>.</summary>
    public static bool PythonHas(string module) =>
        File.Exists(Python) && RunProcess(Python, ["-c", $"import {module}"], null, TimeSpan.FromMinutes(1)).ExitCode == 0;

    /// <summary>Runs <paramref name="file"/> to the end (failing the test past <paramref name="timeout"/>).</summary>
    public static ProcessResult RunProcess(string file, IEnumerable<string> args, IDictionary<string, string?>? env, TimeSpan timeout, string? stdin = null,
        string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
            if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish in {timeout}");
        }
        p.WaitForExit();
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Build()
    {
        string repo = HarnessSmokeTests.Repo();
        var build = RunProcess("dotnet", ["build", Path.Combine(repo, "bench", "Backprop.Bench", "Backprop.Bench.csproj"), "-c", "Release", "-nologo", "-v", "quiet"],
            null, TimeSpan.FromMinutes(5));
        Assert.True(build.ExitCode == 0, "building bench/Backprop.Bench failed:\n" + build.Output);
        return Path.Combine(repo, "bench", "Backprop.Bench", "bin", "Release", "net10.0", "Backprop.Bench.dll");
    }
}
