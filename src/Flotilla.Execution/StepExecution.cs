using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>Where a step stands in a run.</summary>
public enum StepState
{
    Pending,
    Running,
    Succeeded,
    Failed,
    /// <summary>Not run: something it depends on failed, or the run stopped first.</summary>
    Skipped,
    /// <summary>The step failed and its host is back on the generation it had before.</summary>
    RolledBack,
    /// <summary>
    /// The step failed and undoing it failed too: the host may be on neither generation, and a
    /// person must look at it (the run exits with code 3). Executors report it when the rollback
    /// after a failure (theirs or the watchdog's) did not bring the previous generation back.
    /// </summary>
    NeedsAttention,
}

/// <summary>
/// How a step ended, with a message for a person (the reason, the failing command's last lines),
/// and what the engine reads instead of the message: whether the step changed its host and the
/// closure it left the host on.
/// </summary>
public sealed record StepResult(StepState State, string? Message = null)
{
    /// <summary>True when the step changed its host, false when there was nothing to do (the host already ran its closure); null when the step does not say.</summary>
    public bool? Changed { get; init; }

    /// <summary>The system closure the step left the host on (activation), or null.</summary>
    public string? Closure { get; init; }

    /// <summary>True when another activation (another run, or someone on the host) replaced this run's before it was confirmed, and the host was left as it is; null when the step does not say.</summary>
    public bool? Superseded { get; init; }

    public static StepResult Succeeded(string? message = null) => new(StepState.Succeeded, message);
    public static StepResult Failed(string message) => new(StepState.Failed, message);
    public static StepResult RolledBack(string message) => new(StepState.RolledBack, message);
    public static StepResult NeedsAttention(string message) => new(StepState.NeedsAttention, message);
}

/// <summary>Receives the output lines of running steps (for the journal and live progress). Thread safe.</summary>
public interface IStepOutput
{
    void Line(PlanStep step, string line);
}

/// <summary>What a step executor gets besides the step itself.</summary>
public sealed record StepContext(Fleet Fleet, Host? Host, IStepOutput Output);

/// <summary>
/// Runs one step of a plan against the real world (nix, ssh, health checks). The scheduler calls
/// it once per step, only after every step the step depends on succeeded; implementations must be
/// thread safe, since steps of independent hosts run in parallel.
/// </summary>
public interface IStepExecutor
{
    Task<StepResult> ExecuteAsync(PlanStep step, StepContext context, CancellationToken cancellationToken = default);
}
