namespace Backprop.Kernels;

/// <summary>A loop body with its state, type-erased so the pool's workers can run it.</summary>
internal abstract class ParallelismJob
{
    public abstract void Run(int piece);
}

/// <summary>One reusable job per state type: only the loop owning the pool uses it, so no allocation per call.</summary>
internal sealed class ParallelismJob<TState> : ParallelismJob
{
    public static ParallelismJob<TState>? Shared;

    private TState _state = default!;
    private ForBody<TState>? _body;

    public void Set(in TState state, ForBody<TState> body)
    {
        _state = state;
        _body = body;
    }

    /// <summary>Drops references so a finished loop keeps nothing alive.</summary>
    public void Clear()
    {
        _state = default!;
        _body = null;
    }

    public override void Run(int piece) => _body!(piece, in _state);
}
