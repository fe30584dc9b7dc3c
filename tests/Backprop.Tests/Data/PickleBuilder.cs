using System.Buffers.Binary;
using System.Text;

namespace Backprop.Tests.Data;

/// <summary>
/// Writes pickles opcode by opcode, so that tests can make CIFAR-10 batches in the official Python 2 layout, in the
/// layout Python 3 writes at protocol 2, and every malformed variant in between.
/// </summary>
internal sealed class PickleBuilder
{
    private readonly MemoryStream _s = new();

    public long Position => _s.Position;
    public PickleBuilder Op(byte op) { _s.WriteByte(op); return this; }
    public PickleBuilder Op(char op) => Op((byte)op);
    public PickleBuilder Raw(ReadOnlySpan<byte> bytes) { _s.Write(bytes); return this; }
    public PickleBuilder Proto(byte version = 2) => Op(0x80).Op(version);
    public PickleBuilder Mark() => Op('(');
    public PickleBuilder Put(int i) => i < 256 ? Op('q').Op((byte)i) : Op('r').Int32(i);
    public PickleBuilder Get(int i) => i < 256 ? Op('h').Op((byte)i) : Op('j').Int32(i);
    public PickleBuilder Int(int v) => v switch
    {
        >= 0 and < 256 => Op('K').Op((byte)v),
        >= 0 and < 65536 => Op('M').UInt16(v),
        _ => Op('J').Int32(v),
    };
    public PickleBuilder ShortBinString(string s) => Op('U').Op((byte)s.Length).Raw(Encoding.Latin1.GetBytes(s));
    public PickleBuilder BinString(byte[] b) => Op('T').Int32(b.Length).Raw(b);
    public PickleBuilder BinUnicode(string s) { var b = Encoding.UTF8.GetBytes(s); return Op('X').Int32(b.Length).Raw(b); }
    public PickleBuilder Global(string module, string name) => Op('c').Raw(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
    public PickleBuilder Int32(int v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, v); return Raw(b); }
    public PickleBuilder UInt16(int v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); return Raw(b); }
    public byte[] ToArray() => _s.ToArray();

    /// <summary>
    /// A batch exactly as the official python-version files lay it out (Python 2 cPickle, protocol 2): labels appended in
    /// groups of 1000, the array rebuilt by numpy.core.multiarray._reconstruct, its bytes in a BINSTRING.
    /// </summary>
    public static byte[] OfficialBatch(int[] labels, byte[] data, string batchLabel = "training batch 1 of 5") =>
        new PickleBuilder().OfficialBatchPrefix(labels, batchLabel, data.Length / 3072).BinString(data).OfficialBatchSuffix().ToArray();

    public PickleBuilder OfficialBatchPrefix(int[] labels, string batchLabel, int rows, int columns = 3072)
    {
        Proto().Op('}').Put(1).Mark()
            .ShortBinString("batch_label").Put(2).ShortBinString(batchLabel).Put(3)
            .ShortBinString("labels").Put(4).Op(']').Put(5);
        for (int start = 0; start < labels.Length; start += 1000)
        {
            Mark();
            foreach (var y in labels.Skip(start).Take(1000)) Int(y);
            Op('e');
        }
        return ShortBinString("data").Put(6)
            .Global("numpy.core.multiarray", "_reconstruct").Put(7)
            .Global("numpy", "ndarray").Put(8)
            .Int(0).Op(0x85).ShortBinString("b").Op(0x87).Op('R').Put(9)
            .Mark().Int(1).Int(rows).Int(columns).Op(0x86)
            .Global("numpy", "dtype").Put(10).ShortBinString("u1").Int(0).Int(1).Op(0x87).Op('R').Put(11)
            .Mark().Int(3).ShortBinString("|").Op('N').Op('N').Op('N').Op('J').Int32(-1).Op('J').Int32(-1).Int(0).Op('t').Op('b')
            .Op(0x89);
    }

    public PickleBuilder OfficialBatchSuffix() => Op('t').Op('b').Op('u').Op('.');

    /// <summary>
    /// The same batch as Python 3's <c>pickle.dump(d, f, protocol=2)</c> writes it: str keys as BINUNICODE (or bytes keys
    /// via <c>_codecs.encode</c>), and the array's bytes as <c>_codecs.encode(latin-1 text, 'latin1')</c>.
    /// </summary>
    public static byte[] Python3Batch(int[] labels, byte[] data, bool bytesKeys)
    {
        var p = new PickleBuilder();
        int memo = 0;
        p.Proto().Op('}').Put(memo++).Mark();
        int encodeMemo = -1, latinMemo = -1;
        void Key(string k)
        {
            if (!bytesKeys) { p.BinUnicode(k).Put(memo++); return; }
            if (encodeMemo < 0)
            {
                p.Global("_codecs", "encode").Put(encodeMemo = memo++).BinUnicode(k).Put(memo++).BinUnicode("latin1").Put(latinMemo = memo++);
            }
            else p.Get(encodeMemo).BinUnicode(k).Put(memo++).Get(latinMemo);
            p.Op(0x86).Put(memo++).Op('R').Put(memo++);
        }
        Key("labels");
        p.Op(']').Put(memo++).Mark();
        foreach (var y in labels) p.Int(y);
        p.Op('e');
        Key("data");
        p.Global("numpy.core.multiarray", "_reconstruct").Put(memo++).Global("numpy", "ndarray").Put(memo++)
            .Int(0).Op(0x85).Put(memo++);
        if (encodeMemo < 0)
        {
            p.Global("_codecs", "encode").Put(encodeMemo = memo++).BinUnicode("b").Put(memo++).BinUnicode("latin1").Put(latinMemo = memo++);
        }
        else p.Get(encodeMemo).BinUnicode("b").Put(memo++).Get(latinMemo);
        p.Op(0x86).Put(memo++).Op('R').Put(memo++).Op(0x87).Put(memo++).Op('R').Put(memo++)
            .Mark().Int(1).Int(labels.Length).Int(data.Length / Math.Max(labels.Length, 1)).Op(0x86).Put(memo++)
            .Global("numpy", "dtype").Put(memo++).BinUnicode("u1").Put(memo++).Op(0x89).Op(0x88).Op(0x87).Put(memo++).Op('R').Put(memo++)
            .Mark().Int(3).BinUnicode("|").Put(memo++).Op('N').Op('N').Op('N').Op('J').Int32(-1).Op('J').Int32(-1).Int(0).Op('t').Put(memo++).Op('b')
            .Op(0x89).Get(encodeMemo).BinUnicode(Encoding.Latin1.GetString(data)).Put(memo++).Get(latinMemo).Op(0x86).Put(memo++).Op('R').Put(memo++)
            .Op('t').Put(memo++).Op('b').Op('u').Op('.');
        return p.ToArray();
    }
}
