using System.Text;
using System.Text.Json.Nodes;
using Backprop.Data;

namespace Backprop.Tests.Data.Fuzzing;

/// <summary>
/// Mutations that keep a file well-formed and change what it says: for a <c>.npz</c> an array's value (NaN, ±∞, −1, a
/// huge number), shape, dtype or name, or an entry dropped or swapped; for JSON a value replaced (wrong type, out of
/// range, null), a key removed, added or given twice. Byte mutations mostly stop at the zip's CRC or the JSON parser;
/// these reach the checks behind them (a checkpoint whose Adam moments have the wrong shape, a negative epoch).
/// </summary>
/// <remarks>
/// Used as a target's <see cref="FuzzTarget.Inner"/>: the "inner" bytes of seed k are a small control blob
/// <c>[k, …]</c>; the byte mutator mutates the blob, and <see cref="Apply"/> turns the mutated blob into a generator
/// seed and the seed file index, so the semantic changes are as reproducible as the byte ones.
/// </remarks>
public static class SemanticMutations
{
    /// <summary>The (Unwrap, Wrap) pair of a target whose seeds are <paramref name="seeds"/>, mutating each with <paramref name="mutate"/>.</summary>
    public static (Func<byte[], byte[]> Unwrap, Func<byte[], byte[]> Wrap) Inner(Func<IReadOnlyList<byte[]>> seeds, Func<byte[], Random, byte[]> mutate) =>
        (seed => Control(seeds(), seed), control => Apply(seeds(), control, mutate));

    private static byte[] Control(IReadOnlyList<byte[]> seeds, byte[] seed)
    {
        int k = 0;
        for (int i = 0; i < seeds.Count; i++) if (ReferenceEquals(seeds[i], seed)) k = i;
        return [(byte)k, 0x5a, (byte)seed.Length, (byte)(seed.Length >> 8), 1, 2, 3, 4];
    }

    private static byte[] Apply(IReadOnlyList<byte[]> seeds, byte[] control, Func<byte[], Random, byte[]> mutate)
    {
        int k = control.Length == 0 ? 0 : control[0] % seeds.Count;
        int hash = 17;
        foreach (var b in control) hash = unchecked(hash * 31 + b);
        var random = new Random(hash);
        var file = seeds[k];
        int steps = 1 + random.Next(3);
        for (int s = 0; s < steps; s++) file = mutate(file, random);
        return file;
    }

    // ---- JSON ------------------------------------------------------------------------------------------------------

    private static readonly string[] InterestingJson =
    [
        "null", "0", "-1", "1", "2", "0.5", "-0.0", "1e308", "-1e308", "1e-320", "2147483647", "2147483648", "-2147483649",
        "4294967296", "9223372036854775808", "1.5", "\"\"", "\"x\"", "\"float16\"", "\"NaN\"", "[]", "[0]", "[-1]", "[1e9]",
        "{}", "true", "false", "[[1,2],[3]]", "{\"a\":1}", "\"completed\"", "\"../../x\"",
    ];

    /// <summary>One change to the JSON text <paramref name="json"/> (returned unchanged when it does not parse).</summary>
    public static byte[] Json(byte[] json, Random random)
    {
        try
        {
            return JsonCore(json, random);
        }
        catch (ArgumentException)
        {
            return json;   // a key given twice: JsonObject refuses it when first read
        }
    }

