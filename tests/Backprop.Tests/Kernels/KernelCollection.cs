namespace Backprop.Tests.Kernels;

/// <summary>Kernel tests change process-wide settings (thread count, tuning knobs), so they do not run in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    public const string Name = "Kernels";
}
