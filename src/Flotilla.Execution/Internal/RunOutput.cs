using Flotilla.Planning;

namespace Flotilla.Execution.Internal;

/// <summary>
/// Where a run's output and events go: output lines to the host's log in the journal, and
/// everything to the observer, one call at a time. An observer whose output broke (a closed pipe:
/// <c>flotilla deploy --json | head</c>) is dropped, and the run goes on: the journal is the record.
/// Thread safe.
/// </summary>
internal sealed class RunOutput(RunJournal journal, IRunObserver? observer, TimeProvider time) : IStepOutput
{
    private readonly Lock _lock = new();
    private IRunObserver? _observer = observer;

    public void Line(PlanStep step, string line)
    {
        ArgumentNullException.ThrowIfNull(step);
        foreach (var part in (line ?? "").TrimEnd('\n').Split('\n'))
        {
            var text = part.TrimEnd('\r');
            journal.WriteOutput(step.Host, step.Id, time.GetUtcNow(), text);
            Observe(o => o.OnOutput(step, text));
        }
    }

    public void Event(RunEvent runEvent) => Observe(o => o.OnEvent(runEvent));

    public void Finished(RunSummary summary) => Observe(o => o.OnFinished(summary));

    private void Observe(Action<IRunObserver> call)
    {
        lock (_lock)
        {
            if (_observer is null)
            {
                return;
            }

            try
            {
                call(_observer);
            }
            catch (IOException)
            {
                _observer = null;
            }
        }
    }
}