    private static byte[] JsonCore(byte[] json, Random random)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new() { AllowTrailingCommas = true });
        }
        catch (System.Text.Json.JsonException)
        {
            return json;
        }
        catch (ArgumentException)
        {
            return json;
        }
        if (root is null) return json;
        var slots = new List<(JsonNode Parent, string? Key, int Index)>();
        Collect(root, slots);
        string text;
        int kind = random.Next(10);
        if (slots.Count == 0 || kind == 9)
        {
            text = random.Next(3) switch { 0 => "[" + root.ToJsonString() + "]", 1 => InterestingJson[random.Next(InterestingJson.Length)], _ => "" };
            return Encoding.UTF8.GetBytes(text);
        }
        var (parent, key, index) = slots[random.Next(slots.Count)];
        JsonNode? value = JsonNode.Parse(InterestingJson[random.Next(InterestingJson.Length)]);
        switch (kind)
        {
            case 7 when parent is JsonObject o && key is not null:
                o.Remove(key);
                break;
            case 8 when parent is JsonObject o && key is not null:
                // A key given twice: written as text, which JsonObject cannot hold.
                var raw = o[key]?.ToJsonString() ?? "null";
                o.Remove(key);
                var without = root.ToJsonString();
                return Encoding.UTF8.GetBytes(InsertKeyTwice(without, o.GetPath(), key, raw));
            default:
                if (parent is JsonObject obj && key is not null) obj[key] = value;
                else if (parent is JsonArray arr) arr[index] = value;
                break;
        }
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static void Collect(JsonNode node, List<(JsonNode, string?, int)> slots)
    {
        if (node is JsonObject o)
            foreach (var (k, v) in o.ToList())
            {
                slots.Add((o, k, -1));
                if (v is not null) Collect(v, slots);
            }
        else if (node is JsonArray a)
            for (int i = 0; i < a.Count && i < 32; i++)
            {
                slots.Add((a, null, i));
                if (a[i] is { } v) Collect(v, slots);
            }
    }

    // The object at the root gets the pair twice; nested ones (their path is not the root) get it once more at the root.
    private static string InsertKeyTwice(string json, string path, string key, string raw)
    {
        var pair = JsonValue.Create(key).ToJsonString() + ":" + raw;   // (the test project serializes without reflection)
        int brace = json.IndexOf('{');
        if (brace < 0) return json;
        return path == "$" ? json.Insert(brace + 1, pair + "," + pair + (json[brace + 1] == '}' ? "" : ","))
            : json.Insert(brace + 1, pair + (json[brace + 1] == '}' ? "" : ","));
    }

    // ---- .npz ------------------------------------------------------------------------------------------------------

    /// <summary>One change to an array, an entry or (for a uint8 entry holding JSON, a checkpoint's <c>meta</c>) its JSON.</summary>
    public static byte[] Npz(byte[] npz, Random random)
    {
        List<KeyValuePair<string, NpyArray>> entries;
        try
        {
            entries = Backprop.Data.Npz.Read(new MemoryStream(npz), "seed").ToList();
        }
        catch (InvalidDataException)
        {
            return npz;
        }
        if (entries.Count == 0) return npz;
        int i = random.Next(entries.Count);
        var (key, a) = (entries[i].Key, entries[i].Value);
        switch (random.Next(9))
        {
            case 0:
                entries.RemoveAt(i);
                break;
            case 1:
                entries[i] = new(key + (random.Next(2) == 0 ? "x" : "/extra"), a);
                break;
            case 2:
                int j = random.Next(entries.Count);
                entries[i] = new(key, entries[j].Value);
                break;
            case 3:
                entries[i] = new(key, Reshaped(a, random));
                break;
            case 4:
                entries[i] = new(key, Converted(a, random));
                break;
            default:
                entries[i] = new(key, a.Data is byte[] json && a.Shape.Length == 1 && LooksLikeJson(json)
                    ? Bytes(Json(json, random)) : WithValue(a, random));
                break;
        }
        var ms = new MemoryStream();
        Backprop.Data.Npz.Write(ms, entries, compressed: false);
        return ms.ToArray();
    }

    private static bool LooksLikeJson(byte[] b) => b.Length > 0 && b[0] == (byte)'{';

    private static NpyArray Bytes(byte[] b) => new(b, b.Length);

    private static readonly double[] InterestingDoubles = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1, 0, 1e30, -1e-30, 2, 4294967296];

    private static NpyArray WithValue(NpyArray a, Random random)
    {
        if (a.Size == 0) return a;
        var data = (Array)a.Data.Clone();
        int n = random.Next(4) == 0 ? data.Length : 1;   // one element, or all of them
        double v = InterestingDoubles[random.Next(InterestingDoubles.Length)];
        int at = random.Next(data.Length);
        for (int k = 0; k < n; k++)
        {
            int p = n == 1 ? at : k;
            switch (data)
            {
                case float[] f: f[p] = (float)v; break;
                case double[] d: d[p] = v; break;
                case long[] l: l[p] = double.IsFinite(v) ? (long)v : long.MinValue; break;
                case int[] x: x[p] = double.IsFinite(v) ? (int)Math.Clamp(v, int.MinValue, int.MaxValue) : int.MinValue; break;
                case byte[] b: b[p] = (byte)random.Next(256); break;
            }
        }
        return new NpyArray(data, a.ShapeArray());
    }

    private static NpyArray Reshaped(NpyArray a, Random random)
    {
        var shape = a.ShapeArray();
        switch (random.Next(5))
        {
            case 0 when shape.Length == 2: return new NpyArray(a.Data, shape[1], shape[0]);
            case 1: return new NpyArray(a.Data, [1, .. shape]);
            case 2: return new NpyArray(a.Data, a.Size);
            case 3 when shape.Length >= 1 && shape[0] > 0:
                // One row fewer.
                int row = a.Size / shape[0];
                var data = Array.CreateInstance(a.Data.GetType().GetElementType()!, a.Size - row);
                Array.Copy(a.Data, data, data.Length);
                return new NpyArray(data, [shape[0] - 1, .. shape[1..]]);
            default:
                return new NpyArray(Array.CreateInstance(a.Data.GetType().GetElementType()!, 0), [0, .. shape.Skip(1)]);
        }
    }

    private static NpyArray Converted(NpyArray a, Random random) => (a.Data, random.Next(3)) switch
    {
        (float[] f, 0) => new NpyArray(Array.ConvertAll(f, v => (double)v), a.ShapeArray()),
        (float[] f, 1) => new NpyArray(Array.ConvertAll(f, v => (long)v), a.ShapeArray()),
        (float[] f, _) => new NpyArray(Array.ConvertAll(f, v => (byte)v), a.ShapeArray()),
        (double[] d, 0) => new NpyArray(Array.ConvertAll(d, v => (float)v), a.ShapeArray()),
        (double[] d, 1) => new NpyArray(Array.ConvertAll(d, v => (long)v), a.ShapeArray()),
        (double[] d, _) => new NpyArray(Array.ConvertAll(d, v => (int)v), a.ShapeArray()),
        (long[] l, 0) => new NpyArray(Array.ConvertAll(l, v => (double)v), a.ShapeArray()),
        (long[] l, 1) => new NpyArray(Array.ConvertAll(l, v => (int)v), a.ShapeArray()),
        (byte[] b, _) => new NpyArray(Array.ConvertAll(b, v => (float)v), a.ShapeArray()),
        _ => new NpyArray(Array.ConvertAll(a.ToInt64Array(), v => (byte)v), a.ShapeArray()),
    };
}
