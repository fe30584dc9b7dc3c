using System.Buffers.Binary;

namespace Backprop.Tests.Data.Fuzzing;

/// <summary>
/// Makes malformed variants of valid files: bit flips, byte sets, truncations, length fields set to extremes, repeated
/// and removed blocks, splices with other seeds, insertions and small arithmetic changes. One to four are stacked per input.
/// </summary>
public sealed class Mutator(Random random)
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x02, 0x0a, 0x20, 0x7f, 0x80, 0xfe, 0xff, (byte)'.', (byte)'(', (byte)')', (byte)',', (byte)'\''];

    private static readonly long[] InterestingInts =
    [
        0, 1, 2, -1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
        0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000, long.MaxValue, long.MinValue, 1_000_000, 3072, 3073, 10000,
    ];

    /// <summary>The names of the mutations applied to the last input, for reports.</summary>
    public string LastMutation { get; private set; } = "";

    /// <summary>
    /// A mutated copy of <paramref name="seed"/>. <paramref name="fields"/> lists (offset, width) of the seed's length and
    /// count fields, which the "extreme" mutation prefers; <paramref name="others"/> are splice partners.
    /// </summary>
    public byte[] Mutate(byte[] seed, IReadOnlyList<(int Offset, int Width)> fields, IReadOnlyList<byte[]> others)
    {
        var data = new List<byte>(seed);
        var names = new List<string>();
        int steps = 1 + random.Next(4);
        for (int s = 0; s < steps; s++)
        {
            int kind = random.Next(11);
            names.Add(kind switch
            {
                0 => BitFlip(data),
                1 => ByteSet(data),
                2 => Truncate(data),
                3 or 4 => Extreme(data, s == 0 ? fields : []),
                5 => RepeatBlock(data),
                6 => RemoveBlock(data),
                7 => Splice(data, others),
                8 => Insert(data),
                9 => Digits(data, fields),
                _ => Arith(data),
            });
        }
        LastMutation = string.Join("+", names);
        return [.. data];
    }

    private int Pos(List<byte> d) => d.Count == 0 ? 0 : random.Next(4) == 0 ? random.Next(Math.Min(d.Count, 64)) : random.Next(d.Count);

    private string BitFlip(List<byte> d)
    {
        if (d.Count == 0) return "flip(empty)";
        int p = Pos(d);
        d[p] ^= (byte)(1 << random.Next(8));
        return $"flip@{p}";
    }

    private string ByteSet(List<byte> d)
    {
        if (d.Count == 0) return "set(empty)";
        int p = Pos(d);
        d[p] = random.Next(2) == 0 ? InterestingBytes[random.Next(InterestingBytes.Length)] : (byte)random.Next(256);
        return $"set@{p}";
    }

    private string Truncate(List<byte> d)
    {
        int keep = random.Next(3) switch
        {
            0 => random.Next(Math.Min(d.Count + 1, 64)),
            1 => Math.Max(0, d.Count - 1 - random.Next(Math.Min(d.Count + 1, 16))),
            _ => random.Next(d.Count + 1),
        };
        d.RemoveRange(keep, d.Count - keep);
        return $"truncate@{keep}";
    }

    private string Extreme(List<byte> d, IReadOnlyList<(int Offset, int Width)> fields)
    {
        int offset, width;
        if (fields.Count > 0 && random.Next(4) != 0)
            (offset, width) = fields[random.Next(fields.Count)];
        else
        {
            width = random.Next(3) switch { 0 => 2, 1 => 4, _ => 8 };
            offset = Pos(d);
        }
        if (offset >= d.Count) return "extreme(past end)";
        width = Math.Min(width, d.Count - offset);
        long v = InterestingInts[random.Next(InterestingInts.Length)];
        if (random.Next(3) == 0) v += random.Next(-2, 3);
        Span<byte> b = stackalloc byte[8];
        bool bigEndian = random.Next(2) == 0;
        if (bigEndian) BinaryPrimitives.WriteInt64BigEndian(b, v);
        else BinaryPrimitives.WriteInt64LittleEndian(b, v);
        var low = bigEndian ? b[(8 - width)..] : b[..width]; // the value's low bytes, in either byte order
        for (int i = 0; i < width; i++) d[offset + i] = low[i];
        return $"extreme@{offset}/{width}={v}";
    }

    private (int Start, int Length) Block(List<byte> d)
    {
        int start = Pos(d);
        int max = Math.Max(1, Math.Min(d.Count - start, random.Next(2) == 0 ? 16 : 4096));
        return (start, random.Next(1, max + 1));
    }

    private string RepeatBlock(List<byte> d)
    {
        if (d.Count == 0) return "repeat(empty)";
        var (start, len) = Block(d);
        len = Math.Min(len, d.Count - start);
        var block = d.GetRange(start, len);
        int times = 1 + random.Next(random.Next(8) == 0 ? 64 : 3);
        for (int t = 0; t < times; t++) d.InsertRange(start, block);
        return $"repeat@{start}x{len}*{times}";
    }

    private string RemoveBlock(List<byte> d)
    {
        if (d.Count == 0) return "remove(empty)";
        var (start, len) = Block(d);
        len = Math.Min(len, d.Count - start);
        d.RemoveRange(start, len);
        return $"remove@{start}x{len}";
    }

    private string Splice(List<byte> d, IReadOnlyList<byte[]> others)
    {
        if (others.Count == 0) return "splice(none)";
        var other = others[random.Next(others.Count)];
        int cut = random.Next(d.Count + 1), from = random.Next(other.Length + 1);
        d.RemoveRange(cut, d.Count - cut);
        d.AddRange(other.AsSpan(from).ToArray());
        return $"splice@{cut}<-{from}";
    }

    private string Insert(List<byte> d)
    {
        int p = random.Next(d.Count + 1);
        var bytes = new byte[1 + random.Next(16)];
        random.NextBytes(bytes);
        d.InsertRange(p, bytes);
        return $"insert@{p}x{bytes.Length}";
    }

    /// <summary>Writes an extreme number as ASCII digits (decimal or octal): the size fields of .npy headers and tar headers are text.</summary>
    private string Digits(List<byte> d, IReadOnlyList<(int Offset, int Width)> fields)
    {
        if (d.Count == 0) return "digits(empty)";
        int p = fields.Count > 0 && random.Next(2) == 0 ? fields[random.Next(fields.Count)].Offset : Pos(d);
        if (p >= d.Count) return "digits(past end)";
        long v = InterestingInts[random.Next(InterestingInts.Length)];
        var text = random.Next(2) == 0 ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : Convert.ToString(v, 8);
        for (int i = 0; i < text.Length && p + i < d.Count; i++) d[p + i] = (byte)text[i];
        return $"digits@{p}={text}";
    }

    private string Arith(List<byte> d)
    {
        if (d.Count == 0) return "arith(empty)";
        int p = Pos(d);
        d[p] = (byte)(d[p] + random.Next(-8, 9));
        return $"arith@{p}";
    }
}
