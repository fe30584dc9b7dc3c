using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Backprop.Tests.Data.Fuzzing;

/// <summary>What went wrong with one input.</summary>
/// <param name="Kind"><c>crash</c> (an undocumented exception), <c>hang</c> (over the time limit) or <c>alloc</c> (over the allocation bound).</param>
public sealed record FuzzFinding(string Format, string Kind, string Detail, string Mutation, byte[] Input);

/// <summary>The outcome of a campaign on one format.</summary>
public sealed class FuzzReport
{
    public required string Format { get; init; }
    public int Inputs { get; set; }
    public int Accepted { get; set; }
    public int Rejected { get; set; }
    public List<FuzzFinding> Findings { get; } = [];
    /// <summary>Distinct rejection messages (file name and numbers blanked) and how often each occurred.</summary>
    public Dictionary<string, int> RejectionKinds { get; } = [];
    public long MaxAllocatedBytes { get; set; }
    public double MaxAllocatedPerInputByte { get; set; }
    public TimeSpan MaxTime { get; set; }
    public TimeSpan Elapsed { get; set; }
    public long TotalInputBytes { get; set; }
}

/// <summary>
/// Runs mutated inputs through a format's reader on a worker thread, with a per-input time limit and an allocation bound
/// measured by <see cref="GC.GetAllocatedBytesForCurrentThread"/>. Any exception other than the documented one, any
/// input over the time limit and any allocation over the bound is a finding.
/// </summary>
public sealed partial class FuzzRunner(string workDir, TimeSpan timeLimit)
{
    private sealed class Job
    {
        public required byte[] Input;
        public required FuzzTarget Target;
        public string? Result;
        public Exception? Error;
        public long Allocated;
        public TimeSpan Time;
        public readonly ManualResetEventSlim Done = new();
    }

    private Thread? _worker;
    private int _generation;
    private readonly BlockingQueue _queue = new();

    /// <summary>Runs <paramref name="count"/> mutated inputs (the seeds themselves first) and returns the report.</summary>
    public FuzzReport Run(FuzzTarget target, int count, int seed, Action<FuzzReport>? onProgress = null)
    {
        Directory.CreateDirectory(workDir);
        var report = new FuzzReport { Format = target.Name };
        var random = new Random(seed);
        var mutator = new Mutator(random);
        var inner = target.Inner is { } w ? target.Seeds.Select(s => { try { return w.Unwrap(s); } catch (InvalidDataException) { return s; } }).ToList() : null;
        var fields = target.Seeds.Select(s => target.Fields(s)).ToList();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            byte[] input;
            string mutation;
            if (i < target.Seeds.Count)
            {
                input = target.Seeds[i];
                mutation = "seed";
            }
            else
            {
                int k = random.Next(target.Seeds.Count);
                if (inner is not null && random.Next(2) == 0)
                {
                    // Structure-aware: mutate the decompressed content, then compress it again.
                    input = target.Inner!.Value.Wrap(mutator.Mutate(inner[k], [], inner));
                    mutation = "inner:" + mutator.LastMutation;
                }
                else
                {
                    input = mutator.Mutate(target.Seeds[k], fields[k], target.Seeds);
                    mutation = mutator.LastMutation;
                }
            }
            RunOne(target, input, mutation, report, i < target.Seeds.Count);
            if (onProgress is not null && (i + 1) % 10000 == 0) onProgress(report);
        }
        report.Elapsed = clock.Elapsed;
        return report;
    }

    private void RunOne(FuzzTarget target, byte[] input, string mutation, FuzzReport report, bool isSeed)
    {
        var job = new Job { Input = input, Target = target };
        EnsureWorker();
        _queue.Add(job);
        report.Inputs++;
        report.TotalInputBytes += input.Length;
        if (!job.Done.Wait(timeLimit))
        {
            report.Findings.Add(new(target.Name, "hang", $"no result after {timeLimit.TotalSeconds:0.#} s", mutation, input));
            // The stuck thread cannot be stopped; abandon it (it is a background thread) and start a fresh one.
            _worker = null;
            _queue.Reset();
            return;
        }
        report.MaxTime = job.Time > report.MaxTime ? job.Time : report.MaxTime;
        report.MaxAllocatedBytes = Math.Max(report.MaxAllocatedBytes, job.Allocated);
        // Per input byte, over inputs of 4 KiB or more (for tiny inputs the fixed buffers dominate the ratio).
        if (input.Length >= 4096) report.MaxAllocatedPerInputByte = Math.Max(report.MaxAllocatedPerInputByte, (double)job.Allocated / input.Length);
        double bound = target.AllocFactor * input.Length + target.AllocConstant;
        if (job.Allocated > bound)
            report.Findings.Add(new(target.Name, "alloc", $"allocated {job.Allocated} bytes for a {input.Length}-byte input (bound {bound:0})", mutation, input));
        if (job.Error is null)
        {
            report.Accepted++;
            return;
        }
        if (isSeed || !FuzzTarget.IsDocumented(job.Error))
        {
            report.Findings.Add(new(target.Name, isSeed ? "seed-rejected" : "crash", $"{job.Error.GetType().FullName}: {job.Error.Message}\n{job.Error.StackTrace}", mutation, input));
            return;
        }
        report.Rejected++;
        var kind = Normalize(job.Error.Message);
        report.RejectionKinds[kind] = report.RejectionKinds.GetValueOrDefault(kind) + 1;
    }

    /// <summary>A rejection message with the path and all numbers blanked, so that messages group by kind.</summary>
    internal string Normalize(string message)
    {
        var m = Inputs().Replace(message.Replace(workDir, ""), "input");
        m = HexBytes().Replace(m, "<hex>");
        m = Numbers().Replace(m, "#");
        m = Quoted().Replace(m, "'…'");
        return m.Length > 110 ? m[..110] + "…" : m;
    }

    [GeneratedRegex(@"/?input-\d+\.bin")]
    private static partial Regex Inputs();

    [GeneratedRegex(@"0x[0-9a-fA-F]+|\b(?:[0-9A-F]{2} )+[0-9A-F]{2}\b")]
    private static partial Regex HexBytes();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Numbers();

    [GeneratedRegex(@"'[^']*'")]
    private static partial Regex Quoted();

    private void EnsureWorker()
    {
        if (_worker is not null) return;
        var queue = _queue.Current;
        // Each worker has its own input file, so that an abandoned (hung) worker never reads the next one's input.
        var path = Path.Combine(workDir, $"input-{++_generation}.bin");
        _worker = new Thread(() =>
        {
            while (true)
            {
                var job = (Job)queue.Take();
                // Written on the worker so that a crash that kills the process leaves the input on disk.
                File.WriteAllBytes(path, job.Input);
                var clock = Stopwatch.StartNew();
                long before = GC.GetAllocatedBytesForCurrentThread();
                try { job.Result = job.Target.Read(path, workDir); }
                catch (Exception e) { job.Error = e; }
                job.Allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                job.Time = clock.Elapsed;
                job.Done.Set();
            }
        })
        { IsBackground = true, Name = "fuzz worker", };
        _worker.Start();
    }

    /// <summary>A queue that can be replaced when its consumer is abandoned.</summary>
    private sealed class BlockingQueue
    {
        public System.Collections.Concurrent.BlockingCollection<object> Current { get; private set; } = [];
        public void Add(object o) => Current.Add(o);
        public void Reset() => Current = [];
    }
}
