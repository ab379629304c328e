using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Flotilla.Execution.Internal;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>What a run is asked to do, as the CLI saw it: written to <c>run.json</c>. Immutable.</summary>
public sealed record RunMetadata(Operation Operation, string? InventoryPath)
{
    /// <summary>The run's id when it was chosen before the journal (<see cref="RunJournal.NewId"/>, to name the run in its lease); null: the journal picks one.</summary>
    public string? Id { get; init; }

    /// <summary>The selectors as given (<c>web01</c>, <c>@db</c>, <c>--service vaultwarden</c>).</summary>
    public ImmutableArray<string> Selection { get; init; } = [];

    /// <summary>The options that shape the run (<c>parallel</c>, <c>batch</c>, <c>max-fail</c>, <c>fail-fast</c>).</summary>
    public ImmutableSortedDictionary<string, string> Options { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>Who started the run where not from a command line: <c>alice (dashboard)</c>; null from the CLI.</summary>
    public string? StartedBy { get; init; }
}

/// <summary><c>run.json</c>: the run's id, what it does and when it started. Immutable.</summary>
public sealed record RunInfo(
    string Id,
    Operation Operation,
    string? InventoryPath,
    ImmutableArray<string> Selection,
    ImmutableSortedDictionary<string, string> Options,
    [property: JsonConverter(typeof(UtcTimeJsonConverter))] DateTimeOffset Started)
{
    /// <summary>Who started the run where not from a command line (<see cref="RunMetadata.StartedBy"/>); left out of <c>run.json</c> when null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StartedBy { get; init; }
}

/// <summary><c>result.json</c>, written when a run ends (and removed when it is resumed). Immutable.</summary>
public sealed record RunResult(
    [property: JsonConverter(typeof(UtcTimeJsonConverter))] DateTimeOffset Finished,
    int ExitCode);

/// <summary>
/// A step as the journal last saw it (the last event wins). <see cref="StepState.Running"/> in a
/// journal read back means the orchestrator stopped while the step ran (<see cref="Interrupted"/>).
/// <see cref="StepState.Pending"/> means no event was written for it. Immutable.
/// </summary>
public sealed record JournaledStep(string Id, StepState State, string? Message, DateTimeOffset? Started, DateTimeOffset? Finished, bool? Changed = null, string? Closure = null, bool? Superseded = null)
{
    public bool Interrupted => State == StepState.Running;
}

/// <summary>How a run stands: unfinished (running, or killed: the journal cannot tell), or ended with an exit code.</summary>
public enum RunStatus
{
    Unfinished,
    Succeeded,
    Failed,
    NeedsAttention,
}

/// <summary>How many steps of a run are in each state. Immutable.</summary>
public sealed record StepCounts(int Pending, int Running, int Succeeded, int Failed, int Skipped, int RolledBack, int NeedsAttention)
{
    public static StepCounts Of(IEnumerable<StepState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        var n = new int[Enum.GetValues<StepState>().Length];
        foreach (var state in states)
        {
            n[(int)state]++;
        }

        return new StepCounts(
            n[(int)StepState.Pending],
            n[(int)StepState.Running],
            n[(int)StepState.Succeeded],
            n[(int)StepState.Failed],
            n[(int)StepState.Skipped],
            n[(int)StepState.RolledBack],
            n[(int)StepState.NeedsAttention]);
    }
}

/// <summary>One line of <c>flotilla runs</c>. Immutable.</summary>
public sealed record RunListing(string Id, Operation Operation, DateTimeOffset Started, DateTimeOffset? Finished, StepCounts Counts, RunStatus Status)
{
    /// <summary>Who started it where not from a command line (<see cref="RunInfo.StartedBy"/>).</summary>
    public string? StartedBy { get; init; }
}
