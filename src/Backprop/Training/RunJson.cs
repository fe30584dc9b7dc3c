using System.Text.Json;
using System.Text.Json.Serialization;
using Backprop.Data;

namespace Backprop.Training;

/// <summary>
/// The JSON settings of the run files: indented, snake_case names given by attributes, and NaN or infinite numbers
/// (a diverged loss) written as <c>null</c> so that any JSON reader (Python's <c>json</c>, <c>jq</c>) accepts the file.
/// </summary>
internal static class RunJson
{
    /// <summary>The shared options.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        Converters = { new NonFiniteAsNull() },
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically.</summary>
    public static void Save<TValue>(string path, TValue value) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Options) + "\n");

    /// <summary>Reads a run file; a missing file is a <see cref="FileNotFoundException"/>, bad JSON an <see cref="InvalidDataException"/> naming the file.</summary>
    public static TValue Load<TValue>(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist.", path);
        try
        {
            return JsonSerializer.Deserialize<TValue>(File.ReadAllText(path), Options) ?? throw new InvalidDataException($"{path}: empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Doubles with NaN and ±∞ as <c>null</c> (read back as NaN).</summary>
    private sealed class NonFiniteAsNull : JsonConverter<double>
    {
        public override bool HandleNull => true;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }
}
