using System.Buffers.Binary;
using MiniJit.Cil;

namespace MiniJit.Tests.Cil;

/// <summary>Builds IL bytes by hand, so tests can feed the reader exact encodings independent of the C# compiler.</summary>
sealed class IlWriter
{
    readonly List<byte> _bytes = [];

    public int Offset => _bytes.Count;

    public IlWriter Op(CilOp op)
    {
        var value = (ushort)op;
        if (value > 0xFF)
            _bytes.Add(CilOpCodes.TwoBytePrefix);
        _bytes.Add((byte)value);
        return this;
    }

    public IlWriter U8(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    public IlWriter I8(sbyte value) => U8((byte)value);

    public IlWriter U16(ushort value) => Put(2, s => BinaryPrimitives.WriteUInt16LittleEndian(s, value));

    public IlWriter I32(int value) => Put(4, s => BinaryPrimitives.WriteInt32LittleEndian(s, value));

    public IlWriter I64(long value) => Put(8, s => BinaryPrimitives.WriteInt64LittleEndian(s, value));

    public IlWriter F32(float value) => I32(BitConverter.SingleToInt32Bits(value));

    public IlWriter F64(double value) => I64(BitConverter.DoubleToInt64Bits(value));

    public byte[] ToArray() => [.. _bytes];

    IlWriter Put(int size, SpanAction write)
    {
        Span<byte> buffer = stackalloc byte[8];
        write(buffer[..size]);
        _bytes.AddRange(buffer[..size]);
        return this;
    }

    delegate void SpanAction(Span<byte> destination);
}
