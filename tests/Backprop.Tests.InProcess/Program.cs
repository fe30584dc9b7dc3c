using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Backprop.Tests.InProcess;

/// <summary>
/// Discovers the Backprop.Tests suite with xunit's own framework and runs the test cases whose full method name
/// (namespace.Class.Method) contains one of the arguments (all when none is given) and none of the arguments written with
/// a leading <c>-</c>, printing each failure and skip, a line per 100 passed, and a count. Exit code 0 when some passed
/// and none failed.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var assembly = typeof(TestData).Assembly;
        using var framework = new XunitTestFramework(new Sink());
        var discovery = new Sink();
        using (var discoverer = framework.GetDiscoverer(Reflector.Wrap(assembly)))
        {
            discoverer.Find(includeSourceInformation: false, discovery, new Options());
            discovery.Finished.WaitOne();
        }
        string[] include = [.. args.Where(a => !a.StartsWith('-'))], exclude = [.. args.Where(a => a.StartsWith('-')).Select(a => a[1..])];
        bool Named(ITestCase c, string part) =>
            $"{c.TestMethod.TestClass.Class.Name}.{c.TestMethod.Method.Name}".Contains(part, StringComparison.Ordinal);
        var cases = discovery.Cases
            .Where(c => (include.Length == 0 || include.Any(a => Named(c, a))) && !exclude.Any(a => Named(c, a)))
            .ToList();
        Console.WriteLine($"{cases.Count} of {discovery.Cases.Count} test cases selected");
        var clock = Stopwatch.StartNew();
        var run = new Sink();
        using (var executor = framework.GetExecutor(assembly.GetName()))
        {
            executor.RunTests(cases, run, new Options());
            run.Finished.WaitOne();
        }
        Console.WriteLine($"Passed {run.Passed}, failed {run.Failed}, skipped {run.Skipped} in {clock.Elapsed.TotalSeconds:F0} s");
        return run.Failed == 0 && run.Passed > 0 ? 0 : 1;
    }

    /// <summary>Collects discovered cases and counts results; prints failures and skips as they come.</summary>
    private sealed class Sink : LongLivedMarshalByRefObject, IMessageSink
    {
        public readonly List<ITestCase> Cases = [];
        public readonly ManualResetEvent Finished = new(false);
        public int Passed, Failed, Skipped;

        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestCaseDiscoveryMessage found: Cases.Add(found.TestCase); break;
                case IDiscoveryCompleteMessage: Finished.Set(); break;
                case ITestPassed:
                    int passed = Interlocked.Increment(ref Passed);
                    if (passed % 100 == 0) Console.WriteLine($"... {passed} passed");
                    break;
                case ITestSkipped skipped:
                    Interlocked.Increment(ref Skipped);
                    Console.WriteLine($"SKIP {skipped.Test.DisplayName}: {skipped.Reason}");
                    break;
                case ITestFailed failed:
                    Interlocked.Increment(ref Failed);
                    Console.WriteLine($"FAIL {failed.Test.DisplayName}\n  {string.Join("\n  ", failed.Messages)}\n{string.Join("\n", failed.StackTraces)}");
                    break;
                case ITestAssemblyFinished: Finished.Set(); break;
            }
            return true;
        }
    }

    /// <summary>Discovery and execution options: xunit's defaults (parallel test collections, as dotnet test).</summary>
    private sealed class Options : LongLivedMarshalByRefObject, ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = [];

        public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out var v) && v is TValue t ? t : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }
}
