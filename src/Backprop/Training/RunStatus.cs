namespace Backprop.Training;

/// <summary>How a run ended, as written in <c>summary.json</c> and <c>history.json</c>.</summary>
public static class RunStatus
{
    /// <summary>All iterations ran.</summary>
    public const string Completed = "completed";

    /// <summary>Stopped on request (Ctrl-C) after an iteration; <c>checkpoint.npz</c> continues it.</summary>
    public const string Interrupted = "interrupted";

    /// <summary>The loss became NaN or infinite; the best parameters before that were kept.</summary>
    public const string Diverged = "diverged";

    /// <summary>A search's trial that stopped on an error (<see cref="SearchTrial.Message"/> says which); the search went on without it.</summary>
    public const string Failed = "failed";

    /// <summary>Still running (the state of <c>history.json</c> written at an epoch end).</summary>
    public const string Running = "running";
}
