using System.Collections.Concurrent;
using Flotilla.Execution;

namespace Flotilla.Execution.Tests.Doubles;

internal sealed class RecordingObserver : IRunObserver
{
    public ConcurrentQueue<RunEvent> Events { get; } = new();

    public RunSummary? Summary { get; private set; }

    public void OnEvent(RunEvent runEvent) => Events.Enqueue(runEvent);

    public void OnFinished(RunSummary summary) => Summary = summary;
}
