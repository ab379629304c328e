using System.Collections.Immutable;
using Flotilla.Execution;
using Flotilla.Planning;

namespace Flotilla.Dashboard;

/// <summary>One run as the runs page shows it: what it ran (the plan), how each step stands, and how it ended.</summary>
public sealed record RunView(RunInfo Info, Plan Plan, ImmutableArray<JournaledStep> Steps, RunResult? Result);

/// <summary>
/// The orchestrator's deploy, reboot and rollback runs. The default reads the run journals under
/// the state directory (docs/runs.md); a control plane that runs plans itself may supply its own.
/// </summary>
public interface IRunSource
{
    /// <summary>Oldest first.</summary>
    ValueTask<IReadOnlyList<RunListing>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Null when there is no such run (or it cannot be read).</summary>
    ValueTask<RunView?> GetAsync(string id, CancellationToken cancellationToken = default);
}
