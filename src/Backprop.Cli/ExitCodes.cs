namespace Backprop.Cli;

/// <summary>The exit codes of <c>backprop</c> (listed in <c>backprop --help</c> and README.md).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>The command ran and failed: a gradient check above <c>--tol</c>, an unreadable or malformed file, a failed download.</summary>
    public const int Failure = 1;

    /// <summary>Bad usage: an unknown command or option, a bad value, missing data or run folder. Nothing was written.</summary>
    public const int Usage = 2;

    /// <summary>Training diverged (NaN or infinite loss); the best model before it was saved.</summary>
    public const int Diverged = 3;

    /// <summary>Interrupted (Ctrl-C): the checkpoint and the plots so far were written; <c>--resume</c> continues.</summary>
    public const int Interrupted = 130;

    /// <summary>The codes as help text (for <c>backprop --help</c>).</summary>
    public const string Help =
        "Exit codes: 0 success; 1 failure (gradient check above --tol, unreadable file, failed download); " +
        "2 bad usage or option value, missing data (nothing written); 3 training diverged (best model saved); " +
        "130 interrupted by Ctrl-C (checkpoint written; continue with --resume).";

    /// <summary>The codes <c>train</c> returns.</summary>
    public const string TrainHelp =
        "Exit codes: 0 success; 1 failure (unreadable file, or a CIFAR-10 archive in the data folder whose MD5 is not the " +
        "published one); 2 bad usage or option value, missing data, also when train's own " +
        "download of it failed (nothing written); 3 training diverged (best model saved); 130 interrupted by Ctrl-C (checkpoint written; continue with --resume).";

    /// <summary>The codes <c>search</c> returns.</summary>
    public const string SearchHelp =
        "Exit codes: 0 success; 1 failure (unreadable file, a CIFAR-10 archive in the data folder whose MD5 is not the " +
        "published one, or a trial failed with an error: the others' results are kept); 2 bad usage or option value, missing data, also when search's own download of it failed (nothing written); 3 no trial produced a usable model " +
        "(every one diverged); 130 interrupted by Ctrl-C (the trials completed are kept in results.csv and results.json; " +
        "'search --resume DIR' continues the search).";
}
