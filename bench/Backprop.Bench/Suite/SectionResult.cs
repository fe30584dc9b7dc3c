using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>One part of the report: its Markdown and its JSON, and its heading when it says more than the fixed one (the thread counts used).</summary>
public sealed record SectionResult(string Name, string Markdown, JsonNode Json, string? Title = null);
