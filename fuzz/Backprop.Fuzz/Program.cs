using System.Diagnostics;
using System.Globalization;
using System.Text;
using Backprop.Tests.Data.Fuzzing;

// Usage: dotnet run -c Release --project fuzz/Backprop.Fuzz -- [--format NAME|all] [--count N] [--seed S]
//        [--time-limit-ms T] [--out DIR]
// Runs a mutation campaign per format and writes DIR/campaign.md plus DIR/findings/* (inputs that misbehaved).
//        dotnet Backprop.Fuzz.dll --write-seeds FORMAT DIR     (seed files for AFL++)
//        dotnet Backprop.Fuzz.dll --afl FORMAT                  (run under afl-fuzz with SharpFuzz; see fuzz/afl.sh)
var options = new Dictionary<string, string>();
for (int i = 0; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
if (options.TryGetValue("write-seeds", out var seedFormat))
{
    var dir = args[2];
    Directory.CreateDirectory(dir);
    var t = Target(seedFormat);
    for (int i = 0; i < t.Seeds.Count; i++) File.WriteAllBytes(Path.Combine(dir, $"seed-{i}"), t.Seeds[i]);
    return 0;
}
if (options.TryGetValue("afl", out var aflFormat))
{
    AflMode.Run(Target(aflFormat));
    return 0;
}
string format = options.GetValueOrDefault("format", "all");
int count = Number("count", 100000), seed = Number("seed", 20261123);
var limit = TimeSpan.FromMilliseconds(Number("time-limit-ms", 2000));
string outDir = Path.GetFullPath(options.GetValueOrDefault("out", Path.Combine("fuzz", "out")));
Directory.CreateDirectory(Path.Combine(outDir, "findings"));
string work = WorkFolder.For("fuzz");

var targets = format == "all" ? FuzzTargets.All() : [Target(format)];
var md = new StringBuilder();
md.AppendLine($"Campaign: {count} inputs per format, seed {seed}, time limit {limit.TotalMilliseconds} ms per input, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.").AppendLine();
md.AppendLine("| format | inputs | accepted | rejected (InvalidDataException) | distinct rejections | findings | max alloc (bytes) | max alloc / input byte (inputs ≥ 4 KiB) | max time per input | elapsed |");
md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
var details = new StringBuilder();
int totalFindings = 0;
foreach (var target in targets)
{
    var runner = new FuzzRunner(Path.Combine(work, target.Name), limit);
    var clock = Stopwatch.StartNew();
    var report = runner.Run(target, count, seed, r => Console.Error.WriteLine($"  {target.Name}: {r.Inputs} inputs, {r.Findings.Count} findings, {clock.Elapsed.TotalSeconds:0} s"));
    totalFindings += report.Findings.Count;
    Console.WriteLine($"{target.Name}: {report.Inputs} inputs, {report.Accepted} accepted, {report.Rejected} rejected, {report.Findings.Count} findings, {report.Elapsed.TotalSeconds:0.0} s");
    md.AppendLine(CultureInfo.InvariantCulture, $"| {target.Name} | {report.Inputs} | {report.Accepted} | {report.Rejected} | {report.RejectionKinds.Count} | {report.Findings.Count} | {report.MaxAllocatedBytes} | {report.MaxAllocatedPerInputByte:0.0} | {report.MaxTime.TotalMilliseconds:0.0} ms | {report.Elapsed.TotalSeconds:0} s |");
    details.AppendLine().AppendLine($"### {target.Name}").AppendLine();
    details.AppendLine($"Most frequent rejections (of {report.RejectionKinds.Count} distinct messages, numbers and names blanked):").AppendLine();
    foreach (var (kind, n) in report.RejectionKinds.OrderByDescending(kv => kv.Value).Take(12))
        details.AppendLine($"- {n} × `{kind.Replace("`", "'")}`");
    if (report.Findings.Count > 0)
    {
        details.AppendLine().AppendLine("Findings:").AppendLine();
        var byKind = report.Findings.GroupBy(f => f.Kind + ": " + f.Detail.Split('\n')[0]).ToList();
        int n = 0;
        foreach (var group in byKind.Take(20))
        {
            var f = group.First();
            var file = Path.Combine(outDir, "findings", $"{target.Name}-{f.Kind}-{n++}");
            File.WriteAllBytes(file + ".bin", f.Input);
            File.WriteAllText(file + ".txt", $"{f.Kind} after mutation {f.Mutation}\n{f.Detail}\n");
            details.AppendLine($"- {group.Count()} × {group.Key.Replace("`", "'")} (example: `{Path.GetFileName(file)}.bin`, mutation `{f.Mutation}`)");
        }
    }
}
md.Append(details);
File.WriteAllText(Path.Combine(outDir, "campaign.md"), md.ToString());
try { Directory.Delete(work, recursive: true); } catch (IOException) { }
Console.WriteLine($"Report: {Path.Combine(outDir, "campaign.md")}");
return totalFindings == 0 ? 0 : 1;

// A mistyped format or number is one line on stderr and exit 2, not an unhandled exception.
static FuzzTarget Target(string name)
{
    try { return FuzzTargets.ByName(name); }
    catch (ArgumentException e) { return Usage<FuzzTarget>(e.Message); }
}

int Number(string option, int fallback) =>
    !options.TryGetValue(option, out var text) ? fallback
    : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
    : Usage<int>($"--{option}: '{text}' is not a whole number.");

static T Usage<T>(string message)
{
    Console.Error.WriteLine($"Backprop.Fuzz: {message}");
    Environment.Exit(2);
    return default!;
}
