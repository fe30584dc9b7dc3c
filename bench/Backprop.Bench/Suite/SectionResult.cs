using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>One part of the report: its Markdown and its JSON.</summary>
public sealed record SectionResult(string Name, string Markdown, JsonNode Json);
