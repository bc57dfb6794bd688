using System.Globalization;
using System.Numerics;

namespace MiniJit.Cli;

/// <summary>Turns command-line text into the values a compiled method takes, and its result back into text.
/// Always in the invariant culture, so that 1.5 means the same on every machine.</summary>
public static class ArgumentValues
{
    /// <summary>Parses <paramref name="text"/> as a <paramref name="type"/>, refusing anything that does not fit.</summary>
    /// <param name="what">Names the argument in the error message.</param>
    public static object Parse(string text, Type type, string what) => type switch
    {
        _ when type == typeof(long) => Integer<long>(text, what),
        _ when type == typeof(int) => Integer<int>(text, what),
        _ when type == typeof(short) => Integer<short>(text, what),
        _ when type == typeof(sbyte) => Integer<sbyte>(text, what),
        _ when type == typeof(ulong) => Integer<ulong>(text, what),
        _ when type == typeof(uint) => Integer<uint>(text, what),
        _ when type == typeof(ushort) => Integer<ushort>(text, what),
        _ when type == typeof(byte) => Integer<byte>(text, what),
        _ when type == typeof(nint) => Integer<nint>(text, what),
        _ when type == typeof(nuint) => Integer<nuint>(text, what),
        _ when type == typeof(double) => Float<double>(text, what),
        _ when type == typeof(float) => Float<float>(text, what),
        _ when type == typeof(bool) => text switch
        {
            "true" => true,
            "false" => false,
            _ => throw new UserErrorException($"{what} (bool): '{text}' is neither true nor false"),
        },
        _ when type == typeof(char) => text.Length == 1
            ? text[0]
            : throw new UserErrorException($"{what} (char): '{text}' is not a single character"),
        _ => throw new UserErrorException($"{what} has type {type}, which minijit run cannot read from the command line"),
    };

    /// <summary>The result as C# would write it: true/false, numbers in the invariant culture.</summary>
    public static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    static T Integer<T>(string text, string what) where T : IBinaryInteger<T>, IMinMaxValue<T>
    {
        if (T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)) return value;
        // Telling "too big" from "not a number" needs a type that holds any integer.
        throw new UserErrorException(BigInteger.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            ? $"{what} ({typeof(T).Name}): {text} is out of range [{T.MinValue}, {T.MaxValue}]"
            : $"{what} ({typeof(T).Name}): '{text}' is not an integer");
    }

    static T Float<T>(string text, string what) where T : IFloatingPoint<T> =>
        T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UserErrorException($"{what} ({typeof(T).Name}): '{text}' is not a number");
}
