using System.Collections.Immutable;
using Flotilla.Planning;

namespace Flotilla.Execution.Operations;

/// <summary>How a host came out of a run, read from its steps' typed results (never their messages).</summary>
public enum HostOutcome
{
    /// <summary>Every step of the host succeeded and changed it (a new system, confirmed; a reboot; a rollback).</summary>
    Succeeded,
    /// <summary>Every step succeeded, and the host already ran its closure: nothing was activated.</summary>
    AlreadyCurrent,
    Failed,
    /// <summary>A step failed and the host is back on the generation it had.</summary>
    RolledBack,
    /// <summary>A rollback failed: a person must look at the host.</summary>
    NeedsAttention,
    /// <summary>Another activation (another run, or someone on the host) replaced this run's before it was confirmed: the host was left on that one.</summary>
    Superseded,
    /// <summary>Some step of the host did not run (what it waits for failed, or the run stopped first).</summary>
    NotRun,
}

/// <summary>A host's outcome in a run, the closure its activation left it on (or null), and the message of the step that decided it. Immutable.</summary>
public sealed record HostResult(string Host, HostOutcome Outcome, string? Closure, string? Message)
{
    /// <summary>Each host of <paramref name="summary"/>, in plan order.</summary>
    public static ImmutableArray<HostResult> Of(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return [.. summary.Steps.Where(s => s.Host is not null).GroupBy(s => s.Host!).Select(Of)];
    }

    private static HostResult Of(IGrouping<string, StepOutcome> steps)
    {
        var closure = steps.LastOrDefault(s => s.Closure is not null)?.Closure;
        StepOutcome? First(StepState state) => steps.FirstOrDefault(s => s.State == state);
        if (First(StepState.NeedsAttention) is { } attention)
        {
            return new(steps.Key, HostOutcome.NeedsAttention, closure, attention.Message);
        }

        if (steps.FirstOrDefault(s => s.Superseded == true) is { } superseded)
        {
            return new(steps.Key, HostOutcome.Superseded, null, superseded.Message);
        }

        if (First(StepState.RolledBack) is { } rolledBack)
        {
            return new(steps.Key, HostOutcome.RolledBack, closure, rolledBack.Message);
        }

        if (First(StepState.Failed) is { } failed)
        {
            return new(steps.Key, HostOutcome.Failed, closure, failed.Message);
        }

        if (steps.FirstOrDefault(s => s.State != StepState.Succeeded) is { } notRun)
        {
            return new(steps.Key, HostOutcome.NotRun, closure, notRun.Message);
        }

        var activate = steps.FirstOrDefault(s => s.Kind == StepKind.Activate);
        return activate is { Changed: false }
            ? new(steps.Key, HostOutcome.AlreadyCurrent, closure, activate.Message)
            : new(steps.Key, HostOutcome.Succeeded, closure, steps.Last().Message);
    }
}

/// <summary>How one run of an operation ended: its exit code, its summary (null when nothing ran), and why nothing ran when refused. Immutable.</summary>
public sealed record RunOutcome(int ExitCode, RunSummary? Summary, OperationRefusal? Refusal)
{
    /// <summary>Nothing to run (for example no host needs a reboot).</summary>
    public static readonly RunOutcome Nothing = new(RunExitCodes.Success, null, null);

    public string? RunId => Summary?.RunId;

    /// <summary>Each host of the run and how it came out; empty when nothing ran.</summary>
    public ImmutableArray<HostResult> Hosts => Summary is null ? [] : HostResult.Of(Summary);

    public static RunOutcome Refused(OperationRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new(refusal.ExitCode, null, refusal);
    }

    public static RunOutcome Ran(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new(summary.ExitCode, summary, null);
    }
}
