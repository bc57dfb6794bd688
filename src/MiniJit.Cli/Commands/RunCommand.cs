using System.CommandLine;
using System.Reflection;

namespace MiniJit.Cli.Commands;

/// <summary>
/// <c>minijit run ASSEMBLY.dll Type.Method ARGS…</c>: compiles a static method, calls the machine code with the
/// arguments and prints the result (<c>returned (void)</c> for a void method). An exception the compiled code raises is the program's outcome, reported
/// on one line with exit code 1; a wrong command line is exit code 2.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var assembly = new Argument<string>("ASSEMBLY") { Description = "The .NET assembly (.dll) that holds the method." };
        var method = new Argument<string>("METHOD")
        {
            Description = "The static method: Namespace.Type.Method or Type.Method (nested types as Outer.Inner or Outer+Inner); an overload as Type.Method(Int64, Int32).",
        };
        var arguments = new Argument<string[]>("ARGS")
        {
            Description = "The method's arguments: integers, true/false, single characters, numbers with a '.' for double and float.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var signature = TargetMethod.CreateSignatureOption();
        var noOpt = new Option<bool>("--no-opt") { Description = "Turn the optimizer off: the baseline tier, one pass from CIL to machine code (a method it does not translate goes through the IR unoptimized)." };
        var run = new Command("run", "Compile a static method, call it with ARGS and print the result.")
        {
            assembly, method, arguments, signature, noOpt,
        };
        run.SetAction(parseResult => Run(
            TargetMethod.Find(parseResult.GetValue(assembly)!, parseResult.GetValue(method)!, parseResult.GetValue(signature)),
            parseResult.GetValue(arguments) ?? [], new JitOptions { Optimize = !parseResult.GetValue(noOpt) }, parseResult.InvocationConfiguration));
        return run;
    }

    static int Run(MethodInfo method, string[] texts, JitOptions options, InvocationConfiguration console)
    {
        var parameters = method.GetParameters();
        if (texts.Length != parameters.Length)
            throw new UserErrorException($"{TargetMethod.Signature(method)} takes {parameters.Length} argument(s), but {texts.Length} were given");
        // Compile before parsing the arguments so that a parameter type MiniJit does not support is reported as
        // such, with the compiler's reason, rather than as text that cannot be read.
        var compiled = TargetMethod.Compile(method, options);
        var values = parameters.Select((p, i) => ArgumentValues.Parse(texts[i], p.ParameterType, $"argument '{p.Name}'")).ToArray();

        object? result;
        try
        {
            result = compiled.Method.Invoke(compiled.Target, BindingFlags.DoNotWrapExceptions, null, values, null);
        }
        catch (Exception e)
        {
            // Whatever the compiled code throws is the program's outcome: the statuses of JitStatus, and since a
            // method that never returns (a throw helper) runs in managed code, any exception the CLR would throw.
            console.Error.WriteLine($"minijit: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failure;
        }
        // A void method prints that it returned, so that success is never an empty screen.
        console.Output.WriteLine(method.ReturnType == typeof(void) ? "returned (void)" : ArgumentValues.Format(result!));
        return ExitCodes.Success;
    }
}
