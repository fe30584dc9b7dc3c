namespace Backprop.Models;

/// <summary>Normalization after each hidden affine layer of a <see cref="FullyConnectedNet{T}"/>.</summary>
public enum Normalization
{
    /// <summary>No normalization.</summary>
    None,

    /// <summary>Batch normalization (running statistics for test time).</summary>
    BatchNorm,

    /// <summary>Layer normalization (per sample; same in train and test).</summary>
    LayerNorm,
}

/// <summary>Parsing of the notebooks' names: <c>None</c>/<c>"none"</c>, <c>"batchnorm"</c>, <c>"layernorm"</c>.</summary>
public static class NormalizationNames
{
    /// <summary>Parses <c>none</c>, <c>batchnorm</c> or <c>layernorm</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static Normalization Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "none" => Normalization.None,
        "batchnorm" or "batch_norm" => Normalization.BatchNorm,
        "layernorm" or "layer_norm" => Normalization.LayerNorm,
        _ => throw new ArgumentException($"Unknown normalization '{name}': use none, batchnorm or layernorm.", nameof(name)),
    };

    /// <summary>The notebooks' name of a normalization.</summary>
    public static string ToName(this Normalization n) => n switch
    {
        Normalization.BatchNorm => "batchnorm",
        Normalization.LayerNorm => "layernorm",
        _ => "none",
    };
}
