using System.Text.Json.Nodes;

namespace Backprop.Tests.Bench;

/// <summary>
/// The element-wise section's arrays are sized from the last-level cache (<c>bandwidth --plan</c> prints the choice and
/// times nothing): the two arrays of the smallest kernel at least 4 × the cache, capped against the machine's memory;
/// arrays that fit in the cache are labelled cache-resident.
/// </summary>
[Collection(Kernels.KernelCollection.Name)]
public class BandwidthPlanTests
{
    private static JsonNode Plan(params string[] args)
    {
        var r = BenchProgram.Run(["bandwidth", "--plan", .. args]);
        Assert.True(r.ExitCode == 0, r.Output);
        return JsonNode.Parse(r.Stdout)!;
    }

    [Fact]
    public void XeonL3_GivesArraysFourTimesTheCachePerKernel()
    {
        var plan = Plan("--llc-mib", "300");
        Assert.Equal(300L << 20, (long)plan["llc_bytes"]!);
        Assert.Equal("given", (string?)plan["llc_source"]);
        // 2 × 600 MiB = 4 × 300 MiB: sqrt(2 × 300 MiB / 4 B) = 12541.3, rounded up to a multiple of 256.
        Assert.Equal(12544, (int)plan["rows"]!);
        Assert.Equal(12544, (int)plan["cols"]!);
        Assert.True((double)plan["smallest_footprint_over_llc"]! >= 4);
        Assert.Equal("past the cache", (string?)plan["residency"]);
        Assert.False((bool)plan["capped_by_memory"]!);
    }

    [Fact]
    public void ThisMachine_ReadsItsCacheAndGoesPastIt()
    {
        var plan = Plan();
        long llc = (long)plan["llc_bytes"]!;
        Assert.True(llc > 0);
        if (Directory.Exists("/sys/devices/system/cpu/cpu0/cache/index0"))
        {
            Assert.Equal("sysfs", (string?)plan["llc_source"]);
            Assert.True((int)plan["llc_level"]! >= 2, plan.ToJsonString());
        }
        Assert.True((double)plan["smallest_footprint_over_llc"]! >= 4 || (bool)plan["capped_by_memory"]!, plan.ToJsonString());
    }

    [SkippableFact]
    public void CacheBeyondMemory_IsCappedAndSaysSo()
    {
        Skip.IfNot(File.Exists("/proc/meminfo"));
        var plan = Plan("--llc-mib", "1000000");
        Assert.True((bool)plan["capped_by_memory"]!);
        Assert.NotEqual("past the cache", (string?)plan["residency"]);
    }

    [Fact]
    public void SmallArrays_AreLabelledCacheResident()
    {
        var plan = Plan("--rows", "512", "--cols", "512", "--llc-mib", "32");
        Assert.Equal(512, (int)plan["rows"]!);
        Assert.Equal("cache-resident", (string?)plan["residency"]);
    }
}
