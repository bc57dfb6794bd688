using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;

namespace MiniJit.Tests.Cil;

/// <summary>One static method whose IL bytes a test writes by hand (with <see cref="IlWriter"/>).</summary>
/// <param name="MaxStack">Written into the body's header exactly as given, so a test can also lie about it.</param>
sealed record EmittedBody(string Name, Type ReturnType, Type[] Parameters, byte[] IL, int MaxStack = 8, Type[]? Locals = null);

/// <summary>Builds an assembly, byte for byte, around static methods with hand-written IL — including IL the C#
/// compiler never produces (invalid IL, the <c>tail.</c> prefix) and headers Reflection.Emit would recompute (MaxStack).
/// Each call makes its own collectible assembly; reflection reads the bodies like any other method's, and the CLR can
/// run them for comparison.</summary>
static class EmittedMethod
{
    /// <summary>The metadata token of the <paramref name="index"/>-th method of the same <see cref="Build(EmittedBody[])"/>
    /// call, for a call instruction's operand.</summary>
    public static int Token(int index) => MetadataTokens.GetToken(MetadataTokens.MethodDefinitionHandle(index + 1));

    public static MethodInfo Build(Type returnType, Type[] parameters, Func<IlWriter> body, int maxStack = 8, Type[]? locals = null) =>
        Build(new EmittedBody("Body", returnType, parameters, body().ToArray(), maxStack, locals))[0];

    public static MethodInfo[] Build(params EmittedBody[] bodies)
    {
        var name = $"Emitted{Guid.NewGuid():N}";
        var metadata = new MetadataBuilder();
        metadata.AddModule(0, metadata.GetOrAddString(name + ".dll"), metadata.GetOrAddGuid(Guid.NewGuid()), default, default);
        metadata.AddAssembly(metadata.GetOrAddString(name), new Version(1, 0, 0, 0), default, default, 0, AssemblyHashAlgorithm.None);
        var runtime = metadata.AddAssemblyReference(metadata.GetOrAddString("System.Runtime"), new Version(10, 0, 0, 0), default,
            metadata.GetOrAddBlob(new byte[] { 0xB0, 0x3F, 0x5F, 0x7F, 0x11, 0xD5, 0x0A, 0x3A }), default, default);
        var objectType = metadata.AddTypeReference(runtime, metadata.GetOrAddString("System"), metadata.GetOrAddString("Object"));

        var code = new BlobBuilder();
        var bodyStream = new MethodBodyStreamEncoder(code);
        foreach (var body in bodies)
        {
            var signature = new BlobBuilder();
            new BlobEncoder(signature).MethodSignature().Parameters(body.Parameters.Length,
                result => { if (body.ReturnType == typeof(void)) result.Void(); else Encode(result.Type(), body.ReturnType); },
                list => { foreach (var p in body.Parameters) Encode(list.AddParameter().Type(), p); });
            var localSignature = default(StandaloneSignatureHandle);
            if (body.Locals is { Length: > 0 } locals)
            {
                var blob = new BlobBuilder();
                var encoder = new BlobEncoder(blob).LocalVariableSignature(locals.Length);
                foreach (var local in locals) Encode(encoder.AddVariable().Type(), local);
                localSignature = metadata.AddStandaloneSignature(metadata.GetOrAddBlob(blob));
            }
            var encoded = bodyStream.AddMethodBody(body.IL.Length, body.MaxStack, 0, false, localSignature, MethodBodyAttributes.InitLocals);
            new BlobWriter(encoded.Instructions).WriteBytes(body.IL);
            metadata.AddMethodDefinition(MethodAttributes.Public | MethodAttributes.Static | MethodAttributes.HideBySig,
                MethodImplAttributes.IL, metadata.GetOrAddString(body.Name), metadata.GetOrAddBlob(signature), encoded.Offset,
                MetadataTokens.ParameterHandle(1));  // no Param rows: parameters are unnamed
        }
        // Both types' member lists start at row 1: <Module> owns the empty range before EmittedType's.
        var firstField = MetadataTokens.FieldDefinitionHandle(1);
        var firstMethod = MetadataTokens.MethodDefinitionHandle(1);
        metadata.AddTypeDefinition(default, default, metadata.GetOrAddString("<Module>"), default, firstField, firstMethod);
        metadata.AddTypeDefinition(TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Sealed,
            metadata.GetOrAddString("Emitted"), metadata.GetOrAddString("EmittedType"), objectType, firstField, firstMethod);

        var image = new BlobBuilder();
        new ManagedPEBuilder(PEHeaderBuilder.CreateLibraryHeader(), new MetadataRootBuilder(metadata), code).Serialize(image);
        var assembly = new AssemblyLoadContext(name, isCollectible: true).LoadFromStream(new MemoryStream(image.ToArray()));
        var type = assembly.GetType("Emitted.EmittedType")!;
        return [.. bodies.Select(b => type.GetMethod(b.Name)!)];
    }

    static void Encode(SignatureTypeEncoder encoder, Type type) => encoder.PrimitiveType(Type.GetTypeCode(type) switch
    {
        TypeCode.Boolean => PrimitiveTypeCode.Boolean,
        TypeCode.Char => PrimitiveTypeCode.Char,
        TypeCode.SByte => PrimitiveTypeCode.SByte,
        TypeCode.Byte => PrimitiveTypeCode.Byte,
        TypeCode.Int16 => PrimitiveTypeCode.Int16,
        TypeCode.UInt16 => PrimitiveTypeCode.UInt16,
        TypeCode.Int32 => PrimitiveTypeCode.Int32,
        TypeCode.UInt32 => PrimitiveTypeCode.UInt32,
        TypeCode.Int64 => PrimitiveTypeCode.Int64,
        TypeCode.UInt64 => PrimitiveTypeCode.UInt64,
        TypeCode.Single => PrimitiveTypeCode.Single,
        TypeCode.Double => PrimitiveTypeCode.Double,
        _ when type == typeof(nint) => PrimitiveTypeCode.IntPtr,
        _ when type == typeof(nuint) => PrimitiveTypeCode.UIntPtr,
        _ => throw new ArgumentException($"{type} is not a primitive type this builder encodes"),
    });
}
