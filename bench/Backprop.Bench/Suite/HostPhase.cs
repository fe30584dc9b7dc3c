using System.Globalization;

namespace Backprop.Bench.Suite;

/// <summary>Where the host had the two vCPUs during a run, from the core-to-core round trip just before and after it.</summary>
public enum HostPhaseKind { Unknown, Near, Far, Mixed }

/// <summary>
/// The core-to-core round trip (<see cref="CoreLatency"/>) read just before and just after one run, and for our own
/// runs the kernels' placement checks during the timed epochs (<c>CorePlacement</c>, the epoch JSON's
/// <c>placement_checks</c>: how many of its readings found the cores far apart). On the Zen 4 host the round trip read
/// ~85–120 ns while the two vCPUs shared a CCD ("near") and ~330–395 ns while they did not ("far"), and every
/// two-thread figure moved with it, so each run is tagged with it. On the Emerald Rapids Xeon of 2026-12-06 (one mesh,
/// one L3) it reads 115–350 ns with no such cliff, nearly always near by the kernels' threshold.
/// </summary>
public readonly record struct HostPhase(double? Before, double? After, long Checks = 0, long FarChecks = 0)
{
    /// <summary>Round trips below this (ns) mean near: the kernels' own threshold (<c>CorePlacement.FarNs</c>), between the Zen 4 host's two modes and above the Xeon's range.</summary>
    public const double NearBelowNs = Backprop.Kernels.CorePlacement.FarNs;

    /// <summary>
    /// The share of a run's in-run checks that may read the other way and still count as one phase: a check the
    /// scheduler interrupts reads far on one CCD.
    /// </summary>
    public const double StrayChecks = 0.05;

    /// <summary>
    /// From the in-run checks when the run has them (they watch the whole run, where the round trips see only its
    /// ends), else from the round trips.
    /// </summary>
    public HostPhaseKind Kind => Checks > 0
        ? FarChecks <= StrayChecks * Checks ? HostPhaseKind.Near
          : FarChecks >= (1 - StrayChecks) * Checks ? HostPhaseKind.Far
          : HostPhaseKind.Mixed
        : Before is not { } b || After is not { } a ? HostPhaseKind.Unknown
        : b < NearBelowNs && a < NearBelowNs ? HostPhaseKind.Near
        : b >= NearBelowNs && a >= NearBelowNs ? HostPhaseKind.Far
        : HostPhaseKind.Mixed;

    /// <summary>The phase two runs share: theirs when both saw the same one throughout, else mixed (unknown if either is).</summary>
    public static HostPhaseKind Common(HostPhase x, HostPhase y) =>
        x.Kind == HostPhaseKind.Unknown || y.Kind == HostPhaseKind.Unknown ? HostPhaseKind.Unknown
        : x.Kind == y.Kind ? x.Kind : HostPhaseKind.Mixed;

    /// <summary>How RESULTS.md says it.</summary>
    public static string Display(HostPhaseKind kind) => kind switch
    {
        HostPhaseKind.Near => "near",
        HostPhaseKind.Far => "far",
        HostPhaseKind.Mixed => "mixed",
        _ => "unknown",
    };

    /// <summary>The key in results.json: "near", "far", "mixed" (as RESULTS.md says it).</summary>
    public static string Name(HostPhaseKind kind) => Display(kind);

    /// <summary>"92→101 ns", "92→101 ns, far 3/410" with in-run checks, or "n/a" on one CPU.</summary>
    public string Show() => (Before is { } b && After is { } a
        ? string.Create(CultureInfo.InvariantCulture, $"{b:F0}→{a:F0} ns") : "n/a")
        + (Checks > 0 ? string.Create(CultureInfo.InvariantCulture, $", far {FarChecks}/{Checks}") : "");
}
