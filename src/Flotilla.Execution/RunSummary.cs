using System.Collections.Immutable;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>How one step of a run ended. Immutable.</summary>
public sealed record StepOutcome(string Id, string? Host, StepKind Kind, StepState State, string? Message, DateTimeOffset? Started, DateTimeOffset? Finished, bool? Changed = null, string? Closure = null, bool? Superseded = null);

/// <summary>How a run ended: every step in plan order, and the exit code that follows. Immutable.</summary>
public sealed record RunSummary(string RunId, ImmutableArray<StepOutcome> Steps, bool Cancelled)
{
    public StepCounts Counts => StepCounts.Of(Steps.Select(s => s.State));

    /// <summary>
    /// 3 when a step needs attention (a rollback failed); else 1 when any step did not succeed
    /// (failed, rolled back, skipped, cancelled); else 0.
    /// </summary>
    public int ExitCode =>
        Steps.Any(s => s.State == StepState.NeedsAttention) ? RunExitCodes.NeedsAttention
        : Cancelled || Steps.Any(s => s.State != StepState.Succeeded) ? RunExitCodes.Failed
        : RunExitCodes.Success;

    /// <summary>Hosts with a step that failed, rolled back or needs attention, in plan order.</summary>
    public ImmutableArray<string> FailedHosts =>
        [.. Steps.Where(s => s.Host is not null && s.State is StepState.Failed or StepState.RolledBack or StepState.NeedsAttention).Select(s => s.Host!).Distinct()];
}
