// netstandard2.0 lacks the types C# 9+ records and init accessors compile to; the compiler accepts them declared here.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit;
}
