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
    public void TheCacheIsReadIndexByIndex_WithSysfsSizeSuffixes()
    {
        using var dir = new Data.TempDir();
        void Index(string name, string? type, string? level, string? size)
        {
            Directory.CreateDirectory(dir.File(name));
            if (type is not null) File.WriteAllText(dir.File($"{name}/type"), type + "\n");
            if (level is not null) File.WriteAllText(dir.File($"{name}/level"), level + "\n");
            if (size is not null) File.WriteAllText(dir.File($"{name}/size"), size + "\n");
        }
        Index("index0", "Data", "1", "48K");
        Index("index1", "Instruction", "1", "32K");
        Index("index2", null, "2", "2048K");      // an index missing a file must not end the scan
        Index("index3", "Unified", "3", "307200K");
        var plan = Plan("--cache-dir", dir.Path);
        Assert.Equal(307200L << 10, (long)plan["llc_bytes"]!);
        Assert.Equal("sysfs", (string?)plan["llc_source"]);
        Assert.Equal(12544, (int)plan["rows"]!);

        Index("index4", "Unified", "4", "1G");
        Assert.Equal(1L << 30, (long)Plan("--cache-dir", dir.Path)["llc_bytes"]!);
        Assert.Equal("fallback", (string?)Plan("--cache-dir", dir.File("none"))["llc_source"]);

        // This machine's own sysfs, where it has one: the figure is its size file's, suffix and all.
        var own = Directory.Exists(LastLevelCacheFolder)
            ? Directory.GetDirectories(LastLevelCacheFolder, "index*")
                .Where(i => File.Exists(Path.Combine(i, "level")) && File.Exists(Path.Combine(i, "size")) && File.ReadAllText(Path.Combine(i, "type")).Trim() != "Instruction")
                .MaxBy(i => int.Parse(File.ReadAllText(Path.Combine(i, "level")).Trim(), System.Globalization.CultureInfo.InvariantCulture))
            : null;
        if (own is not null)
        {
            var text = File.ReadAllText(Path.Combine(own, "size")).Trim();
            long expected = long.Parse(text.TrimEnd('K', 'M', 'G'), System.Globalization.CultureInfo.InvariantCulture)
                            * (text.EndsWith('K') ? 1L << 10 : text.EndsWith('M') ? 1L << 20 : text.EndsWith('G') ? 1L << 30 : 1);
            Assert.Equal(expected, (long)Plan()["llc_bytes"]!);
        }
    }

    private const string LastLevelCacheFolder = "/sys/devices/system/cpu/cpu0/cache";

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
