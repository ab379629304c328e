using System.Collections.Immutable;
using Flotilla.Planning;

namespace Flotilla.Dashboard;

/// <summary>The runs the dashboard starts: the engine's deploy, rollback and reboot of a selection.</summary>
public enum RunOperation
{
    Deploy,
    Rollback,
    Reboot,
}

/// <summary>A run to start: the operation, the hosts (one selector grammar: names, <c>@tag</c>, globs; <c>--service</c>), and who asks. Immutable.</summary>
public sealed record RunLaunch(RunOperation Operation, Selection Selection, string RequestedBy)
{
    /// <summary>How it was asked for (<c>dashboard</c>, <c>api</c>): the journal records <c>alice (dashboard)</c> as who started it.</summary>
    public string Via { get; init; } = "dashboard";

    /// <summary>An operation by its name (<c>deploy</c>, <c>rollback</c>, <c>reboot</c>).</summary>
    public static bool TryParse(string? name, out RunOperation operation)
    {
        operation = name switch
        {
            "deploy" => RunOperation.Deploy,
            "rollback" => RunOperation.Rollback,
            "reboot" => RunOperation.Reboot,
            _ => (RunOperation)(-1),
        };
        return Enum.IsDefined(operation);
    }
}

/// <summary>What a launch would run (its plan), or why it cannot (<see cref="Problems"/>, each naming what to change). Immutable.</summary>
public sealed record RunPreview(Plan? Plan, ImmutableArray<string> Problems);

/// <summary>The run started (its id), or why it did not. Immutable.</summary>
public sealed record RunLaunchOutcome(string? RunId, string? Problem);

/// <summary>
/// Starts the engine's runs for the dashboard and stops them. Implemented by the control plane
/// with an inventory (<c>serve -f</c>), which hosts the operations: their journals are the runs
/// the runs page shows. Thread safe.
/// </summary>
public interface IRunLauncher
{
    /// <summary>Why runs cannot be started here (no inventory), or null when they can.</summary>
    string? Unavailable { get; }

    /// <summary>The plan the launch would run, from the inventory as it is now.</summary>
    ValueTask<RunPreview> PreviewAsync(RunLaunch launch, CancellationToken cancellationToken = default);

    /// <summary>Starts the run and returns once its journal exists (or it was refused: another run holds its hosts, a bad selection).</summary>
    ValueTask<RunLaunchOutcome> StartAsync(RunLaunch launch, CancellationToken cancellationToken = default);

    /// <summary>Whether this server runs the run now (so it can be cancelled).</summary>
    bool IsRunning(string runId);

    /// <summary>Cancels a run this server runs: nothing new starts, running steps are stopped, and the run ends failed; false when it does not run it.</summary>
    ValueTask<bool> CancelAsync(string runId, CancellationToken cancellationToken = default);
}
