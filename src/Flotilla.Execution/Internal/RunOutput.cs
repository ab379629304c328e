using Flotilla.Planning;

namespace Flotilla.Execution.Internal;

/// <summary>
/// Where a run's output and events go: output lines to the host's log in the journal, and
/// everything to the observer, one call at a time. Thread safe.
/// </summary>
internal sealed class RunOutput(RunJournal journal, IRunObserver? observer, TimeProvider time) : IStepOutput
{
    private readonly Lock _lock = new();

    public void Line(PlanStep step, string line)
    {
        ArgumentNullException.ThrowIfNull(step);
        foreach (var part in (line ?? "").TrimEnd('\n').Split('\n'))
        {
            var text = part.TrimEnd('\r');
            journal.WriteOutput(step.Host, step.Id, time.GetUtcNow(), text);
            if (observer is not null)
            {
                lock (_lock)
                {
                    observer.OnOutput(step, text);
                }
            }
        }
    }

    public void Event(RunEvent runEvent)
    {
        if (observer is not null)
        {
            lock (_lock)
            {
                observer.OnEvent(runEvent);
            }
        }
    }

    public void Finished(RunSummary summary)
    {
        if (observer is not null)
        {
            lock (_lock)
            {
                observer.OnFinished(summary);
            }
        }
    }
}
