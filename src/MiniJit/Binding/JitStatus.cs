namespace MiniJit.Binding;

/// <summary>How a call into generated code ended. Generated code never faults: it checks, stores one of these
/// in the frame and unwinds to the entry stub; the managed thunk then throws the matching .NET exception.</summary>
public enum JitStatus : long
{
    Ok = 0,
    DivideByZero = 1,        // DivideByZeroException
    Overflow = 2,            // OverflowException (checked arithmetic, MinValue / -1 as the CLR reports it)
    IndexOutOfRange = 3,     // IndexOutOfRangeException
    StackOverflow = 4,       // InsufficientExecutionStackException
    NullReference = 5,       // NullReferenceException
    Arithmetic = 6,          // ArithmeticException (ckfinite)
    TypeInitializer = 7,     // not an error: a type initializer must run first (Result holds its flag's address)
    ThrowHelper = 8,
    ArgumentOutOfRange = 9,  // ArgumentOutOfRangeException (the range checks of Span's Slice and constructors)         // a method that never returns must run (Result: its index in ThrowHelpers; Arguments: its arguments)
}
