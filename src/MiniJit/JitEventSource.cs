using System.Diagnostics.Tracing;

namespace MiniJit;

/// <summary>The "MiniJit" event source: fallbacks show up in dotnet-trace, dotnet-monitor or any EventListener
/// without a line of code in the application.</summary>
[EventSource(Name = "MiniJit")]
sealed class JitEventSource : EventSource
{
    public static readonly JitEventSource Log = new();

    /// <summary>A <see cref="Jit.Lazy{TDelegate}"/> delegate could not compile <paramref name="method"/>.</summary>
    [Event(1, Level = EventLevel.Warning, Message = "fell back to managed for {0}: {1}")]
    public void Fallback(string method, string reason) => WriteEvent(1, method, reason);
}
