using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Flotilla.Execution.Internal;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>What happened to a step; the <c>state</c> field of a <see cref="RunEvent"/>.</summary>
public enum RunEventState
{
    [JsonStringEnumMemberName("started")]
    Started,
    [JsonStringEnumMemberName("succeeded")]
    Succeeded,
    [JsonStringEnumMemberName("failed")]
    Failed,
    [JsonStringEnumMemberName("skipped")]
    Skipped,
    [JsonStringEnumMemberName("rolled-back")]
    RolledBack,
    /// <summary>Beyond the five values: a rollback failed (<see cref="StepState.NeedsAttention"/>).</summary>
    [JsonStringEnumMemberName("needs-attention")]
    NeedsAttention,
}

/// <summary>
/// One change of a step's state. As a JSON line (<c>--json</c>, and <c>events.jsonl</c> in the run
/// directory): <c>{"time": "2026-11-22T14:30:05.123Z", "host": "web01", "step": "activate:web01",
/// "kind": "activate", "state": "started", "message": null}</c>; <c>host</c> is null for fleet-wide
/// steps (gates, Terraform). A step that ended may say, typed, whether it changed its host
/// (<c>"changed": false</c>: it already ran the closure) and the closure it left it on
/// (<c>"closure"</c>), and that another activation replaced its own before it was confirmed
/// (<c>"superseded": true</c>); each is left out when it does not. Immutable.
/// </summary>
public sealed record RunEvent(
    [property: JsonConverter(typeof(UtcTimeJsonConverter))] DateTimeOffset Time,
    string? Host,
    string Step,
    [property: JsonRequired] StepKind Kind,
    RunEventState State,
    string? Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Changed = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Closure = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Superseded = null)
{
    /// <summary>The event as one line of JSON, without the line break.</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, RunJsonContext.Default.RunEvent);

    /// <summary>Reads a line written by <see cref="ToJsonLine"/>; false for anything else (a truncated line, garbage).</summary>
    public static bool TryParse(string line, [NotNullWhen(true)] out RunEvent? runEvent)
    {
        runEvent = null;
        try
        {
            runEvent = JsonSerializer.Deserialize(line, RunJsonContext.Default.RunEvent);
        }
        catch (JsonException)
        {
            return false;
        }

        return runEvent is { Step: not null };
    }

    /// <summary>The step state this event leaves behind (<see cref="StepState.Running"/> for <c>started</c>).</summary>
    [JsonIgnore]
    public StepState StepState => State switch
    {
        RunEventState.Started => StepState.Running,
        RunEventState.Succeeded => StepState.Succeeded,
        RunEventState.Failed => StepState.Failed,
        RunEventState.Skipped => StepState.Skipped,
        RunEventState.RolledBack => StepState.RolledBack,
        _ => StepState.NeedsAttention,
    };

    internal static RunEventState ToEventState(StepState state) => state switch
    {
        StepState.Running => RunEventState.Started,
        StepState.Succeeded => RunEventState.Succeeded,
        StepState.Skipped => RunEventState.Skipped,
        StepState.RolledBack => RunEventState.RolledBack,
        StepState.NeedsAttention => RunEventState.NeedsAttention,
        _ => RunEventState.Failed,
    };
}
