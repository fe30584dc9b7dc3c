using System.Globalization;

namespace Backprop.Bench.Suite;

/// <summary>Where the host had the two vCPUs during a run, from the core-to-core round trip just before and after it.</summary>
public enum HostPhaseKind { Unknown, OneCcd, TwoCcds, Mixed }

/// <summary>
/// The core-to-core round trip (<see cref="CoreLatency"/>) read just before and just after one run, and for our own
/// runs the kernels' placement checks during the timed epochs (<c>CorePlacement</c>, the epoch JSON's
/// <c>placement_checks</c>: how many of its readings found the cores far apart). On the Zen 4 host the round trip reads
/// ~85–120 ns while the two vCPUs share a CCD and ~330–395 ns while they do not; every two-thread figure moves with it,
/// so each run is tagged with it.
/// </summary>
public readonly record struct HostPhase(double? Before, double? After, long Checks = 0, long FarChecks = 0)
{
    /// <summary>Round trips below this (ns) mean one CCD: halfway between the two modes measured on the Zen 4 host.</summary>
    public const double OneCcdBelowNs = 240;

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
        ? FarChecks <= StrayChecks * Checks ? HostPhaseKind.OneCcd
          : FarChecks >= (1 - StrayChecks) * Checks ? HostPhaseKind.TwoCcds
          : HostPhaseKind.Mixed
        : Before is not { } b || After is not { } a ? HostPhaseKind.Unknown
        : b < OneCcdBelowNs && a < OneCcdBelowNs ? HostPhaseKind.OneCcd
        : b >= OneCcdBelowNs && a >= OneCcdBelowNs ? HostPhaseKind.TwoCcds
        : HostPhaseKind.Mixed;

    /// <summary>The phase two runs share: theirs when both saw the same one throughout, else mixed (unknown if either is).</summary>
    public static HostPhaseKind Common(HostPhase x, HostPhase y) =>
        x.Kind == HostPhaseKind.Unknown || y.Kind == HostPhaseKind.Unknown ? HostPhaseKind.Unknown
        : x.Kind == y.Kind ? x.Kind : HostPhaseKind.Mixed;

    /// <summary>How RESULTS.md says it.</summary>
    public static string Display(HostPhaseKind kind) => kind switch
    {
        HostPhaseKind.OneCcd => "one CCD",
        HostPhaseKind.TwoCcds => "two CCDs",
        HostPhaseKind.Mixed => "mixed",
        _ => "unknown",
    };

    /// <summary>The key in results.json: "one_ccd", "two_ccds", "mixed".</summary>
    public static string Name(HostPhaseKind kind) => Display(kind).Replace(' ', '_').ToLowerInvariant();

    /// <summary>"92→101 ns", "92→101 ns, far 3/410" with in-run checks, or "n/a" on one CPU.</summary>
    public string Show() => (Before is { } b && After is { } a
        ? string.Create(CultureInfo.InvariantCulture, $"{b:F0}→{a:F0} ns") : "n/a")
        + (Checks > 0 ? string.Create(CultureInfo.InvariantCulture, $", far {FarChecks}/{Checks}") : "");
}
