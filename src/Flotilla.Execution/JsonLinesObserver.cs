namespace Flotilla.Execution;

/// <summary><c>--json</c>: every event as one JSON line (<see cref="RunEvent.ToJsonLine"/>), flushed at once. Output lines go to the run's logs only.</summary>
public sealed class JsonLinesObserver(TextWriter writer) : IRunObserver
{
    public void OnEvent(RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        writer.Write(runEvent.ToJsonLine() + "\n");
        writer.Flush();
    }
}
