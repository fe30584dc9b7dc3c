using Backprop.Tests.Data.Fuzzing;

/// <summary>
/// Coverage-guided fuzzing with AFL++ through SharpFuzz: afl-fuzz feeds inputs, SharpFuzz reports the branch coverage of
/// the instrumented Backprop.dll. An exception other than the documented one escapes and counts as a crash; so does an
/// allocation over the target's bound. Time limits are afl-fuzz's own (-t).
/// </summary>
internal static class AflMode
{
    public static void Run(FuzzTarget target)
    {
        var work = WorkFolder.For("afl");
        Directory.CreateDirectory(work);
        var path = Path.Combine(work, "input.bin");
        SharpFuzz.Fuzzer.Run(stream =>
        {
            var ms = new MemoryStream();
            stream.CopyTo(ms);
            var input = ms.ToArray();
            File.WriteAllBytes(path, input);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                target.Read(path, work);
            }
            catch (Exception e) when (FuzzTarget.IsDocumented(e))
            {
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > target.AllocFactor * input.Length + target.AllocConstant)
                throw new InsufficientMemoryException($"{target.Name}: allocated {allocated} bytes for a {input.Length}-byte input.");
        });
    }
}
