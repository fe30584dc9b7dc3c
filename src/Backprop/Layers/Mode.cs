namespace Backprop.Layers;

/// <summary>Whether a layer runs as in training (batch statistics, dropout on) or at test time.</summary>
public enum Mode
{
    /// <summary>Training: batch norm uses batch statistics and updates the running ones; dropout drops.</summary>
    Train,

    /// <summary>Test: batch norm uses the running statistics; dropout passes inputs through.</summary>
    Test,
}
