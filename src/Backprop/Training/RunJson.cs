using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
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
        // Files for people and scripts, never pasted into HTML: a version's '+', a path's 'é' and a class name's '&'
        // stay as they are, not \u002B and the like (quotes and control characters are still escaped).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // A null where the type has no null (a history's "loss": null, a config's "dtype": null) is a JsonException
        // naming the key, not a null that fails later far from the file.
        RespectNullableAnnotations = true,
        Converters = { new NonFiniteAsNull() },
        TypeInfoResolver = RunJsonContext.Default,
    };

    /// <summary><paramref name="value"/> as one line of JSON (what <c>--json</c> prints).</summary>
    public static string Line<TValue>(TValue value) => JsonSerializer.Serialize(value, Info<TValue>(LineOptions));

    private static readonly JsonSerializerOptions LineOptions = new(Options) { WriteIndented = false };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically.</summary>
    public static void Save<TValue>(string path, TValue value) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Info<TValue>(Options)) + "\n");

    /// <summary>
    /// Reads a run file; a missing file is a <see cref="FileNotFoundException"/>, bad JSON or a value a type's
    /// constructor refuses an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="optional">Keys (of the top object) an older file may lack; they read as null, for the caller to fill.</param>
    public static TValue Load<TValue>(string path, params string[] optional)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist.", path);
        RegularFile.Require(path);
        try
        {
            var value = JsonSerializer.Deserialize(File.ReadAllText(path), Info<TValue>(Options)) ?? throw new InvalidDataException($"{path}: empty.");
            RequireKeys(value, Info<TValue>(Options), path, "", optional);
            return value;
        }
        catch (JsonException e)
        {
            // The serializer's advice to developers ("Consider updating its nullability annotation.") is not the user's.
            throw new InvalidDataException($"{path}: {e.Message.Replace(" Consider updating its nullability annotation.", "")}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);   // a value a type's constructor refuses (a search range)
        }
    }

    /// <summary>
    /// Refuses a key the file lacks, by name. The generated metadata sets an init-only property the file does not give
    /// to null, not to its initializer's value, so a history.json without "loss" read as a null list that failed later
    /// far from the file (plot's NullReferenceException). Nested objects and the elements of lists are checked too.
    /// </summary>
    private static void RequireKeys(object value, JsonTypeInfo info, string path, string where, IReadOnlyCollection<string> optional)
    {
        foreach (var p in info.Properties)
        {
            if (p.Get is null || p.PropertyType.IsValueType) continue;
            string key = where + p.Name;
            var v = p.Get(value);
            if (v is null)
            {
                if (!p.IsGetNullable && !optional.Contains(key)) throw new InvalidDataException($"{path}: no '{key}'.");
                continue;
            }
            var inner = info.Options.GetTypeInfo(p.PropertyType);
            if (inner.Kind == JsonTypeInfoKind.Object) RequireKeys(v, inner, path, key + ".", []);
            else if (inner.Kind == JsonTypeInfoKind.Enumerable && inner.ElementType is { IsValueType: false } element && v is System.Collections.IEnumerable items)
            {
                var elementInfo = info.Options.GetTypeInfo(element);
                int i = 0;
                foreach (var item in items)
                {
                    if (item is null) throw new InvalidDataException($"{path}: '{key}[{i}]' is null.");
                    if (elementInfo.Kind == JsonTypeInfoKind.Object) RequireKeys(item, elementInfo, path, $"{key}[{i}].", []);
                    i++;
                }
            }
        }
    }

    // The typed metadata of the options (RunJsonContext's, with the options' converters): no reflection, no AOT warning.
    private static JsonTypeInfo<TValue> Info<TValue>(JsonSerializerOptions options) => (JsonTypeInfo<TValue>)options.GetTypeInfo(typeof(TValue));

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

/// <summary>
/// Compile-time JSON metadata of the run files' types. Reflection-based JSON is off in .NET 10's file-based programs
/// (<c>dotnet run app.cs</c>) and in trimmed or AOT apps; with this the library reads and writes its files there too.
/// </summary>
[JsonSerializable(typeof(TrainConfig))]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(RunHistory))]
[JsonSerializable(typeof(SearchResult))]
[JsonSerializable(typeof(SearchSpec))]
internal sealed partial class RunJsonContext : JsonSerializerContext;
