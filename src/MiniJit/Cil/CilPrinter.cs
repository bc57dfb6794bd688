using System.Globalization;
using System.Reflection;
using System.Text;

namespace MiniJit.Cil;

/// <summary>
/// Prints IL the way ildasm lays it out (<c>IL_0003: bge.s IL_000a</c>), with metadata tokens shown as the
/// members they name when a <see cref="CilMethod"/> supplies the module to resolve them in.
/// Lines end with <c>\n</c> on every platform so that the output is stable in tests and snapshots.
/// </summary>
public static class CilPrinter
{
    /// <summary>A header (signature, max stack, locals) followed by every instruction of the body.</summary>
    public static string Print(CilMethod method)
    {
        var text = new StringBuilder();
        var m = method.Method;
        var parameters = string.Join(", ", m.GetParameters().Select(p => $"{TypeName(p.ParameterType)} {p.Name}"));
        text.Append($".method {(m.IsStatic ? "static" : "instance")} {TypeName(method.ReturnType)} ")
            .Append($"{TypeName(m.DeclaringType)}::{MemberName(m)}({parameters})\n");
        text.Append($".maxstack {method.MaxStack}\n");
        if (method.LocalTypes.Length > 0)
        {
            var locals = string.Join(", ", method.LocalTypes.Select((t, i) => $"{TypeName(t)} V_{i}"));
            text.Append($".locals {(method.InitLocals ? "init " : "")}({locals})\n");
        }
        if (method.ExceptionClauseCount > 0)
            text.Append($"// {method.ExceptionClauseCount} exception clause(s)\n");
        text.Append(Print(method.Decode(), method));
        return text.ToString();
    }

    /// <summary>One line per instruction.</summary>
    /// <param name="tokens">The method the instructions come from, to show tokens by name; without it they print in hex.</param>
    public static string Print(IEnumerable<CilInstruction> code, CilMethod? tokens = null)
    {
        var text = new StringBuilder();
        foreach (var instruction in code)
            text.Append(Format(instruction, tokens)).Append('\n');
        return text.ToString();
    }

    /// <summary>A single line such as <c>IL_0005: call Int64 Samples::Fib(Int64)</c>.</summary>
    public static string Format(CilInstruction instruction, CilMethod? tokens = null)
    {
        var line = $"{Label(instruction.Offset)}: {instruction.OpCode.Name}";
        var operand = Operand(instruction, tokens);
        return operand.Length == 0 ? line : $"{line} {operand}";
    }

    static string Operand(CilInstruction instruction, CilMethod? tokens)
    {
        var invariant = CultureInfo.InvariantCulture;
        return instruction.OpCode.Operand switch
        {
            CilOperandKind.None => "",
            CilOperandKind.Float32 => ((float)instruction.Float).ToString("R", invariant),
            CilOperandKind.Float64 => instruction.Float.ToString("R", invariant),
            CilOperandKind.BranchTarget8 or CilOperandKind.BranchTarget32 => Label(instruction.Target),
            CilOperandKind.Switch => $"({string.Join(", ", instruction.Targets!.Select(Label))})",
            CilOperandKind.Method => TokenText(tokens, instruction, t => MethodText(t.ResolveMethod(instruction.Token, instruction))),
            CilOperandKind.Field => TokenText(tokens, instruction, t => FieldText(t.ResolveField(instruction.Token, instruction))),
            CilOperandKind.Type => TokenText(tokens, instruction, t => TypeName(t.ResolveType(instruction.Token, instruction))),
            CilOperandKind.String => TokenText(tokens, instruction, t => Quote(t.ResolveString(instruction.Token, instruction))),
            CilOperandKind.Token => TokenText(tokens, instruction, t => MemberText(t.ResolveMember(instruction.Token, instruction))),
            // A calli signature is a raw blob; decoding signatures is not this printer's job, so show the token.
            CilOperandKind.Signature => Hex(instruction.Token),
            _ => instruction.Int.ToString(invariant),
        };
    }

    static string Label(int offset) => $"IL_{offset:x4}";

    static string Hex(int token) => $"0x{token:X8}";

    // The printer is a diagnostic: a token it cannot resolve is shown raw rather than aborting the listing.
    static string TokenText(CilMethod? tokens, CilInstruction instruction, Func<CilMethod, string> describe)
    {
        if (tokens is null)
            return Hex(instruction.Token);
        try
        {
            return describe(tokens);
        }
        catch (JitException)
        {
            return Hex(instruction.Token);
        }
    }

    static string MemberText(MemberInfo member) => member switch
    {
        Type type => TypeName(type),
        MethodBase method => "method " + MethodText(method),
        FieldInfo field => "field " + FieldText(field),
        _ => member.Name,
    };

    /// <summary><c>Int64 Samples::Fib(Int64)</c>: result, owner, name, parameter types.</summary>
    public static string MethodText(MethodBase method)
    {
        var result = method is MethodInfo info ? info.ReturnType : typeof(void);
        var parameters = string.Join(", ", method.GetParameters().Select(p => TypeName(p.ParameterType)));
        return $"{TypeName(result)} {TypeName(method.DeclaringType)}::{MemberName(method)}({parameters})";
    }

    /// <summary><c>Int32 Counter::count</c>: type, owner, name.</summary>
    public static string FieldText(FieldInfo field) =>
        $"{TypeName(field.FieldType)} {TypeName(field.DeclaringType)}::{field.Name}";

    static string MemberName(MethodBase method) =>
        method is MethodInfo { IsGenericMethod: true } generic
            ? $"{method.Name}<{string.Join(", ", generic.GetGenericArguments().Select(TypeName))}>"
            : method.Name;

    /// <summary>A short readable type name: <c>Int32</c>, <c>List&lt;String&gt;</c>, <c>Int32[,]</c>, <c>Point&amp;</c>.</summary>
    public static string TypeName(Type? type)
    {
        if (type is null)
            return "<global>";
        if (type.IsArray)
            return $"{TypeName(type.GetElementType())}[{new string(',', type.GetArrayRank() - 1)}]";
        if (type.IsByRef)
            return TypeName(type.GetElementType()) + "&";
        if (type.IsPointer)
            return TypeName(type.GetElementType()) + "*";
        if (!type.IsGenericType)
            return type.Name;
        // Reflection names generic types List`1; the arity suffix is noise once the arguments are listed.
        var tick = type.Name.IndexOf('`');
        var name = tick < 0 ? type.Name : type.Name[..tick];
        return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>";
    }

    /// <summary>A C#-style string literal; control characters and surrogate halves are escaped as \uXXXX.</summary>
    static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return text.Append('"').ToString();
    }
}
