using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// Watches a run: every event, every output line, and the end. The scheduler makes one call at a
/// time (from several threads), so implementations need no locking of their own; they should
/// return quickly, since executors wait while their output is observed.
/// </summary>
public interface IRunObserver
{
    void OnEvent(RunEvent runEvent);

    void OnOutput(PlanStep step, string line)
    {
    }

    void OnFinished(RunSummary summary)
    {
    }
}
